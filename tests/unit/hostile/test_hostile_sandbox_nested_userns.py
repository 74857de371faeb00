"""A user namespace inside the sandbox. A check could make one of its own, and with it a mount
namespace where it has every capability: it mounted a tmpfs of no size cap there (12 GiB, 3 million
inodes on this machine), out of sight of the watch's count of the sandbox's own mounts (their files
count as 1 KiB of kernel memory each; a million empty ones took 0.8 GB), and every kernel interface a
user namespace opens to an unprivileged process was the capsule's to try. Found 2026-11-28 by a red
team. bwrap's --disable-userns (0.8.0 and later) is passed where this bwrap takes it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import replay, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
NESTED = """python3 -c '
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x10000000 | 0x00020000) == 0:  # CLONE_NEWUSER | CLONE_NEWNS
    print("NESTED", libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
print("DONE")
'; exit 1"""


def _refuses_nested() -> bool:
    sandbox = find_sandbox()
    if sandbox is None:
        return False
    done = subprocess.run([sandbox.program, "--help"], capture_output=True, check=False)
    return b"--disable-userns" in done.stdout + done.stderr


@needs_sandbox
@pytest.mark.skipif(not _refuses_nested(), reason="this bwrap cannot refuse nested user namespaces (before 0.8.0)")
def test_the_check_cannot_make_a_user_namespace(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x11" * 32)
    run = replay(tmp_path / "ep.capsule", repo, check=NESTED).base_check
    assert run is not None and run.sandbox == "bubblewrap", run
    assert "DONE" in run.output and "NESTED" not in run.output, run.output
