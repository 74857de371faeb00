"""Reader for Pi coding agent session logs (and OpenClaw's, which embed Pi's session library).

The format and this reader's choices: docs/formats/pi.md.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tracetui.model import COPIED, FileEdit, Hunk, LineError, Session, Step, StepKind, Tokens, usd
from tracetui.sources import RawLog, SessionFiles
from tracetui.sources.common import resumable, titles
from tracetui.sources.common.apply_patch import parse_patch
from tracetui.sources.common.coerce import as_count, as_dict, as_list, as_moment, as_str
from tracetui.sources.common.jsonl import guarded, iter_entries
from tracetui.sources.common.resumable import ResumeState
from tracetui.sources.common.unified_diff import parse_unified_diff
from tracetui.sources.pi import openclaw_spawn, openclaw_trace
from tracetui.sources.registry import Agent

NAME = "pi"
# The provider OpenClaw names on the messages it writes itself, in the assistant's place.
OPENCLAW_PROVIDER = "openclaw"

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

# OpenClaw's archives of a transcript it took out of use (`/reset`, a deleted session): still logs.
_ARCHIVE = re.compile(r"\.jsonl\.(?:reset|deleted)\..+\Z")
# OpenClaw's copies of a transcript taken before a compaction (`<id>.checkpoint.<uuid>.jsonl`), and
# its runtime trace (`<id>.trajectory.jsonl`): read only where the transcript itself is gone.
_CHECKPOINT = re.compile(r"\.checkpoint\.[^.]+\.jsonl\Z")
_TRACE = ".trajectory.jsonl"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def group(paths: list[Path]) -> list[SessionFiles]:
    """One session per transcript: `*.jsonl`, and OpenClaw's archives `*.jsonl.reset.<ts>` and
    `*.jsonl.deleted.<ts>`. OpenClaw's pre-compaction checkpoints and runtime traces are not
    transcripts: a session that has neither transcript nor archive left is read from its newest
    checkpoint, else from its trace (see openclaw_trace); otherwise they are not read."""
    out: list[SessionFiles] = []
    seen: set[Path] = set()
    checkpoints: dict[tuple[Path, str], list[Path]] = {}
    traces: dict[tuple[Path, str], Path] = {}
    for path in paths:
        name = path.name
        if path in seen:
            continue
        seen.add(path)
        key = (path.parent, name.split(".", 1)[0])
        if name.endswith(_TRACE):
            traces.setdefault(key, path)
        elif _CHECKPOINT.search(name):
            checkpoints.setdefault(key, []).append(path)
        elif name.endswith(".jsonl") or _ARCHIVE.search(name):
            out.append(SessionFiles(NAME, path))
    logged = {(files.main.parent, files.main.name.split(".", 1)[0]) for files in out}
    for key, copies in checkpoints.items():
        if key not in logged:
            # Each checkpoint is the transcript as it was at a compaction: the longest is the latest.
            newest = max(copies, key=_size)
            out.append(SessionFiles(NAME, newest))
            logged.add(key)
    out.extend(SessionFiles(NAME, path) for key, path in traces.items() if key not in logged)
    return out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


# --------------------------------------------------------------------------------------------
# Reading lines


@dataclass(slots=True)
class _Entry:
    key: str  # the entry's id, or its line-derived name in v1
    parent: str | None
    line: int
    record: dict[str, Any]
    steps: list[Step] = field(default_factory=list)
    # The next step's number within the entry. A content block the reader skips still uses up
    # its number, so a reader that later learns that block type does not rename its neighbours.
    slot: int = 0


# An entry's record once read: no later entry nor the finish looks at it again.
_READ: dict[str, Any] = {}


def _records(path: str, data: bytes, errors: list[LineError]) -> list[tuple[int, int, dict[str, Any]]]:
    """(line, position on the line, record) for every entry, salvaging glued lines."""
    return list(iter_entries(path, data, errors, lambda value: value.get("type") in ENTRY_TYPES))


# --------------------------------------------------------------------------------------------
# Reading a session


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
    errors: list[LineError] = []
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
    errors: list[LineError] = []
    header, records, unknown = openclaw_trace.records(path, data, errors)
    session = Session(id=_session_id(header, path), agent=NAME, source=path, files=[path], errors=errors)
    session.version = openclaw_trace.version(data)
    reader = _Reader(session)
    if header is not None:
        reader.header(header)
    for what, count in unknown.items():
        session.skipped[what] = session.skipped.get(what, 0) + count
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
    new_errors: list[LineError] = []
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
    session.errors[:] = old_errors[:parse_errors] + new_errors + old_errors[parse_errors:]
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


def _parent_id(logged: str) -> str:
    """The session id a fork's logged parent path holds in its file name (`<time>_<uuid>.jsonl`,
    OpenClaw's `<uuid>.jsonl`), else the path as logged."""
    name = logged.replace("\\", "/").rsplit("/", 1)[-1]
    found = _UUID.findall(name)
    return found[-1] if found else logged



