"""Pi's and OpenClaw's reader: a session file's entries as steps, read whole or resumed (format:
docs/formats/pi.md).

The files of a session are grouped in `files`; the entries become steps in `entries` (the fields it
reads in `fields`, the edits in `edits`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from tracetui.model import LineError, LineErrors, Session, count_skipped
from tracetui.sources import RawLog
from tracetui.sources.common import resumable
from tracetui.sources.common.jsonl import iter_entries
from tracetui.sources.common.resumable import ResumeState
from tracetui.sources.pi import openclaw_spawn, openclaw_trace
from tracetui.sources.pi.entries import _Reader, _int
from tracetui.sources.pi.files import NAME, _folders, group
from tracetui.sources.registry import Agent


# Entry types Pi writes; a salvaged fragment must be one of these to count as an entry.
ENTRY_TYPES = frozenset(
    {
        "session",
        "message",
        "model_change",
        "thinking_level_change",
        "compaction",
        "branch_summary",
        "custom",
        "custom_message",
        "label",
        "session_info",
    }
)


def _is_entry(value: dict[str, Any]) -> bool:
    return value.get("type") in ENTRY_TYPES


def _stream(
    path: str, data: bytes, errors: LineErrors, first_line: int = 1, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(line, position on the line, record) for every entry of `data[start:end]`, salvaging glued
    lines, one at a time: a list of them all held every record (and each deep value's 200 levels)
    until the session was built, 1.8 to 2 GB for a log of 200 MB."""
    return iter_entries(path, data, errors, _is_entry, first_line, start, end)


class _Tree(Exception):
    """A log read as v1 (no entry ids) holds an entry with an id: it is a tree, read again as one."""


def _entries(
    records: Iterator[tuple[int, int, dict[str, Any]]], header: bool, tree: bool
) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """The entries after the header (line 1's first record, where there is one); in a log read as v1,
    _Tree at the first entry with an id."""
    for item in records:
        if header and item[0] == 1 and item[1] == 0:
            continue
        if not tree and isinstance(item[2].get("id"), str):
            raise _Tree
        yield item


def _first(path: str, data: bytes) -> tuple[dict[str, Any] | None, bool]:
    """The first line's first entry, if any, and whether anything on that line was not read."""
    errors = LineErrors()
    end = data.find(b"\n")
    first = next(_stream(path, data, errors, end=end if end >= 0 else None), None)
    return (first[2] if first is not None else None), bool(errors)


def read(main: RawLog, companions: list[RawLog]) -> Session:
    """Parse one Pi/OpenClaw session file. Never raises on bad data."""
    return _read(main, None, False)[0]


def resume(
    previous: ResumeState | None, main: RawLog, companions: list[RawLog]
) -> tuple[Session, ResumeState | None]:
    """`read`, starting from `previous` (a state an earlier call returned) when it fits these bytes,
    and the state to read on from next time (see `resumable`)."""
    return _read(main, previous, True)


# What a snapshot of this reader holds (bump on any change to `_Reader.state`).
LAYOUT = 4  # 2: the fork's parent, time and whether the copy goes on; 3: entries without steps as
# links; 4: only the latest links and keys kept


def _read(main: RawLog, previous: ResumeState | None, want_state: bool) -> tuple[Session, ResumeState | None]:
    path = main.path
    data = main.data
    if data.startswith(b"\xef\xbb\xbf"):  # a BOM from an editor that re-saved the file
        data = data[3:]
    if openclaw_trace.is_trace(data):
        return _read_trace(path, data), None
    expected = resumable.stamp(NAME, LAYOUT)
    if resumable.usable(previous, expected, [(path, data)]):
        assert previous is not None
        try:
            return _resume(previous, path, data, expected, want_state)
        except Exception:  # a damaged snapshot, or a v1 log grown into a tree (_Tree): read it whole
            pass
    try:
        return _read_whole(path, data, want_state, expected, False)
    except _Tree:
        return _read_whole(path, data, want_state, expected, True)


