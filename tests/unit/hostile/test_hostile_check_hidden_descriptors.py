"""A check's descriptors hidden from the watch. The watch finds what a process holds (sockets and pipes
full of bytes, removed files) by listing /proc/PID/fd, which the kernel gives to root alone once the
process has made itself non-dumpable (prctl(PR_SET_DUMPABLE, 0), one call, no privilege): run by a
user, as it is, tracetui listed nothing, and counted nothing of what such a process holds (measured
unprivileged on this machine: /proc/PID/fd of a sandboxed non-dumpable process refused, EACCES,
while pidfd_getfd of its descriptors still answered). Found 2026-11-28 by a red team. Where the list
is refused, each descriptor below the process's fd table size (`FDSize` in its status, readable) is
reached through pidfd_getfd instead. The kernel's refusal is stood in for here, run as root or not."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tracetui.capsule import buffers, limits

MiB = 1 << 20
HOLDER = """
import os, socket, sys
kept, sent = [], 0
while sent < 4 << 20:
    a, b = socket.socketpair()
    a.setblocking(False)
    try:
        while True:
            sent += a.send(b"x" * 65536)
    except BlockingIOError:
        kept.append((a, b))
fd = os.open("removed", os.O_RDWR | os.O_CREAT)
os.write(fd, b"y" * (3 << 20))
os.unlink("removed")
os.dup2(fd, 900)  # far up the table
os.close(fd)
print("HELD", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def holder(tmp_path, monkeypatch):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER], cwd=tmp_path, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline() == b"HELD\n"
    hidden = f"/proc/{proc.pid}/fd"
    real_listdir, real_stat = os.listdir, os.stat

    def listdir(path="."):
        if str(path).startswith(hidden):
            raise PermissionError(13, "Permission denied", str(path))
        return real_listdir(path)

    def stat(path, *args, **kwargs):
        if str(path).startswith(hidden):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "listdir", listdir)
    monkeypatch.setattr(os, "stat", stat)
    try:
        yield proc
    finally:
        monkeypatch.undo()
        proc.kill()
        proc.wait()


def test_bytes_in_sockets_are_counted_though_the_descriptor_list_is_refused(holder):
    assert buffers.buffered_bytes([holder.pid]) >= 4 * MiB


def test_a_removed_file_is_counted_though_the_descriptor_list_is_refused(holder, tmp_path):
    assert limits._removed_held(holder.pid, tmp_path, 512 * MiB) >= 3 * MiB