def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class _Reader:
    """The state of one pass over a session's entries."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.steps = session.steps
        self.by_key: dict[str, _Entry] = {}
        self.order: list[_Entry] = []
        self.models: dict[str, None] = {}
        self.times: list[str] = []
        self.name: str | None = None
        self.calls: dict[str, Step] = {}  # tool call id -> the call step (latest)
        self.answered: set[int] = set()  # id() of call steps that got a result
        self.previous: str | None = None  # the last entry's key (a v1 entry's parent)
        self.parse_errors = 0  # session.errors before this many are unreadable lines (snapshots)
        # A fork's header time while its leading entries are still the copied ones, else None.
        self.copy_until: datetime | None = None

    # -- header and entries ------------------------------------------------------------------

    def header(self, header: dict[str, Any]) -> None:
        cwd = header.get("cwd")
        self.session.cwd = cwd if isinstance(cwd, str) else None
        stamp = _iso(header.get("timestamp"))
        if stamp:
            self.times.append(stamp)
        model = _model_name(header.get("provider"), header.get("modelId"))
        if model:
            self.models[model] = None
        parent = header.get("parentSession")
        if not isinstance(parent, str) or not parent:
            parent = header.get("branchedFrom")
        if isinstance(parent, str) and parent:
            self.session.forked_from = _parent_id(parent)
            self.session.forked_at = stamp
            self.copy_until = as_moment(stamp)

    def entries(self, records: list[tuple[int, int, dict[str, Any]]], tree: bool) -> None:
        previous = self.previous
        for line, position, record in records:
            raw_id = record.get("id") if tree else None
            key = (
                raw_id
                if isinstance(raw_id, str) and raw_id
                else (f"L{line}" if position == 0 else f"L{line}.{position + 1}")
            )
            if key in self.by_key:  # a duplicated id must not merge two entries' steps
                key = f"{key}@L{line}"
            if tree and isinstance(raw_id, str):
                parent_id = record.get("parentId")
                parent = parent_id if isinstance(parent_id, str) and parent_id else None
            else:
                parent = previous
            entry = _Entry(key, parent, line, record)
            self.by_key[key] = entry
            self.order.append(entry)
            previous = self.previous = key
            if self.copy_until is not None:
                moment = as_moment(_iso(record.get("timestamp")))
                if moment is not None and moment >= self.copy_until:
                    self.copy_until = None  # the fork's own entries from here on
            with guarded(self.session.errors, self.session.source, line):
                self.entry(entry)
            if self.copy_until is not None:
                for step in entry.steps:
                    step.meta[COPIED] = True
            entry.record = _READ  # read: what later entries and the finish need is kept apart

    def entry(self, entry: _Entry) -> None:
        record = entry.record
        kind = record.get("type")
        stamp = _iso(record.get("timestamp"))
        if stamp:
            self.times.append(stamp)
        if kind == "message":
            message = record.get("message")
            if isinstance(message, dict):
                self.message(entry, message, stamp)
            else:
                self.skip("message (no body)")
        elif kind == "model_change":
            model = _model_name(record.get("provider"), record.get("modelId"))
            if model:
                self.models[model] = None
            self.add(entry, StepKind.MODEL_CHANGE, "system", model or "", stamp, model=model)
        elif kind == "thinking_level_change":
            level = record.get("thinkingLevel")
            self.add(
                entry,
                StepKind.SYSTEM,
                "system",
                f"thinking level: {level}" if isinstance(level, str) else "thinking level changed",
                stamp,
                meta={"thinking_level": level},
            )
        elif kind == "compaction":
            self.compaction(entry, stamp)
        elif kind == "branch_summary":
            meta = {"from_id": record.get("fromId")} if record.get("fromId") else {}
            self.add(entry, StepKind.CONTEXT, "user", as_str(record.get("summary")), stamp, meta=meta)
        elif kind == "custom_message":
            self.custom_message(entry, record, stamp)
        elif kind == "session_info":
            name = record.get("name")
            if isinstance(name, str):
                self.name = " ".join(name.split()) or None  # an empty name clears it, as in Pi
        elif kind in ("custom", "label"):
            pass  # extension state and bookmarks: known, and not events on the spine
        else:
            self.skip(kind if isinstance(kind, str) else "(no type)")

    def message(self, entry: _Entry, message: dict[str, Any], stamp: str | None) -> None:
        role = message.get("role")
        stamp = stamp or _iso(message.get("timestamp"))
        if role == "user":
            self.add(entry, StepKind.USER, "user", _content_text(message.get("content")), stamp)
        elif role == "assistant":
            self.assistant(entry, message, stamp)
        elif role == "toolResult":
            self.tool_result(entry, message, stamp)
        elif role == "bashExecution":
            self.bash_execution(entry, message, stamp)
        elif role in ("custom", "hookMessage"):
            self.custom_message(entry, message, stamp)
        elif role in ("branchSummary", "compactionSummary"):
            # Pi keeps these in memory only; should one ever be written, it is injected context.
            self.add(entry, StepKind.CONTEXT, "user", as_str(message.get("summary")), stamp)
        else:
            self.skip(f"message/{role}" if isinstance(role, str) else "message/(no role)")

    def assistant(self, entry: _Entry, message: dict[str, Any], stamp: str | None) -> None:
        if message.get("provider") == OPENCLAW_PROVIDER:
            self.openclaw_message(entry, message, stamp)
            return
        model = _model_name(message.get("provider"), message.get("model"))
        if model:
            self.models[model] = None
        tokens = _tokens(message.get("usage"))
        if tokens is not None and self.copy_until is None:  # a fork's copy: the parent's usage, not its
            self.session.tokens.add(tokens)
        first = len(entry.steps)
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        for block in content if isinstance(content, list) else ():
            if not isinstance(block, dict):
                self.skip("content/(not an object)")
                entry.slot += 1
                continue
            kind = block.get("type")
            if kind == "text":
                self.add(entry, StepKind.ASSISTANT, "assistant", as_str(block.get("text")), stamp, model=model)
            elif kind == "thinking":
                meta = {"redacted": True} if block.get("redacted") else {}
                self.add(
                    entry,
                    StepKind.REASONING,
                    "assistant",
                    as_str(block.get("thinking")),
                    stamp,
                    model=model,
                    meta=meta,
                )
            elif kind == "toolCall":
                self.tool_call(entry, block, stamp, model)
            elif kind == "image":
                self.add(entry, StepKind.ASSISTANT, "assistant", "[image]", stamp, model=model)
            elif isinstance(block.get("text"), str) and block["text"].strip():
                # A block type this reader does not know that carries text: kept, named in meta.
                named: dict[str, Any] = {"block": kind} if isinstance(kind, str) else {}
                text = block["text"]
                self.add(entry, StepKind.ASSISTANT, "assistant", text, stamp, model=model, meta=named)
            else:
                self.skip(f"content/{kind}")
                entry.slot += 1
        reason = message.get("stopReason")
        if reason in ("error", "aborted"):
            # Pi runs no tool call of a turn that failed or was aborted: its edits never happened.
            for step in entry.steps[first:]:
                if step.kind == StepKind.TOOL_CALL:
                    step.meta["not_run"] = True
                    for edit in step.edits:
                        edit.applied = False
            text = as_str(message.get("errorMessage")) or f"the turn ended: {reason}"
            self.add(
                entry,
                StepKind.SYSTEM,
                "system",
                text,
                stamp,
                model=model,
                is_error=reason == "error",
                meta={"stop_reason": reason},
            )
        if tokens is not None and len(entry.steps) > first:
            entry.steps[first].tokens = tokens

    def openclaw_message(self, entry: _Entry, message: dict[str, Any], stamp: str | None) -> None:
        """A message OpenClaw wrote in the assistant's place (provider `openclaw`): a copy of a reply
        its `message` tool delivered (`delivery-mirror`), a notice that the run failed before any
        model answered (`gateway-injected`). No model wrote it: its text is a SYSTEM step named by
        what wrote it (meta `openclaw`), and that name is no model of the session's."""
        what = as_str(message.get("model")) or OPENCLAW_PROVIDER
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else as_list(content)
        text = "\n\n".join(
            as_str(b.get("text")) for b in blocks if isinstance(b, dict) and as_str(b.get("text")).strip()
        )
        if not text:
            self.skip(f"message/openclaw/{what}")
            return
        self.add(entry, StepKind.SYSTEM, "system", text, stamp, meta={"openclaw": what})

    def tool_call(self, entry: _Entry, block: dict[str, Any], stamp: str | None, model: str | None) -> None:
        name = block.get("name")
        name = name if isinstance(name, str) else None
        arguments = block.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = orjson.loads(arguments)
            except orjson.JSONDecodeError:
                pass
        call_id = block.get("id")
        call_id = call_id if isinstance(call_id, str) else None
        step = self.add(
            entry,
            StepKind.TOOL_CALL,
            "assistant",
            "",
            stamp,
            tool=name,
            tool_call_id=call_id,
            tool_input=arguments,
            model=model,
        )
        step.edits = _edits(name, arguments)
        if call_id:
            self.calls[call_id] = step

    def tool_result(self, entry: _Entry, message: dict[str, Any], stamp: str | None) -> None:
        call_id = message.get("toolCallId")
        call_id = call_id if isinstance(call_id, str) else None
        name = message.get("toolName")
        details = message.get("details")
        # OpenClaw catches tool failures and reports them in details.status with isError false.
        is_error = message.get("isError") is True or (
            isinstance(details, dict) and details.get("status") == "error"
        )
        meta = _result_meta(details)
        self.add(
            entry,
            StepKind.TOOL_RESULT,
            "tool",
            _content_text(message.get("content")),
            stamp,
            tool=name if isinstance(name, str) else None,
            tool_call_id=call_id,
            is_error=is_error,
            meta=meta,
        )
        call = self.calls.get(call_id) if call_id else None
        if call is not None:
            self.answered.add(id(call))
            key = openclaw_spawn.child_key(details) if name == openclaw_spawn.TOOL else None
            if key is not None:
                call.meta[openclaw_spawn.KEY] = key
            if call.edits:
                _settle_edits(call, is_error, details)

    def bash_execution(self, entry: _Entry, message: dict[str, Any], stamp: str | None) -> None:
        command = as_str(message.get("command"))
        call_id = f"user-bash:{entry.key}"
        self.add(
            entry,
            StepKind.TOOL_CALL,
            "user",
            "",
            stamp,
            tool="bash",
            tool_call_id=call_id,
            tool_input={"command": command},
            meta={"user_run": True},
        )
        meta: dict[str, Any] = {"user_run": True}
        exit_code = message.get("exitCode")
        if isinstance(exit_code, int):
            meta["exit_code"] = exit_code
        for key, out in (
            ("cancelled", "cancelled"),
            ("truncated", "truncated"),
            ("excludeFromContext", "exclude_from_context"),
        ):
            if message.get(key):
                meta[out] = True
        if isinstance(message.get("fullOutputPath"), str):
            meta["full_output_path"] = message["fullOutputPath"]
        failed = (isinstance(exit_code, int) and exit_code != 0) or bool(message.get("cancelled"))
        self.add(
            entry,
            StepKind.TOOL_RESULT,
            "tool",
            as_str(message.get("output")),
            stamp,
            tool="bash",
            tool_call_id=call_id,
            is_error=failed,
            meta=meta,
        )

    def custom_message(self, entry: _Entry, record: dict[str, Any], stamp: str | None) -> None:
        meta: dict[str, Any] = {}
        if isinstance(record.get("customType"), str):
            meta["custom_type"] = record["customType"]
        if record.get("display") is False:
            meta["display"] = False
        self.add(entry, StepKind.CONTEXT, "user", _content_text(record.get("content")), stamp, meta=meta)

    def compaction(self, entry: _Entry, stamp: str | None) -> None:
        record = entry.record
        meta: dict[str, Any] = {}
        first_kept = record.get("firstKeptEntryId")
        if isinstance(first_kept, str):
            meta["first_kept_entry_id"] = first_kept
        else:
            index = record.get("firstKeptEntryIndex")
            if isinstance(index, int) and not isinstance(index, bool):
                # v1 counted entries with the header as number 0 (Pi's own migration reads it so).
                target = self.order[index - 1] if 1 <= index <= len(self.order) else None
                if target is not None:
                    meta["first_kept_entry_id"] = target.key
        if isinstance(record.get("tokensBefore"), int):
            meta["tokens_before"] = record["tokensBefore"]
        if record.get("fromHook"):
            meta["from_hook"] = True
        details = record.get("details")
        if isinstance(details, dict):
            for key, out in (("readFiles", "read_files"), ("modifiedFiles", "modified_files")):
                if isinstance(details.get(key), list):
                    meta[out] = details[key]
        step = self.add(entry, StepKind.COMPACTION, "system", as_str(record.get("summary")), stamp, meta=meta)
        tokens = _tokens(record.get("usage"))  # newer Pi: what the summarising call cost
        if tokens is not None:
            step.tokens = tokens
            if self.copy_until is None:
                self.session.tokens.add(tokens)

    # -- steps -------------------------------------------------------------------------------

    def add(self, entry: _Entry, kind: str, role: str, text: str, stamp: str | None, **fields: Any) -> Step:
        n = entry.slot
        entry.slot = n + 1
        # The leading fields go by position: keyword arguments are matched by name against all
        # of Step's fields, a cost paid for every step of the log.
        step = Step(
            entry.key if n == 0 else f"{entry.key}:{n}",  # id
            len(self.steps),  # index
            kind,
            role,
            text,
            stamp,  # timestamp
            parent=entry.steps[-1].id if entry.steps else None,
            **fields,
        )
        entry.steps.append(step)
        self.steps.append(step)
        return step

    def skip(self, what: str) -> None:
        self.session.skipped[what] = self.session.skipped.get(what, 0) + 1

    # -- snapshots (resumable) ---------------------------------------------------------------

    def state(self, tree: bool, header: bool, lines: int, spans: resumable.Spans | None) -> dict[str, Any]:
        """Everything the next entries and `finish` read, as plain data; steps by position. Only
        the first `lines` lines are read: a torn line after them is read again next time."""
        s = self.session
        where = {id(step): i for i, step in enumerate(self.steps)}
        unreadable = [e for e in s.errors[: self.parse_errors] if e.line <= lines]
        line_of = {id(step): e.line for e in self.order for step in e.steps}
        return {
            "tree": tree,
            "header": header,
            "session": [s.id, s.cwd, s.version, resumable.tokens_row(s.tokens), dict(s.skipped)],
            "errors": [resumable.error_row(e) for e in unreadable + s.errors[self.parse_errors :]],
            "parse_errors": len(unreadable),
            "steps": [resumable.step_row(step, spans, (line_of.get(id(step), 0),)) for step in self.steps],
            "entries": [
                [e.key, e.parent, e.line, [where[id(x)] for x in e.steps], e.slot] for e in self.order
            ],
            "models": list(self.models),
            "times": [min(self.times), max(self.times)] if self.times else [],  # all `finish` reads of them
            "name": self.name,
            "calls": {k: where[id(v)] for k, v in self.calls.items()},
            "answered": sorted(where[i] for i in self.answered if i in where),
            "previous": self.previous,
            "fork": [
                s.forked_from,
                s.forked_at,
                None if self.copy_until is None else self.copy_until.isoformat(),
            ],
        }

    @classmethod
    def restore(
        cls, body: dict[str, Any], path: str, spans: resumable.Spans
    ) -> tuple[_Reader, list[LineError], int]:
        sid, cwd, version, tokens, skipped = body["session"]
        steps = resumable.steps_of(body["steps"], spans)
        session = Session(
            id=sid, agent=NAME, source=path, cwd=cwd, version=version, files=[path], steps=steps
        )
        session.tokens = resumable.tokens_of(tokens)
        session.skipped = dict(skipped)
        reader = cls(session)
        for key, parent, line, held, slot in body["entries"]:
            entry = _Entry(key, parent, line, _READ, [steps[i] for i in held], slot)
            reader.by_key[key] = entry
            reader.order.append(entry)
        reader.models = dict.fromkeys(body["models"])
        reader.times = list(body["times"])
        reader.name = body["name"]
        reader.calls = {k: steps[i] for k, i in body["calls"].items()}
        reader.answered = {id(steps[i]) for i in body["answered"]}
        reader.previous = body["previous"]
        session.forked_from, session.forked_at, copy_until = body["fork"]
        reader.copy_until = None if copy_until is None else datetime.fromisoformat(copy_until)
        errors = [resumable.error_of(r) for r in body["errors"]]
        return reader, errors, int(body["parse_errors"])

    # -- the tree and the summary ------------------------------------------------------------

    def finish(self) -> None:
        session = self.session
        active = self.active_keys()
        resolved: dict[str, str | None] = {}
        for entry in self.order:
            if not entry.steps:
                continue
            entry.steps[0].parent = self.last_step_above(entry.parent, resolved)
            if entry.key not in active:
                for step in entry.steps:
                    step.active = False
        for call in self.calls.values():
            if id(call) not in self.answered and not call.meta.get("not_run"):
                call.meta["no_result"] = True  # e.g. the session ended while it ran
        session.models = list(self.models)
        if self.times:
            session.started = min(self.times)
            session.ended = max(self.times)
        openclaw_spawn.tie(session.steps)
        session.title = titles.session_title((self.name,), session.steps)
        session.hidden = titles.why_hidden(session.steps, session.tokens)

    def active_keys(self) -> set[str]:
        """The entries from the file's last entry (Pi's leaf) back to the root."""
        active: set[str] = set()
        key = self.order[-1].key if self.order else None
        while key is not None and key not in active:
            entry = self.by_key.get(key)
            if entry is None:
                break
            active.add(key)
            key = entry.parent
        return active

    def last_step_above(self, key: str | None, memo: dict[str, str | None]) -> str | None:
        """The last step of the nearest ancestor entry that has steps (labels and extension
        state have none)."""
        walked: list[str] = []
        found: str | None = None
        while key is not None:
            if key in memo:
                found = memo[key]
                break
            entry = self.by_key.get(key)
            if entry is None or key in walked:
                break
            walked.append(key)
            if entry.steps:
                found = entry.steps[-1].id
                break
            key = entry.parent
        for k in walked:
            memo[k] = found
        return found


