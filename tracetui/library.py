"""The read side every session source shares: a bucket, an opened capsule, sessions in memory.

The app and the CLI read through this one shape and never ask which source they have. `Bucket`
answers it from its SQLite index; `MemoryLibrary` answers it from sessions held in memory, which is
what an opened capsule (one session), the demo and the tests need.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tracetui.bucket import ListHead, SearchHit, word_match
from tracetui.bucket.index import argument_words, hit_snippet, query_terms
from tracetui.bucket.searched import StepQuery, parts, said_edges, step_query
from tracetui.cost import session_cost
from tracetui.errors import NotFound, TracetuiError, given_id
from tracetui.model import EVERY, Session, SessionFilter, SessionSummary, Spent, Step, spent_of
from tracetui.preview_head import HeadFacts


@dataclass(slots=True)
class RecordedTrail:
    """A session's patches with their fates as its source recorded them (a capsule's as sealed, a
    dataset's as exported), in the shape `views.trail.from_rows` folds, and what to say of them."""

    rows: Sequence[dict[str, Any]]  # a capsule's are read from its bytes as they are folded
    note: str


# Libraries of someone else's sessions (a capsule, a team's dataset): the folders they name are a
# stranger's word, never where the user's agent runs or whose repository is read.
FOREIGN_KINDS = frozenset({"capsule", "dataset"})


class Library(Protocol):
    """What the app reads from, and what else it can do, said outright rather than probed.

    - `kind`: what the source is, in the word the faces say: bucket, capsule, dataset or sessions;
    - `read_only`: refuses edits such as redaction decisions (a capsule, a read-only bucket);
    - `root`: the bucket folder (its episode secret lives there), None for in-memory sources;
    - `plans_dir` / `cache_dir`: where redaction plans and rebuildable caches live, None where the
      source keeps neither (then it cannot be reviewed or sealed);
    - `manifest` / `fates`: an opened capsule's manifest and its patches as sealed, None otherwise.
    """

    read_only: bool
    kind: str

    @property
    def root(self) -> Path | None: ...

    @property
    def plans_dir(self) -> Path | None: ...

    @property
    def cache_dir(self) -> Path | None: ...

    @property
    def manifest(self) -> dict[str, Any] | None: ...

    @property
    def fates(self) -> Sequence[dict[str, Any]] | None: ...

    @property
    def notices(self) -> list[str]:
        """What the source has to say about itself, one line each (e.g. an index it rebuilt)."""
        ...

    def list_sessions(
        self, where: SessionFilter = EVERY, *, limit: int | None = None, offset: int = 0, order: str = "date"
    ) -> list[SessionSummary]:
        """The sessions `where` takes, in `order`: date (newest first), cost, tokens, steps or
        duration (most first), `limit` of them from `offset`."""
        ...

    def count_sessions(self, where: SessionFilter = EVERY) -> int: ...

    def spent(self, where: SessionFilter = EVERY) -> Spent:
        """What the sessions `where` takes cost together, as one aggregate the source answers (the
        list's total over 100k sessions makes no row)."""
        ...

    def first_sessions(self, where: SessionFilter = EVERY, *, limit: int = 50, order: str = "date") -> ListHead:
        """The first sessions `list_sessions` gives, as far as work bounded by `limit` (not by the
        number of sessions) finds them: what a list shows while the whole answer is worked out."""
        ...

    def stopping(self, stop: Callable[[], bool]) -> AbstractContextManager[None]:
        """Within it, the reads this thread makes stop soon after `stop()` turns true, raising
        `Stopped` (a worker whose question a newer one replaced); a no-op where reads are quick."""
        ...

    def resolve(self, id_or_prefix: str) -> str: ...

    def session(self, id_or_prefix: str) -> Session: ...

    def session_head(self, id_or_prefix: str, steps: int) -> Session:
        """The session with at least its first `steps` steps (all of them where that costs no more):
        what a preview shows, read in a time that does not grow with the session."""
        ...

    def session_preview(self, id_or_prefix: str, steps: int) -> tuple[Session, HeadFacts | None]:
        """`session_head`, or, where the source keeps a summary of that head (`preview_head`), fewer
        steps and the summary: what a preview draws from them and from the rest of its head."""
        ...

    def summary(self, id_or_prefix: str) -> SessionSummary:
        """One session's listing row, without reading its steps: the app compares it with the
        row of the session it shows to know whether a change of the library touched it."""
        ...

    def search(self, query: str, limit: int = 50) -> list[SearchHit]: ...

    def projects(self) -> list[str]: ...

    def agents(self) -> list[str]: ...

    def remove(self, id_or_prefix: str) -> object:
        """Take a session out (the bucket: its rows and copies, never the agent's logs); raises
        TracetuiError where the source keeps no sessions of its own (a capsule, sessions in memory)."""
        ...

    def version(self) -> int | None:
        """A number that changes when the sessions do (a sync, here or in another process), so a
        face can notice without reading them again; None where they never change (a capsule)."""
        ...

    def recorded_trail(self, session_id: str) -> RecordedTrail | None:
        """The session's trail as the source recorded it (a capsule's, a dataset's); None where the
        trail is judged now, from the repository (a bucket)."""
        ...

    def loading(self) -> str | None:
        """What a read still under way in the background has done, for a status line ("reading the
        dataset: 300 of 1,712 sessions files"), what stopped it, or what it left out (a dataset's
        unreadable files); None once the source is whole (every source but a dataset is whole as soon
        as it opens)."""
        ...

    def is_whole(self) -> bool:
        """Whether every session is listed already: False while a dataset is still being read, when a
        total over the list would be part of one."""
        ...


