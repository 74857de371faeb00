"""Reader for GitHub Copilot CLI sessions (`~/.copilot/session-state/`).

The format and this reader's choices: docs/formats/copilot.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tracetui.model import FileEdit, GitInfo, LineError, Session, Step, StepKind, Subagent, Tokens
from tracetui.sources import RawLog, SessionFiles
from tracetui.sources.common import titles
from tracetui.sources.common.apply_patch import parse_patch
from tracetui.sources.common.coerce import as_count, as_dict, as_int, as_list, as_str, opt_str
from tracetui.sources.common.jsonl import guarded, iter_records
from tracetui.sources.copilot.diff import copilot_hunks
from tracetui.sources.registry import Agent

NAME = "copilot"
EVENTS = "events.jsonl"
WORKSPACE = "workspace.yaml"
VSCODE = "vscode.metadata.json"  # a session hosted by VS Code: its chat's `customTitle`
LEGACY_FOLDER = "history-session-state"

# `user.message` sources of text Copilot itself puts in the conversation as the user's turn (a loaded
# skill's context: `skill-<name>`, right after its `skill.invoked`), not typed by the user.
_INJECTED_SOURCES = ("skill-",)

# Events that are known and deliberately not steps.
_QUIET = frozenset(
    {
        "assistant.turn_start",
        "assistant.turn_end",
        "hook.start",
        "hook.end",
        "permission.requested",
        "permission.completed",
        "session.usage_checkpoint",
        "session.workspace_file_changed",
        "session.compaction_start",
        "session.resume",
        "session.permissions_changed",
        # Persisted by newer builds (the SDK's session-events schema), with nothing for the spine:
        "session.remote_steerable_changed",
        "session.schedule_created",
        "session.schedule_cancelled",
        "session.schedule_rearmed",
        "session.session_limits_changed",
        "session.auto_mode_resolved",
        "session.binary_asset",
        "session.canvas.recorded",
        "session.canvas.removed",
        "tool_search.activated",
        "external_tool.requested",
    }
)
_SYSTEM = {
    "session.info": ("infoType", "message"),
    "session.warning": ("warningType", "message"),
    "session.error": ("errorType", "message"),
    "system.notification": ("kind", "message"),
}


def _handoff(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    meta = {k: data[k] for k in ("sourceType", "remoteSessionId", "host") if isinstance(data.get(k), str)}
    parts = [as_str(data.get("summary")), as_str(data.get("context"))]
    return "\n\n".join(p for p in parts if p.strip()) or "session handed off", meta


def _truncation(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    removed = as_int(data.get("messagesRemovedDuringTruncation"))
    tokens = as_int(data.get("tokensRemovedDuringTruncation"))
    meta = {"messages_removed": removed, "tokens_removed": tokens}
    if isinstance(data.get("performedBy"), str):
        meta["performed_by"] = data["performedBy"]
    return f"context truncated: {removed} messages ({tokens} tokens) removed", meta


def _context_changed(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    keys = ("cwd", "gitRoot", "branch", "headCommit", "repository")
    meta = {k: data[k] for k in keys if isinstance(data.get(k), str)}
    return f"working directory: {as_str(data.get('cwd'))}", meta


def _context_cleared(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cleared = as_int(data.get("messagesCleared"))
    return f"context cleared: {cleared} messages", {"messages_cleared": cleared}


def _plan_changed(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return f"plan {as_str(data.get('operation')) or 'changed'}", {}


def _agent_selected(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = as_str(data.get("agentDisplayName")) or as_str(data.get("agentName"))
    return (f"agent selected: {name}" if name else "agent selected"), (
        {"agent": data["agentName"]} if isinstance(data.get("agentName"), str) else {}
    )


def _autopilot(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    status = as_str(data.get("status"))
    text = f"autopilot objective {as_str(data.get('operation')) or 'changed'}"
    return (f"{text} ({status})" if status else text), {}


# Events of newer builds that say something happened to the session: (text, meta) from their data.
_NOTICES = {
    "session.handoff": _handoff,
    "session.truncation": _truncation,
    "session.context_changed": _context_changed,
    "session.context_cleared": _context_cleared,
    "session.plan_changed": _plan_changed,
    "subagent.selected": _agent_selected,
    "subagent.deselected": lambda data: ("agent deselected", {}),
    "session.autopilot_objective_changed": _autopilot,
}

EDIT_TOOLS = frozenset({"edit", "create", "str_replace_editor", "write", "insert", "apply_patch"})
_CHECKPOINT = re.compile(r"(\d+)-[^/\\]*\.md\Z")


# --------------------------------------------------------------------------------------------
# Grouping


def _flat_prefix(path: Path) -> str | None:
    """`owner__repo__.copilot__session-state__<id>__` for a flattened copy of `<id>/events.jsonl`
    (as collections of logs name them), else None."""
    name = path.name
    return name[: -len(EVENTS)] if name.endswith("__" + EVENTS) else None


def _is_checkpoint(path: Path) -> bool:
    name = path.name
    return path.suffix == ".md" and (
        (path.parent.name == "checkpoints" and bool(_CHECKPOINT.match(name))) or "__checkpoints__" in name
    )


def _is_legacy(path: Path) -> bool:
    """A session of the first builds (to late 2025): one JSON document in `history-session-state/`
    (or a flattened copy naming that folder)."""
    return path.suffix == ".json" and (path.parent.name == LEGACY_FOLDER or f"{LEGACY_FOLDER}__" in path.name)


def group(paths: list[Path]) -> list[SessionFiles]:
    """A legacy `history-session-state/<id>.json` is a session, a flat `<id>.jsonl` is one, so is
    `<id>/events.jsonl`, with its folder's `workspace.yaml` and `checkpoints/NNN-*.md` as
    companions (a flattened copy, `…__<id>__events.jsonl`, takes the `…__<id>__workspace.yaml` and
    `…__<id>__checkpoints__…md` beside it)."""
    by_folder: dict[Path, list[Path]] = {}
    extras: list[Path] = []  # workspace.yaml and checkpoints, by their folder or their flattened name
    mains: list[Path] = []
    for path in sorted(set(paths)):
        if path.suffix == ".jsonl" or _is_legacy(path):
            mains.append(path)
        elif path.name in (WORKSPACE, VSCODE) or (_is_checkpoint(path) and path.parent.name == "checkpoints"):
            folder = path.parent if path.name in (WORKSPACE, VSCODE) else path.parent.parent
            by_folder.setdefault(folder, []).append(path)
        elif path.name.endswith(("__" + WORKSPACE, "__" + VSCODE)) or _is_checkpoint(path):
            extras.append(path)
    out: list[SessionFiles] = []
    folders = {p.parent for p in mains if p.name == EVENTS}
    for path in mains:
        if path.name != EVENTS and path.parent in folders:
            continue  # another .jsonl inside a session's folder is not a session
        if path.name == EVENTS:
            companions = list(by_folder.get(path.parent, []))
        else:
            prefix = _flat_prefix(path)
            companions = [
                e for e in extras if prefix and e.parent == path.parent and e.name.startswith(prefix)
            ]
        out.append(SessionFiles(NAME, path, companions))
    return out


# --------------------------------------------------------------------------------------------
# Reading a session


def read(main: RawLog, companions: list[RawLog]) -> Session:
    """Parse one Copilot CLI session. Never raises on bad data."""
    errors: list[LineError] = []
    session = Session(
        id="", agent=NAME, source=main.path, files=[main.path, *(c.path for c in companions)], errors=errors
    )
    workspace: dict[str, str] = {}
    checkpoints: dict[str, str] = {}  # file name -> text
    hosted: str | None = None  # the VS Code chat's own title
    for log in companions:
        name = Path(log.path.replace("\\", "/")).name
        if name == WORKSPACE or name.endswith("__" + WORKSPACE):
            workspace = _yaml_scalars(log.data.decode("utf-8", "replace"))
        elif name == VSCODE or name.endswith("__" + VSCODE):
            hosted = _custom_title(log, errors)
        else:
            checkpoints[name.rsplit("__", 1)[-1]] = log.data.decode("utf-8", "replace")
    reader = _Reader(session, checkpoints)

    def is_entry(value: dict[str, Any]) -> bool:
        return isinstance(value.get("type"), str) and "data" in value

    data = main.data[3:] if main.data.startswith(b"\xef\xbb\xbf") else main.data
    if _is_legacy(Path(main.path.replace("\\", "/"))):
        for n, record in enumerate(_legacy_events(main.path, data, errors, session.skipped)):
            reader.line = n
            with guarded(errors, main.path, 1):
                reader.event(record)
        reader.finish(workspace, hosted)
        session.version = "copilot-legacy" if session.version == "copilot" else session.version
        return session
    for line, record in iter_records(main.path, data, errors, is_entry):
        reader.line = line
        with guarded(errors, main.path, line):
            reader.event(record)
    reader.finish(workspace, hosted)
    return session


def _legacy_events(
    path: str, data: bytes, errors: list[LineError], skipped: dict[str, int]
) -> list[dict[str, Any]]:
    """A legacy `history-session-state` document as the events the later format writes, so one
    reader reads both. Its `timeline` (user, copilot, tool_call_requested, tool_call_completed,
    info entries, with times and results) is the record; `chatMessages` (Chat-Completions-style
    messages, no times) stands in where a document has no timeline."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        errors.append(LineError(path, 1, f"not a JSON document: {exc}"))
        return []
    if not isinstance(doc, dict):
        errors.append(LineError(path, 1, "not a JSON object"))
        return []
    start = {"sessionId": as_str(doc.get("sessionId")), "startTime": opt_str(doc.get("startTime"))}
    events: list[dict[str, Any]] = [{"type": "session.start", "id": "start", "timestamp": start["startTime"],
                                     "data": start}]  # fmt: skip
    timeline = [e for e in as_list(doc.get("timeline")) if isinstance(e, dict)]
    if timeline:
        # A timeline entry may lack the output the chat messages hold (role tool, by call id).
        outputs = {
            as_str(m.get("tool_call_id")): m.get("content")
            for m in as_list(doc.get("chatMessages"))
            if isinstance(m, dict) and m.get("role") == "tool" and m.get("tool_call_id")
        }
        events.extend(_from_timeline(timeline, outputs, skipped))
    else:
        events.extend(_from_chat(as_list(doc.get("chatMessages")), skipped))
    return events