# --------------------------------------------------------------------------------------------
# Field helpers



def _model_name(provider: Any, model: Any) -> str | None:
    if not isinstance(model, str) or not model:
        return None
    return f"{provider}/{model}" if isinstance(provider, str) and provider else model


def _content_text(content: Any) -> str:
    """User/tool content: a string, or text and image blocks (images become "[image]")."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts: list[str] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            parts.append(as_str(block.get("text")))
        elif kind == "image":
            parts.append("[image]")
    return "\n".join(parts)


def _tokens(usage: Any) -> Tokens | None:
    if not isinstance(usage, dict):
        return None
    return Tokens(
        _count(usage.get("input")),
        _count(usage.get("output")),
        _count(usage.get("cacheRead")),
        _count(usage.get("cacheWrite")),
        usd(as_dict(usage.get("cost")).get("total")),  # Pi's own price of the request, by its table
    )


def _count(value: Any) -> int:
    return as_count(value)


def _result_meta(details: Any) -> dict[str, Any]:
    """The small, useful bits of a tool result's details (exit code, duration, truncation)."""
    if not isinstance(details, dict):
        return {}
    meta: dict[str, Any] = {}
    if isinstance(details.get("exitCode"), int):
        meta["exit_code"] = details["exitCode"]
    if isinstance(details.get("durationMs"), (int, float)):
        meta["duration_ms"] = details["durationMs"]
    if details.get("truncation") or details.get("truncated") is True:
        meta["truncated"] = True
    if isinstance(details.get("fullOutputPath"), str):
        meta["full_output_path"] = details["fullOutputPath"]
    if isinstance(details.get("firstChangedLine"), int):
        meta["first_changed_line"] = details["firstChangedLine"]
    return meta


