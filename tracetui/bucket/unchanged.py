"""A whole sync's shortcut past the plan when nothing the plan reads has changed since a quiet sync.

More in docs/internals/bucket.md, `bucket/unchanged.py`.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import orjson

from tracetui import __version__
from tracetui.bucket import removed
from tracetui.bucket.store import Store

KEY = "unchanged"  # the digest's row in the index's meta table


def digest(store: Store, conn: sqlite3.Connection, found: dict[str, list[Path]]) -> str | None:
    """What a whole sync's plan depends on, as one digest: each log found with its inode, size and
    mtime, each sidecar's, the removal list's, the groups table and tracetui's version. None where a
    log or the sidecars' folder cannot be read (the plan says why)."""
    parts: list[bytes] = [__version__.encode()]
    for agent in sorted(found):
        parts.append(b"\0agent\0" + agent.encode())
        for path in found[agent]:
            stat = _stat(str(path))
            if stat is None:
                return None
            parts += (os.fsencode(path), stat)
    parts.append(b"\0sidecars\0")
    try:
        fd = os.open(store.dir, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        fd = -1
    except OSError:
        return None
    if fd >= 0:
        try:
            # The sidecars alone (`Store.load_all` reads these): a copy changes only with its sidecar.
            for name in sorted(n for n in os.listdir(fd) if n.endswith(".json") and not n.startswith(".")):
                stat = _stat(name, fd)
                if stat is None:
                    return None
                parts += (name.encode(errors="surrogateescape"), stat)
        finally:
            os.close(fd)
    parts.append(b"\0removed\0" + (_stat(str(store.dir.parent / removed.FILE_NAME)) or b"none"))
    parts.append(b"\0groups\0")
    parts += (orjson.dumps(row) for row in conn.execute("SELECT main, agent, files, sig FROM groups ORDER BY main"))
    return hashlib.sha256(b"\n".join(parts)).hexdigest()


def _stat(path: str, folder: int | None = None) -> bytes | None:
    try:
        st = os.stat(path, dir_fd=folder, follow_symlinks=False) if folder is not None else os.stat(path)
    except (OSError, ValueError):
        return None
    return b"%d:%d:%d" % (st.st_ino, st.st_size, st.st_mtime_ns)


def recorded(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (KEY,)).fetchone()
    return row[0] if row is not None and isinstance(row[0], str) else None


def record(conn: sqlite3.Connection, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (KEY, value))
