"""Our own worker processes (`python -m <module>`), and the messages to and from them over their stdin and
stdout: a 4-byte big-endian length, then the bytes. The bucket's sync pool and the redaction pool use them;
a short read (the other end gone) is None, never a partial message.

Plain subprocesses rather than multiprocessing: its spawn re-imports the caller's `__main__` in each
worker, and fork is unsafe in a process with threads (the app)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

HEADER = struct.Struct(">I")


def spawn(module: str) -> subprocess.Popen[bytes]:
    """`python -m module` with pipes to its stdin and stdout, this checkout's package first on its path
    (a worker must run the code its caller runs), its stderr dropped."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    return subprocess.Popen(
        # -P: `-m` would put the working folder first on the path, and it is anyone's (a clone just
        # made): its `orjson.py` or `tracetui/` would be imported and run in every worker.
        [sys.executable, "-P", "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, env=env,
    )


def pipes(proc: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    if proc.stdin is None or proc.stdout is None:  # spawn always asks for both
        raise OSError("the worker process has no pipes")
    return proc.stdin, proc.stdout


def send(fh: IO[bytes], data: bytes) -> None:
    _write_all(fh, HEADER.pack(len(data)))
    _write_all(fh, data)
    fh.flush()


def _write_all(fh: IO[bytes], data: bytes) -> None:
    """Every byte of `data`, however few each write takes. With PYTHONUNBUFFERED set, a worker's
    `sys.stdout.buffer` is the raw file, whose write into a full pipe ends early when a signal comes
    (a timer's tick, a profiler's stop): the rest of the answer was lost and the pool waited for ever."""
    view = memoryview(data)
    while view:
        view = view[fh.write(view) or 0 :]


def recv(fh: IO[bytes]) -> bytes | None:
    head = _read_all(fh, HEADER.size)
    if len(head) < HEADER.size:
        return None
    (n,) = HEADER.unpack(head)
    data = _read_all(fh, n)
    return data if len(data) == n else None


def _read_all(fh: IO[bytes], n: int) -> bytes:
    """n bytes, or fewer where the other end is gone: a raw file's read gives what one read returns."""
    data = fh.read(n)
    if len(data) in (0, n):
        return data
    parts = [data]
    got = len(data)
    while got < n:
        part = fh.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def end_workers(procs: list[subprocess.Popen[bytes]], threads: list[Any], at_once: bool) -> None:
    """Stop a pool's workers once their feeding threads were told to end: killed first where work is
    still in flight (`at_once`: an error, Ctrl-C), else left to read the end of their input; a worker
    that does not end within seconds is killed."""
    if at_once:
        for proc in procs:
            proc.kill()
    for t in threads:
        t.join(timeout=5)
    for proc in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