_ISO_FAST = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\Z")


def _iso(value: Any) -> str | None:
    """An ISO-8601 UTC string (`...T..:..:..mmmZ`, the form Pi writes) from a string or epoch ms."""
    if isinstance(value, str):
        if _ISO_FAST.match(value):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        try:
            moment = datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --------------------------------------------------------------------------------------------
# Edits


def _edits(tool: str | None, arguments: Any) -> list[FileEdit]:
    """FileEdits for Pi's edit and write tools (any letter case; Claude-style argument names
    are accepted too, since OpenClaw passes them through) and for apply_patch."""
    if not tool or not isinstance(arguments, dict):
        return []
    name = tool.lower()
    if name == "apply_patch":  # OpenClaw (and a Pi extension) give GPT models Codex's patch tool
        body = next(
            (arguments[k] for k in ("input", "patch", "command") if isinstance(arguments.get(k), str)), None
        )
        return list(parse_patch(body)) if body is not None else []
    path = next((v for k in _PATH_KEYS if isinstance(v := arguments.get(k), str) and v), None)
    if path is None:
        return []
    if name == "write":
        content = arguments.get("content")
        return [FileEdit(path=path, op="write", content=content if isinstance(content, str) else None)]
    if name != "edit":
        return []
    pairs: list[tuple[str, str]] = []
    many = arguments.get("edits")
    if isinstance(many, str):  # newer Pi accepts the list sent as a JSON string
        try:
            many = orjson.loads(many)
        except orjson.JSONDecodeError:
            many = None
    if isinstance(many, list):
        for item in many:
            if isinstance(item, dict):
                old, new = _pair(item)
                if old is not None or new is not None:
                    pairs.append((old or "", new or ""))
    old, new = _pair(arguments)
    if old is not None or new is not None:
        pairs.append((old or "", new or ""))
    if not pairs:
        return [FileEdit(path=path, op="update")]
    return [FileEdit(path=path, op="update", old_string=o, new_string=n) for o, n in pairs]


