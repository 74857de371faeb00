"""What a session's logs held that its reader could not use, as the faces say it (`tracetui show`, the
app's title): kept with the session, so it is still said after the sync that met it. Plain strings;
an error's text can quote a log (an exception's message), so callers pass it through
`tracetui.safe_text`."""

from __future__ import annotations

from pathlib import PurePath

from tracetui.model import LineError, Session


def lost(session: Session) -> list[LineError]:
    """The lines (or whole logs, line 0) not read. A recovered line (two entries on one line) lost
    nothing and is not counted."""
    return [e for e in session.errors if not e.recovered]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def count_text(session: Session) -> str | None:
    """`2 lines not read`, or None when nothing was lost: short enough for a title."""
    n = sum(e.count for e in lost(session))
    return None if n == 0 else f"{_plural(n, 'line')} not read"


def report_line(session: Session) -> str | None:
    """The count, the first reason and where, and the lines read in full despite an odd shape."""
    missing = lost(session)
    recovered = sum(e.count for e in session.errors if e.recovered)
    parts = []
    if missing:
        first = missing[0]
        where = PurePath(first.path).name + (f" line {first.line}" if first.line else "")
        parts.append(f"{_plural(sum(e.count for e in missing), 'line')} not read (first: {where}: {first.error})")
    if recovered:
        parts.append(f"{_plural(recovered, 'odd line')} read in full")
    return "; ".join(parts) or None
