"""Memory a stranger's check holds in memfd_secret(2) files. Their pages are in no process's anonymous
resident size (a mapping of one shows as a file's) and not in the machine's shared memory: they are
the kernel's "unevictable" pages. A mapping of one is bounded by the memory-lock limit (8 MiB), but
the file keeps every page written through a window mapped and unmapped in turn: 400 MiB held in 4 s
by one process. Measured with the real sandbox: 400 MiB held so under a 192 MiB memory limit, no
limit hit. Found 2026-11-28 by a red team. The watch now counts the machine's unevictable memory
grown since the check began, as it counts its shared memory."""

from __future__ import annotations

import ctypes
import os
import sys
import textwrap
import time

import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, CheckLimits, replay, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402
from support.check_memory import GROUP, settled  # noqa: E402, F401  (settled: an autouse fixture)

pytestmark = GROUP

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
MiB = 1 << 20
LIMIT = 192 * MiB


def _secretmem() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.syscall(447, 0)  # memfd_secret: off unless the kernel was built and booted with it
    if fd < 0:
        return False
    os.close(fd)
    return True


SECRET = textwrap.dedent("""
    import ctypes, mmap, os, time
    fd = ctypes.CDLL(None, use_errno=True).syscall(447, 0)
    os.ftruncate(fd, 400 << 20)
    for part in range(50):  # 8 MiB at a time: the memory-lock limit bounds one mapping
        m = mmap.mmap(fd, 8 << 20, offset=part * (8 << 20))
        m.write(b"x" * (8 << 20))
        m.close()
    print("HELD", flush=True)
    time.sleep(30)
""").strip().replace("'", "'\"'\"'")


@needs_sandbox
@pytest.mark.skipif(sys.platform != "linux" or not _secretmem(), reason="no memfd_secret here")
def test_secret_memory_counts_against_the_check_s_limit(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x0f" * 32)
    started = time.monotonic()
    check = f"python3 -c '{SECRET}'; exit 1"
    result = replay(tmp_path / "ep.capsule", repo, check=check, limits=CheckLimits(memory=LIMIT))
    run = result.base_check
    assert run is not None and run.sandbox == "bubblewrap", run
    assert run.limit == "memory", run.output
    assert result.verdict == INCONCLUSIVE and time.monotonic() - started < 25
