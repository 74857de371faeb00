"""Tolerant JSONL reading shared by every reader."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import orjson

from tracetui.model import LineError, LineErrors

Record = dict[str, Any]


def unreadable(path: str, line: int, exc: Exception) -> LineError:
    """The error for a record a reader failed on.

    Readers check the shape of what they use, but a format moves on between agent releases: a
    reader's mistake on one record must cost that record, reported, not the whole session.
    """
    what = f"{type(exc).__name__}: {str(exc)[:120]}"
    return LineError(path, line, f"could not read this record ({what}); skipped")


class guarded:  # noqa: N801 (used as a function: `with guarded(...)`)
    """Read one record under this: a reader's mistake on it costs that record, reported as a
    LineError (see `unreadable`), never the session. Every reader isolates records this one way.
    `line` may be a callable, read when the failure happens (a loop over many records).

    A class rather than a generator-based context manager: it is entered once per record, and this
    form costs a fifth of the other there."""

    __slots__ = ("errors", "path", "line", "what")

    def __init__(
        self, errors: LineErrors, path: str, line: int | Callable[[], int], what: str | None = None
    ) -> None:
        self.errors = errors
        self.path = path
        self.line = line
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if not isinstance(exc, Exception):
            return False
        number = self.line() if callable(self.line) else self.line
        self.errors.append(
            unreadable(self.path, number, exc if self.what is None else RuntimeError(f"{self.what}: {exc}"))
        )
        return True


def _is_entry(value: Record) -> bool:
    # Top-level records of all three formats carry a type and one of these; content blocks nested
    # in them (`{"type": "text", ...}`) do not, so a torn line's inner blocks are not taken for entries.
    if "record_type" in value:
        return True
    return "type" in value and any(k in value for k in ("timestamp", "uuid", "payload", "sessionId", "id"))


def iter_records(
    path: str,
    data: bytes,
    errors: LineErrors,
    is_entry: Callable[[Record], bool] = _is_entry,
    first_line: int = 1,
) -> Iterator[tuple[int, Record]]:
    """Yield (1-based line number, record) for each entry; see `iter_entries`."""
    for number, _position, record in iter_entries(path, data, errors, is_entry, first_line):
        yield number, record


def iter_entries(
    path: str,
    data: bytes,
    errors: LineErrors,
    is_entry: Callable[[Record], bool] = _is_entry,
    first_line: int = 1,
    start: int = 0,
    end: int | None = None,
) -> Iterator[tuple[int, int, Record]]:
    """Yield (1-based line number, position on the line, record) for each JSON-object entry.

    Blank lines are ignored. A line that is not one JSON object is recorded in `errors` with what
    could be done about it, and whole entries on it are still recovered (see `salvage`); the rest
    of the file loads either way. `is_entry` tells a recovered fragment that is an entry of this
    format from a nested block of a torn one. `data` may be the rest of a log whose first
    `first_line - 1` lines were read before (a resumed read), or that rest may be `data[start:end]`
    (its lines alone are read, and the log's bytes not copied).
    """
    # The depth check is `_maybe_too_deep` inline: the call was 1 to 1.5% of this loop's CPU, where
    # the lines from `lines` cost 0.4% more than found here (bench/RESULTS.md, 2026-11-29 sync9).
    loads = orjson.loads
    number = first_line - 1
    for line in lines(data, start, end):
        number += 1
        if not line.strip():
            continue
        try:
            record = loads(line)
        except orjson.JSONDecodeError as exc:
            flat = shallow(line) if _TOO_DEEP in str(exc) else None
            if isinstance(flat, dict):
                errors.append(LineError(path, number, DEEP_NOTE))
                yield number, 0, flat
                continue
            found, error, whole = salvage(line, str(exc), is_entry)
            errors.append(LineError(path, number, error, recovered=whole))
            for position, value in enumerate(found):
                yield number, position, value
            continue
        if isinstance(record, dict):
            if len(line) > WRITES and len(line) - len(line.replace(b"[", b"").replace(b"{", b"")) > WRITES:
                record = within_depth(record)
            yield number, 0, record
        else:
            errors.append(LineError(path, number, f"expected a JSON object, got {type(record).__name__}"))


def lines(data: bytes, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """`data[start:end].split(b"\\n")` but for a last empty line, one line at a time."""
    # Split whole, two million short lines were two million bytes objects at once (some 270 MB for a
    # 200 MB log); split a slice of 4 MB at a time, each slice was copied and its list of lines made
    # before the first was read: twice the time of finding each newline in turn (bench/RESULTS.md).
    end = len(data) if end is None else min(end, len(data))
    find = data.find
    while start < end:
        cut = find(b"\n", start, end)
        if cut < 0:
            yield data[start:end]
            return
        yield data[start:cut]
        start = cut + 1


def salvage(
    line: bytes, reason: str, is_entry: Callable[[Record], bool] = _is_entry
) -> tuple[list[Record], str, bool]:
    """Recover whole entries from a line that is not one JSON value, say what happened, and whether
    all of it was read (nothing on the line lost).

    Seen in real logs: two entries on one line (a lost newline), a torn entry followed by a whole
    one, and lone UTF-16 surrogates (JavaScript writing half an emoji cut by truncation) that
    orjson refuses but Python's parser reads. A fragment after the first counts only if it is an
    entry (`is_entry`), so a nested block inside a torn entry is not mistaken for one.
    """
    text = line.decode("utf-8", "replace")
    decoder = json.JSONDecoder()
    found: list[Record] = []
    lost = False
    pos, end = 0, len(text)
    while pos < end:
        while pos < end and text[pos] in " \t\r":
            pos += 1
        if pos >= end:
            break
        try:
            value, after = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError):
            value, after = None, -1
        if isinstance(value, dict) and (pos == 0 or is_entry(value)):
            found.append(clean(value))
            pos = after
            continue
        lost = True
        if isinstance(value, dict):
            pos = after - 1  # a whole block of a torn entry: no entry starts inside it
        nxt = text.find('{"', pos + 1)
        if nxt < 0:
            break
        pos = nxt
    if not found:
        return found, f"not valid JSON: {_short(reason)}", False
    if not lost and len(found) == 1:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return found, "not valid UTF-8; read with replacement characters", False
        return found, f"non-standard JSON ({_short(reason)}); read anyway", True
    if lost:
        noun = "entry" if len(found) == 1 else "entries"
        return found, f"torn entry (not valid JSON); recovered {len(found)} whole {noun} on the same line", False
    return found, f"{len(found)} entries on one line (a lost newline); all recovered", True


# orjson's message for JSON nested past 1,024 levels; Python's parser stops near 1,000 (RecursionError).
_TOO_DEEP = "depth limit exceeded"
# orjson's messages (3.10 on, and before) for a value followed by more than blanks: a log of JSON lines
# read as one document. Python's parser reads the same first value and stops there too.
_MORE_AFTER = ("unexpected content after document", "trailing characters")
MAX_DEPTH = 200  # no agent writes JSON this deep: past it, a value stands for what it held
DEEP_VALUE = "[nested too deep]"
DEEP_NOTE = f"JSON nested deeper than {MAX_DEPTH} levels; read with the deeper values replaced"
# Outside strings only brackets and quotes matter; inside, an escape is two characters.
_TOKENS = re.compile(rb'\\.|["\[\]{}]', re.DOTALL)


READ_ANYWAY = "read anyway"  # the end of a note on a document read whole despite its odd JSON


def document_note(path: str, note: str) -> LineError:
    """What `load_document`'s note says of the log, as one of its errors: a document read whole
    despite non-standard JSON lost nothing (as a JSONL line read so), one nested too deep did."""
    return LineError(path, 1, note, recovered=note.endswith(READ_ANYWAY))


def load_document(data: bytes) -> tuple[Any, str | None]:
    """A whole JSON document (a log that is one document), and a note when it was nested too deep to
    parse as it is and was read with its deepest values replaced (`shallow`); JSONDecodeError if it
    is not JSON at all. One value nested a thousand levels deep must not cost the whole session."""
    try:
        doc = orjson.loads(_lines_head(data) or data)
    except orjson.JSONDecodeError as exc:
        if _TOO_DEEP not in str(exc):
            if any(more in str(exc) for more in _MORE_AFTER):
                # Asked of every JSONL log OpenCode's reader reads: the whole log decoded as text to
                # fail again held its bytes twice more at once (200 MB of lines: 595 MB).
                raise
            # NaN, Infinity, a lone surrogate or a number past 64 bits: orjson refuses them, Python's
            # parser reads them (as a line of a JSONL log is read, `salvage`); one such value cost
            # a Gemini chat or an OpenCode record all of its content.
            try:
                loose = json.loads(data.decode("utf-8", "replace"))
            except (ValueError, RecursionError):
                raise exc from None
            return clean(loose), f"non-standard JSON ({_short(str(exc))}); {READ_ANYWAY}"
        flat = shallow(data)
        if flat is None:
            raise
        return flat, DEEP_NOTE
    return (within_depth(doc) if _maybe_too_deep(data) else doc), None


_NOT_BLANK = re.compile(rb"[^ \t\r\n]")


def _lines_head(data: bytes) -> bytes | None:
    """Where the first line that is not blank is a whole JSON value and more than blanks follow: the data
    up to the first character after them, which orjson refuses as it refuses the whole, at the same
    place. Parsing the whole to find that took orjson some 12 times its bytes (a log of JSON lines)."""
    first = _NOT_BLANK.search(data)
    end = data.find(b"\n", first.start()) if first is not None else -1
    if first is None or end < 0:
        return None
    try:
        orjson.loads(data[first.start() : end])
    except orjson.JSONDecodeError:
        return None
    more = _NOT_BLANK.search(data, end)
    return data[: more.start() + 1] if more is not None else None


def loads_within_depth(text: str | bytes) -> Any:
    """`orjson.loads(text)` for JSON a log gives as a string (a call's arguments), with its values
    nested past MAX_DEPTH cut (`within_depth`); JSONDecodeError as orjson raises it."""
    value = orjson.loads(text)
    return within_depth(value) if _maybe_too_deep(text) else value


# orjson writes at most 254 levels: a value nested deeper (valid JSON, and read, up to 1,024) failed
# wherever the session was written again (a stage's copy, `show --json`, an export's digest). Such
# a value is cut as the index cuts it, without a note: what is kept is what a sync always kept.
WRITES = 254
TOO_DEEP_TO_WRITE = f"JSON nested deeper than {WRITES} levels, which no JSON writer writes again"


class TooDeep(orjson.JSONDecodeError):
    """What `loads_whole` raises for a value nested past what orjson writes: a JSONDecodeError, so a
    caller that reads what is not JSON as its text (a gate) reads this so too, said in one line."""

    def __init__(self) -> None:
        ValueError.__init__(self, TOO_DEEP_TO_WRITE)
        self.msg, self.doc, self.pos, self.lineno, self.colno = TOO_DEEP_TO_WRITE, "", 0, 1, 1


def loads_whole(data: str | bytes) -> Any:
    """`orjson.loads(data)` where a value must be seen whole or said to be wrong, never cut: a gate
    reads every byte of what it refuses as text, a check reports it. A value nested deeper than orjson
    writes again (254 levels; it reads 1,024) raises TooDeep, as one past 1,024 does; any other JSON
    that is not JSON raises orjson's JSONDecodeError."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if _TOO_DEEP in str(exc):
            raise TooDeep() from None
        raise
    if _maybe_too_deep(data) and not _writable(value):
        raise TooDeep()
    return value


def cut_line(line: bytes) -> bytes | None:
    """`line` as the readers read it, written again (its values past MAX_DEPTH cut, `shallow`), where it
    is one JSON value nested deeper than orjson writes; None where it is not (a line that is written
    again as it is, or no JSON at all, such as a torn record)."""
    if not _maybe_too_deep(line):
        return None
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if _TOO_DEEP not in str(exc):
            return None
        value = shallow(line)
        return None if value is None else orjson.dumps(value)
    return None if _writable(value) else orjson.dumps(clean(value))


def _writable(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return False
    return True


def _maybe_too_deep(data: str | bytes) -> bool:
    """False where `data` has too few brackets to nest past what orjson writes: the common case, for
    the cost of counting them."""
    # What `replace` takes out, not `count`: `count` looks at each byte in turn, `replace` finds the
    # next one with memchr, two to three times faster on log lines (bench/RESULTS.md, 2026-11-28).
    # `iter_entries` has this check inline.
    if len(data) <= WRITES:
        return False  # too short to hold that many brackets: no copy made
    if isinstance(data, str):
        return len(data) - len(data.replace("[", "").replace("{", "")) > WRITES
    return len(data) - len(data.replace(b"[", b"").replace(b"{", b"")) > WRITES


def within_depth(value: Any) -> Any:
    """`value` with every array or object deeper than MAX_DEPTH replaced by DEEP_VALUE: only a value
    orjson cannot write again is walked."""
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return clean(value)
    return value


def shallow(data: bytes, limit: int = MAX_DEPTH) -> Any:
    """`data` parsed with every array or object deeper than `limit` replaced by DEEP_VALUE, or None
    when it does not parse even so. One pass over the brackets and quotes, outside of strings."""
    pieces: list[bytes] = []
    depth = 0
    in_string = False
    kept_from = 0
    cut_at = -1  # where the value being replaced starts, while inside it
    for match in _TOKENS.finditer(data):
        token = match.group()
        if in_string:
            if token == b'"':
                in_string = False
            continue
        if token == b'"':
            in_string = True
        elif token in (b"[", b"{"):
            depth += 1
            if depth > limit and cut_at < 0:
                cut_at = match.start()
        elif token in (b"]", b"}"):
            depth -= 1
            if cut_at >= 0 and depth == limit:
                pieces += [data[kept_from:cut_at], b'"', DEEP_VALUE.encode(), b'"']
                kept_from, cut_at = match.end(), -1
    pieces.append(data[kept_from:])
    try:
        return orjson.loads(b"".join(pieces))
    except orjson.JSONDecodeError:
        return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(value: Any, depth: int = 0) -> Any:
    """`value` with lone UTF-16 surrogates replaced: no UTF-8 encoder downstream would take them.

    Python's parser also reads whole numbers of any length (orjson makes those past 64 bits floats):
    such a number becomes what orjson would have made of it, so no JSON writer downstream fails on it.
    An array or object past MAX_DEPTH stands for what it held (DEEP_VALUE), as `shallow` makes it:
    orjson reads 1,024 levels, and walking them all went past Python's recursion limit (a Gemini
    chat with one value nested a thousand deep lost every step)."""
    if depth >= MAX_DEPTH and isinstance(value, dict | list):
        return DEEP_VALUE
    if type(value) is int:
        if -(2**63) <= value < 2**64:
            return value
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, str):
        if _SURROGATE.search(value):
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if isinstance(value, dict):
        return {clean(k): clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v, depth + 1) for v in value]
    return value


def _short(message: str, limit: int = 120) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"