# The names an edit's file goes by: Pi's own `path`, and the aliases OpenClaw accepts from models
# trained on other agents (Claude Code's `file_path`, and `file`, `filename`, `filepath`), first found wins.
_PATH_KEYS = ("path", "file_path", "file", "filename", "filepath")
_OLD_KEYS = ("oldText", "old_string", "old_text")
_NEW_KEYS = ("newText", "new_string", "new_text")


def _pair(d: dict[str, Any]) -> tuple[str | None, str | None]:
    old = next((d[k] for k in _OLD_KEYS if k in d), None)
    new = next((d[k] for k in _NEW_KEYS if k in d), None)
    return (old if isinstance(old, str) else None, new if isinstance(new, str) else None)


def _settle_edits(call: Step, is_error: bool, details: Any) -> None:
    """Mark a call's edits failed, or give them the hunks its result reported."""
    if is_error:
        for edit in call.edits:
            edit.applied = False
        return
    if not isinstance(details, dict) or (call.tool or "").lower() != "edit":
        return
    hunks: list[Hunk] = []
    if isinstance(details.get("patch"), str):
        hunks = parse_unified_diff(details["patch"])
    if not hunks and isinstance(details.get("diff"), str):
        hunks = parse_numbered_diff(details["diff"])
    if not hunks:
        return
    first = call.edits[0]
    if len(call.edits) > 1:
        # One diff covers every replacement of the call; one FileEdit keeps it from being counted twice.
        call.edits = [FileEdit(path=first.path, op="update", hunks=hunks)]
    else:
        first.hunks = hunks


