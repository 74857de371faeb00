"""What the bucket's reads and removals answer: a search hit, a removal, the head of a list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracetui.model import SessionSummary


@dataclass(slots=True)
class SearchHit:
    session: str  # session id
    step: str  # step id
    snippet: str  # short plain text around the match, on one line
    index: int | None = None  # the step's index in its session (what `seal --steps` takes)
    title: str | None = None  # the session's
    agent: str | None = None
    timestamp: str | None = None  # the step's time, else the session's start
    match: tuple[int, int] | None = None  # [start, end) of the matched word in `snippet`

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "step": self.step,
            "snippet": self.snippet,
            "index": self.index,
            "title": self.title,
            "agent": self.agent,
            "timestamp": self.timestamp,
            "match": list(self.match) if self.match else None,
        }


@dataclass(slots=True)
class Removal:
    """What `Bucket.remove` took out of the bucket (the agent's own logs are never touched)."""

    session: str
    title: str | None
    agent: str
    logs: list[str]  # the agent's logs whose copies went; kept out of syncs until they change
    copies: int  # files deleted from the bucket: copies of every generation and their sidecars

    def to_dict(self) -> dict[str, Any]:
        return {"removed": self.session, "title": self.title, "agent": self.agent, "logs": self.logs,
                "copies": self.copies}  # fmt: skip


@dataclass(slots=True)
class ListHead:
    """The first sessions a text filter keeps, found by work that does not grow with the bucket
    (`Bucket.first_sessions`): what a list can show while the whole answer is still worked out."""

    rows: list[SessionSummary]  # the whole answer's first rows, in the list's order
    count: int | None = None  # the whole answer's count, where it was found

    @property
    def whole(self) -> bool:
        """`rows` is the whole answer (`list_sessions` gives no more)."""
        return self.count is not None and self.count == len(self.rows)
