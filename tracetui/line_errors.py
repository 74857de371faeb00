"""What a reader could not use: each unreadable line (`LineError`), the capped collector every reader
gathers them in (`LineErrors`), and the count of the record kinds it skipped (`count_skipped`).

A hostile log can hold millions of bad lines or kinds of record; these keep what is said of them
bounded while the counts still sum.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self, SupportsIndex


@dataclass(slots=True)
class LineError:
    """A line a reader could not use: reported, skipped, never fatal. `recovered`: the line was odd
    but every entry on it was read (two entries on one line, non-standard JSON): said, nothing lost."""

    path: str
    line: int  # 1-based
    error: str
    recovered: bool = False
    count: int = 1  # the lines it stands for: more than one past MAX_LINE_ERRORS (`LineErrors`)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "line": self.line, "error": self.error}
        if self.recovered:
            out["recovered"] = True
        if self.count != 1:
            out["count"] = self.count
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LineError:
        count = d.get("count", 1)
        # Read back from the bucket, anyone's file: a count no sum takes is one line.
        count = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1
        return cls(d["path"], d["line"], d["error"], bool(d.get("recovered", False)), count)


# The lines of one session said one by one. A log of a million unreadable lines (3 MB of `[]`) kept
# a million of them: 25 s and 1.6 GB to sync, a million rows printed, and as much at every `show`.
MAX_LINE_ERRORS = 10_000


class LineErrors(list[LineError]):
    """What a reader could not use, as it reads it: the first `most` said one by one, the rest counted
    in an entry per kind at the end (lines lost, odd lines read in full), so the counts still sum to the
    lines. It only grows (append, extend, +=, insert) or empties (clear), so the cap always holds."""

    most = MAX_LINE_ERRORS
    _lost: LineError | None = None  # the entry counting the lines lost past `most`, once there is one
    _odd: LineError | None = None

    def __init__(self, errors: Iterable[LineError] = (), most: int = MAX_LINE_ERRORS) -> None:
        super().__init__()
        self.most = most
        self.extend(errors)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled to the sync's workers and back: cap and all
        return (type(self), (list(self), self.most))

    def append(self, error: LineError) -> None:
        if self._lost is None and self._odd is None and len(self) < self.most:
            super().append(error)
        else:
            self._count(error)

    def extend(self, errors: Iterable[LineError]) -> None:
        for error in errors:
            self.append(error)

    def insert(self, index: SupportsIndex, error: LineError) -> None:
        if index.__index__() >= self.most:
            return self.append(error)
        super().insert(index, error)
        if self._lost is not None or self._odd is not None or len(self) > self.most:
            self._count(super().pop(self.most))  # the last said one by one is counted now

    def clear(self) -> None:
        super().clear()
        self._lost = self._odd = None

    def __iadd__(self, errors: Iterable[LineError]) -> Self:  # type: ignore[override, misc]
        self.extend(errors)
        return self

    # What would take an entry out or put many in at once would lose the counts or skip the cap.
    def _refuse(self, *_: object) -> Any:
        raise TypeError("a reader's errors only grow: append, extend or insert them")

    __setitem__ = __delitem__ = __imul__ = pop = remove = _refuse

    def _count(self, error: LineError) -> None:
        entry = self._odd if error.recovered else self._lost
        if entry is None:
            entry = LineError(error.path, 0, "", error.recovered, 0)
            if error.recovered:
                self._odd = entry
            else:
                self._lost = entry  # before the odd lines' entry, as they were always said
            super().insert(len(self) - (not error.recovered and self._odd is not None), entry)
        entry.count += error.count
        what = "odd lines read in full" if error.recovered else "lines or files not read"
        entry.error = f"and {entry.count:,} more {what}"


# A session's skipped record kinds are the log's own names, a new one a line if it likes: past this
# many kinds the rest are counted under one name, and a name is cut to NAME_MOST characters.
MAX_SKIPPED_KINDS = 1_000
OTHER_KINDS = "(other kinds)"
NAME_MOST = 120


def count_skipped(skipped: dict[str, int], what: str, count: int = 1) -> None:
    """Count `count` more records of kind `what` in `skipped` (`Session.skipped`), which holds at
    most MAX_SKIPPED_KINDS kinds and OTHER_KINDS. Every reader counts what it skips here."""
    if len(what) > NAME_MOST:
        what = what[: NAME_MOST - 1] + "…"
    if what not in skipped and len(skipped) >= MAX_SKIPPED_KINDS:
        what = OTHER_KINDS
    skipped[what] = skipped.get(what, 0) + count
