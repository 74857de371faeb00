"""Sessions the user removed from the bucket, so a sync does not bring them straight back.

More in docs/internals/bucket.md, `bucket/removed.py`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tracetui.bucket.store import _atomic_write
from tracetui.errors import TracetuiError
from tracetui.regular_file import CACHE_MOST, read_regular

FILE_NAME = "removed.json"


@dataclass(frozen=True, slots=True)
class RemovedLog:
    agent: str
    path: str  # the agent's log, absolute, as the bucket's sidecars name it
    size: int
    mtime_ns: int
    group: str  # the main log of the session it belonged to: its logs come back together
    session: str

    def to_dict(self) -> dict[str, Any]:
        return {"agent": self.agent, "path": self.path, "size": self.size, "mtime_ns": self.mtime_ns,
                "group": self.group, "session": self.session}  # fmt: skip


def load(root: Path) -> list[RemovedLog]:
    """The removed logs; a missing file is none, a damaged one is said in one sentence."""
    path = root / FILE_NAME
    try:
        # A FIFO put in its place would block a plain read; FileTooLarge (a sparse file of gigabytes)
        # is one line, as damage is.
        data = read_regular(path, CACHE_MOST)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TracetuiError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        rows = orjson.loads(data)
        return [RemovedLog(**row) for row in rows]
    except (orjson.JSONDecodeError, TypeError, ValueError):
        raise TracetuiError(
            f"{path} (the sessions removed with `tracetui rm`) is damaged; delete it to let them come back"
        ) from None


def save(root: Path, logs: list[RemovedLog]) -> None:
    path = root / FILE_NAME
    if not logs:
        path.unlink(missing_ok=True)
        return
    try:
        _atomic_write(path, orjson.dumps([log.to_dict() for log in logs], option=orjson.OPT_INDENT_2))
    except OSError as exc:
        raise TracetuiError(f"cannot write {path}: {exc.strerror or exc}") from None


def still_removed(root: Path) -> set[tuple[str, str]]:
    """(agent, path) of the removed logs a sync must pass over. Sessions whose logs changed since
    they were removed are let back (their entries dropped), and logs gone from disk forgotten."""
    logs = load(root)
    if not logs:
        return set()
    changed: set[str] = set()
    gone: set[str] = set()
    for log in logs:
        try:
            st = os.stat(log.path)
        except OSError:
            gone.add(log.path)
            continue
        if (st.st_size, st.st_mtime_ns) != (log.size, log.mtime_ns):
            changed.add(log.group)
    keep = [log for log in logs if log.group not in changed and log.path not in gone]
    if len(keep) != len(logs):
        save(root, keep)
    return {(log.agent, log.path) for log in keep}
