"""Reader for OpenAI Codex CLI rollouts (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`).

The format and this reader's choices: docs/formats/codex.md.
"""

from __future__ import annotations

import bisect
import hashlib
import ntpath
import posixpath
import re
from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from tracetui.model import COPIED, FileEdit, GitInfo, LineError, Session, Step, StepKind, Tokens
from tracetui.sources import RawLog, SessionFiles
from tracetui.sources.codex import zst as codex_zst
from tracetui.sources.common import resumable, titles
from tracetui.sources.common.apply_patch import parse_patch, patch_from_command
from tracetui.sources.common.coerce import MAX_COUNT, as_count, as_dict, as_moment, as_str, opt_str, parse_count
from tracetui.sources.common.jsonl import document_note, guarded, iter_records, load_document
from tracetui.sources.common.resumable import ResumeState
from tracetui.sources.common.unified_diff import parse_unified_diff
from tracetui.sources.registry import Agent

NAME = "codex"

# Files under a Codex home that are JSONL but not rollouts.
_NOT_SESSIONS = frozenset({"history.jsonl", "session_index.jsonl"})

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# User-role messages Codex writes itself (the model sees them, the user did not type them).
_INJECTED_PREFIXES = (
    "<environment_context>",
    "# AGENTS.md instructions",
    "<user_instructions>",
    "<turn_aborted>",
    "<permissions instructions>",
    "<collaboration_mode>",
    "<model_switch>",
    "<personality_spec>",
    "<user_shell_command>",
    "<subagent_notification>",
    "<skill>",
    "<INSTRUCTIONS>",
)
# Any other message that is wholly one `<tag>...</tag>` block is Codex's own wrapping too.
_WRAPPED = re.compile(r"\A<([A-Za-z_][\w -]*)>.*</\1>\s*\Z", re.DOTALL)
# The session root inside `<environment_context>`: `<cwd>X</cwd>`, or pre-0.30 "Current working
# directory: X" (the only place legacy rollouts record it).
_ENV_CWD = re.compile(r"<cwd>(.*?)</cwd>|^Current working directory: ([^\n]+)$", re.DOTALL | re.MULTILINE)

_EXIT_CODE = re.compile(r"^(?:Exit code:|Process exited with code) (-?\d+)\s*$", re.MULTILINE)
_WALL_TIME = re.compile(r"^Wall time: ([0-9.]+) seconds\s*$", re.MULTILINE)
# Codex's own ways of saying a tool call did not run or failed.
_FAILURE_PREFIXES = (
    "apply_patch verification failed",
    "execution error:",
    "failed in sandbox",
    "exec command rejected by user",
    "exec_command failed",
    "write_stdin failed",
    "aborted",
)

_CALL_TYPES = frozenset(
    {
        "function_call",
        "custom_tool_call",
        "local_shell_call",
        "web_search_call",
        "tool_search_call",  # 2026: the model searching the deferred tool list
        "image_generation_call",
    }
)
_OUTPUT_TYPES = frozenset(
    {"function_call_output", "custom_tool_call_output", "local_shell_call_output", "tool_search_output"}
)
# Remote (server-side) compaction items: encrypted, so the step says only that it happened.
_COMPACTION_ITEMS = frozenset({"compaction", "compaction_summary", "context_compaction"})
_IGNORED_ITEMS = frozenset(
    {
        "ghost_snapshot",  # /undo snapshots: nothing on the spine
        # Request controls the newest protocol defines but does not persist: no text, no event.
        "additional_tools",
        "configuration_update",
        "compaction_trigger",
    }
)
_IGNORED_EVENTS = frozenset(
    {
        "context_compacted",  # duplicates the compacted record
        "task_started",
        "task_complete",
        "turn_started",  # the same two events under the names newer builds accept
        "turn_complete",
        "agent_reasoning_raw_content",
        "agent_reasoning_section_break",
        "thread_settings_applied",  # per-thread overrides: the turn_context that follows has them
        # Persisted by newer builds, each the echo of an item the spine already has (the call and
        # its output) or a running figure: nothing new to show (patch_apply_end: see patch_applied).
        "mcp_tool_call_end",
        "web_search_end",
        "image_generation_end",
        "view_image_tool_call",
        "dynamic_tool_call_request",
        "dynamic_tool_call_response",
        "thread_context_usage_updated",
        "thread_skills_updated",
        "collab_agent_spawn_begin",
        "collab_agent_interaction_begin",
        "collab_agent_interaction_end",
        "collab_waiting_begin",
        "collab_waiting_end",
        "collab_close_begin",
        "collab_close_end",
        "collab_resume_begin",
        "collab_resume_end",
    }
)
# Rollout record kinds with nothing for the spine: the AGENTS.md/world-state baseline of a resume,
# and whether an inter-agent message started a turn.
_IGNORED_RECORDS = frozenset({"world_state", "inter_agent_communication_metadata"})
_SYSTEM_EVENTS = {
    "entered_review_mode": "entered review mode",
    "exited_review_mode": "exited review mode",
    "undo_completed": "undo completed",
}
_ASSISTANT_SIDE = frozenset({StepKind.ASSISTANT, StepKind.REASONING, StepKind.TOOL_CALL})
# On a call's meta: how many patches a script it ran applied (code mode's `tools.apply_patch`).
SCRIPT_PATCHES = "script_patches"


def group(paths: list[Path]) -> list[SessionFiles]:
    """One session per rollout file (`*.jsonl`, and the legacy single-document `*.json`)."""
    out: list[SessionFiles] = []
    for path in paths:
        if path.name in _NOT_SESSIONS:
            continue
        # A legacy single-document rollout is named rollout-*.json; other .json files are not logs.
        if path.suffix == ".jsonl" or (path.suffix == ".json" and "rollout-" in path.name):
            out.append(SessionFiles(NAME, path))
    return out


def read(main: RawLog, companions: list[RawLog]) -> Session:
    """Parse one rollout. Never raises on bad data (see the module docstring)."""
    reader = _Reader(main.path)
    if main.path.endswith(".json"):
        reader.read_document(main.data)
    else:
        reader.read_lines(main.data)
    session = reader.finish()
    session.files = [main.path] + [c.path for c in companions]
    return session


# What a snapshot of this reader holds (bump on any change to `_Reader.state`).
# 2: the reader's state holds plan_at and goal; 3: and the system prompt's digest; 4: a fork's copy
LAYOUT = 4