class MemoryLibrary:
    """Sessions held in memory, newest first. Plain case-insensitive word matching stands in for
    the bucket's full-text index: a step matches when its text holds every word of the query."""

    read_only = True
    kind = "sessions"
    root: Path | None = None
    plans_dir: Path | None = None
    cache_dir: Path | None = None
    manifest: dict[str, Any] | None = None
    fates: Sequence[dict[str, Any]] | None = None

    def __init__(self, sessions: list[Session]) -> None:
        self.notices: list[str] = []
        self._sessions = sorted(sessions, key=lambda s: s.started or "", reverse=True)
        self._summaries = [SessionSummary.of(s) for s in self._sessions]
        for summary, session in zip(self._summaries, self._sessions):
            priced = session_cost(session)
            summary.cost_usd, summary.cost_logged = priced.cost_usd, priced.logged
        self._by_id = {s.id: s for s in self._sessions}

    def list_sessions(
        self, where: SessionFilter = EVERY, *, limit: int | None = None, offset: int = 0, order: str = "date"
    ) -> list[SessionSummary]:
        rows = self._matching(where)
        if order != "date":
            rows = sorted(rows, key=lambda r: (_order_key(r, order), r.started or ""), reverse=True)
        end = None if limit is None else offset + limit
        return rows[offset:end]

    def version(self) -> int | None:
        return None

    def recorded_trail(self, session_id: str) -> RecordedTrail | None:
        return None

    def loading(self) -> str | None:
        return None  # held in memory: whole from the start

    def is_whole(self) -> bool:
        return True

    def first_sessions(self, where: SessionFilter = EVERY, *, limit: int = 50, order: str = "date") -> ListHead:
        # Held in memory: the whole answer costs what its first rows would.
        rows = self.list_sessions(where, order=order)
        return ListHead(rows[:limit], len(rows))

    def remove(self, id_or_prefix: str) -> object:
        raise TracetuiError("these sessions are read-only: nothing to remove")

    def stopping(self, stop: Callable[[], bool]) -> AbstractContextManager[None]:
        return contextlib.nullcontext()  # held in memory: nothing runs long enough to stop

    def count_sessions(self, where: SessionFilter = EVERY) -> int:
        return len(self._matching(where))

    def spent(self, where: SessionFilter = EVERY) -> Spent:
        return spent_of(self._matching(where))  # held in memory: the rows are at hand

    def resolve(self, id_or_prefix: str) -> str:
        if id_or_prefix in self._by_id:  # even a blank id a stranger's capsule gave its session
            return id_or_prefix
        id_or_prefix = given_id(id_or_prefix)
        found = [s.id for s in self._sessions if s.id.startswith(id_or_prefix)]
        if not found:
            raise NotFound(f"no session matches {id_or_prefix!r}")
        if len(found) > 1:
            raise TracetuiError(f"{id_or_prefix!r} matches {len(found)} sessions: {', '.join(found[:5])}")
        return found[0]

    def session(self, id_or_prefix: str) -> Session:
        return self._by_id[self.resolve(id_or_prefix)]

    def session_head(self, id_or_prefix: str, steps: int) -> Session:
        return self.session(id_or_prefix)  # in memory already: the whole costs nothing more

    def session_preview(self, id_or_prefix: str, steps: int) -> tuple[Session, HeadFacts | None]:
        return self.session_head(id_or_prefix, steps), None

    def summary(self, id_or_prefix: str) -> SessionSummary:
        sid = self.resolve(id_or_prefix)
        return next(row for row in self._summaries if row.id == sid)

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        wanted = step_query(query)
        words = query_terms(wanted.words)
        if not words:
            return []
        hits: list[SearchHit] = []
        for session in self._sessions:
            for step in session.steps:
                edges = said_edges(step.kind, step.text)
                # Once a step: the match and its snippet read the same words (a large call's are costly).
                arguments = (argument_words(step.tool_input) or "") if wanted.covers(step.kind) else None
                if holds(wanted, words, step, edges, arguments):
                    snippet, match = hit_snippet(wanted, words, step.kind, step.text, arguments, edges)
                    stamp = step.timestamp or session.started
                    hits.append(SearchHit(session.id, step.id, snippet, step.index, session.title, session.agent, stamp, match))
                    if len(hits) >= limit:
                        return hits
        return hits

    def projects(self) -> list[str]:
        return sorted({s.project for s in self._summaries if s.project})

    def agents(self) -> list[str]:
        return sorted({s.agent for s in self._summaries})

    def close(self) -> None:
        pass

    def _matching(self, where: SessionFilter) -> list[SessionSummary]:
        out = []
        for summary in self._summaries:
            if summary.hidden and not where.include_hidden:
                continue
            started = (summary.started or "")[:19]
            if (where.since and started < where.since) or (where.until and started >= where.until):
                continue
            if where.agent and summary.agent != where.agent:
                continue
            if where.project and summary.project != where.project:
                continue
            if (where.machine and summary.machine != where.machine) or (where.user and summary.user != where.user):
                continue
            if where.text and not self._mentions(summary, where.text):
                continue
            out.append(summary)
        return out

    def _mentions(self, summary: SessionSummary, text: str) -> bool:
        wanted = step_query(text)
        needle = wanted.words.lower()
        if not needle:
            return True
        label = " ".join(x for x in (summary.id, summary.title or "", summary.project or "") if x).lower()
        if needle in label:
            return True
        words = query_terms(needle)
        if not words:
            return False
        steps = self._by_id[summary.id].steps
        return any(holds(wanted, words, s, said_edges(s.kind, s.text)) for s in steps)


