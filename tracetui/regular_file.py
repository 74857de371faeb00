"""Opening a file someone named, refusing anything that is not a regular file.

A FIFO, a device or a socket named `bug.capsule` or `x.jsonl` would block a plain `open()` or read
forever. The file is opened non-blocking (opening a FIFO then cannot wait for a writer) and checked
with fstat on the descriptor, so a file swapped for a FIFO between a stat and the open is refused too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from tracetui.errors import TracetuiError
from tracetui.safe_text import safe_line


class NotRegularFile(TracetuiError):
    """The path names a FIFO, a device, a socket or a folder."""


def open_regular(path: str | Path) -> BinaryIO:
    """`path` opened for reading in binary; raises NotRegularFile, or OSError as open() would."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            what = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a special file"
            raise NotRegularFile(f"{safe_line(str(path))} is {what}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path) -> bytes:
    """The whole of a regular file (see `open_regular`)."""
    with open_regular(path) as fh:
        return fh.read()


def is_regular(path: str | Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False