def _read_whole(
    path: str, data: bytes, want_state: bool, expected: str, tree: bool
) -> tuple[Session, ResumeState | None]:
    """The whole log, its entries read as they are parsed. `tree`: known to be a tree (ids); else
    read as one only where the header says so (_Tree where an entry says so)."""
    first, first_unread = _first(path, data)
    header = first if first is not None and first.get("type") == "session" else None
    unreadable = LineErrors()
    if header is None and not first_unread:
        unreadable.append(LineError(path, 1, 'expected a Pi session header (type "session") on the first line'))
    session = Session(id=_session_id(header, path), agent=NAME, source=path, files=[path])
    reader = _Reader(session)
    reader.unreadable = unreadable
    if header is not None:
        reader.header(header)
        tree = tree or _int(header.get("version")) >= 2
        session.version = f"pi-v{_int(header.get('version')) or 1}"
    else:
        session.version = "pi-v3" if tree else "pi-v1"
    # With a snapshot: taken at the last newline, once every entry before it is read (the header
    # and the first entry are then known, and a later read starts from there); the lines after it
    # are read after it is taken, so what it holds of them (a torn line's error) is nothing.
    consumed = resumable.cut(data) if want_state else len(data)
    head = _stream(path, data, unreadable, end=consumed)
    reader.entries(_entries(head, header is not None, tree), tree)
    state = None
    if want_state:
        lines = data.count(b"\n", 0, consumed)
        if consumed and (header is not None or reader.keys.count):
            marks = [resumable.Mark(path, consumed, lines, resumable.tail_hash(data, consumed))]
            spans = resumable.Spans(data, consumed)
            state = resumable.snapshot(
                lambda: reader.state(tree, header is not None, lines, spans), expected, marks
            )
        tail = _stream(path, data, unreadable, lines + 1, consumed)
        reader.entries(_entries(tail, header is not None, tree), tree)
    _finish(reader)
    return session, state


def _finish(reader: _Reader) -> None:
    session = reader.session
    # A full read says every unreadable line before what went wrong reading entries.
    session.errors = LineErrors([*reader.unreadable, *session.errors])
    reader.finish()


def _read_trace(path: str, data: bytes) -> Session:
    """A session from OpenClaw's runtime trace: its snapshots' messages as a linear log."""
    errors: LineErrors = LineErrors()
    header, records, unknown = openclaw_trace.records(path, data, errors)
    session = Session(id=_session_id(header, path), agent=NAME, source=path, files=[path], errors=errors)
    session.version = openclaw_trace.version(data)
    reader = _Reader(session)
    if header is not None:
        reader.header(header)
    for what, count in unknown.items():
        count_skipped(session.skipped, what, count)
    reader.entries(records, False)
    reader.finish()
    return session


def _resume(
    previous: ResumeState, path: str, data: bytes, expected: str, want_state: bool
) -> tuple[Session, ResumeState | None]:
    """Read on from a snapshot; _Tree where the new lines would change what the snapshot took as
    settled (a v1 log gaining entry ids turns into a tree: read whole)."""
    body = orjson.loads(previous.body)
    start = previous.marks[0].consumed
    first_line = previous.marks[0].lines + 1
    tree = bool(body["tree"])
    reader = _Reader.restore(body, path, resumable.Spans(data, start))
    consumed = resumable.cut(data) if want_state else len(data)
    head = _stream(path, data, reader.unreadable, first_line, start, consumed)
    reader.entries(_entries(head, False, tree), tree)  # _Tree: the caller reads the whole log
    state = None
    if want_state:
        lines = first_line - 1 + data.count(b"\n", start, consumed)
        if resumable.worth_a_new_snapshot(previous, consumed):
            marks = [resumable.Mark(path, consumed, lines, resumable.tail_hash(data, consumed))]
            spans = resumable.Spans(data, consumed)
            state = resumable.snapshot(
                lambda: reader.state(tree, bool(body["header"]), lines, spans), expected, marks
            )
        else:
            state = previous
        tail = _stream(path, data, reader.unreadable, lines + 1, consumed)
        reader.entries(_entries(tail, False, tree), tree)
    _finish(reader)
    return reader.session, state


def _session_id(header: dict[str, Any] | None, path: str) -> str:
    if header is not None and isinstance(header.get("id"), str) and header["id"]:
        return header["id"]
    # Pi names files `<timestamp>_<uuid>.jsonl`; OpenClaw `<uuid>.jsonl[.reset.<ts>]`,
    # `<uuid>.checkpoint.<uuid>.jsonl`, `<uuid>.trajectory.jsonl`.
    name = Path(path).name.split(".", 1)[0]
    return name.rsplit("_", 1)[-1] or name


AGENT = Agent(
    name=NAME,
    label="Pi",
    patterns=("*.jsonl", "*.jsonl.reset.*", "*.jsonl.deleted.*"),
    folders=_folders,
    group=group,
    read=read,
    env=("PI_CODING_AGENT_DIR", "OPENCLAW_STATE_DIR", "OPENCLAW_HOME"),
    resume=resume,
    spawn_index=openclaw_spawn.store_index,
)