def holds(
    wanted: StepQuery,
    words: list[str],
    step: Step,
    edges: tuple[int, int] | None,
    arguments: str | None = None,
) -> bool:
    """Whether the parts of a step the query looks in hold every one of its words (`query_terms`'s),
    as the bucket's index finds them (`word_match`). `arguments`: the step's `argument_words` where
    the caller has them already."""
    said, injected = parts(step.kind, step.text, edges)
    looked = []
    if wanted.covers(step.kind):
        looked += [said, (arguments if arguments is not None else argument_words(step.tool_input)) or ""]
    if wanted.injected:
        looked.append(injected)
    low = word_match.fold(" ".join(looked))
    if "\ufe0f" in low:  # no part of a word (`query_terms`): `❤️love` holds `❤love`, as the index finds it
        low = low.replace("\ufe0f", "")
    return word_match.finds(tuple(words), low)


def _order_key(row: SessionSummary, order: str) -> float:
    if order == "cost":
        return row.cost_usd if row.cost_usd is not None else -1.0
    if order == "tokens":
        return row.tokens.total
    if order == "steps":
        return row.steps
    if order == "duration":
        return duration_seconds(row.started, row.ended) or -1.0
    return 0.0


def duration_seconds(started: str | None, ended: str | None) -> float | None:
    """Seconds between two ISO times as the logs write them; None where either is missing or odd.
    A time without a zone is UTC (`as_moment`): one with and one without failed to subtract."""
    from tracetui.sources.common.coerce import as_moment

    a, b = as_moment(started), as_moment(ended)
    return None if a is None or b is None else (b - a).total_seconds()
