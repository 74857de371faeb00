"""Bytes in sockets no process holds. The watch counts what waits in each socket a check's process
holds, but a connection never accepted is held by no process (it waits in its listener's queue), and
its client may send and close: the bytes stay in the kernel. Measured on this machine: 126 MiB sent
into 64 such connections, none of it counted (MemAvailable fell by 62 MiB more than the payload's
share of pages); a listener queues thousands. With the real sandbox: 400 MiB so under a 192 MiB
memory limit, no limit hit. Found 2026-11-28 by a red team. Each unix socket of the sandbox's own
network namespace that no process of it holds (a connection not accepted, a socket in flight in
another) now counts as the most a socket may queue, twice `net.core.wmem_max`.

The same over TCP: the sandbox has a loopback of its own (bwrap's --unshare-net; the host's is not
reachable, tests/unit/capsule/test_replay_sandbox.py), and 400 MiB sent into 108 connections to a
listener that never accepted them held 412 MiB of the machine's memory, none counted. Found
2026-11-28 by the seventh red team. What waits in each TCP and UDP socket of the sandbox's namespace
that no process of it holds now counts, as its queues say (/proc/net/tcp's tx_queue and rx_queue)."""

from __future__ import annotations

import sys
import textwrap

import pytest
from shared_data import FIXTURES

from tracetui.capsule import CheckLimits, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
MiB = 1 << 20
LIMIT = 192 * MiB

UNACCEPTED_TCP = textwrap.dedent("""
    import socket, time
    listeners, total, n = [], 0, 0
    while total < 400 << 20:
        if n % 100 == 0:
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            srv.bind(("127.0.0.1", 0))
            srv.listen(128)
            listeners.append(srv)
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.connect(listeners[-1].getsockname())
        c.setblocking(False)
        try:
            while True:
                total += c.send(b"x" * 65536)
        except BlockingIOError:
            pass
        c.close()  # never accepted: no process holds either end
        n += 1
    print("HELD", n, flush=True)
    time.sleep(30)
""").strip()
UNACCEPTED = textwrap.dedent("""
    import os, socket, time
    listeners, total, n = [], 0, 0
    while total < 400 << 20:
        if n % 100 == 0:
            srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            srv.bind(f"/tmp/l{n}")
            srv.listen(128)
            listeners.append(srv)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        c.connect(f"/tmp/l{n - n % 100}")
        c.setblocking(False)
        try:
            while True:
                total += c.send(b"x" * 65536)
        except BlockingIOError:
            pass
        c.close()  # never accepted: no process holds the other end
        n += 1
    print("HELD", n, flush=True)
    time.sleep(30)
""").strip().replace("'", "'\"'\"'")


@needs_sandbox
@pytest.mark.parametrize("code", [UNACCEPTED, UNACCEPTED_TCP], ids=["unix", "tcp"])
def test_bytes_in_connections_never_accepted_count_against_the_memory_limit(tmp_path, code):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x12" * 32)
    check = f"python3 -c '{code}'; exit 1"
    kit.stopped_at(tmp_path / "ep.capsule", repo, check, CheckLimits(memory=LIMIT), "memory")
