"""Memory a stranger's check holds in the kernel's socket and pipe buffers. Bytes written to a socket
nobody reads wait in the kernel, charged to no process's resident size nor to the machine's shared
memory, and a socket may ask for a send buffer of twice `net.core.wmem_max`: unix socket pairs filled
and never read held 1.5 GiB in 200 pairs (400 descriptors) in 12 s on this machine, and a process
may hold thousands of descriptors. Measured with the real sandbox: 400 MiB held so under a 192 MiB
memory limit, no limit hit. Found 2026-11-28 by a red team. The watch now adds what waits in each
socket and pipe the sandbox's processes hold (each counted once, through a copy of the descriptor)."""

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
LIMIT = 192 * MiB


SOCKETS = kit.python_check("""
    import socket, time
    held, total = [], 0
    while total < 400 << 20:
        a, b = socket.socketpair()
        a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        a.setblocking(False)
        try:
            while True:
                total += a.send(b"x" * 65536)
        except BlockingIOError:
            pass
        held.append((a, b))
    print("HELD", len(held), flush=True)
    time.sleep(30)
""")
PIPES = kit.python_check("""
    import fcntl, os, time
    for _ in range(3):
        os.fork()  # eight processes, 50 MiB each
    held, total = [], 0
    while total < 50 << 20:
        r, w = os.pipe()
        try:
            fcntl.fcntl(w, 1031, 1 << 20)  # F_SETPIPE_SZ: refused past the user's share, a page each then
        except PermissionError:
            pass
        os.set_blocking(w, False)
        try:
            while True:
                total += os.write(w, b"x" * 65536)
        except BlockingIOError:
            pass
        held.append((r, w))
    print("HELD", len(held), flush=True)
    time.sleep(30)
""")


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    repo, capsule, _ = kit.sealed_episode(tmp_path_factory.mktemp("buffers"), 0x0c)
    return repo, capsule


@needs_sandbox
@pytest.mark.parametrize("check", [SOCKETS, PIPES], ids=["sockets", "pipes"])
def test_bytes_waiting_in_the_kernel_count_against_the_memory_limit(sealed, check):
    repo, capsule = sealed
    kit.stopped_at(capsule, repo, check, CheckLimits(memory=LIMIT), "memory")


@needs_sandbox
def test_a_socket_read_as_it_is_written_counts_for_nothing(sealed):
    repo, capsule = sealed
    check = kit.python_check("""
        import socket
        a, b = socket.socketpair()
        for _ in range(2000):
            a.sendall(b"x" * 65536)
            assert len(b.recv(65536, socket.MSG_WAITALL)) == 65536
        print("DONE", flush=True)
    """)
    result = replay(capsule, repo, check=check, limits=CheckLimits(memory=LIMIT))
    run = result.base_check
    assert run is not None and run.limit is None and "DONE" in run.output, run
