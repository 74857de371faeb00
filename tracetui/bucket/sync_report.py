"""What a sync tells: its report at the end, and its progress as it goes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracetui.bucket.locations import SourceFolder
from tracetui.model import LineErrors


@dataclass(slots=True)
class SyncReport:
    sessions: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: LineErrors = field(default_factory=LineErrors)  # a sync of many bad logs lists 10,000
    seconds: float = 0.0
    searched: list[SourceFolder] = field(default_factory=list)  # where this sync looked for logs

    def to_dict(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [e.to_dict() for e in self.errors],
            "seconds": round(self.seconds, 3),
            "searched": [f.to_dict() for f in self.searched],
        }


@dataclass(slots=True)
class SyncProgress:
    """Passed to the progress callback after each unit of work."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int


ProgressCallback = Callable[[SyncProgress], None]
