"""Reading on from where the last read of a growing log stopped (issue 19: read only what grew).

A JSONL reader folds records into its own state, then finishes the session (tree, active path,
titles). A resumable reader snapshots its fold state at the last complete line of each log it reads
on, before the finish, and can later start from that snapshot and fold only the lines past it. The
snapshot is a `ResumeState`: plain data (JSON text, no objects, nothing that runs when loaded), with
per log the bytes and lines it covers and a hash of the bytes just before the cut, so a snapshot that
does not fit the bytes at hand is never used. Whatever does not fit, or fails to decode, means a full
read: resuming never changes what a reader returns, only what it costs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from tracetui import __version__
from tracetui.model import FileEdit, Hunk, LineError, Step, Tokens, usd

# The envelope's layout; a reader adds its own layout number (see `stamp`).
STATE_VERSION = 1
TAIL = 256  # bytes hashed before each cut: a rewritten log under the snapshot shows there


@dataclass(slots=True)
class Mark:
    """How far a snapshot read one log: `consumed` bytes, `lines` newlines, the hash before the cut."""

    path: str
    consumed: int
    lines: int
    tail: str


@dataclass(slots=True)
class ResumeState:
    """A reader's snapshot: its name and layout (`stamp`), the logs it covers and its fold state
    (`body`, JSON text the reader alone understands)."""

    stamp: str
    marks: list[Mark]
    body: bytes

    def to_bytes(self) -> bytes:
        """One JSON header line (plain data) and the body after it."""
        head = {
            "v": STATE_VERSION,
            "stamp": self.stamp,
            "marks": [[m.path, m.consumed, m.lines, m.tail] for m in self.marks],
        }
        return orjson.dumps(head) + b"\n" + self.body

    @classmethod
    def from_bytes(cls, data: bytes) -> ResumeState | None:
        """The state written by `to_bytes`, or None for anything else (damaged, other version)."""
        head, rest = split_head(data)
        if (
            head is None
            or head.get("v") != STATE_VERSION
            or not isinstance(head.get("stamp"), str)
        ):
            return None
        marks: list[Mark] = []
        raw_marks = head.get("marks")
        if not isinstance(raw_marks, list):
            return None
        for m in raw_marks:
            if not (
                isinstance(m, list)
                and len(m) == 4
                and isinstance(m[0], str)
                and all(type(x) is int and x >= 0 for x in m[1:3])
                and isinstance(m[3], str)
            ):
                return None
            marks.append(Mark(m[0], m[1], m[2], m[3]))
        return cls(head["stamp"], marks, rest)


def split_head(data: bytes) -> tuple[dict[str, Any] | None, bytes]:
    """A JSON object on the first line, and the bytes after it ((None, b"") when there is none)."""
    end = data.find(b"\n")
    if end < 0:
        return None, b""
    try:
        head = orjson.loads(data[:end])
    except orjson.JSONDecodeError:
        return None, b""
    return (head, data[end + 1 :]) if isinstance(head, dict) else (None, b"")


def stamp(agent: str, layout: int) -> str:
    """What a snapshot must match to be used: the agent, its snapshot layout and tracetui's version
    (another version's reader may read the same bytes differently, as the index assumes too)."""
    return f"{agent}/{layout}/{__version__}"


def cut(data: bytes) -> int:
    """Where a snapshot of `data` is taken: after its last newline (a last line without one may be
    torn, or grow: it is read every time until its newline comes)."""
    return data.rfind(b"\n") + 1


def mark(path: str, data: bytes, consumed: int) -> Mark:
    return Mark(path, consumed, data.count(b"\n", 0, consumed), tail_hash(data, consumed))


def fits(m: Mark, path: str, data: bytes) -> bool:
    """Whether a snapshot's mark holds for these bytes: same log, at least as long, same bytes
    before the cut (the caller vouches for the rest of the prefix: the bucket's digests)."""
    return (
        m.path == path
        and len(data) >= m.consumed
        and (m.consumed == 0 or data[m.consumed - 1 : m.consumed] == b"\n")
        and tail_hash(data, m.consumed) == m.tail
    )


def tail_hash(data: bytes, end: int) -> str:
    return hashlib.sha1(data[max(0, end - TAIL) : end]).hexdigest()


def usable(previous: ResumeState | None, expected: str, logs: list[tuple[str, bytes]]) -> bool:
    """Whether `previous` is a snapshot of this reader over exactly these logs, and fits them."""
    if previous is None or previous.stamp != expected or len(previous.marks) != len(logs):
        return False
    return all(fits(m, path, data) for m, (path, data) in zip(previous.marks, logs))


def worth_a_new_snapshot(previous: ResumeState, consumed: int) -> bool:
    """Whether a resumed read should write a new snapshot, or hand back the one it started from.

    Taking a snapshot costs about what restoring one does; an agent appends a few lines at a time,
    so the snapshot is renewed only once the lines read past it amount to an eighth of what it
    covers (or 1 MB): every resume until then re-reads at most that many bytes, which is cheaper.
    """
    covered = previous.marks[0].consumed
    return consumed - covered >= min(max(covered >> 3, 64 << 10), 1 << 20)


def snapshot(encode: Callable[[], Any], expected: str, marks: list[Mark]) -> ResumeState | None:
    """The state `encode()` gives, as JSON now (the objects it names go on changing after this),
    or None when it cannot be written as JSON (an integer over 64 bits, a lone surrogate): the
    next read is then a full one."""
    try:
        body = orjson.dumps(encode())
    except (TypeError, orjson.JSONEncodeError):
        return None
    return ResumeState(expected, marks, body)


# -- steps as plain data ---------------------------------------------------------------------------
# Each step is one list in field order: a snapshot holds hundreds of them, so no keys are repeated.
# Its large values (text, tool input, edit contents, hunk lines) are mostly written verbatim in the
# log itself: those are kept as the byte range of the log that holds them (`Spans`), so a snapshot
# is a fraction of its log.

SPAN_MIN = 256  # values shorter than this are cheaper written out (one decode call each otherwise)

# Where a row keeps each large value: (row index,) or, in an edit, (15, edit, field[, hunk, 4]).
_TEXT, _INPUT, _EDITS = 4, 8, 15
_EDIT_FIELDS = ((3, "old_string"), (4, "new_string"), (5, "content"), (6, "original"))


class Spans:
    """The log's bytes a snapshot points into: finds a step's large values in the lines it came
    from when a snapshot is taken, and reads them back from there when it is restored."""

    def __init__(self, data: bytes, limit: int) -> None:
        self.data = data
        self.limit = limit  # values are searched, and spans accepted, in data[:limit] only
        self.starts: list[int] = [0]  # starts[i]: where line i + 1 begins, as far as needed so far

    def _line(self, no: int) -> tuple[int, int] | None:
        starts = self.starts
        while len(starts) <= no:
            end = self.data.find(b"\n", starts[-1], self.limit)
            if end < 0:
                return None
            starts.append(end + 1)
        return (starts[no - 1], starts[no]) if no > 0 else None

    def _find(self, value: Any, lines: tuple[int, ...]) -> tuple[int, int] | None:
        if isinstance(value, str) and len(value) < SPAN_MIN:
            return None
        try:
            encoded = orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            return None
        if len(encoded) < SPAN_MIN:
            return None
        for no in lines:
            where = self._line(no)
            if where is not None:
                at = self.data.find(encoded, where[0], where[1])
                if at >= 0:
                    return at, at + len(encoded)
        return None

    def pack(self, step: Step, row: list[Any], lines: tuple[int, ...]) -> None:
        """Replace the row's large values found in the log by their byte ranges (row[18])."""
        found: list[list[int]] = []

        def put(path: tuple[int, ...], value: Any) -> bool:
            if value is None:
                return False
            span = self._find(value, lines)
            if span is None:
                return False
            found.append([*path, span[0], span[1]])
            return True

        if put((_TEXT,), step.text):
            row[_TEXT] = None
        if put((_INPUT,), step.tool_input):
            row[_INPUT] = None
        for i, edit in enumerate(step.edits):
            edit_row = row[_EDITS][i]
            for index, name in _EDIT_FIELDS:
                if put((_EDITS, i, index), getattr(edit, name)):
                    edit_row[index] = None
            for k, hunk in enumerate(edit.hunks):
                if put((_EDITS, i, 2, k, 4), hunk.lines):
                    edit_row[2][k][4] = None
        if found:
            row.append(found)

    def unpack(self, rows: list[list[Any]]) -> None:
        """Put back the rows' values kept as byte ranges, all decoded in one call; raises on a range
        outside the log or bytes that are not one value each."""
        data, limit = self.data, self.limit
        pieces: list[bytes] = []
        targets: list[tuple[list[Any], int]] = []
        # Steps may share a value (a call logged twice), never many times over: a damaged state
        # must not make this copy the log without end.
        budget = 8 * limit + (1 << 20)
        for row in rows:
            if len(row) <= 18:
                continue
            for span in row.pop():
                a, b = span[-2], span[-1]
                if not 0 <= a < b <= limit:
                    raise ValueError("a span outside the log")
                budget -= b - a
                if budget < 0:
                    raise ValueError("spans over the log many times")
                pieces.append(data[a:b])
                target = row
                for k in span[:-3]:
                    target = target[k]
                targets.append((target, span[-3]))
        if not pieces:
            return
        values = orjson.loads(b"[" + b",".join(pieces) + b"]")
        if len(values) != len(targets):
            raise ValueError("spans that are not one value each")
        for (target, k), value in zip(targets, values):
            target[k] = value


def step_row(s: Step, spans: Spans | None = None, lines: tuple[int, ...] = ()) -> list[Any]:
    t = s.tokens
    row = [
        s.id,
        s.index,
        s.kind,
        s.role,
        s.text,
        s.timestamp,
        s.tool,
        s.tool_call_id,
        s.tool_input,
        s.parent,
        s.subagent,
        s.active,
        s.is_error,
        s.model,
        None if t is None else tokens_row(t),
        [edit_row(e) for e in s.edits] if s.edits else 0,
        s.cwd,
        s.meta or 0,
    ]
    if spans is not None and lines:
        spans.pack(s, row, lines)
    return row


def steps_of(rows: list[list[Any]], spans: Spans) -> list[Step]:
    """The steps of a snapshot's rows, their values kept as byte ranges read back from the log."""
    spans.unpack(rows)
    return [step_of(r) for r in rows]


def step_of(r: list[Any]) -> Step:
    if len(r) != 18:
        raise ValueError("a step row of another layout")
    t, edits, meta = r[14], r[15], r[17]
    text = r[4]
    if type(text) is not str:
        raise ValueError("a step without text")
    step = Step(
        r[0],
        r[1],
        r[2],
        r[3],
        text,
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        r[12],
        r[13],
        None if t is None else tokens_of(t),
        [edit_of(e) for e in edits] if edits else [],
        r[16],
        meta if meta else {},
    )
    return step


def tokens_row(t: Tokens) -> list[Any]:
    row: list[Any] = [t.input, t.output, t.cache_read, t.cache_write]
    if t.logged_usd is not None or t.cache_write_1h or t.partial:
        row.append(t.logged_usd)
    if t.cache_write_1h or t.partial:
        row.append(t.cache_write_1h)
    if t.partial:
        row.append(True)
    return row


def tokens_of(r: list[Any]) -> Tokens:
    return Tokens(
        r[0],
        r[1],
        r[2],
        r[3],
        cache_write_1h=r[5] if len(r) > 5 else 0,
        logged_usd=usd(r[4]) if len(r) > 4 else None,
        partial=len(r) > 6 and r[6] is True,
    )


def edit_row(e: FileEdit) -> list[Any]:
    return [
        e.path,
        e.op,
        [[h.old_start, h.old_lines, h.new_start, h.new_lines, h.lines] for h in e.hunks],
        e.old_string,
        e.new_string,
        e.content,
        e.original,
        e.move_to,
        e.replace_all,
        e.applied,
    ]


def edit_of(r: list[Any]) -> FileEdit:
    return FileEdit(r[0], r[1], [Hunk(*h) for h in r[2]], r[3], r[4], r[5], r[6], r[7], r[8], r[9])


def error_row(e: LineError) -> list[Any]:
    return [e.path, e.line, e.error, e.recovered] + ([e.count] if e.count != 1 else [])


def error_of(r: list[Any]) -> LineError:
    # The count of an entry standing for many lines (`LineErrors`); rows written before it had none.
    return LineError(r[0], r[1], r[2], bool(r[3]) if len(r) > 3 else False, int(r[4]) if len(r) > 4 else 1)
