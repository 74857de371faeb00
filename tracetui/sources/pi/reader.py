"""Pi's and OpenClaw's reader: a session file's entries as steps, read whole or resumed (format:
docs/formats/pi.md).

The files of a session are grouped in `files`; the entries become steps in `entries` (the fields it
reads in `fields`, the edits in `edits`).
"""

from __future__ import annotations

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


def _records(path: str, data: bytes, errors: LineErrors) -> list[tuple[int, int, dict[str, Any]]]:
    """(line, position on the line, record) for every entry, salvaging glued lines."""
    return list(iter_entries(path, data, errors, lambda value: value.get("type") in ENTRY_TYPES))


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
LAYOUT = 2  # 2: the fork's parent, time and whether the copy goes on


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
            resumed = _resume(previous, path, data, expected, want_state)
        except Exception:  # a damaged snapshot: read the whole log
            resumed = None
        if resumed is not None:
            return resumed
    errors: LineErrors = LineErrors()
    records = _records(path, data, errors)

    header: dict[str, Any] | None = None
    if records and records[0][2].get("type") == "session" and records[0][0] == 1:
        header = records[0][2]
        records = records[1:]
    elif not any(e.line == 1 for e in errors):
        errors.insert(
            0, LineError(path, 1, 'expected a Pi session header (type "session") on the first line')
        )

    session = Session(id=_session_id(header, path), agent=NAME, source=path, files=[path], errors=errors)
    reader = _Reader(session)
    if header is not None:
        reader.header(header)
    tree = (header is not None and _int(header.get("version")) >= 2) or any(
        isinstance(r.get("id"), str) for _, _, r in records
    )
    if header is not None:
        session.version = f"pi-v{_int(header.get('version')) or 1}"
    else:
        session.version = "pi-v3" if tree else "pi-v1"
    state = None
    if want_state:
        # Snapshot at the last newline, once every entry before it is read: the header and the
        # first entry are then known, and a later read starts from there.
        consumed = resumable.cut(data)
        lines = data.count(b"\n", 0, consumed)
        head = [r for r in records if r[0] <= lines]
        reader.parse_errors = len(errors)
        reader.entries(head, tree)
        if consumed and (header is not None or head):
            marks = [resumable.Mark(path, consumed, lines, resumable.tail_hash(data, consumed))]
            spans = resumable.Spans(data, consumed)
            state = resumable.snapshot(
                lambda: reader.state(tree, header is not None, lines, spans), expected, marks
            )
        reader.entries(records[len(head) :], tree)
    else:
        reader.entries(records, tree)
    reader.finish()
    return session, state


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
) -> tuple[Session, ResumeState | None] | None:
    """Read on from a snapshot; None when the new lines would change what the snapshot took as
    settled (a v1 log gaining entry ids turns into a tree: read whole)."""
    body = orjson.loads(previous.body)
    start = previous.marks[0].consumed
    first_line = previous.marks[0].lines + 1
    new_errors: LineErrors = LineErrors()
    records = list(
        iter_entries(
            path, data[start:], new_errors, lambda value: value.get("type") in ENTRY_TYPES, first_line
        )
    )
    tree = bool(body["tree"])
    if not tree and any(isinstance(r.get("id"), str) for _, _, r in records):
        return None
    reader, old_errors, parse_errors = _Reader.restore(body, path, resumable.Spans(data, start))
    session = reader.session
    # A full read reports every unreadable line before what went wrong reading entries.
    session.errors = LineErrors([*old_errors[:parse_errors], *new_errors, *old_errors[parse_errors:]])
    reader.parse_errors = parse_errors + len(new_errors)
    state = None
    if want_state:
        consumed = resumable.cut(data)
        lines = first_line - 1 + data.count(b"\n", start, consumed)
        head = [r for r in records if r[0] <= lines]
        reader.entries(head, tree)
        if resumable.worth_a_new_snapshot(previous, consumed):
            marks = [resumable.Mark(path, consumed, lines, resumable.tail_hash(data, consumed))]
            spans = resumable.Spans(data, consumed)
            state = resumable.snapshot(
                lambda: reader.state(tree, bool(body["header"]), lines, spans), expected, marks
            )
        else:
            state = previous
        records = records[len(head) :]
    reader.entries(records, tree)
    reader.finish()
    return session, state


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
