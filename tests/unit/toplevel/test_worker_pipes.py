"""The messages to and from our worker processes (`tracetui/worker_pipes.py`) arrive whole however few
bytes each write or read moves. With PYTHONUNBUFFERED set (a container's, an IDE's), a worker's
`sys.stdout.buffer` is the raw file: its write into a full pipe ends early when a signal comes, and
`send` lost the rest, so the pool's thread waited for ever on an answer cut short (found profiling an
export with `py-spy record --subprocesses`, whose stops end such a write as a signal does)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, cast

from tracetui.worker_pipes import recv, send

ROOT = Path(__file__).resolve().parents[3]  # where `tracetui` is, for the child's path


class _Few:
    """A file that moves at most `most` bytes a call, as a raw pipe's write or read may."""

    def __init__(self, data: bytes = b"", most: int = 1000) -> None:
        self.data = bytearray(data)
        self.at = 0
        self.most = most

    def write(self, b: bytes | memoryview) -> int:
        taken = bytes(b[: self.most])
        self.data += taken
        return len(taken)

    def flush(self) -> None:
        pass

    def read(self, n: int) -> bytes:
        out = bytes(self.data[self.at : self.at + min(n, self.most)])
        self.at += len(out)
        return out

    def io(self) -> IO[bytes]:
        return cast(IO[bytes], self)


def test_a_message_is_sent_and_read_whole_a_few_bytes_a_call():
    message = bytes(range(256)) * 40
    out = _Few()
    send(out.io(), message)
    assert bytes(out.data) == len(message).to_bytes(4, "big") + message
    assert recv(_Few(bytes(out.data), most=700).io()) == message
    assert recv(_Few(bytes(out.data)[:-1], most=700).io()) is None  # cut short: the other end gone


_CHILD = """
import signal, sys
from tracetui.worker_pipes import send
assert type(sys.stdout.buffer).__name__ == "FileIO"  # unbuffered: the raw file
signal.signal(signal.SIGALRM, lambda *_: None)
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)  # a tick every millisecond, as a timer's
send(sys.stdout.buffer, b"x" * (8 << 20))
signal.setitimer(signal.ITIMER_REAL, 0)
"""


def test_an_unbuffered_worker_interrupted_by_signals_sends_its_answer_whole():
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, env=env)
    try:
        assert child.stdout is not None
        time.sleep(0.05)  # the pipe full, the child's write waiting, ticks coming
        answer = recv(child.stdout)
    finally:
        child.kill()
        child.wait()
    assert answer is not None and len(answer) == 8 << 20