def resume(
    previous: ResumeState | None, main: RawLog, companions: list[RawLog]
) -> tuple[Session, ResumeState | None]:
    """`read`, starting from `previous` (a state an earlier call returned) when it fits these bytes,
    and the state to read on from next time (see `resumable`). A legacy single-document rollout
    is rewritten whole, so it is read whole."""
    if main.path.endswith(".json"):
        return read(main, companions), None
    expected = resumable.stamp(NAME, LAYOUT)
    data = main.data
    reader: _Reader | None = None
    start = lines = 0
    if previous is not None and resumable.usable(previous, expected, [(main.path, data)]):
        try:
            spans = resumable.Spans(data, previous.marks[0].consumed)
            reader = _Reader.restore(orjson.loads(previous.body), main.path, spans)
            start, lines = previous.marks[0].consumed, previous.marks[0].lines
        except Exception:  # a damaged snapshot: read the whole log
            reader = None
    if reader is None:
        reader, start, lines = _Reader(main.path), 0, 0
    # Snapshot at the last newline: a last line without one is read now and again next time.
    consumed = resumable.cut(data)
    reader.read_lines(data[start:consumed], lines + 1)
    lines += data.count(b"\n", start, consumed)
    state = None
    if start and previous is not None and not resumable.worth_a_new_snapshot(previous, consumed):
        state = previous
    elif consumed:
        marks = [resumable.Mark(main.path, consumed, lines, resumable.tail_hash(data, consumed))]
        spans = resumable.Spans(data, consumed)
        state = resumable.snapshot(lambda: reader.state(spans), expected, marks)
    if consumed < len(data):
        reader.read_lines(data[consumed:], lines + 1)
    session = reader.finish()
    session.files = [main.path] + [c.path for c in companions]
    return session, state


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.session = Session(id=_id_from_name(path), agent=NAME, source=path)
        self.slots: list[Step | None] = []  # steps in file order; None = a dropped duplicate
        self.prefix = "L"
        self.last_key: str | None = None
        self.sub = 0
        self.meta_seen = False
        self.first_ts: str | None = None  # stands in for the start when session_meta lacks one
        self.model: str | None = None
        self.turn_cwd: str | None = None
        self.calls: dict[str, Step] = {}
        self.applies: dict[str, bool] = {}  # call id -> whether its input calls apply_patch (asked once)
        self.results: dict[str, Step] = {}
        self.exec_ends: dict[str, dict[str, Any]] = {}  # exit codes seen before their output item
        self.token_marks: list[tuple[int, Tokens]] = []  # (slot position at the event, delta)
        self.prev_total: tuple[int, int, int] | None = None
        self.prev_usage: dict[str, Any] | None = None  # the total_token_usage prev_total came from
        # Event/item pairing (module docstring): queues of ("event" | "item", slot position).
        self.pending: dict[str, deque[tuple[str, int]]] = {"user": deque(), "assistant": deque()}
        self.reason_events: list[tuple[int, str]] = []
        self.reason_items: list[list[str]] = []  # summary texts not yet claimed by an event
        self.context_since_reply: list[int] = []  # user-role CONTEXT steps since the last reply
        self.thread_name: str | None = None  # the last `thread_name_updated` (/rename); None clears
        self.plan_at: int | None = None  # slot of a Plan item's step the turn's answer may repeat
        self.goal: list[str | None] | None = None  # the last /goal objective and status shown
        self.instructions: str | None = None  # digest of the system prompt last shown as a step
        self.first = True  # no record read yet
        # A fork's copy of its parent (module docstring): "head" after the first session_meta until
        # the next record says whether a copy follows; "copy" while the copied burst goes on.
        self.fork: str | None = None
        self.copy_last: datetime | None = None  # the time of the copy's last line so far

    # ---- input layouts ---------------------------------------------------------------------

    def read_lines(self, data: bytes, first_line: int = 1) -> None:
        for line, rec in iter_records(self.path, data, self.session.errors, first_line=first_line):
            with guarded(self.session.errors, self.path, line):
                self.record(line, rec, self.first)
            self.first = False

    def record(self, line: int, rec: dict[str, Any], first: bool) -> None:
        key = str(line)
        kind = rec.get("type")
        payload = rec.get("payload")
        if isinstance(kind, str) and isinstance(payload, dict):
            timestamp = rec.get("timestamp")
            if not isinstance(timestamp, str):
                timestamp = None
            if timestamp:
                self.session.ended = timestamp
                self.first_ts = self.first_ts or timestamp
            if self.fork is not None:
                self.follow_copy(kind, payload, timestamp)
            self.envelope(kind, payload, key, timestamp)
        elif rec.get("record_type") is not None:
            pass  # pre-0.30 state markers carry nothing for the spine
        elif first and kind is None and "id" in rec:
            self.session_meta(rec, key)
        elif isinstance(kind, str):
            self.response_item(rec, key, None)
        elif isinstance(rec.get("role"), str):
            self.chat_item(rec, key)
        else:
            self.skip("unknown record")

    def read_document(self, data: bytes) -> None:
        self.prefix = "I"
        try:
            doc, note = load_document(data)
        except orjson.JSONDecodeError as exc:
            self.session.errors.append(LineError(self.path, 1, f"not valid JSON: {str(exc)[:120]}"))
            return
        if note:
            self.session.errors.append(document_note(self.path, note))
        if not isinstance(doc, dict):
            self.session.errors.append(LineError(self.path, 1, "expected a JSON object"))
            return
        meta = doc.get("session")
        if isinstance(meta, dict):
            self.session_meta(meta, "meta")
        items = doc.get("items")
        if not isinstance(items, list):
            self.session.errors.append(LineError(self.path, 1, "no items list"))
            return
        for index, item in enumerate(items):
            key = str(index)
            # The document is one line, so the error names the item.
            with guarded(self.session.errors, self.path, 1, f"item {index}"):
                if not isinstance(item, dict):
                    self.skip("non-object item")
                elif isinstance(item.get("type"), str) and item.get("type") != "function":
                    self.response_item(item, key, None)
                elif isinstance(item.get("role"), str):
                    self.chat_item(item, key)
                else:
                    self.skip("unknown item")

    # ---- record kinds ----------------------------------------------------------------------

    def envelope(self, kind: str, payload: dict[str, Any], key: str, ts: str | None) -> None:
        if kind == "response_item":
            self.response_item(payload, key, ts)
        elif kind == "event_msg":
            self.event(payload, key, ts)
        elif kind == "turn_context":
            self.turn_context(payload, key, ts)
        elif kind == "session_meta":
            self.session_meta(payload, key, ts)
        elif kind == "compacted":
            self.compacted(payload, key, ts)
        elif kind == "inter_agent_communication":
            self.agent_message(payload, key, ts)
        elif kind in _IGNORED_RECORDS:
            pass
        else:
            self.skip(kind)

    def session_meta(self, meta: dict[str, Any], key: str, ts: str | None = None) -> None:
        self.base_instructions(meta, key, ts)
        if self.meta_seen:  # a resumed or forked rollout repeats it; the first one names the session
            return
        self.meta_seen = True
        s = self.session
        if isinstance(meta.get("id"), str) and meta["id"]:
            s.id = meta["id"]
        if isinstance(meta.get("timestamp"), str):
            s.started = meta["timestamp"]
        parent = meta.get("forked_from_id")
        if isinstance(parent, str) and parent:
            s.forked_from = parent
            s.forked_at = s.started or self.first_ts
        if self.first and self.prefix == "L":  # the first record: a copy may follow it
            self.fork = "head"
        if isinstance(meta.get("cwd"), str) and meta["cwd"]:
            s.cwd = meta["cwd"]
        if isinstance(meta.get("cli_version"), str):
            s.version = meta["cli_version"]
        git = meta.get("git")
        if isinstance(git, dict):
            s.git = GitInfo(
                opt_str(git.get("branch")), opt_str(git.get("commit_hash")), opt_str(git.get("repository_url"))
            )
        self.subagent_source(meta, key, ts)

    def subagent_source(self, meta: dict[str, Any], key: str, ts: str | None) -> None:
        """A subagent's own rollout (`source: {"subagent": ...}`): a SYSTEM step says what ran it, and
        for a spawned thread (multi-agent runs) which thread spawned it (meta spawned_by), the link
        back to the parent, whose spawning call names this thread (`spawned`)."""
        source = as_dict(meta.get("source"))
        if "subagent" not in source:
            return
        sub = source["subagent"]
        spawn = as_dict(sub.get("thread_spawn")) if isinstance(sub, dict) else {}
        found: dict[str, Any] = {}
        for name, out in (
            ("parent_thread_id", "spawned_by"),
            ("agent_nickname", "agent_nickname"),
            ("agent_role", "agent_role"),
            ("agent_path", "agent_path"),
        ):
            # Newer builds also put the nickname and role at the top of the meta.
            value = opt_str(spawn.get(name)) or (None if out == "spawned_by" else opt_str(meta.get(name)))
            if value:
                found[out] = value
        depth = spawn.get("depth")
        if isinstance(depth, int) and not isinstance(depth, bool):
            found["agent_depth"] = depth
        if "spawned_by" in found:
            text = f"subagent of thread {found['spawned_by']}"
        elif isinstance(sub, str) and sub:
            text = f"subagent ({sub})"
        elif isinstance(sub, dict) and sub:
            text = f"subagent ({next(iter(sub))})"
        else:
            text = "subagent"
        name = " ".join(f"{found[n]}" for n in ("agent_nickname", "agent_role") if n in found)
        step = self.add(key, StepKind.SYSTEM, "system", text + (f": {name}" if name else ""), ts)
        step.meta["event"] = "subagent"
        step.meta.update(found)

    def base_instructions(self, record: dict[str, Any], key: str, ts: str | None) -> None:
        """The system prompt the model is sent with every request, where it is new or changed."""
        base = record.get("base_instructions")
        text = base.get("text") if isinstance(base, dict) else base
        if not isinstance(text, str) or not text.strip():
            return
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
        if digest == self.instructions:  # a repeated session_meta, or each turn_context saying it again
            return
        self.instructions = digest
        step = self.add(key, StepKind.CONTEXT, "system", text, ts)
        # `system_prompt`: what ctx keeps across a compaction (the agent sends it with every request).
        step.meta.update({"from": "base_instructions", "system_prompt": True})

    def follow_copy(self, kind: str, payload: dict[str, Any], ts: str | None) -> None:
        """Whether this line is still the fork's copy of its parent (module docstring)."""
        moment = as_moment(ts)
        if self.fork == "head":
            parent = payload.get("id") if kind == "session_meta" else None
            if isinstance(parent, str) and parent and parent != self.session.id and moment is not None:
                self.fork, self.copy_last = "copy", moment
                s = self.session
                if s.forked_from is None:
                    s.forked_from, s.forked_at = parent, s.started or self.first_ts
            elif kind != "session_meta":
                self.fork = None  # its own lines from the start: no copy
        elif self.copy_last is not None and moment is not None and moment - self.copy_last <= _BURST:
            self.copy_last = moment
        else:
            self.fork = self.copy_last = None

    def turn_context(self, payload: dict[str, Any], key: str, ts: str | None) -> None:
        self.base_instructions(payload, key, ts)
        cwd = payload.get("cwd")
        if isinstance(cwd, str) and cwd:
            self.turn_cwd = cwd
            if self.session.cwd is None:
                self.session.cwd = cwd
        model = payload.get("model")
        if not isinstance(model, str) or not model:
            return
        if model not in self.session.models:
            self.session.models.append(model)
        if self.model is not None and model != self.model:
            step = self.add(key, StepKind.MODEL_CHANGE, "system", f"model: {self.model} -> {model}", ts)
            step.model = model
            step.meta.update({"from": self.model, "to": model})
        self.model = model

    def compacted(self, payload: dict[str, Any], key: str, ts: str | None) -> None:
        message = payload.get("message")
        history = payload.get("replacement_history")
        text = message if isinstance(message, str) and message.strip() else ""
        if not text and isinstance(history, list):
            text = _render_history(history)
        last = self.slots[-1] if self.slots else None
        after_item = last is not None and last.kind == StepKind.COMPACTION and not last.text
        if last is not None and after_item and last.meta.get("encrypted"):
            # The remote compaction's own item came just before: one boundary, not two.
            step = last
            step.text = text
        else:
            step = self.add(key, StepKind.COMPACTION, "system", text, ts)
        if isinstance(history, list):
            step.meta["replacement_count"] = len(history)
        # Nothing before a compaction can pair with what comes after it.
        self.clear_assistant_pending()
        self.pending["user"].clear()

    def compaction_item(self, key: str, ts: str | None) -> None:
        """A remote compaction's own item (its summary is encrypted): the boundary, without text. A
        `compacted` record right after it gives the same boundary its kept history."""
        step = self.add(key, StepKind.COMPACTION, "system", "", ts)
        step.meta["encrypted"] = True
        self.clear_assistant_pending()
        self.pending["user"].clear()

    def agent_message(self, payload: dict[str, Any], key: str, ts: str | None) -> None:
        """A message between agents of a multi-agent run (the `agent_message` item, or the
        `inter_agent_communication` record): what this agent was told, or told another."""
        content = payload.get("content")
        if isinstance(content, str):
            text = content
        else:
            text = _content_text(content)
            if not text and any(isinstance(p, dict) and p.get("encrypted_content") for p in content or ()):
                text = "[encrypted agent message]"
        step = self.add(key, StepKind.CONTEXT, "user", text, ts)
        for name in ("author", "recipient"):
            value = payload.get(name)
            if isinstance(value, str) and value:
                step.meta[name] = value
        others = payload.get("other_recipients")
        if isinstance(others, list) and others:
            step.meta["other_recipients"] = [o for o in others if isinstance(o, str)]

    def response_item(self, item: dict[str, Any], key: str, ts: str | None) -> None:
        kind = item.get("type")
        if not isinstance(kind, str):
            self.skip("response_item without a type")
        elif kind == "message":
            content = item.get("content")
            text = _content_text(content)
            self.message(item.get("role"), text, key, ts, item.get("phase"), _is_injected_item(content, text))
        elif kind == "reasoning":
            self.reasoning_item(item, key, ts)
        elif kind in _CALL_TYPES:
            self.call(item, key, ts)
        elif kind in _OUTPUT_TYPES:
            raw = _found_tools(item.get("tools")) if kind == "tool_search_output" else item.get("output")
            self.output(opt_str(item.get("call_id")), raw, key, ts)
        elif kind in _COMPACTION_ITEMS:
            self.compaction_item(key, ts)
        elif kind == "agent_message":
            self.agent_message(item, key, ts)
        elif kind in _IGNORED_ITEMS:
            pass
        else:
            self.skip(f"response_item:{kind}")

    def chat_item(self, item: dict[str, Any], key: str) -> None:
        """A Chat-Completions-style message (legacy single-document rollouts)."""
        role = item.get("role")
        content = item.get("content")
        text = content if isinstance(content, str) else _content_text(content)
        if role == "tool":
            self.output(opt_str(item.get("tool_call_id")), content, key, None)
            return
        if role != "assistant":
            self.message(role, text, key, None, None)
            return
        reasoning = item.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            self.add(key, StepKind.REASONING, "assistant", reasoning, None)
        if text:
            self.message("assistant", text, key, None, None)
        for call in item.get("tool_calls") or ():
            if isinstance(call, dict):
                function = as_dict(call.get("function"))
                self.call(
                    {
                        "type": "function_call",
                        "name": function.get("name"),
                        "arguments": function.get("arguments"),
                        "call_id": call.get("id"),
                    },
                    key,
                    None,
                )

    # ---- the spine -------------------------------------------------------------------------

    def message(
        self, role: Any, text: str, key: str, ts: str | None, phase: Any, injected: bool | None = None
    ) -> None:
        if role == "assistant":
            if self.plan_at is not None:
                self.plan_shown(text)
            step = self.add(key, StepKind.ASSISTANT, "assistant", text, ts)
            if isinstance(phase, str):
                step.meta["phase"] = phase
            self.assistant_side()
            self.pair_item("assistant", len(self.slots) - 1)
            return
        if injected is None:
            injected = _is_injected(text)
        if role == "user" and not injected:
            self.add(key, StepKind.USER, "user", text, ts)
            self.user_turn()
            self.pair_item("user", len(self.slots) - 1)
            return
        if role == "user":
            sent = self.injected_event_for(text)
            step = self.add(key, StepKind.CONTEXT, "user", text, ts)
            if sent:  # the event came first: one step, the item the model saw, with its sender
                step.meta["injected_source"] = sent
            self.since_reply(len(self.slots) - 1)
            if self.session.cwd is None and text.startswith("<environment_context>"):
                match = _ENV_CWD.search(text)
                found = match and (match.group(1) or match.group(2) or "").strip()
                if found:
                    self.session.cwd = found
            return
        step = self.add(key, StepKind.CONTEXT, "system", text, ts)
        if isinstance(role, str) and role != "system":
            step.meta["role"] = role

    def reasoning_item(self, item: dict[str, Any], key: str, ts: str | None) -> None:
        summary = item.get("summary")
        summaries = [
            part["text"]
            for part in (summary if isinstance(summary, list) else ())
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ]
        text = "\n\n".join(summaries)
        if not text and isinstance(item.get("content"), list):
            # Raw reasoning (pre-0.30 and open models) instead of a summary.
            text = "\n\n".join(
                part["text"]
                for part in item["content"]
                if isinstance(part, dict) and isinstance(part.get("text"), str)
            )
        step = self.add(key, StepKind.REASONING, "assistant", text, ts)
        if item.get("encrypted_content"):
            step.meta["encrypted"] = True
        self.assistant_side()
        remaining = list(summaries)
        matched: list[tuple[int, str]] = []
        for event in self.reason_events:
            if not summaries:
                matched.append(event)
                continue
            part = _claim(remaining, event[1])
            if part is not None:
                matched.append(event)
                remaining.remove(part)
        for event in matched:
            self.reason_events.remove(event)
            self.drop(event[0])
        if not step.text and matched:
            step.text = "\n\n".join(t for _, t in matched)
        if remaining:
            self.reason_items.append(remaining)

    def call(self, item: dict[str, Any], key: str, ts: str | None) -> None:
        kind = item.get("type")
        call_id = opt_str(item.get("call_id"))
        workdir: str | None = None
        patch_text: str | None = None
        cd_dir: str | None = None
        if kind == "custom_tool_call":
            name = opt_str(item.get("name")) or "custom_tool"
            tool_input: Any = item.get("input")
            if name == "apply_patch" and isinstance(tool_input, str):
                patch_text = tool_input
        elif kind == "local_shell_call":
            name = "local_shell"
            tool_input = item.get("action")
            if isinstance(tool_input, dict):
                workdir = opt_str(tool_input.get("working_directory"))
                found = patch_from_command(tool_input.get("command"))
                if found:
                    patch_text, cd_dir = found
        elif kind == "web_search_call":
            name = "web_search"
            tool_input = item.get("action")
        elif kind == "tool_search_call":
            name = "tool_search"
            tool_input = item.get("arguments")
        elif kind == "image_generation_call":
            # The result is the image itself (base64): only the prompt the model settled on is kept.
            name = "image_generation"
            prompt = item.get("revised_prompt")
            tool_input = {"revised_prompt": prompt} if isinstance(prompt, str) else {}
        else:
            name = opt_str(item.get("name")) or "function"
            raw = item.get("arguments")
            tool_input = raw
            if isinstance(raw, str):
                try:
                    tool_input = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    tool_input = raw
            if isinstance(tool_input, dict):
                workdir = opt_str(tool_input.get("workdir"))
                if name == "apply_patch":
                    value = tool_input.get("input", tool_input.get("patch"))
                    patch_text = value if isinstance(value, str) else None
                else:
                    command = tool_input.get("command", tool_input.get("cmd"))
                    found = patch_from_command(command) if command is not None else None
                    if found:
                        patch_text, cd_dir = found
            elif name == "apply_patch" and isinstance(tool_input, str):
                patch_text = tool_input
        step = self.add(key, StepKind.TOOL_CALL, "assistant", "", ts)
        step.tool = name
        step.tool_call_id = call_id
        step.tool_input = tool_input
        namespace = item.get("namespace")
        if isinstance(namespace, str) and namespace:
            step.meta["namespace"] = namespace  # an MCP server's or a dynamic tool's group
        status = item.get("status")
        if kind == "image_generation_call" and isinstance(status, str):
            step.meta["status"] = status
            step.is_error = status == "failed"
        cwd = self.turn_cwd or self.session.cwd
        if workdir:
            cwd = _join(cwd, workdir)
        if cd_dir:
            cwd = _join(cwd, cd_dir)
        step.cwd = cwd if cwd and cwd != self.session.cwd else None
        if patch_text is not None:
            patch = parse_patch(patch_text)
            step.edits = list(patch)
            if patch.problems:
                step.meta["patch_problems"] = patch.problems
            if any(a is not None for anchors in patch.anchors for a in anchors):
                step.meta["patch_anchors"] = patch.anchors
            if any(e for eofs in patch.end_of_file for e in eofs):
                step.meta["patch_end_of_file"] = patch.end_of_file
        if call_id:
            self.calls[call_id] = step
            self.applies.pop(call_id, None)  # a reused id names another input
        self.assistant_side()

    def output(self, call_id: str | None, raw: Any, key: str, ts: str | None) -> None:
        call = self.calls.get(call_id) if call_id else None
        text, meta = _output_text(raw)
        step = self.add(key, StepKind.TOOL_RESULT, "tool", text, ts)
        step.tool_call_id = call_id
        step.tool = call.tool if call else None
        step.meta.update(meta)
        step.cwd = call.cwd if call else step.cwd
        if call_id:
            self.results[call_id] = step
            ended = self.exec_ends.pop(call_id, None)
            if ended and "exit_code" not in step.meta:
                for name, value in ended.items():
                    step.meta.setdefault(name, value)
        self.settle(step, call)

    def settle(self, result: Step, call: Step | None) -> None:
        """Decide whether a result reports a failure, and if so mark the call's edits unapplied."""
        head = result.text[:200].lstrip()
        exit_code = result.meta.get("exit_code")
        failed = (isinstance(exit_code, int) and exit_code != 0) or head.startswith(_FAILURE_PREFIXES)
        if call is not None and call.edits and not failed and not call.meta.get(SCRIPT_PATCHES):
            # An apply_patch result that is not a success report is a failure (e.g. "error: ...").
            failed = head.startswith("error") or "verification failed" in head
        result.is_error = failed
        if call is not None and failed and not call.meta.get(SCRIPT_PATCHES):
            # (a script's patches went as their own events said, whatever the script did after)
            for edit in call.edits:
                edit.applied = False

    def patch_applied(self, payload: dict[str, Any]) -> None:
        """A patch was applied (builds from ~0.12x persist the event). Where its call_id names a call
        of the rollout, that call's own patch is the edit: the event echoes it. A patch a script
        applied (code mode: an `exec` call whose JavaScript calls `tools.apply_patch`, the event's
        call_id `exec-<uuid>` naming no item) is written nowhere else: its `changes` are edits of the
        call that ran it, the latest call still waiting for its output (one whose input calls
        apply_patch first), each as the event says it went (`success`)."""
        call_id = opt_str(payload.get("call_id"))
        if call_id and call_id in self.calls:
            return
        edits = _applied_changes(payload.get("changes"))
        if not edits:
            return
        runner = _script_runner(self.calls, self.results, self.applies)
        if runner is None:
            self.skip("patch_apply_end (no call ran it)")
            return
        if payload.get("success") is False:
            for edit in edits:
                edit.applied = False
        runner.edits.extend(edits)
        runner.meta[SCRIPT_PATCHES] = runner.meta.get(SCRIPT_PATCHES, 0) + 1

    def exec_end(self, payload: dict[str, Any]) -> None:
        """A unified-exec process ended. Its output item may have been written while it was still
        running ("Process running with session ID ..."), so this is where its exit code is."""
        call_id = opt_str(payload.get("call_id"))
        exit_code = payload.get("exit_code")
        if not call_id or not isinstance(exit_code, int):
            return
        ended: dict[str, Any] = {"exit_code": exit_code}
        duration = payload.get("duration")
        if isinstance(duration, dict):
            ended["duration_ms"] = (
                _int(duration.get("secs")) * 1000 + _int(duration.get("nanos")) // 1_000_000
            )
        result = self.results.get(call_id)
        if result is None:
            self.exec_ends[call_id] = ended
        elif "exit_code" not in result.meta:
            result.meta["exit_code"] = exit_code
            result.meta.setdefault("duration_ms", ended.get("duration_ms"))
            self.settle(result, self.calls.get(call_id))

    def event(self, payload: dict[str, Any], key: str, ts: str | None) -> None:
        kind = payload.get("type")
        if not isinstance(kind, str):
            self.skip("event_msg without a type")
        elif kind == "token_count":
            self.token_count(payload)
        elif kind == "exec_command_end":
            self.exec_end(payload)
        elif kind == "patch_apply_end":
            self.patch_applied(payload)
        elif kind == "user_message":
            self.user_event(opt_str(payload.get("message")) or "", key, ts)
        elif kind == "agent_message":
            self.assistant_event(opt_str(payload.get("message")) or "", payload.get("phase"), key, ts)
        elif kind == "agent_reasoning":
            self.reasoning_event(opt_str(payload.get("text")) or "", key, ts)
        elif kind == "injected_message":
            self.injected_event(payload, key, ts)
        elif kind == "guardian_assessment":
            self.guardian(payload, key, ts)
        elif kind == "collab_agent_spawn_end":
            self.spawned(payload)
        elif kind == "sub_agent_activity":
            self.sub_agent_activity(payload)
        elif kind == "thread_goal_updated":
            self.goal_updated(as_dict(payload.get("goal")), key, ts)
        elif kind == "item_completed":
            self.item_completed(as_dict(payload.get("item")), key, ts)
        elif kind == "thread_name_updated":
            self.thread_name = opt_str(payload.get("thread_name"))
        elif kind == "thread_rolled_back":
            turns = payload.get("num_turns")
            count = turns if isinstance(turns, int) and not isinstance(turns, bool) else None
            text = "rolled back" if count is None else f"rolled back {count} turn{'s' if count != 1 else ''}"
            step = self.add(key, StepKind.SYSTEM, "system", text, ts)
            if count is not None:
                step.meta["num_turns"] = count
            self.rolled_back(count)
        elif kind == "turn_aborted":
            reason = opt_str(payload.get("reason")) or "unknown"
            step = self.add(key, StepKind.SYSTEM, "system", f"turn aborted ({reason})", ts)
            step.meta["reason"] = reason
        elif kind in ("error", "stream_error", "warning"):
            text = opt_str(payload.get("message")) or kind
            step = self.add(key, StepKind.SYSTEM, "system", text, ts)
            step.is_error = kind != "warning"
            step.meta["event"] = kind
        elif kind in _SYSTEM_EVENTS:
            self.add(key, StepKind.SYSTEM, "system", _SYSTEM_EVENTS[kind], ts)
        elif kind in _IGNORED_EVENTS:
            pass
        else:
            self.skip(f"event_msg:{kind}")

    def spawned(self, payload: dict[str, Any]) -> None:
        """A subagent thread started (multi-agent runs): its id, name and role go on the spawning
        call, which links this session to the child's own rollout."""
        call = self.calls.get(opt_str(payload.get("call_id")) or "")
        if call is None:
            return
        for names, out in (
            (("new_thread_id", "newThreadId"), "agent_thread"),
            (("new_agent_nickname", "newAgentNickname"), "agent_nickname"),
            (("new_agent_role", "newAgentRole"), "agent_role"),
            (("new_agent_path", "newAgentPath"), "agent_path"),
        ):
            value = next((payload[n] for n in names if isinstance(payload.get(n), str) and payload[n]), None)
            if value is not None:
                call.meta[out] = value

    def sub_agent_activity(self, payload: dict[str, Any]) -> None:
        """What a subagent thread did, named by the call that spawned it (multi-agent v2, 0.14x:
        `event_id` the spawning call's id, `agent_thread_id`, `agent_path`, `kind` started, ...):
        the first names the child's thread on that call, as collab_agent_spawn_end did before it."""
        call = self.calls.get(opt_str(payload.get("event_id")) or "")
        thread = opt_str(payload.get("agent_thread_id"))
        if call is None or not thread:
            return
        call.meta.setdefault("agent_thread", thread)
        path = opt_str(payload.get("agent_path"))
        if path:
            call.meta.setdefault("agent_path", path)

    def goal_updated(self, goal: dict[str, Any], key: str, ts: str | None) -> None:
        """`/goal`: a SYSTEM step when the objective or its status changes (the event repeats on
        every usage update)."""
        objective, status = opt_str(goal.get("objective")), opt_str(goal.get("status"))
        if objective is None or [objective, status] == self.goal:
            return
        self.goal = [objective, status]
        step = self.add(key, StepKind.SYSTEM, "system", objective, ts)
        step.meta["goal_status"] = status

    def item_completed(self, item: dict[str, Any], key: str, ts: str | None) -> None:
        """Only Plan items are persisted (Plan mode's `<proposed_plan>`): kept as an assistant step
        until the turn's answer shows it holds the same plan, which some versions' items lose."""
        text = item.get("text")
        if item.get("type") != "Plan" or not isinstance(text, str) or not text.strip():
            return
        step = self.add(key, StepKind.ASSISTANT, "assistant", text, ts)
        step.meta["plan"] = True
        self.plan_at = len(self.slots) - 1

    def plan_shown(self, text: str) -> None:
        """The answer after a Plan item: the plan's own step goes when the answer carries it."""
        at, self.plan_at = self.plan_at, None
        plan = self.slots[at] if at is not None and at < len(self.slots) else None
        if at is not None and plan is not None and plan.text.strip()[:2000] in text:
            self.drop(at)

    def rolled_back(self, turns: int | None) -> None:
        """`/rollback` (thread_rolled_back) took the last `turns` user turns out of the model's history:
        their steps stay (they happened, and their edits stay on disk) but leave the active path."""
        if not turns or turns < 0:
            return
        end = len(self.slots) - 1  # the rollback's own step stays active
        start = None
        seen = 0
        for position in range(end - 1, -1, -1):
            step = self.slots[position]
            if step is not None and step.kind == StepKind.USER:
                seen += 1
                if seen == turns:
                    start = position
                    break
        if start is None:
            return
        for position in range(start, end):
            step = self.slots[position]
            if step is not None:
                step.active = False

    def user_event(self, text: str, key: str, ts: str | None) -> None:
        queue = self.pending["user"]
        if queue and queue[0][0] == "item":
            queue.popleft()
            self.user_turn()
            return
        # The prompt's item was written but read as injected context: the event proves a person
        # typed it, so that item is the user's prompt.
        for position in reversed(self.context_since_reply):
            step = self.slots[position]
            if step is not None and step.text.strip() == text.strip() and not _injected_alone(step):
                step.kind = StepKind.USER
                self.context_since_reply.remove(position)
                self.user_turn()
                return
        self.add(key, StepKind.USER, "user", text, ts)
        self.user_turn()
        queue.append(("event", len(self.slots) - 1))

    def since_reply(self, position: int) -> None:
        """A user-role context step a later event (or item) may be the echo of: the last
        _CONTEXT_LOOKBACK of them are kept, so a log of thousands with no reply between costs no
        pass over all of them per event."""
        self.context_since_reply.append(position)
        if len(self.context_since_reply) > _CONTEXT_LOOKBACK:
            del self.context_since_reply[0]

    def injected_event(self, payload: dict[str, Any], key: str, ts: str | None) -> None:
        """A message Codex put in the conversation for a timer or an outside sender (2026 builds):
        the model saw it as a wrapped user item (`<timer_message>`, `<codex_message>`...), which is
        a CONTEXT step; the event names who sent it. codex-rs keeps the two together (a pending
        `GeneratedMessageInput` holds the item and its event) and writes both as it is delivered;
        either may come first in the rollout, so each waits for the other within the turn: an
        event after its item puts its sender on the item's step, an event before it is a step of
        its own (its content) that the item takes the place of (`injected_event_for`)."""
        content = opt_str(payload.get("content")) or ""
        source = opt_str(payload.get("source"))
        for position in reversed(self.context_since_reply):
            step = self.slots[position]
            if (step is not None and not _injected_alone(step) and "injected_source" not in step.meta
                    and _delivers(step.text, content)):
                if source:
                    step.meta["injected_source"] = source
                return
        step = self.add(key, StepKind.CONTEXT, "user", content or "[injected message]", ts)
        step.meta["event"] = "injected_message"
        if source:
            step.meta["injected_source"] = source
        self.since_reply(len(self.slots) - 1)  # its item may follow

    def injected_event_for(self, text: str) -> str | None:
        """An injected_message event's own step, written before the item that delivers it, gives way
        to the item (one step, not two): its sender ("" where it named none), or None where no such
        event waits."""
        for position in reversed(self.context_since_reply):
            step = self.slots[position]
            if step is not None and _injected_alone(step) and _delivers(text, step.text):
                self.drop(position)
                self.context_since_reply.remove(position)
                return str(step.meta.get("injected_source") or "")
        return None

    def guardian(self, payload: dict[str, Any], key: str, ts: str | None) -> None:
        """The auto-reviewer's verdict on an action waiting for approval (2026 builds): a SYSTEM step
        with its reason once decided; the in-progress event before it says nothing new."""
        status = opt_str(payload.get("status")) or "unknown"
        if status == "in_progress":
            return
        action = as_dict(payload.get("action"))
        what = opt_str(action.get("command")) or opt_str(action.get("program")) or opt_str(action.get("type"))
        text = f"auto-review {status.replace('_', ' ')}" + (f": {what}" if what else "")
        rationale = opt_str(payload.get("rationale"))
        if rationale:
            text += f"\n{rationale}"
        step = self.add(key, StepKind.SYSTEM, "system", text, ts)
        step.meta["event"] = "guardian_assessment"
        step.meta["status"] = status
        for name in ("risk_level", "user_authorization", "target_item_id"):
            value = opt_str(payload.get(name))
            if value:
                step.meta[name] = value

    def assistant_event(self, text: str, phase: Any, key: str, ts: str | None) -> None:
        queue = self.pending["assistant"]
        if queue and queue[0][0] == "item":
            queue.popleft()
            return
        step = self.add(key, StepKind.ASSISTANT, "assistant", text, ts)
        if isinstance(phase, str):
            step.meta["phase"] = phase
        queue.append(("event", len(self.slots) - 1))

    def reasoning_event(self, text: str, key: str, ts: str | None) -> None:
        for remaining in self.reason_items:
            part = _claim(remaining, text)
            if part is not None:
                remaining.remove(part)
                return
        self.add(key, StepKind.REASONING, "assistant", text, ts)
        self.reason_events.append((len(self.slots) - 1, text))

    def token_count(self, payload: dict[str, Any]) -> None:
        info = payload.get("info")
        total = info.get("total_token_usage") if isinstance(info, dict) else None
        if not isinstance(total, dict):
            return
        # About half the events repeat the previous total unchanged: an equal dict gives an equal
        # tuple, so it is known to change nothing without converting it.
        if total == self.prev_usage:
            return
        self.prev_usage = total
        current = (
            _int(total.get("input_tokens")),
            _int(total.get("cached_input_tokens")),
            _int(total.get("output_tokens")),
        )
        previous = self.prev_total
        if current == previous:
            return
        self.prev_total = current
        if previous is None or any(c < p for c, p in zip(current, previous)):
            delta = current
        else:
            delta = (current[0] - previous[0], current[1] - previous[1], current[2] - previous[2])
        tokens = Tokens(input=max(delta[0] - delta[1], 0), output=delta[2], cache_read=delta[1])
        if self.fork != "copy":  # a fork's copy replays the parent's counts: the parent spent them
            self.session.tokens.add(tokens)
        self.token_marks.append((len(self.slots), tokens))

    # ---- pairing ---------------------------------------------------------------------------

    def pair_item(self, kind: str, position: int) -> None:
        queue = self.pending[kind]
        if queue and queue[0][0] == "event":
            _, event_position = queue.popleft()
            self.drop(event_position)
        else:
            queue.append(("item", position))

    def user_turn(self) -> None:
        """A real prompt starts a turn: the previous turn's replies can no longer pair."""
        self.clear_assistant_pending()
        self.plan_at = None

    def assistant_side(self) -> None:
        """The model answered: a later user event cannot be the copy of an earlier prompt."""
        self.pending["user"].clear()
        self.context_since_reply.clear()

    def clear_assistant_pending(self) -> None:
        self.pending["assistant"].clear()
        self.reason_events.clear()
        self.reason_items.clear()

    # ---- steps -----------------------------------------------------------------------------

    def add(self, key: str, kind: str, role: str, text: str, ts: str | None) -> Step:
        if key == self.last_key:
            self.sub += 1
            step_id = f"{self.prefix}{key}.{self.sub}"
        else:
            self.last_key = key
            self.sub = 0
            step_id = f"{self.prefix}{key}"
        step = Step(step_id, 0, kind, role, text, ts)  # positional: a Step for nearly every record
        if self.fork == "copy":
            step.meta[COPIED] = True
        if role == "assistant":
            step.model = self.model
        if self.turn_cwd and self.turn_cwd != self.session.cwd:
            step.cwd = self.turn_cwd
        self.slots.append(step)
        return step

    def drop(self, position: int) -> None:
        self.slots[position] = None

    def skip(self, what: str) -> None:
        self.session.skipped[what] = self.session.skipped.get(what, 0) + 1

    # ---- snapshots (resumable) -------------------------------------------------------------

    def state(self, spans: resumable.Spans | None) -> dict[str, Any]:
        """Everything the next records and `finish` read, as plain data; steps by position in a
        table (a step may be named from several places)."""
        s = self.session
        table: list[Step] = []
        where: dict[int, int] = {}

        def ref(step: Step | None) -> int | None:
            if step is None:
                return None
            at = where.get(id(step))
            if at is None:
                at = where[id(step)] = len(table)
                table.append(step)
            return at

        slots = [ref(x) for x in self.slots]
        calls = {k: ref(v) for k, v in self.calls.items()}
        results = {k: ref(v) for k, v in self.results.items()}
        git = s.git
        return {
            "session": [
                s.id,
                s.started,
                s.ended,
                s.cwd,
                s.version,
                None if git is None else [git.branch, git.commit, git.remote],
                s.models,
                resumable.tokens_row(s.tokens),
                s.skipped,
            ],
            "errors": [resumable.error_row(e) for e in s.errors],
            "steps": [resumable.step_row(x, spans, self.lines_of(x)) for x in table],
            "slots": slots,
            "calls": calls,
            "results": results,
            "reader": [
                self.prefix,
                self.last_key,
                self.sub,
                self.meta_seen,
                self.first_ts,
                self.model,
                self.turn_cwd,
                self.prev_total,
                self.prev_usage,
                self.thread_name,
                self.first,
                self.plan_at,
                self.goal,
                self.instructions,
            ],
            "exec_ends": self.exec_ends,
            "token_marks": [[at, resumable.tokens_row(t)] for at, t in self.token_marks],
            "pending": {k: [list(x) for x in q] for k, q in self.pending.items()},
            "reason_events": [list(x) for x in self.reason_events],
            "reason_items": self.reason_items,
            "context_since_reply": self.context_since_reply,
            "fork": [
                s.forked_from,
                s.forked_at,
                self.fork,
                None if self.copy_last is None else self.copy_last.isoformat(),
            ],
        }

    def lines_of(self, step: Step) -> tuple[int, ...]:
        """The lines a step's values come from: its own (`L<line>[.<n>]`), and a call's result's.
        None for the first line's (the session_meta's system prompt): a resume never reads the
        session's head again, so the snapshot keeps that text itself."""
        if self.prefix != "L":
            return ()
        own = _line_of(step.id)
        if own == 1:
            return ()
        result = self.results.get(step.tool_call_id) if step.edits and step.tool_call_id else None
        return (own,) if result is None else (own, _line_of(result.id))

    @classmethod
    def restore(cls, body: dict[str, Any], path: str, spans: resumable.Spans) -> _Reader:
        reader = cls(path)
        s = reader.session
        sid, s.started, s.ended, s.cwd, s.version, git, models, tokens, skipped = body["session"]
        s.id = sid
        s.git = None if git is None else GitInfo(*git)
        s.models = list(models)
        s.tokens = resumable.tokens_of(tokens)
        s.skipped = dict(skipped)
        s.errors = [resumable.error_of(r) for r in body["errors"]]
        table = resumable.steps_of(body["steps"], spans)
        reader.slots = [None if i is None else table[i] for i in body["slots"]]
        reader.calls = {k: table[i] for k, i in body["calls"].items()}
        reader.results = {k: table[i] for k, i in body["results"].items()}
        (
            reader.prefix,
            reader.last_key,
            reader.sub,
            reader.meta_seen,
            reader.first_ts,
            reader.model,
            reader.turn_cwd,
            prev_total,
            reader.prev_usage,
            reader.thread_name,
            reader.first,
            reader.plan_at,
            reader.goal,
            reader.instructions,
        ) = body["reader"]
        reader.prev_total = None if prev_total is None else (prev_total[0], prev_total[1], prev_total[2])
        reader.exec_ends = dict(body["exec_ends"])
        reader.token_marks = [(at, resumable.tokens_of(t)) for at, t in body["token_marks"]]
        reader.pending = {k: deque((x[0], x[1]) for x in body["pending"][k]) for k in ("user", "assistant")}
        reader.reason_events = [(at, text) for at, text in body["reason_events"]]
        reader.reason_items = [list(x) for x in body["reason_items"]]
        reader.context_since_reply = list(body["context_since_reply"])
        s.forked_from, s.forked_at, reader.fork, copy_last = body["fork"]
        reader.copy_last = None if copy_last is None else datetime.fromisoformat(copy_last)
        return reader

    def finish(self) -> Session:
        session = self.session
        assistant_positions: list[int] = []
        for position, step in enumerate(self.slots):
            if step is not None and step.kind in _ASSISTANT_SIDE:
                assistant_positions.append(position)
        for at, tokens in self.token_marks:
            if not assistant_positions:
                break
            i = bisect.bisect_left(assistant_positions, at) - 1
            target = self.slots[assistant_positions[max(i, 0)]]
            assert target is not None
            if target.tokens is None:
                target.tokens = Tokens()
            target.tokens.add(tokens)
        session.steps = [s for s in self.slots if s is not None]
        for index, step in enumerate(session.steps):
            step.index = index
        if session.forked_from is not None:
            _own_prompt_out_of_copy(session.steps)
        # The parent is named by the subagent step of the first session_meta (a resume reads it from
        # the snapshot's steps, so nothing else needs keeping).
        session.subagent_of = next(
            (st.meta["spawned_by"] for st in session.steps
             if st.meta.get("event") == "subagent" and isinstance(st.meta.get("spawned_by"), str)),
            None,
        )  # fmt: skip
        session.title = titles.session_title((self.thread_name,), session.steps)
        session.hidden = titles.why_hidden(session.steps, session.tokens)
        if session.hidden is None and _title_run(session.steps):
            session.hidden = titles.HIDDEN_OWN_RUN
        if session.started is None:
            session.started = self.first_ts
        if session.ended is None:
            session.ended = session.started
        return session


