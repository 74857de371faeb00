"""What a check's processes hold in the kernel's socket and pipe buffers (docs/design.md, "Replay").

Bytes written to a socket or pipe that nobody reads wait in the kernel: no process's resident size
shows them, nor the machine's shared memory, and a socket may ask for megabytes of them. Each socket
and pipe the processes hold is read once (by inode) through a copy of its descriptor (pidfd_getfd,
which needs what ptrace needs: tracetui started the sandbox, so it may): a socket's queued bytes both
ways (a pair's bytes may count twice, never none), a pipe's capacity while it holds any byte (a page
each buffer, whatever each holds), and what the sandbox's sockets no process holds keep. Where no
copy can be had (a kernel before 5.6, Yama's ptrace scope 2 and up) each counts as the most it holds
without asking for more (`UNMEASURED_*`).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import stat
import struct
from collections.abc import Iterator

_SYS_PIDFD_GETFD = 438  # the same number on every architecture
_FIONREAD = 0x541B  # SIOCINQ on a socket
_TIOCOUTQ = 0x5411  # SIOCOUTQ
_F_GETPIPE_SZ = 1032
UNMEASURED_PIPE = 64 << 10  # a pipe's default capacity
# What an open descriptor costs the kernel besides what it buffers: its file, and for a memfd an inode
# and a name (1,264 bytes measured; an eventfd 575). A check's 256 processes may hold their descriptor
# limit each: 6.5 GB of empty memfds here, in no process's size and no page of shared memory.
DESCRIPTOR_BYTES = 1280


def _wmem(name: str) -> int:
    try:
        with open(f"/proc/sys/net/core/{name}", "rb") as fh:
            return int(fh.read())
    except (OSError, ValueError):
        return 212992  # Linux's default, for both


UNMEASURED_SOCKET = 2 * _wmem("wmem_default")  # what a socket may queue without SO_SNDBUF, both ways
UNHELD_SOCKET = 2 * _wmem("wmem_max")  # the most a socket may queue: SO_SNDBUF is doubled
_libc = ctypes.CDLL(None, use_errno=True)


def buffered_bytes(pids: list[int]) -> int:
    """The bytes waiting in the sockets and pipes `pids` hold (see the module docstring), and
    DESCRIPTOR_BYTES for each descriptor."""
    seen: set[tuple[int, int]] = set()
    sockets: set[int] = set()
    total = 0
    for pid in pids:
        pidfd: int | None = None
        try:
            for number, st in descriptors(pid):
                total += DESCRIPTOR_BYTES
                kind = stat.S_IFMT(st.st_mode)
                if kind not in (stat.S_IFSOCK, stat.S_IFIFO) or (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
                if kind == stat.S_IFSOCK:
                    sockets.add(st.st_ino)
                if pidfd is None:
                    try:
                        pidfd = os.pidfd_open(pid)
                    except OSError:
                        break  # it ended
                total += _held(pidfd, number, kind == stat.S_IFSOCK)
        finally:
            if pidfd is not None:
                os.close(pidfd)
    return total + _unheld_sockets(pids, sockets)


def _unheld_sockets(pids: list[int], held: set[int]) -> int:
    """The bytes that sockets of the sandbox's own network namespace no process of it holds may keep:
    a connection never accepted waits in its listener's queue, a socket sent over another is in flight,
    and what was sent to either stays in the kernel. Each unix one as UNHELD_SOCKET (its queue is not
    listed); each TCP and UDP one as its queues say. None where `pids` share tracetui's namespace (a
    trusted check: the machine's sockets are not its)."""
    try:
        own = os.readlink("/proc/self/ns/net")
    except OSError:
        return 0
    for pid in pids:
        try:
            if os.readlink(f"/proc/{pid}/ns/net") == own:
                continue
            with open(f"/proc/{pid}/net/unix", "rb") as fh:
                lines = fh.read().splitlines()[1:]
        except OSError:
            continue
        unheld = 0
        for line in lines:  # Num RefCount Protocol Flags Type St Inode Path
            parts = line.split()
            # Inode 0: a connection not yet accepted has no file at all, so no descriptor.
            if len(parts) >= 7 and parts[6].isdigit() and int(parts[6]) not in held:
                unheld += 1
        return unheld * UNHELD_SOCKET + sum(_unheld_inet(pid, name, held) for name in _INET)
    return 0


_INET = ("tcp", "tcp6", "udp", "udp6")
_LISTEN = b"0A"  # a listener's queues are its backlog's length and size, not bytes


def _unheld_inet(pid: int, name: str, held: set[int]) -> int:
    """What waits in the `name` sockets (/proc/PID/net/NAME) of `pid`'s namespace no process holds:
    tx_queue and rx_queue, bytes (TCP: sent and not acknowledged, received and not read; UDP: the
    memory its queued datagrams take)."""
    try:
        with open(f"/proc/{pid}/net/{name}", "rb") as fh:
            lines = fh.read().splitlines()[1:]
    except OSError:
        return 0
    total = 0
    for line in lines:  # sl local remote st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
        parts = line.split()
        try:
            if len(parts) < 10 or parts[3] == _LISTEN or int(parts[9]) in held:
                continue
            tx, rx = (int(x, 16) for x in parts[4].split(b":"))
        except ValueError:
            continue
        total += tx + rx
    return total


def descriptors(pid: int) -> Iterator[tuple[int, os.stat_result]]:
    """(number, what it opens) of each descriptor `pid` holds. From /proc/PID/fd; where the kernel
    refuses that list (a process that made itself non-dumpable, and tracetui not root), through a copy
    of each number below the size of its table (`FDSize` in its status), which ptrace's rights give."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except PermissionError:
        yield from _probed(pid)
        return
    except OSError:
        return
    for name in names:
        try:
            yield int(name), os.stat(f"/proc/{pid}/fd/{name}")
        except (OSError, ValueError):
            continue


def _probed(pid: int) -> Iterator[tuple[int, os.stat_result]]:
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            size = next(int(line.split()[1]) for line in fh if line.startswith(b"FDSize:"))
        pidfd = os.pidfd_open(pid)
    except (OSError, ValueError, IndexError, StopIteration):
        return
    try:
        for number in range(size):
            copy = _libc.syscall(_SYS_PIDFD_GETFD, pidfd, number, 0)
            if copy < 0:
                continue
            try:
                found = os.fstat(copy)
            finally:
                os.close(copy)
            yield number, found
    finally:
        os.close(pidfd)


def _held(pidfd: int, fd: int, socket: bool) -> int:
    copy = _libc.syscall(_SYS_PIDFD_GETFD, pidfd, fd, 0)
    if copy < 0:
        # Closed meanwhile (EBADF): nothing held. Refused: the most it holds unasked.
        if ctypes.get_errno() == 9:
            return 0
        return UNMEASURED_SOCKET if socket else UNMEASURED_PIPE
    try:
        if socket:
            return _queued(copy, _FIONREAD) + _queued(copy, _TIOCOUTQ)
        return fcntl.fcntl(copy, _F_GETPIPE_SZ) if _queued(copy, _FIONREAD) else 0
    except OSError:
        return 0
    finally:
        os.close(copy)


def _queued(fd: int, request: int) -> int:
    try:
        return max(0, struct.unpack("i", fcntl.ioctl(fd, request, b"\0\0\0\0"))[0])
    except OSError:  # a listening socket has no queue of bytes
        return 0
