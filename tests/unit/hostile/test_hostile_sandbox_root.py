"""Where a stranger's check can write inside the sandbox, and how much. bubblewrap builds the sandbox's
root and its /dev on tmpfs mounts of its own, with no size, and leaves both writable: a capsule's
code run by the user's check wrote files under /, /etc, /var or /dev (each under the 512 MiB
file-size limit, as many as it liked), all of it the machine's memory, outside the clone the disk
limit watches and the size-capped tmpfs mounts: 3 GiB written to `/` in four seconds, and the OOM
killer would take the user's own programs next. Found 2026-11-28 by writing to / in a check. The
root and /dev are read-only now; the clone, /tmp, /var/tmp, home, /run and /dev/shm are as before."""

from __future__ import annotations

import os
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import replay, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
UNSIZED = ["/", "/etc", "/var", "/dev", "/usr/.."]
SIZED = ["/tmp", "/var/tmp", "/run", "/dev/shm", "$HOME", "."]


def _probe(folders: list[str]) -> str:
    # `true`, not `:`: a special built-in whose redirection fails ends a POSIX shell.
    writes = [f"if true 2>/dev/null > \"{f}/tracetui-probe\"; then echo 'wrote {f}'; "
              f"else echo 'refused {f}'; fi" for f in folders]  # fmt: skip
    return "; ".join(writes) + "; exit 1"


@needs_sandbox
def test_a_check_writes_nowhere_that_no_limit_bounds(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x07" * 32)
    result = replay(tmp_path / "ep.capsule", repo, check=_probe(UNSIZED + SIZED))
    run = result.base_check
    assert run is not None and run.sandbox == "bubblewrap" and run.failure is None, run
    said = set(run.output.splitlines())
    assert {f"refused {f}" for f in UNSIZED} <= said, run.output
    assert {f"wrote {f}" for f in SIZED} <= said, run.output
    assert not os.path.exists("/tracetui-probe")
