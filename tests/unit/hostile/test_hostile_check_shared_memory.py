"""Memory a stranger's check holds where no process's resident size shows it. The watch summed the
sandbox's resident pages and RLIMIT_DATA bounds each process's private memory, but shared memory is
neither: bytes written into a memfd (each within the file-size limit, as many as it liked), a SysV
segment filled a piece at a time and detached, or a shared mapping filled by short-lived children
(every process shows some 10 MB resident at any time). Measured with the real sandbox: 3 GiB held
in six memfds in eight seconds, no limit hit, under a 2 GiB memory limit; the OOM killer takes the
user's own programs past the machine's memory. Found 2026-11-28 by a red team. The watch now counts
the machine's shared memory grown since the check started, less what the sandbox's own size-capped
tmpfs mounts hold (bounded on their own)."""

from __future__ import annotations

import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import CheckLimits, replay
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402
from support.check_memory import GROUP, settled  # noqa: E402, F401  (settled: an autouse fixture)

pytestmark = GROUP

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
MiB = 1 << 20
LIMIT = 192 * MiB  # the check's memory limit here; each attack holds 400 MiB
HOLD = 400


MEMFD = kit.python_check(f"""
    import os, time
    chunk, fds = b"x" * (1 << 20), []
    for n in range(4):
        fd = os.memfd_create(f"m{{n}}")
        for _ in range({HOLD} // 4):
            os.write(fd, chunk)
        fds.append(fd)
    print("HELD", flush=True)
    time.sleep(30)
""")
SYSV = kit.python_check(f"""
    import ctypes, time
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    seg = libc.shmget(0, ctypes.c_size_t({HOLD} << 20), 0o1600)
    for part in range({HOLD} // 50):  # 50 MiB at a time, detached between: never more resident
        addr = libc.shmat(seg, None, 0)
        ctypes.memset(ctypes.c_void_p(addr + (part * 50 << 20)), 1, 50 << 20)
        libc.shmdt(ctypes.c_void_p(addr))
    print("HELD", flush=True)
    time.sleep(30)
""")
FORKED = kit.python_check(f"""
    import mmap, os, time
    m = mmap.mmap(-1, {HOLD} << 20)  # shared: each child fills 50 MiB of it and ends
    for part in range({HOLD} // 50):
        if os.fork() == 0:
            for i in range(part * 50 << 20, (part + 1) * 50 << 20, 4096):
                m[i] = 1
            os._exit(0)
        os.wait()
    print("HELD", flush=True)
    time.sleep(30)
""")
TMP = 'head -c 150000000 /dev/zero > /tmp/fill && head -c 150000000 /dev/zero > "$HOME/fill"; sleep 2; exit 1'


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    repo, capsule, _ = kit.sealed_episode(tmp_path_factory.mktemp("shared"), 0x08)
    return repo, capsule


@needs_sandbox
@pytest.mark.parametrize("check", [MEMFD, SYSV, FORKED], ids=["memfd", "sysv", "forked-mapping"])
def test_shared_memory_counts_against_the_check_s_limit(sealed, check):
    repo, capsule = sealed
    kit.stopped_at(capsule, repo, check, CheckLimits(memory=LIMIT), "memory")


@needs_sandbox
def test_the_sized_tmpfs_mounts_are_not_counted_as_memory_again(sealed):
    repo, capsule = sealed
    result = replay(capsule, repo, check=TMP, limits=CheckLimits(memory=LIMIT))
    run = result.base_check
    assert run is not None
    assert run.limit is None and run.failure is None, run.output