# ---- helpers ---------------------------------------------------------------------------------


# The VS Code extension's request for a task's UI title, which it sends as a `codex exec` run of its own
# right after the task starts (two wordings seen, Codex 0.81 to 0.98): its rollout is no task of the user.
_TITLE_ASK = re.compile(
    r"(?:Generate a concise UI title \(\d+-\d+ characters\) for this task\."
    r"|You are a helpful assistant\. You will be presented with a user prompt, and your job is to provide"
    r" a short title for a task\b)"
)


def _title_run(steps: list[Step]) -> bool:
    """Whether every prompt of the session is the extension's title request (and there is one)."""
    prompts = [st for st in steps if st.kind == StepKind.USER and not st.meta.get(COPIED)]
    return bool(prompts) and all(_TITLE_ASK.match(st.text.lstrip()) for st in prompts)


# A fork's copy is written in one go; the gap between two of its lines is well under this.
_BURST = timedelta(seconds=1)
# The user-role context items since the last reply that a later user or injected_message event may be
# the echo of: Codex writes the item just before its event, so the last few are enough, and a log of
# thousands of them with no reply (a timer left running) costs no pass over all of them per event.
_CONTEXT_LOOKBACK = 32



def _own_prompt_out_of_copy(steps: list[Step]) -> None:
    """A fork made with a prompt writes it in the same burst as the copy: the copied steps after the
    copy's last step of the model's are the fork's own when a prompt is among them."""
    copied = [s for s in steps if s.copied]
    last_reply = max((i for i, s in enumerate(copied) if s.kind in _ASSISTANT_SIDE), default=-1)
    tail = copied[last_reply + 1 :]
    if any(s.kind == StepKind.USER for s in tail):
        for step in tail:
            del step.meta[COPIED]


