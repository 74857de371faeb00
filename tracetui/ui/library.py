"""What the app reads from: a Bucket, an opened capsule, or (in tests and benchmarks) memory.

The app never knows which one it has; it only calls the read side they share. `MemoryLibrary` is
the stand-in built from model dataclasses, so the UI can be driven without a disk index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tracetui.errors import NotFound
from tracetui.model import Session, SessionSummary


class Library(Protocol):
    """The read side of `tracetui.bucket.Bucket` that the UI uses (an OpenedCapsule quacks the same)."""

    def list_sessions(
        self,
        agent: str | None = None,
        project: str | None = None,
        text: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[SessionSummary]: ...

    def count_sessions(self, agent: str | None = None, project: str | None = None, text: str | None = None) -> int: ...

    def session(self, id_or_prefix: str) -> Session: ...

    def search(self, query: str, limit: int = 50) -> list[Any]: ...

    def projects(self) -> list[str]: ...

    def agents(self) -> list[str]: ...


@dataclass(slots=True)
class Hit:
    """A search hit shaped like the bucket's SearchHit."""

    session: str
    step: str
    snippet: str


class MemoryLibrary:
    """Sessions held in memory, newest first; plain substring matching stands in for FTS."""

    read_only = True

    def __init__(self, sessions: list[Session]) -> None:
        self._sessions = sorted(sessions, key=lambda s: s.started or "", reverse=True)
        self._summaries = [SessionSummary.of(s) for s in self._sessions]
        self._by_id = {s.id: s for s in self._sessions}

    def _matching(self, agent: str | None, project: str | None, text: str | None) -> list[SessionSummary]:
        needle = (text or "").lower()
        out = []
        for summary in self._summaries:
            if agent and summary.agent != agent:
                continue
            if project and summary.project != project:
                continue
            if needle and needle not in (summary.title or "").lower() and not self._steps_contain(summary.id, needle):
                continue
            out.append(summary)
        return out

    def _steps_contain(self, session_id: str, needle: str) -> bool:
        return any(needle in step.text.lower() for step in self._by_id[session_id].steps)

    def list_sessions(self, agent=None, project=None, text=None, limit=None, offset=0):
        rows = self._matching(agent, project, text)
        end = None if limit is None else offset + limit
        return rows[offset:end]

    def count_sessions(self, agent=None, project=None, text=None):
        if not (agent or project or text):
            return len(self._summaries)
        return len(self._matching(agent, project, text))

    def session(self, id_or_prefix: str) -> Session:
        if id_or_prefix in self._by_id:
            return self._by_id[id_or_prefix]
        found = [s for s in self._sessions if s.id.startswith(id_or_prefix)]
        if len(found) != 1:
            raise NotFound(f"no single session matches {id_or_prefix!r}")
        return found[0]

    def search(self, query: str, limit: int = 50) -> list[Hit]:
        needle = query.lower()
        hits: list[Hit] = []
        for session in self._sessions:
            for step in session.steps:
                at = step.text.lower().find(needle)
                if at >= 0:
                    hits.append(Hit(session.id, step.id, step.text[max(0, at - 30) : at + 60]))
                    if len(hits) >= limit:
                        return hits
        return hits

    def projects(self) -> list[str]:
        return sorted({s.project for s in self._summaries if s.project})

    def agents(self) -> list[str]:
        return sorted({s.agent for s in self._summaries})
