"""Human ratings: a person's good/bad verdict on a session or one of its steps, with a short note.

They live in `ratings.jsonl` in the bucket folder, beside the copies and outside the index: the index
is rebuilt from the copies and a sync rewrites its rows, and a person's judgement must survive both.
The file is append-only, one JSON object a line; a later rating of the same session and step replaces
an earlier one when read (`latest`), so nothing is ever rewritten in place. A damaged line (a torn
write, a hand edit) is passed over when read and named by `doctor`, never deleted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tracetui.errors import TracetuiError, UsageError
from tracetui.regular_file import CACHE_MOST, read_regular
from tracetui.safe_text import clip, safe_line

FILE_NAME = "ratings.jsonl"
VERDICTS = ("good", "bad")
NOTE_MAX = 500  # characters: a short note, not a document
LINE_MAX = 4_000  # bytes of one stored line; a longer one is no rating this code wrote


@dataclass(frozen=True, slots=True)
class Rating:
    session: str  # the full session id
    verdict: str  # one of VERDICTS
    step: str | None = None  # the step id, None for the whole session
    index: int | None = None  # the step's index in its session, as shown
    note: str | None = None
    at: str = ""  # when it was given, ISO-8601 UTC

    @property
    def good(self) -> bool:
        return self.verdict == "good"

    def to_dict(self) -> dict[str, Any]:
        return {"session": self.session, "step": self.step, "index": self.index, "verdict": self.verdict,
                "note": self.note, "at": self.at}  # fmt: skip


def make(session: str, verdict: str, step: str | None = None, index: int | None = None,
         note: str | None = None, at: str | None = None) -> Rating:  # fmt: skip
    """A rating checked for what the file may hold: a known verdict, a one-line clipped note."""
    if verdict not in VERDICTS:
        raise UsageError(f"a rating is good or bad, not {safe_line(clip(str(verdict), 40))!r}")
    text = safe_line(clip(note.strip(), NOTE_MAX)) if note and note.strip() else None
    stamp = at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Rating(session, verdict, step, index, text, stamp)


def append(root: Path, rating: Rating) -> None:
    """Add one line at the end (O_APPEND: concurrent raters each write whole lines) and sync it."""
    path = root / FILE_NAME
    line = orjson.dumps(rating.to_dict()) + b"\n"
    try:
        # Never through a link put in its place: the rating goes into the bucket or nowhere.
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise TracetuiError(f"cannot write the rating to {path}: {exc.strerror or exc}") from None


def read(root: Path) -> tuple[list[Rating], list[int]]:
    """Every rating in the order given, and the numbers (from 1) of the lines that are none."""
    path = root / FILE_NAME
    try:
        # A FIFO put in its place would block a plain read; FileTooLarge (a sparse file of gigabytes)
        # is one line, as damage is.
        data = read_regular(path, CACHE_MOST)
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        raise TracetuiError(f"cannot read the ratings {path}: {exc.strerror or exc}") from None
    found: list[Rating] = []
    bad: list[int] = []
    lines = data.split(b"\n")
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        rating = _parsed(line)
        if rating is None:
            bad.append(n)
        else:
            found.append(rating)
    return found, bad


def _parsed(line: bytes) -> Rating | None:
    if len(line) > LINE_MAX:
        return None
    try:
        row = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(row, dict):
        return None
    session, verdict, step, index = row.get("session"), row.get("verdict"), row.get("step"), row.get("index")
    note, at = row.get("note"), row.get("at")
    if not isinstance(session, str) or not session or verdict not in VERDICTS:
        return None
    if step is not None and not isinstance(step, str):
        return None
    if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
        return None
    note = safe_line(clip(note, NOTE_MAX)) if isinstance(note, str) and note else None
    return Rating(session, verdict, step, index, note, at if isinstance(at, str) else "")


def latest(ratings: list[Rating]) -> dict[tuple[str, str | None], Rating]:
    """{(session, step): the last rating given it}: a new rating replaces the old when read."""
    return {(r.session, r.step): r for r in ratings}