def _line_of(step_id: str) -> int:
    number = step_id[1:].split(".", 1)[0]
    return int(number) if number.isdigit() else 0


def _id_from_name(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    found = _UUID.findall(name)
    if found:
        return found[-1].lower()
    return name.rsplit(".", 1)[0]



def _int(value: Any) -> int:
    # A count, also where a log writes it as a string of digits; out of range is absent (as_count).
    if type(value) is str:
        try:
            value = int(value)
        except ValueError:
            return 0
    return as_count(value)


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    parts: list[str] = []
    for part in content:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            parts.append(part["text"])
        elif isinstance(part.get("refusal"), str):
            parts.append(part["refusal"])
        elif part.get("type") in ("input_image", "image_url", "image"):
            parts.append("[image]")
        elif part.get("type") in ("input_audio", "audio"):
            parts.append("[audio]")
        elif part.get("type") == "input_file":
            name = part.get("filename")
            parts.append(f"[file] {name}" if isinstance(name, str) and name else "[file]")
    return "\n".join(parts)


def _found_tools(tools: Any) -> str:
    """A tool search's answer: one line per tool it made available (name, then its description)."""
    lines = []
    for tool in tools if isinstance(tools, list) else ():
        if isinstance(tool, dict):
            name = tool.get("name")
            about = tool.get("description")
            line = name if isinstance(name, str) else orjson.dumps(tool).decode()
            lines.append(f"{line}: {about}" if isinstance(about, str) and about else line)
        elif isinstance(tool, str):
            lines.append(tool)
    return "\n".join(lines)


def _claim(parts: list[str], text: str) -> str | None:
    """The summary part a reasoning event copies: the same text, or (some writers keep only the
    bold heading in the event) a part that starts with it."""
    wanted = text.strip()
    if not wanted:
        return None
    for part in parts:
        if part.strip() == wanted:
            return part
    for part in parts:
        if part.strip().startswith(wanted):
            return part
    return None


def _injected_alone(step: Step) -> bool:
    """A step an injected_message event made of its content, where no item held it (yet)."""
    return step.meta.get("event") == "injected_message"


def _delivers(item: str, content: str) -> bool:
    """Whether a wrapped user item holds an injected message's content: as it is, or escaped as
    codex-rs escapes an envelope's text (`&`, `<`, `>` and `"`; an apostrophe stays)."""
    wanted = content.strip()
    if not wanted:
        return False
    escaped = wanted.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return wanted in item or escaped in item


def _is_injected(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith(_INJECTED_PREFIXES) or bool(_WRAPPED.match(stripped))


def _is_injected_item(content: Any, text: str) -> bool:
    """Whether a message item (`text`, its content's text) is Codex's own: the text starts as one of
    its injections, or each text part of the item is one (0.14x opens a session with one item of
    several: a `<recommended_plugins>` block, the AGENTS.md instructions, the environment context)."""
    if _is_injected(text):
        return True
    parts = [
        part["text"]
        for part in (content if isinstance(content, list) else ())
        if isinstance(part, dict) and isinstance(part.get("text"), str) and part["text"].strip()
    ]
    return len(parts) > 1 and all(_is_injected(part) for part in parts)


def _applied_changes(changes: Any) -> list[FileEdit]:
    """The edits a patch_apply_end's `changes` (path -> `{type: add, content}`, `{type: delete,
    content}` or `{type: update, unified_diff, move_path}`) describe, in its order."""
    edits: list[FileEdit] = []
    for path, change in as_dict(changes).items():
        if not isinstance(path, str) or not path or not isinstance(change, dict):
            continue
        kind = change.get("type")
        if kind == "add":
            edits.append(FileEdit(path, "create", content=as_str(change.get("content"))))
        elif kind == "delete":
            edits.append(FileEdit(path, "delete", original=opt_str(change.get("content"))))
        elif kind == "update":
            hunks = parse_unified_diff(as_str(change.get("unified_diff")))
            edits.append(FileEdit(path, "update", hunks=hunks, move_to=opt_str(change.get("move_path"))))
    return edits


# How many of the latest calls a script's patch looks among for the call that ran it: a script's patches
# are written while it runs, with at most a few calls made beside it. Bounded, so a rollout of many
# calls left waiting and many such patches costs each patch the same.
_RUNNER_LOOKBACK = 256


def _script_runner(
    calls: dict[str, Step], results: dict[str, Step], applies: dict[str, bool]
) -> Step | None:
    """The call that ran a script's patch: among the latest calls still waiting for their output, the
    last whose input calls apply_patch, else the last of them. `applies`: each call's answer, kept, so
    a call's input (a script of megabytes) is searched once, not again by each of thousands of patches."""
    latest: Step | None = None
    for n, call_id in enumerate(reversed(calls)):
        if n >= _RUNNER_LOOKBACK:
            break
        if call_id in results:
            continue
        step = calls[call_id]
        found = applies.get(call_id)
        if found is None:
            found = applies[call_id] = _calls_apply_patch(step.tool_input)
        if found:
            return step
        if latest is None:
            latest = step
    return latest


def _calls_apply_patch(tool_input: Any) -> bool:
    """Whether a call's input (a script's text, or its arguments) calls apply_patch."""
    if isinstance(tool_input, str):
        return "apply_patch" in tool_input
    return isinstance(tool_input, dict) and any(
        isinstance(v, str) and "apply_patch" in v for v in tool_input.values()
    )


def _output_text(raw: Any) -> tuple[str, dict[str, Any]]:
    """The text of a tool output and what it says about the run (exit code, duration)."""
    meta: dict[str, Any] = {}
    if isinstance(raw, list):
        return _content_text(raw), meta
    if isinstance(raw, dict):
        return orjson.dumps(raw).decode(), meta
    if not isinstance(raw, str):
        return "" if raw is None else str(raw), meta
    text = raw
    if raw.startswith('{"output"'):
        # 0.3x-0.6x wrap shell output as {"output": ..., "metadata": {exit_code, duration_seconds}}.
        try:
            wrapped = orjson.loads(raw)
        except orjson.JSONDecodeError:
            wrapped = None
        if isinstance(wrapped, dict) and isinstance(wrapped.get("output"), str):
            text = wrapped["output"]
            meta_in = wrapped.get("metadata")
            if isinstance(meta_in, dict):
                if isinstance(meta_in.get("exit_code"), int):
                    meta["exit_code"] = meta_in["exit_code"]
                seconds = meta_in.get("duration_seconds")
                if isinstance(seconds, (int, float)) and 0 <= seconds * 1000 <= MAX_COUNT:
                    meta["duration_ms"] = round(seconds * 1000)
            return text, meta
    # Only the header (before "Output:") says how the run went; the program's own output might
    # contain the same words.
    cut = raw.find("\nOutput:", 0, 8000)
    head = raw[:cut] if cut >= 0 else raw[:600]
    match = _EXIT_CODE.search(head)
    if match:
        code = parse_count(match.group(1))
        if code is not None:
            meta["exit_code"] = code
    match = _WALL_TIME.search(head)
    if match:
        try:
            ms = float(match.group(1)) * 1000
            if ms <= MAX_COUNT:
                meta["duration_ms"] = round(ms)
        except ValueError:
            pass
    return text, meta


def _join(base: str | None, path: str) -> str:
    if not base or _is_absolute(path):
        return path
    if path in (".", "./"):
        return base
    module = ntpath if ("\\" in base or _DRIVE.match(base)) else posixpath
    return module.normpath(module.join(base, path))


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\", "~")) or bool(_DRIVE_ROOT.match(path))


_DRIVE = re.compile(r"[A-Za-z]:")
_DRIVE_ROOT = re.compile(r"[A-Za-z]:[\\/]")


def _render_history(history: list[Any]) -> str:
    """A short stand-in for a remote compaction: the user messages it kept."""
    prompts = []
    for item in history:
        if isinstance(item, dict) and item.get("type") == "message" and item.get("role") == "user":
            text = _content_text(item.get("content"))
            if text.strip() and not _is_injected_item(item.get("content"), text):
                prompts.append("- " + titles.clip(text))
    head = f"[history compacted: {len(history)} items kept, {len(prompts)} of them user messages]"
    return "\n".join([head, *prompts])


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    codex = Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else home / ".codex"
    return [codex / "sessions", codex / "archived_sessions"]


AGENT = Agent(
    name=NAME,
    label="Codex CLI",
    # Legacy single-file rollouts are matched on any prefix, so a flattened copy of a sessions tree
    # (owner__repo__...__rollout-X.json) is found too.
    patterns=("*.jsonl", "*rollout-*.json", codex_zst.PATTERN),
    folders=_folders,
    group=group,
    read=read,
    env=("CODEX_HOME",),
    stage=codex_zst.stage,  # a compressed rollout is synced from its decompressed copy
    passes=codex_zst.passes,  # a new plain rollout (a session, a subagent's thread) needs no stage
    resume=resume,
)
