"""Which sessions a command takes (`export`, `review`, `ls`, the app's export dialog): the same filters as
the app's list, plus dates and ids. Beside the library, below the exporters, so `ls` lists what an export
of the same selection takes without loading them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tracetui.errors import TracetuiError, UsageError
from tracetui.model import SessionFilter, SessionSummary
from tracetui.safe_text import clip, safe_line

if TYPE_CHECKING:
    from tracetui.library import Library


@dataclass(frozen=True, slots=True)
class Selection:
    """`--agent`, `--project`, `--since`, `--until`, QUERY and `--sessions ID...`; all optional.

    `since` and `until` are dates (`2026-05-01`) or ISO times; a date `until` takes its whole day.
    `sessions` are ids or unique prefixes; the other filters still apply to them.
    """

    agent: str | None = None
    project: str | None = None
    since: str | None = None
    until: str | None = None
    query: str | None = None
    sessions: tuple[str, ...] = ()

    @classmethod
    def of(cls, where: SessionFilter) -> Selection:
        """What a list's filter shows (the app's export dialog and spending line take its sessions)."""
        return cls(where.agent, where.project, where.since, where.until, where.text)


def parse_moment(value: str, end: bool = False) -> datetime:
    """A date or ISO time as an aware UTC moment; with `end`, a bare date means the end of that day."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"expected a date like 2026-05-01 or an ISO time, got {safe_line(clip(value, 80))!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if end and len(text) == 10:  # a bare date: until the end of its day
        moment += timedelta(days=1) - timedelta(microseconds=1)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 east of UTC, or year 9999 west of it: the calendar's edge
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)


def _started(summary: SessionSummary) -> datetime | None:
    if not summary.started:
        return None
    try:
        return parse_moment(summary.started)
    except TracetuiError:
        return None


def select(library: Library, selection: Selection, include_hidden: bool = False) -> list[SessionSummary]:
    """The chosen sessions, oldest first (ties by id): the order every format writes them in.
    `include_hidden`: with the sessions listings leave out (`ls --all`); an export never takes them."""
    since = parse_moment(selection.since) if selection.since else None
    until = parse_moment(selection.until, end=True) if selection.until else None
    if since and until and since > until:
        raise UsageError("--since is after --until: no session can match")
    # The dates are compared below, as moments: a date `until` takes its whole day.
    where = SessionFilter(agent=selection.agent, project=selection.project, text=selection.query or None,
                          include_hidden=include_hidden)  # fmt: skip
    rows = library.list_sessions(where)
    if selection.sessions:
        wanted = {library.resolve(sid) for sid in selection.sessions}
        rows = [r for r in rows if r.id in wanted]
    if since or until:
        kept = []
        for row in rows:
            started = _started(row)
            if started is None or (since and started < since) or (until and started > until):
                continue
            kept.append(row)
        rows = kept
    return sorted(rows, key=lambda r: (r.started or "", r.id))