def _from_timeline(
    timeline: list[dict[str, Any]], outputs: dict[str, Any], skipped: dict[str, int]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    started: set[str] = set()
    for n, entry in enumerate(timeline):
        kind = as_str(entry.get("type"))
        eid = as_str(entry.get("id")) or f"T{n}"
        stamp = opt_str(entry.get("timestamp"))
        text = as_str(entry.get("text"))

        def event(name: str, data: dict[str, Any], suffix: str = "") -> None:
            out.append({"type": name, "id": eid + suffix, "timestamp": stamp, "data": data})

        call_id = as_str(entry.get("callId"))
        if kind == "user":
            event("user.message", {"content": text})
        elif kind == "copilot":
            event("assistant.message", {"messageId": eid, "content": text})
        elif kind in ("tool_call_requested", "tool_call_completed"):
            if call_id not in started:
                started.add(call_id)
                request = {
                    "toolCallId": call_id,
                    "name": entry.get("name"),
                    "arguments": entry.get("arguments"),
                }
                if isinstance(entry.get("intentionSummary"), str):
                    request["intentionSummary"] = entry["intentionSummary"]
                event(
                    "assistant.message", {"messageId": eid, "content": "", "toolRequests": [request]}, ":call"
                )
            if kind == "tool_call_completed":
                raw = entry.get("result")
                result = as_dict(raw)
                log = (
                    raw
                    if isinstance(raw, str)
                    else as_str(result.get("log"))
                    or _any_text(result.get("content"))
                    or as_str(result.get("error"))
                    or as_str(result.get("message"))
                    or _any_text(outputs.get(call_id))
                )
                event(
                    "tool.execution_complete",
                    {
                        "toolCallId": call_id,
                        # Real documents say "success" or "failure" (not "error"): only a success is one.
                        "success": not isinstance(raw, dict) or result.get("type", "success") == "success",
                        "result": {"content": log},
                    },
                )
        elif kind in ("info", "warning", "error"):
            event(f"session.{kind}", {"message": text, f"{kind}Type": kind})
        else:
            skipped[f"legacy/{kind or '(no type)'}"] = skipped.get(f"legacy/{kind or '(no type)'}", 0) + 1
    return out


def _any_text(value: Any) -> str:
    """A result's text: a string, or the text parts of a content list, else its JSON."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        texts = [as_str(v.get("text")) for v in value if isinstance(v.get("text"), str)]
        if texts:
            return "\n".join(texts)
    return orjson.dumps(value, default=str).decode()


def _from_chat(messages: list[Any], skipped: dict[str, int]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = as_str(message.get("role"))
        content = message.get("content")
        text = (
            content
            if isinstance(content, str)
            else "\n".join(
                as_str(as_dict(part).get("text")) for part in as_list(content) if as_dict(part).get("text")
            )
        )
        eid = f"M{n}"
        if role == "user":
            out.append({"type": "user.message", "id": eid, "data": {"content": text}})
        elif role == "system":
            out.append({"type": "system.message", "id": eid, "data": {"content": text, "role": role}})
        elif role == "assistant":
            requests = []
            for call in as_list(message.get("tool_calls")):
                function = as_dict(as_dict(call).get("function"))
                requests.append(
                    {
                        "toolCallId": as_str(as_dict(call).get("id")),
                        "name": function.get("name"),
                        "arguments": function.get("arguments"),
                    }  # fmt: skip
                )
            data = {"messageId": eid, "content": text, "toolRequests": requests}
            out.append({"type": "assistant.message", "id": eid, "data": data})
        elif role == "tool":
            result = {
                "toolCallId": as_str(message.get("tool_call_id")),
                "success": True,
                "result": {"content": text},
            }
            out.append({"type": "tool.execution_complete", "id": eid, "data": result})
        else:
            skipped[f"legacy/{role or '(no role)'}"] = skipped.get(f"legacy/{role or '(no role)'}", 0) + 1
    return out


@dataclass(slots=True)
class _Agent:
    call_id: str
    name: str | None = None
    description: str | None = None
    start: Step | None = None
    ended: bool = False


@dataclass(slots=True)
class _Reader:
    session: Session
    checkpoints: dict[str, str]
    line: int = 0
    steps: list[Step] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    models: dict[str, None] = field(default_factory=dict)
    times: list[str] = field(default_factory=list)
    calls: dict[str, Step] = field(default_factory=dict)  # toolCallId -> the call step
    answered: set[str] = field(default_factory=set)
    agents: dict[str, _Agent] = field(default_factory=dict)  # toolCallId of the spawning call
    agent_ids: dict[str, str] = field(default_factory=dict)  # agentId -> toolCallId
    model: str | None = None
    # The model and reasoning effort the session was set to (its start, its model changes): a change
    # to the same is no change (Copilot writes one on every resume).
    chosen: tuple[str | None, str | None] | None = None
    changed: bool = False  # a model change was read: the next to the same is no change
    run_output: dict[str, int] = field(default_factory=dict)  # model -> output counted this run
    # Usage already counted: messageId -> the output it gave, and the shutdowns read (by event id). A
    # message or a shutdown written again is the same response, the same totals: counted once.
    message_output: dict[str, int] = field(default_factory=dict)
    shutdowns: set[str] = field(default_factory=set)
    # model -> the steps whose output no shutdown has totalled yet (their input is nowhere in the log)
    untotalled: dict[str, list[Step]] = field(default_factory=dict)
    start: dict[str, Any] = field(default_factory=dict)
    last_in: dict[str | None, str] = field(default_factory=dict)  # scope -> its last step's id
    # Reasoning texts made steps this turn, not yet paired with their copy (see `reasoned`).
    reasoning_events: dict[str, int] = field(default_factory=dict)
    reasoning_texts: dict[str, int] = field(default_factory=dict)
    cwd_now: str | None = None  # the working directory a `session.context_changed` moved to

    # -- events ----------------------------------------------------------------------------------

    def event(self, record: dict[str, Any]) -> None:
        kind = as_str(record.get("type"))
        data = as_dict(record.get("data"))
        eid = as_str(record.get("id")) or f"L{self.line}"
        stamp = opt_str(record.get("timestamp"))
        if stamp:
            self.times.append(stamp)
        scope = self.scope(record, data)
        if kind in ("session.start", "session.resume"):
            self.run_output.clear()  # a shutdown reports the run since the start or resume it ends
        if kind == "session.start":
            self.start = data
            self.session.id = self.session.id or as_str(data.get("sessionId"))
            self.note_model(opt_str(data.get("selectedModel")))
            effort = opt_str(data.get("reasoningEffort")) or None
            self.chosen = (opt_str(data.get("selectedModel")) or None, effort)
        elif kind == "user.message":
            self.reasoning_events.clear()
            self.reasoning_texts.clear()
            # A skill's text Copilot puts in the conversation after `skill.invoked` is a user message
            # whose source names the skill: the user typed none of it.
            source = data.get("source")
            injected = isinstance(source, str) and source.startswith(_INJECTED_SOURCES)
            self.add(
                eid,
                StepKind.CONTEXT if injected else StepKind.USER,
                "user",
                as_str(data.get("content")),
                stamp,
                scope,
                meta=_user_meta(data),
            )
        elif kind == "system.message":
            self.add(
                eid,
                StepKind.CONTEXT,
                "system",
                as_str(data.get("content")),
                stamp,
                scope,
                meta={"role": data["role"]} if isinstance(data.get("role"), str) else {},
            )
        elif kind == "assistant.message":
            self.assistant(eid, data, stamp, scope)
        elif kind == "tool.execution_start":
            self.tool_start(eid, data, stamp, scope)
        elif kind == "tool.execution_complete":
            self.tool_complete(eid, data, stamp, scope)
        elif kind == "session.model_change":
            self.model_change(eid, data, stamp, scope)
        elif kind == "session.compaction_complete":
            self.compaction(eid, data, stamp, scope)
        elif kind == "subagent.started":
            self.subagent_started(eid, data, stamp)
        elif kind in ("subagent.completed", "subagent.failed"):
            self.subagent_ended(eid, kind, data, stamp)
        elif kind == "session.shutdown":
            if eid not in self.shutdowns:  # the same shutdown written again: its totals once
                self.shutdowns.add(eid)
                self.shutdown_usage(eid, data, stamp)
            self.note_model(opt_str(data.get("currentModel")))
        elif kind in _SYSTEM:
            what, text = _SYSTEM[kind]
            meta = {"event": kind}
            if isinstance(data.get(what), str):
                meta[what] = data[what]
            self.add(
                eid,
                StepKind.SYSTEM,
                "system",
                as_str(data.get(text)),
                stamp,
                scope,
                is_error=kind == "session.error",
                meta=meta,
            )
        elif kind == "session.mode_changed":
            text = f"mode: {as_str(data.get('previousMode'))} -> {as_str(data.get('newMode'))}"
            self.add(eid, StepKind.SYSTEM, "system", text, stamp, scope, meta={"event": kind})
        elif kind == "session.task_complete":
            self.add(
                eid,
                StepKind.SYSTEM,
                "system",
                as_str(data.get("summary")),
                stamp,
                scope,
                meta={"event": kind},
            )
        elif kind == "assistant.reasoning":
            text = as_str(data.get("content"))
            if text.strip() and not self.reasoned(text, by_event=True):
                self.add(eid, StepKind.REASONING, "assistant", text, stamp, scope, model=self.model)
        elif kind == "tool.user_requested":
            # A command the user ran themselves (`!cmd`): the call is the user's, its result follows.
            call_id = as_str(data.get("toolCallId"))
            if not call_id or call_id not in self.calls:
                name, arguments = data.get("toolName"), data.get("arguments")
                step = self.call_step(eid, name, call_id, arguments, stamp, scope, None)
                step.role = "user"
                step.meta["user_requested"] = True
                if call_id:
                    self.calls[call_id] = step
        elif kind == "skill.invoked":
            meta = {k: data[k] for k in ("name", "path", "pluginName") if isinstance(data.get(k), str)}
            self.add(eid, StepKind.CONTEXT, "user", as_str(data.get("content")), stamp, scope, meta=meta)
        elif kind in _NOTICES:
            text, meta = _NOTICES[kind](data)
            meta["event"] = kind
            self.add(eid, StepKind.SYSTEM, "system", text, stamp, scope, meta=meta)
            if kind == "session.context_changed" and isinstance(data.get("cwd"), str) and data["cwd"]:
                self.cwd_now = data["cwd"]
        elif kind == "abort":
            self.add(
                eid,
                StepKind.SYSTEM,
                "system",
                as_str(data.get("reason")) or "aborted",
                stamp,
                scope,
                meta={"event": kind},
            )
        elif kind not in _QUIET:
            self.skip(kind or "(no type)")

    def reasoned(self, text: str, by_event: bool) -> bool:
        """Whether this reasoning text is already a step: newer builds write it twice, as an
        `assistant.reasoning` event and again in the message's `reasoningText` (either first). Each
        copy pairs with one copy of the other kind, within the turn."""
        key = text.strip()
        mine, theirs = (
            (self.reasoning_events, self.reasoning_texts)
            if by_event
            else (self.reasoning_texts, self.reasoning_events)
        )
        if theirs.get(key):
            theirs[key] -= 1
            return True
        mine[key] = mine.get(key, 0) + 1
        return False

    def scope(self, record: dict[str, Any], data: dict[str, Any]) -> str | None:
        """The subagent an event belongs to (its spawning call's id), if any."""
        parent_call = opt_str(data.get("parentToolCallId"))
        if parent_call:
            return parent_call
        agent = opt_str(record.get("agentId"))
        return self.agent_ids.get(agent) if agent else None

    def assistant(self, eid: str, data: dict[str, Any], stamp: str | None, scope: str | None) -> None:
        model = opt_str(data.get("model"))
        self.note_model(model)
        model = model or self.model
        made: list[Step] = []
        reasoning = opt_str(data.get("reasoningText"))
        if reasoning and reasoning.strip() and not self.reasoned(reasoning, by_event=False):
            made.append(self.add(eid, StepKind.REASONING, "assistant", reasoning, stamp, scope, model=model))
        text = as_str(data.get("content"))
        requests = [r for r in as_list(data.get("toolRequests")) if isinstance(r, dict)]
        if text.strip() or not requests and not made:
            made.append(self.add(eid, StepKind.ASSISTANT, "assistant", text, stamp, scope, model=model))
        for request in requests:
            call_id = as_str(request.get("toolCallId"))
            if call_id and call_id in self.calls:
                continue  # asked again: one call per id
            step = self.call_step(
                eid, request.get("name"), call_id, request.get("arguments"), stamp, scope, model
            )
            if isinstance(request.get("intentionSummary"), str):
                step.meta["intention"] = request["intentionSummary"]
            if call_id:
                self.calls[call_id] = step
            made.append(step)
        if isinstance(data.get("outputTokens"), int) and made:
            output = as_count(data.get("outputTokens"))
            message_id = opt_str(data.get("messageId"))
            before = self.message_output.get(message_id) if message_id else None
            if message_id:
                self.message_output[message_id] = max(before or 0, output)
            if before is not None:  # the same message again: only what it says beyond its first copy
                output = max(0, output - before)
            if before is None or output:
                made[0].tokens = Tokens(output=output)
                counted = opt_str(data.get("model")) or self.model or ""
                self.run_output[counted] = self.run_output.get(counted, 0) + output
                self.untotalled.setdefault(counted, []).append(made[0])

    def call_step(
        self,
        eid: str,
        name: Any,
        call_id: str,
        arguments: Any,
        stamp: str | None,
        scope: str | None,
        model: Any,
    ) -> Step:
        """A tool call step, from an assistant message's request or a tool's start event alike."""
        tool = opt_str(name)
        step = self.add(eid, StepKind.TOOL_CALL, "assistant", "", stamp, scope, tool=tool,
                        tool_call_id=call_id or None, tool_input=_arguments(arguments), model=model)  # fmt: skip
        step.edits = _edits(tool, step.tool_input)
        return step

    def tool_start(self, eid: str, data: dict[str, Any], stamp: str | None, scope: str | None) -> None:
        call_id = as_str(data.get("toolCallId"))
        name = opt_str(data.get("toolName"))
        step = self.calls.get(call_id) if call_id else None
        if step is None:
            step = self.call_step(eid, name, call_id, data.get("arguments"), stamp, scope, self.model)
            if call_id:
                self.calls[call_id] = step
        elif step.tool_input is None and data.get("arguments") is not None:
            step.tool_input = _arguments(data.get("arguments"))
            step.edits = step.edits or _edits(step.tool, step.tool_input)
        if isinstance(data.get("mcpServerName"), str):
            step.meta["mcp_server"] = data["mcpServerName"]

    def tool_complete(self, eid: str, data: dict[str, Any], stamp: str | None, scope: str | None) -> None:
        call_id = as_str(data.get("toolCallId"))
        call = self.calls.get(call_id) if call_id else None
        result = as_dict(data.get("result"))
        error = data.get("error")
        failed = data.get("success") is False
        text = as_str(result.get("content"))
        if failed or not text:
            message = as_str(as_dict(error).get("message")) if isinstance(error, dict) else as_str(error)
            text = text or message
        meta: dict[str, Any] = {}
        detailed = opt_str(result.get("detailedContent"))
        if detailed and detailed != text and (call is None or call.edits or not text):
            # An edit's diff is worth keeping beside its one-line result; a view's detailedContent
            # is the same file again without line numbers, which would double what the bucket holds.
            meta["detailed"] = detailed
        model = opt_str(data.get("model"))
        self.note_model(model)
        self.add(
            eid,
            StepKind.TOOL_RESULT,
            "tool",
            text,
            stamp,
            scope or (call.subagent if call else None),
            tool=call.tool if call else None,
            tool_call_id=call_id or None,
            is_error=failed,
            meta=meta,
        )
        if call is None or not call_id:
            return
        self.answered.add(call_id)
        for edit in call.edits:
            if failed:
                edit.applied = False
                continue
            diff = next((d for d in (detailed, text) if d and "@@ -" in d), None)
            if diff and (call.tool or "").lower() != "apply_patch":  # a patch's hunks are its own
                edit.hunks = copilot_hunks(diff)

    def compaction(self, eid: str, data: dict[str, Any], stamp: str | None, scope: str | None) -> None:
        if data.get("success") is False:
            # A compaction that failed replaced nothing: what happened, not a boundary.
            error = data.get("error")
            why = as_str(as_dict(error).get("message")) if isinstance(error, dict) else as_str(error)
            failure = f"compaction failed: {why}" if why else "compaction failed"
            self.add(
                eid,
                StepKind.SYSTEM,
                "system",
                failure,
                stamp,
                scope,
                is_error=True,
                meta={"event": "compaction"},
            )
            return
        meta: dict[str, Any] = {}
        for key, out in (("checkpointNumber", "checkpoint_number"), ("preCompactionTokens", "tokens_before")):
            if isinstance(data.get(key), int):
                meta[out] = data[key]
        path = as_str(data.get("checkpointPath"))
        text = None
        if path:
            meta["checkpoint_path"] = path
            text = self.checkpoints.get(Path(path.replace("\\", "/")).name)
        number = data.get("checkpointNumber")
        if text is None and isinstance(number, int):
            text = next(
                (
                    t
                    for name, t in sorted(self.checkpoints.items())
                    if (m := _CHECKPOINT.search(name)) and int(m.group(1)) == number
                ),
                None,
            )
        if text is not None:
            meta["summary_from"] = "checkpoint"
        self.add(
            eid,
            StepKind.COMPACTION,
            "system",
            text if text is not None else as_str(data.get("summaryContent")),
            stamp,
            scope,
            meta=meta,
        )

    def subagent_started(self, eid: str, data: dict[str, Any], stamp: str | None) -> None:
        call_id = as_str(data.get("toolCallId")) or eid
        agent = self.agents.setdefault(call_id, _Agent(call_id))
        agent.name = opt_str(data.get("agentName")) or agent.name
        agent.description = opt_str(data.get("agentDescription")) or opt_str(data.get("agentDisplayName"))
        if isinstance(data.get("agentId"), str):
            self.agent_ids[data["agentId"]] = call_id
        call = self.calls.get(call_id)
        meta = {"agent_type": agent.name} if agent.name else {}
        agent.start = self.add(
            f"subagent:{call_id}:start",
            StepKind.SUBAGENT_START,
            "system",
            agent.description or "",
            stamp,
            call_id,
            meta=meta,
        )
        agent.start.parent = call.id if call is not None else None

    def subagent_ended(self, eid: str, kind: str, data: dict[str, Any], stamp: str | None) -> None:
        call_id = as_str(data.get("toolCallId")) or eid
        agent = self.agents.setdefault(call_id, _Agent(call_id, opt_str(data.get("agentName"))))
        agent.ended = True
        meta: dict[str, Any] = {}
        for key, out in (
            ("totalTokens", "total_tokens"),
            ("totalToolCalls", "tool_calls"),
            ("durationMs", "duration_ms"),
        ):
            if isinstance(data.get(key), int):
                meta[out] = data[key]
        if isinstance(data.get("model"), str):
            meta["model"] = data["model"]
        text = as_str(data.get("error")) if kind == "subagent.failed" else ""
        self.add(
            f"subagent:{call_id}:end",
            StepKind.SUBAGENT_END,
            "system",
            text,
            stamp,
            call_id,
            is_error=kind == "subagent.failed",
            meta=meta,
        )

    def shutdown_usage(self, eid: str, data: dict[str, Any], stamp: str | None) -> None:
        """Each model's usage of the run beyond the output its messages counted, as a step."""
        for model, metrics in as_dict(data.get("modelMetrics")).items():
            metrics = as_dict(metrics)
            usage = as_dict(metrics.get("usage"))
            read, write = as_count(usage.get("cacheReadTokens")), as_count(usage.get("cacheWriteTokens"))
            prompt = as_count(usage.get("inputTokens"))
            detail = as_dict(as_dict(metrics.get("tokenDetails")).get("input")).get("tokenCount")
            if type(detail) in (int, float) and as_count(detail) <= prompt:
                fresh = as_count(detail)
            else:  # a prompt smaller than its cached part cannot include it: then it is the rest
                fresh = prompt - read - write if prompt >= read + write else prompt
            output = max(0, as_count(usage.get("outputTokens")) - self.run_output.pop(model, 0))
            self.untotalled.pop(model, None)
            rest = Tokens(fresh, output, read, write)
            self.note_model(model)
            requests = as_dict(metrics.get("requests")).get("count")
            text = f"{model}: {as_count(requests)} requests" if type(requests) is int else model
            meta: dict[str, Any] = {"event": "session.shutdown"}
            if isinstance(data.get("shutdownType"), str):
                meta["shutdownType"] = data["shutdownType"]
            self.add(
                f"{eid}:usage:{model}", StepKind.SYSTEM, "system", text, stamp, None,
                model=model, tokens=rest, meta=meta,
            )

    # -- steps ---------------------------------------------------------------------------------

    def model_change(self, eid: str, data: dict[str, Any], stamp: str | None, scope: str | None) -> None:
        """A MODEL_CHANGE step, but for a change to the model and effort already set: each resume
        writes one naming the model in use. The session's first model change says what it ran on (its
        start rarely names a model) and stays, whatever it repeats."""
        new = opt_str(data.get("newModel")) or None
        self.note_model(new)
        before, first = self.chosen, not self.changed
        effort = opt_str(data.get("reasoningEffort")) or (before[1] if before else None)
        self.chosen, self.changed = (new or (before[0] if before else None), effort), True
        if not first and self.chosen == before:
            return
        meta = {k: data[k] for k in ("previousModel", "reasoningEffort") if isinstance(data.get(k), str)}
        self.add(eid, StepKind.MODEL_CHANGE, "system", new or "", stamp, scope, model=new, meta=meta)

    def note_model(self, model: str | None) -> None:
        if model:
            self.model = model
            self.models[model] = None

    def add(
        self, eid: str, kind: str, role: str, text: str, stamp: str | None, scope: str | None, **fields: Any
    ) -> Step:
        sid = eid
        n = 1
        while sid in self.ids:
            sid = f"{eid}:{n}"
            n += 1
        self.ids.add(sid)
        # A subagent's events interleave with the main thread's: each follows the last of its own.
        parent = self.last_in.get(scope, self.steps[-1].id if self.steps else None)
        step = Step(sid, len(self.steps), kind, role, text, stamp, parent=parent, subagent=scope, **fields)
        if self.cwd_now and "cwd" not in fields:
            step.cwd = self.cwd_now  # cleared in finish where it is the session's own
        self.last_in[scope] = sid
        self.steps.append(step)
        return step

    def skip(self, what: str) -> None:
        self.session.skipped[what] = self.session.skipped.get(what, 0) + 1

    # -- the whole session -----------------------------------------------------------------------

    def finish(self, workspace: dict[str, str], hosted: str | None = None) -> None:
        session = self.session
        context = as_dict(self.start.get("context"))
        session.id = session.id or workspace.get("id") or _id_from_path(session.source)
        session.cwd = opt_str(context.get("cwd")) or workspace.get("cwd") or None
        for step in self.steps:
            if step.cwd is not None and step.cwd == session.cwd:
                step.cwd = None
        branch = opt_str(context.get("branch")) or workspace.get("branch")
        commit = opt_str(context.get("headCommit"))
        remote = opt_str(context.get("repository")) or workspace.get("repository")
        host = opt_str(context.get("hostType")) or workspace.get("host_type")
        if remote and host == "github" and re.fullmatch(r"[\w.-]+/[\w.-]+", remote):
            remote = f"https://github.com/{remote}"  # `owner/name` on GitHub: as a clone's remote says it
        if branch or commit or remote:
            session.git = GitInfo(branch or None, commit, remote or None)
        version = opt_str(self.start.get("copilotVersion"))
        session.version = version if version and version != "unknown" else "copilot"
        # Subagent runs that never ended (the session stopped) still close.
        for call_id, agent in self.agents.items():
            if not agent.ended and agent.start is not None:
                last = next((s for s in reversed(self.steps) if s.subagent == call_id), agent.start)
                end = Step(
                    f"subagent:{call_id}:end",
                    0,
                    StepKind.SUBAGENT_END,
                    "system",
                    "",
                    last.timestamp,
                    parent=last.id,
                    subagent=call_id,
                    meta={"unfinished": True},
                )
                self.steps.insert(self.steps.index(last) + 1, end)
        for call_id, call in self.calls.items():
            if call_id not in self.answered:
                call.meta["no_result"] = True
        for i, step in enumerate(self.steps):
            step.index = i
        session.steps = self.steps
        session.subagents = [
            Subagent(
                call_id, a.name, a.description, self.calls[call_id].id if call_id in self.calls else None
            )
            for call_id, a in self.agents.items()
        ]
        # Output no shutdown totalled (a run still going, or resumed after its shutdown and never
        # shut down again): the requests' input is not in the log, so their price is a lower bound.
        for untotalled in self.untotalled.values():
            for step in untotalled:
                if step.tokens is not None:
                    step.tokens.partial = True
        for step in self.steps:
            if step.tokens is not None:
                session.tokens.add(step.tokens)
        session.models = list(self.models)
        for key in ("created_at", "updated_at"):
            if workspace.get(key):
                self.times.append(workspace[key])
        if self.times:
            session.started = min(self.times)
            session.ended = max(self.times)
        # Newer builds (1.0.5x) name the session (`name`, generated unless `user_named`) and keep no
        # `summary`; earlier ones wrote the first prompt as `summary`.
        named = [" ".join((hosted or "").split())]
        named += [" ".join(workspace.get(key, "").split()) for key in ("name", "summary")]
        session.title = titles.session_title(tuple(named), self.steps)
        session.hidden = titles.why_hidden(self.steps, session.tokens)


# --------------------------------------------------------------------------------------------
# Field helpers


def _user_meta(data: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    names = [
        as_str(as_dict(a).get("displayName")) or as_str(as_dict(a).get("path"))
        for a in as_list(data.get("attachments"))
    ]
    if any(names):
        meta["attachments"] = [n for n in names if n]
    for key, out in (("agentMode", "agent_mode"), ("source", "source")):
        if isinstance(data.get(key), str):
            meta[out] = data[key]
    return meta


def _arguments(value: Any) -> Any:
    """A call's arguments, parsed where a build wrote them as a JSON string (OpenAI-style)."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            pass
    return value


def _edits(name: str | None, arguments: Any) -> list[FileEdit]:
    tool = (name or "").lower()
    if tool == "apply_patch":
        # The built-in patch tool newer builds give GPT models: Codex's patch grammar, sent as the
        # raw text (a custom, grammar-based call) or inside the arguments.
        body = (
            arguments
            if isinstance(arguments, str)
            else next(
                (
                    v
                    for k in ("input", "patch", "patchText")
                    if isinstance(v := as_dict(arguments).get(k), str)
                ),
                None,
            )
        )
        return list(parse_patch(body)) if body else []
    args = as_dict(arguments)
    if tool not in EDIT_TOOLS or not args:
        return []
    path = opt_str(args.get("path")) or opt_str(args.get("file_path"))
    if not path:
        return []
    command = as_str(args.get("command")) if tool == "str_replace_editor" else tool
    if command == "create":
        return [FileEdit(path=path, op="create", content=opt_str(args.get("file_text")))]
    if command in ("edit", "str_replace"):
        return [
            FileEdit(
                path=path,
                op="update",
                old_string=opt_str(args.get("old_str")),
                new_string=opt_str(args.get("new_str")),
            )
        ]
    if command == "insert":
        return [FileEdit(path=path, op="update")]  # where it went is only in the result's diff
    if command == "write":
        return [FileEdit(path=path, op="write", content=opt_str(args.get("content")))]
    return []


def _yaml_scalars(text: str) -> dict[str, str]:
    """The top-level `key: value` scalars of workspace.yaml (the only shape Copilot writes). A long
    `summary` (the first prompt) is written over several lines: as a block (`|-` and indented lines)
    or as a quoted or plain scalar whose lines go on indented; they are folded as YAML folds them."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        i += 1
        if not raw or raw[0] in " \t#-":
            continue
        key, sep, value = raw.partition(":")
        if not sep:
            continue
        more: list[str] = []  # the value's own further lines: indented, or blank
        while i < len(lines) and (not lines[i].strip() or lines[i][0] in " \t"):
            more.append(lines[i])
            i += 1
        out[key.strip()] = _yaml_value(value.strip(), more)
    return out


def _yaml_value(first: str, more: list[str]) -> str:
    if first[:1] in ("|", ">"):
        body = [x.strip(" \t") and x for x in more]
        indent = min((len(x) - len(x.lstrip(" ")) for x in body if x), default=0)
        kept = [x[indent:] for x in body]
        text = "\n".join(kept) if first[0] == "|" else _folded(kept)
        return text.rstrip("\n") if "-" in first else text.rstrip("\n") + "\n"
    if first[:1] in ('"', "'") and not (len(first) >= 2 and first[-1] == first[0] and _closed(first)):
        first = _folded([first, *(x.strip() for x in more)])  # a quoted scalar over several lines
    elif first[:1] not in ('"', "'") and any(x.strip() for x in more):
        return _folded([first, *(x.strip() for x in more)]).strip()
    if len(first) >= 2 and first[0] == first[-1] == '"':
        try:
            # YAML's double-quoted escapes are JSON's, near enough; folded breaks are real ones
            return str(orjson.loads(first.replace("\n", "\\n").replace("\t", "\\t")))
        except orjson.JSONDecodeError:
            return first[1:-1].replace('\\"', '"')
    if len(first) >= 2 and first[0] == first[-1] == "'":
        return first[1:-1].replace("''", "'")
    return first


def _closed(quoted: str) -> bool:
    """Whether a one-line quoted scalar ends with its own closing quote (not an escaped one)."""
    if quoted[0] == "'":
        return (len(quoted) - len(quoted.rstrip("'"))) % 2 == 1 and len(quoted) > 1
    tail = quoted[1:-1]
    return (len(tail) - len(tail.rstrip("\\"))) % 2 == 0


def _folded(lines: list[str]) -> str:
    """YAML's line folding: a break between two lines is a space, each blank line a newline."""
    out = ""
    pending = 0  # blank lines since the last text line
    for n, line in enumerate(lines):
        if not line.strip():
            pending += 1
            continue
        if n and out:
            out += "\n" * pending if pending else ("" if out.endswith("\\") else " ")
        if out.endswith("\\") and not pending:
            out = out[:-1]  # an escaped line break joins the lines as they are
        out += line
        pending = 0
    return out


def _custom_title(log: RawLog, errors: list[LineError]) -> str | None:
    """`customTitle` of a `vscode.metadata.json`, or None (a document that is not JSON is said)."""
    try:
        doc = orjson.loads(log.data)
    except orjson.JSONDecodeError as e:
        errors.append(LineError(log.path, 1, f"not a valid JSON document: {e}"))
        return None
    title = doc.get("customTitle") if isinstance(doc, dict) else None
    return title if isinstance(title, str) else None


def _id_from_path(path: str) -> str:
    p = Path(path.replace("\\", "/"))
    if p.name == EVENTS:
        return p.parent.name
    return p.name.split("__")[-2] if _flat_prefix(p) else p.stem


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    # COPILOT_HOME moves the whole ~/.copilot folder; older builds honoured XDG_CONFIG_HOME.
    # The legacy `history-session-state/` is looked in only where it is left: no build writes it now.
    if env.get("COPILOT_HOME"):
        root = Path(env["COPILOT_HOME"])
        return [root / "session-state", *_legacy_folder(root)]
    folders = [home / ".copilot" / "session-state", *_legacy_folder(home / ".copilot")]
    if env.get("XDG_CONFIG_HOME"):
        folders.append(Path(env["XDG_CONFIG_HOME"]) / ".copilot" / "session-state")
    return folders


def _legacy_folder(root: Path) -> list[Path]:
    folder = root / LEGACY_FOLDER
    try:
        return [folder] if folder.is_dir() else []
    except OSError:
        return []


AGENT = Agent(
    name=NAME,
    label="Copilot CLI",
    # The patterns with a leading `*` also find flattened copies (…__<id>__workspace.yaml).
    # `session_*.json`: the legacy `history-session-state/session_<id>_<ms>.json` documents (a
    # narrow name, so no other JSON of a session folder is copied into the bucket).
    patterns=(
        "*.jsonl",
        "*" + WORKSPACE,
        "*" + VSCODE,
        "[0-9][0-9][0-9]-*.md",
        "*__checkpoints__[0-9][0-9][0-9]-*.md",
        "session_*.json",
        "*__session_*.json",
    ),
    folders=_folders,
    group=group,
    read=read,
    env=("COPILOT_HOME", "XDG_CONFIG_HOME"),
)
