"""Pi and OpenClaw entries made into a session's steps: messages, tool calls and results, bash runs,
compactions, and the state a resumed read starts from (format: docs/formats/pi.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from tracetui.model import COPIED, LineError, LineErrors, Session, Step, StepKind, count_skipped
from tracetui.sources.common import resumable, titles
from tracetui.sources.common.coerce import as_list, as_moment, as_str
from tracetui.sources.common.jsonl import loads_within_depth, unreadable
from tracetui.sources.common.model_switch import with_switches
from tracetui.sources.common.time_span import widen
from tracetui.sources.pi import openclaw_spawn
from tracetui.sources.pi.edits import _edits, _settle_edits
from tracetui.sources.pi.fields import _content_text, _iso, _model_name, _result_meta, _tokens, bash_exit
from tracetui.sources.pi.files import NAME, _parent_id
from tracetui.sources.pi.links import MAX_KEPT, Links, Recent


# The provider OpenClaw names on the messages it writes itself, in the assistant's place.
OPENCLAW_PROVIDER = "openclaw"


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


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class _Reader:
    """The state of one pass over a session's entries."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.steps = session.steps
        # The entries that made steps, by key and in order. One that made none is only a way on to its
        # parent (`links`, key -> the nearest key on the way that is not such an entry): a log of two
        # million records of kinds Pi never wrote held an entry object for each (2 GB for 200 MB), and
        # a link each (100 to 150 bytes): the latest are kept (`links`).
        self.by_key: dict[str, _Entry] = {}
        self.order: list[_Entry] = []
        self.links = Links()
        self.keys = Recent()  # the latest entries' keys (a v1 compaction names one by place)
        self.said_lost = False  # whether an entry's parent was said to be among the links not kept
        self.models: dict[str, None] = {}
        self.times: list[str] = []  # the earliest and the latest timestamp, once there is one
        self.name: str | None = None
        self.calls: dict[str, Step] = {}  # tool call id -> the call step (latest)
        self.answered: set[int] = set()  # id() of call steps that got a result
        self.previous: str | None = None  # the last entry's key (a v1 entry's parent)
        # The lines not read (session.errors holds what went wrong reading entries): a full read says
        # these first, and a snapshot keeps them apart.
        self.unreadable: LineErrors = LineErrors()
        # A fork's header time while its leading entries are still the copied ones, else None.
        self.copy_until: datetime | None = None

    # -- header and entries ------------------------------------------------------------------

    def header(self, header: dict[str, Any]) -> None:
        cwd = header.get("cwd")
        self.session.cwd = cwd if isinstance(cwd, str) else None
        stamp = _iso(header.get("timestamp"))
        if stamp:
            widen(self.times, stamp)
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

    def entries(self, records: Iterable[tuple[int, int, dict[str, Any]]], tree: bool) -> None:
        previous = self.previous
        for line, position, record in records:
            raw_id = record.get("id") if tree else None
            key = (
                raw_id
                if isinstance(raw_id, str) and raw_id
                else (f"L{line}" if position == 0 else f"L{line}.{position + 1}")
            )
            if key in self.by_key or key in self.links:  # a duplicated id must not merge two entries' steps
                key = f"{key}@L{line}"
            if tree and isinstance(raw_id, str):
                parent_id = record.get("parentId")
                parent = parent_id if isinstance(parent_id, str) and parent_id else None
                self._lost(parent, line)
            else:
                parent = previous
            # Through the entries without steps now, while their links are kept.
            entry = _Entry(key, self.links.up(parent), line, record)
            self.keys.add(key)
            previous = self.previous = key
            if self.copy_until is not None:
                moment = as_moment(_iso(record.get("timestamp")))
                if moment is not None and moment >= self.copy_until:
                    self.copy_until = None  # the fork's own entries from here on
            # What `guarded` does, as a try: the same LineError for a record this code fails on, without
            # a guard object made, entered and left for each of a log's entries.
            try:
                self.entry(entry)
            except Exception as exc:
                self.session.errors.append(unreadable(self.session.source, line, exc))
            if not entry.steps:
                # Its children go on to its parent, and so a chain of such entries to the first above.
                self.links.add(key, parent)
                continue
            self.by_key[key] = entry
            self.order.append(entry)
            if self.copy_until is not None:
                for step in entry.steps:
                    step.meta[COPIED] = True
            entry.record = _READ  # read: what later entries and the finish need is kept apart

    def entry(self, entry: _Entry) -> None:
        record = entry.record
        kind = record.get("type")
        stamp = _iso(record.get("timestamp"))
        if stamp:
            widen(self.times, stamp)
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
                arguments = loads_within_depth(arguments)
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
        text = _content_text(message.get("content"))
        if name == "bash" and "exit_code" not in meta:
            code = bash_exit(text, is_error)
            if code is not None:
                meta["exit_code"] = code
        self.add(
            entry,
            StepKind.TOOL_RESULT,
            "tool",
            text,
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
                kept = self.keys.at(index) if 1 <= index <= self.keys.count else None
                if kept is not None:
                    meta["first_kept_entry_id"] = kept
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
        count_skipped(self.session.skipped, what)

    def _lost(self, parent: str | None, line: int) -> None:
        """Say once that an entry's parent, unknown here, may be an entry without steps whose link
        is no longer kept (only the latest are): the entry then reads as a root."""
        if self.said_lost or not self.links.dropped or parent is None:
            return
        if parent in self.by_key or parent in self.links:
            return
        self.said_lost = True
        self.session.errors.append(LineError(self.session.source, line, (
            f"its parent may be one of the {self.links.dropped:,} entries without steps whose links "
            f"are not kept (only the latest {MAX_KEPT:,} to {2 * MAX_KEPT:,} are): read as a root"
        ), True))  # fmt: skip

    # -- snapshots (resumable) ---------------------------------------------------------------

    def state(self, tree: bool, header: bool, lines: int, spans: resumable.Spans | None) -> dict[str, Any]:
        """Everything the next entries and `finish` read, as plain data; steps by position. Only
        the first `lines` lines are read: a torn line after them is read again next time."""
        s = self.session
        where = {id(step): i for i, step in enumerate(self.steps)}
        line_of = {id(step): e.line for e in self.order for step in e.steps}
        return {
            "tree": tree,
            "header": header,
            "session": [s.id, s.cwd, s.version, resumable.tokens_row(s.tokens), dict(s.skipped)],
            # Only lines read so far: a torn last line is read, and said, again next time.
            "errors": [resumable.error_row(e) for e in [*self.unreadable, *s.errors]],
            "parse_errors": len(self.unreadable),
            "steps": [resumable.step_row(step, spans, (line_of.get(id(step), 0),)) for step in self.steps],
            "entries": [
                [e.key, e.parent, e.line, [where[id(x)] for x in e.steps], e.slot] for e in self.order
            ],
            "links": self.links.to_state(),
            "keys": self.keys.to_state(),
            "said_lost": self.said_lost,
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
    def restore(cls, body: dict[str, Any], path: str, spans: resumable.Spans) -> _Reader:
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
        reader.links = Links.of_state(body["links"])
        reader.keys = Recent.of_state(body["keys"])
        reader.said_lost = bool(body["said_lost"])
        reader.models = dict.fromkeys(body["models"])
        reader.times = list(body["times"])
        reader.name = body["name"]
        reader.calls = {k: steps[i] for k, i in body["calls"].items()}
        reader.answered = {id(steps[i]) for i in body["answered"]}
        reader.previous = body["previous"]
        session.forked_from, session.forked_at, copy_until = body["fork"]
        reader.copy_until = None if copy_until is None else datetime.fromisoformat(copy_until)
        rows = [resumable.error_of(r) for r in body["errors"]]
        reader.unreadable = LineErrors(rows[: int(body["parse_errors"])])
        session.errors = LineErrors(rows[int(body["parse_errors"]) :])
        return reader

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
        # Pi writes no `model_change` for `--model` on a resume (0.73.1): the answers' models say it. After
        # the snapshot (`reader.py`): a resumed read makes them again, never twice.
        session.steps = with_switches(session.steps)
        for i, step in enumerate(session.steps):
            step.index = i
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
        key = self.keys.last()
        while key is not None and key not in active:
            entry = self.by_key.get(key)
            if entry is None and key not in self.links:
                break
            active.add(key)
            key = entry.parent if entry is not None else self.links[key]
        return active

    def last_step_above(self, key: str | None, memo: dict[str, str | None]) -> str | None:
        """The last step of the nearest ancestor entry that has steps (labels and extension
        state have none)."""
        walked: dict[str, None] = {}  # a dict, not a list: a chain of 100,000 labels was 50 s of `in`
        found: str | None = None
        while key is not None:
            if key in memo:
                found = memo[key]
                break
            entry = self.by_key.get(key)
            if entry is not None:  # an entry here made steps
                found = entry.steps[-1].id
                break
            if key not in self.links or key in walked:
                break
            walked[key] = None
            key = self.links[key]
        for k in walked:
            memo[k] = found
        return found