def parse_numbered_diff(diff: str) -> list[Hunk]:
    """Hunks from Pi's numbered display diff (the edit tool's `details.diff`).

    Each line is a sign (`+`, `-` or space), a right-aligned line number, a space and the text;
    a line of spaces and `...` stands for unchanged lines left out, and separates hunks. Added
    lines carry their new line number and removed lines their old one, so the hunk starts are
    worked out from those; context lines carry old numbers, but some Pi versions numbered the
    leading context wrongly, so context numbers are used only where a hunk has nothing better
    (trailing context first). A diff that does not have this shape gives no hunks (the edit
    keeps its old/new strings), rather than hunks with made-up numbers. Starts follow jsdiff's
    structuredPatch: a side with no lines starts where its lines would be.
    """
    # Edit diffs are most of a log's lines that need more than orjson, so the per-line work is
    # left to C: one regex split cuts every line into sign, number and text (or marks it a gap),
    # and each hunk's starts come from str.find/count on a string of its lines' signs.
    parts = _DIFF_LINE.split("\n" + diff + "\n")
    # Per matched line, re.split gives the text before it, then its four groups. That text is
    # only newlines (blank lines) unless some line is not of this shape.
    if len(parts) == 1 or "".join(parts[::5]).strip("\n"):
        return []
    all_signs = parts[1::5]
    numbers = parts[2::5]
    texts = parts[3::5]
    gaps = [i for i, gap in enumerate(parts[4::5]) if gap]
    hunks: list[Hunk] = []
    delta = 0  # new line number minus old, after the hunks so far
    for start, end in zip([-1, *gaps], [*gaps, len(all_signs)]):
        start += 1  # this hunk's lines are [start, end), between two gaps
        signs = "".join(all_signs[start:end])
        removed = signs.count("-")
        added = signs.count("+")
        if not removed and not added:
            continue
        # A line's number minus the lines of its side above it in the hunk is the hunk's start.
        old_start: int | None = None
        new_start: int | None = None
        first_removed = signs.find("-")
        first_added = signs.find("+")
        if first_removed >= 0:
            above = first_removed - signs.count("+", 0, first_removed)
            old_start = int(numbers[start + first_removed]) - above
        if first_added >= 0:
            above = first_added - signs.count("-", 0, first_added)
            new_start = int(numbers[start + first_added]) - above
        if old_start is None:  # nothing removed, so something added: place the old side by it
            trailing = signs.find(" ", first_added + 1)  # the first context line after a change
            if trailing >= 0:
                above = trailing - signs.count("+", 0, trailing)
                old_start = int(numbers[start + trailing]) - above
            else:
                old_start = new_start - delta  # type: ignore[operator]
        if new_start is None:
            new_start = old_start + delta
        valid = old_start >= 1 and new_start >= 1
        hunks.append(
            Hunk(
                old_start=old_start if valid else 0,
                old_lines=len(signs) - added,
                new_start=new_start if valid else 0,
                new_lines=len(signs) - removed,
                lines=list(map(operator.add, all_signs[start:end], texts[start:end])),
            )
        )
        delta += added - removed
    return hunks


# parse_numbered_diff's lines: a sign, a right-aligned line number (ASCII digits), then a space
# and the text (or nothing); or a gap between hunks, spaces and `...` (its first space
# captured). A match takes the newline before its line and must see the one after it,
# so it is always one whole line (of a text with a newline put at both ends), and the regex
# engine can jump from newline to newline instead of trying `^` at every character.
_DIFF_LINE = re.compile(r"\n(?:([+\- ]) *([0-9]{1,9})(?: |(?=\n))(.*)|( ) *\.\.\.)(?=\n)")


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    pi = Path(env["PI_CODING_AGENT_DIR"]) if env.get("PI_CODING_AGENT_DIR") else home / ".pi" / "agent"
    # OpenClaw keeps each agent's sessions in $OPENCLAW_STATE_DIR/agents/<agentId>/sessions/ (default
    # ~/.openclaw, under $OPENCLAW_HOME when set); `agents/` holds nothing else a sync picks up.
    if env.get("OPENCLAW_STATE_DIR"):
        claw = Path(env["OPENCLAW_STATE_DIR"])
    else:
        claw = (Path(env["OPENCLAW_HOME"]) if env.get("OPENCLAW_HOME") else home) / ".openclaw"
    return [pi / "sessions", claw / "agents"]


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
