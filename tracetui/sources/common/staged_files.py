"""The small files a stage hook keeps beside the logs it writes in the bucket (`staged/<agent>/`):
its state, read back leniently (the bucket's own file, but a crash or a hand may have damaged it:
then the stage starts over, which costs a read of the agent's files and loses nothing), and each
file written whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.regular_file import CACHE_MOST, read_regular


def load_state(path: Path) -> dict[str, Any]:
    """The JSON object in `path`; an empty one where it is missing, damaged or not an object."""
    try:
        # A FIFO put in its place would block a plain read; a sparse file of gigabytes fill the memory.
        value = orjson.loads(read_regular(path, CACHE_MOST))
    except (OSError, orjson.JSONDecodeError, TracetuiError):
        return {}
    return value if isinstance(value, dict) else {}


def write_atomic(target: Path, data: bytes) -> None:
    """`data` in `target` by a temporary file renamed over it: a reader sees the old bytes or the new."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    # O_EXCL | O_NOFOLLOW: a symlink planted at the temporary name is refused, never written through.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        with os.fdopen(os.open(tmp, flags, 0o600), "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_changed(target: Path, data: bytes) -> None:
    """`data` in `target` (its folder made), unless the file already holds exactly that: a staged log
    rewritten with the same bytes would be a change the bucket copies again."""
    if target.is_file() and target.read_bytes() == data:  # not a FIFO: is_file() says a regular file
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)


def nameable(name: str | Path) -> bool:
    """Whether a file's name can be written into a state file: one that is not UTF-8 (lone
    surrogates, as Python reads such names) cannot be, and orjson refuses it, so the stage leaves
    that file to the sync, which names it in one line."""
    try:
        str(name).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
