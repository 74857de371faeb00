"""A file's bytes replaced by a new file at its path, for tests that rewrite one many times.

Rewriting in place truncates: ext4 (`auto_da_alloc`) then writes the file's data back to disk as it
is closed, about 3 ms a rewrite against 0.07 ms for a new file. Where a test needs the same inode
(a log appended to, a file held open), it writes in place itself."""

from __future__ import annotations

from pathlib import Path


def rewrite(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)
    path.write_bytes(data)
