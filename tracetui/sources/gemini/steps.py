"""A replayed Gemini CLI conversation made into a session's steps: prompts, answers, tool calls,
subagents (format: docs/formats/gemini.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from tracetui.model import Session, Step, StepKind, Subagent, count_skipped
from tracetui.sources.common import titles
from tracetui.sources.common.coerce import as_dict, as_list, as_moment, as_str, opt_str
from tracetui.sources.common.jsonl import guarded, loads_within_depth
from tracetui.sources.common.model_switch import with_switches
from tracetui.sources.common.time_span import widen
from tracetui.sources.gemini.parts import (
    ASSISTANT_TYPES,
    SYSTEM_TYPES,
    _edits,
    _own_responses,
    _parts_text,
    _response_text,
    _tokens,
    _without_calls,
)
from tracetui.sources.gemini.project import _cwd, _first, _own_root
from tracetui.sources.gemini.replay import _Compaction, _Conversation, _Dropped
from tracetui.sources.gemini.shell import SHELL_TOOLS, shell_exit


# Tools whose call runs a subagent (the parent's side of it).
SUBAGENT_TOOLS = frozenset({"delegate_to_agent", "codebase_investigator", "cli_help", "invoke_agent"})


_WORKSPACE_NOTICE = re.compile(r"Current workspace directories:\s*\n-\s*(.+)")


# The `<session_context>` part mid-2026 builds open a session with: its first workspace directory.
_WORKSPACE_CONTEXT = re.compile(r"\*\*Workspace Directories:\*\*[ \t]*\r?\n[ \t]*-[ \t]+([^\r\n]+)")


@dataclass(slots=True)
class _Agent:
    id: str
    call: Step | None = None
    steps: list[Step] = field(default_factory=list)
    name: str | None = None
    description: str | None = None
    source: str | None = None
    has_transcript: bool = False


class _Reader:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.steps: list[Step] = []
        self.ids: set[str] = set()
        self.repeats: dict[str, int] = {}  # a repeated id -> the `#N` its next repeat tries first
        self.models: dict[str, None] = {}
        self.times: list[str] = []  # the earliest and the latest timestamp, once there is one
        self.calls: dict[str, Step] = {}  # call id -> call step
        self.results: set[str] = set()  # call ids that have a result step
        self.agents: dict[str, _Agent] = {}
        self.paths: list[tuple[str, str]] = []  # (path argument, absolute filePath) for the cwd
        self.notice_cwd: str | None = None  # from a "Current workspace directories" notice
        self.context_cwd: str | None = None  # from the workspace directories a <session_context> lists
        self.line = 0  # the line the message being read was first written on

    # -- one conversation --------------------------------------------------------------------

    def conversation(self, conv: _Conversation, agent: str | None) -> list[Step]:
        out: list[Step] = []
        last_step: dict[str | _Dropped, str | None] = {}  # message id -> its last step (or its parent's)
        compaction_steps: dict[int, Step] = {}
        for event in conv.events:
            if isinstance(event, _Compaction):
                parent = last_step.get(event.after) if event.after else None
                step = self.add(
                    out,
                    f"compaction@L{event.line}",
                    StepKind.COMPACTION,
                    "system",
                    event.summary,
                    event.timestamp,
                    parent=parent,
                    subagent=agent,
                    meta={"folded_messages": event.folded},
                )
                if event.first_kept:  # what the context pane shows after it, as for Pi
                    step.meta["first_kept_entry_id"] = event.first_kept
                compaction_steps[id(event)] = step
                continue
            before = conv.parent.get(event)
            if isinstance(before, _Compaction):
                parent = compaction_steps[id(before)].id
            elif isinstance(before, str) and before in conv.folded:
                parent = compaction_steps[id(conv.folded[before])].id
            else:
                parent = last_step.get(before) if before else None
            if isinstance(event, _Dropped):  # what `message` would have made of them: no step
                for stamp in event.times:
                    widen(self.times, stamp)
                for what, count in event.skipped.items():
                    count_skipped(self.session.skipped, what, count)
                last_step[event] = parent
                continue
            record = conv.records[event]
            if event in conv.folded:
                last_step[event] = compaction_steps[id(conv.folded[event])].id
                continue
            first = len(out)
            self.line = conv.lines.get(event, 0)
            with guarded(self.session.errors, self.session.source, self.line):
                self.message(out, event, record, agent)
            made = out[first:]
            if made:
                made[0].parent = parent
                for a, b in zip(made, made[1:]):
                    b.parent = a.id
                if event in conv.rewound:
                    for step in made:
                        step.active = False
            last_step[event] = made[-1].id if made else parent
        return out

    def message(self, out: list[Step], mid: str, record: dict[str, Any], agent: str | None) -> None:
        kind = as_str(record.get("type"))
        stamp = opt_str(record.get("timestamp"))
        if stamp:
            widen(self.times, stamp)
        if kind == "user":
            self.user(out, mid, record, stamp, agent)
        elif kind in ASSISTANT_TYPES:
            self.assistant(out, mid, record, stamp, agent)
        elif kind in SYSTEM_TYPES:
            text = _parts_text(record.get("content"))
            found = _WORKSPACE_NOTICE.search(text) if kind == "info" and self.notice_cwd is None else None
            if found:
                self.notice_cwd = found.group(1).strip()
            meta = {"level": kind}
            error = kind == "error"
            self.add(out, mid, StepKind.SYSTEM, "system", text, stamp, subagent=agent, is_error=error,
                     meta=meta)  # fmt: skip
        else:
            # A type this reader does not know: its text is kept as a SYSTEM step, not dropped.
            text = _parts_text(record.get("content"))
            if not text.strip():
                self.skip(f"message/{kind}" if kind else "message/(no type)")
                return
            meta = {"type": kind} if kind else {}
            self.add(out, mid, StepKind.SYSTEM, "system", text, stamp, subagent=agent, meta=meta)

    def user(
        self, out: list[Step], mid: str, record: dict[str, Any], stamp: str | None, agent: str | None
    ) -> None:
        content = record.get("content")
        parts = as_list(content)
        responses = _responses(parts)
        if responses:
            # Tool results sent back in a user turn (late-2026 files): only those no call record
            # already carries, so no result shows twice. Text beside them is still the user's.
            theirs = {id(p) for group in responses for p in group}
            content = [p for p in parts if id(p) not in theirs]
        for n, group in enumerate(responses):
            response = as_dict(group[0].get("functionResponse"))
            call_id = as_str(response.get("id"))
            if call_id and call_id in self.results:
                continue
            text, failed = _response_text(group)
            tool = opt_str(response.get("name"))
            meta: dict[str, Any] = {}
            _exit_status(tool, text, meta)
            self.add(
                out,
                f"{mid}:result:{call_id or n}",
                StepKind.TOOL_RESULT,
                "tool",
                text,
                stamp,
                tool=tool,
                tool_call_id=call_id or None,
                is_error=failed,
                subagent=agent,
                meta=meta,
            )
            if call_id:
                self.results.add(call_id)
                if call_id in self.calls:
                    self.calls[call_id].meta.pop("no_result", None)
        shown = record.get("displayContent")
        text = _parts_text(shown if shown is not None and not responses else content)
        if responses and not text.strip():
            return
        kind = StepKind.CONTEXT if text.lstrip().startswith("<session_context>") else StepKind.USER
        if kind == StepKind.CONTEXT and self.context_cwd is None:
            found = _WORKSPACE_CONTEXT.search(text)
            self.context_cwd = found.group(1).strip() if found else None
        self.add(out, mid, kind, "user", text, stamp, subagent=agent)
        sent = as_list(content)
        typed = len(shown) if isinstance(shown, list) else 0
        if typed and not responses and len(sent) > typed and sent[:typed] == shown:
            # What was sent after the words typed (`@file` references' contents): the model read it.
            extra = _parts_text(sent[typed:])
            if extra.strip():
                self.add(out, f"{mid}:referenced", StepKind.CONTEXT, "user", extra, stamp, subagent=agent)

    def assistant(
        self, out: list[Step], mid: str, record: dict[str, Any], stamp: str | None, agent: str | None
    ) -> None:
        model = opt_str(record.get("model")) or None
        if model:
            self.models[model] = None
        first = len(out)
        thoughts = [t for t in as_list(record.get("thoughts")) if isinstance(t, dict)]
        if thoughts:
            text = "\n\n".join(
                "\n".join(
                    x for x in (as_str(t.get("subject")).strip(), as_str(t.get("description")).strip()) if x
                )
                for t in thoughts
            )
            self.add(
                out,
                f"{mid}:reasoning",
                StepKind.REASONING,
                "assistant",
                text,
                opt_str(thoughts[0].get("timestamp")) or stamp,
                model=model,
                subagent=agent,
            )
        calls = [c for c in as_list(record.get("toolCalls")) if isinstance(c, dict)]
        text = _parts_text(_without_calls(record.get("content"), calls))
        if text.strip() or not (thoughts or calls):
            self.add(out, mid, StepKind.ASSISTANT, "assistant", text, stamp, model=model, subagent=agent)
        for n, call in enumerate(calls):
            # A message can hold many calls: a mistake on one costs that call, not its neighbours.
            with guarded(self.session.errors, self.session.source, self.line):
                self.tool_call(out, mid, n, call, stamp, model, agent)
        tokens = _tokens(record.get("tokens"))
        if tokens is not None:
            tokens.partial = _gathered(calls)
            self.session.tokens.add(tokens)
            if len(out) > first:
                out[first].tokens = tokens

    def tool_call(
        self,
        out: list[Step],
        mid: str,
        n: int,
        call: dict[str, Any],
        stamp: str | None,
        model: str | None,
        agent: str | None,
    ) -> None:
        call_id = as_str(call.get("id")) or f"#{n}"
        name = opt_str(call.get("name"))
        args = call.get("args")
        if isinstance(args, str) and args.lstrip().startswith("{"):  # arguments written as a JSON string
            try:
                args = loads_within_depth(args)
            except orjson.JSONDecodeError:
                pass
        when = opt_str(call.get("timestamp")) or stamp
        status = as_str(call.get("status"))
        display = call.get("resultDisplay")
        step = self.add(
            out,
            f"{mid}:call:{call_id}",
            StepKind.TOOL_CALL,
            "assistant",
            "",
            when,
            tool=name,
            tool_call_id=call_id,
            tool_input=args,
            model=model,
            subagent=agent,
        )
        if status:
            step.meta["status"] = status
        if isinstance(call.get("description"), str) and call["description"]:
            step.meta["description"] = call["description"]
        step.edits = _edits(name, as_dict(args), display, status)
        for edit in step.edits:
            relative = as_str(as_dict(args).get("file_path"))
            if relative and edit.path != relative:
                self.paths.append((relative, edit.path))
        for edit in step.edits:
            self.paths.append((edit.path, edit.path))
        self.calls[call_id] = step
        sub_id = opt_str(call.get("agentId"))
        if sub_id or (name or "").lower() in SUBAGENT_TOOLS:
            key = sub_id or f"call:{call_id}"
            found = self.agents.setdefault(key, _Agent(key))
            found.call = step
            a = as_dict(args)
            found.name = found.name or opt_str(a.get("agent_name")) or name
            found.description = (
                found.description
                or opt_str(a.get("question"))
                or opt_str(a.get("objective"))
                or opt_str(a.get("prompt"))  # invoke_agent, the newer single subagent tool
            )
        result = call.get("result")
        if result is None:
            # Not answered in this record: a later user turn may carry it, or the session ended.
            step.meta["no_result"] = True
            return
        text, failed = _response_text(_own_responses(result, call_id))
        if not text and isinstance(display, str):
            text = display
        failed = failed or status not in ("", "success")
        meta: dict[str, Any] = {"status": status} if status and status != "success" else {}
        _exit_status(name, text, meta)
        self.add(
            out,
            f"{mid}:result:{call_id}",
            StepKind.TOOL_RESULT,
            "tool",
            text,
            when,
            tool=name,
            tool_call_id=call_id,
            is_error=failed,
            subagent=agent,
            meta=meta,
        )
        self.results.add(call_id)

    def subagent_transcript(self, sid: str, conv: _Conversation, path: str) -> None:
        found = self.agents.setdefault(sid, _Agent(sid))
        found.has_transcript = True
        found.source = path
        found.steps = self.conversation(conv, sid)
        if not found.name and isinstance(conv.meta.get("kind"), str):
            found.name = conv.meta["kind"]

    # -- the whole session ---------------------------------------------------------------------

    def finish(self, conv: _Conversation, project_root: str | None = None) -> None:
        session = self.session
        main = [s for s in self.steps if s.subagent is None]
        placed: dict[str, list[_Agent]] = {}
        loose: list[_Agent] = []
        for agent in self.agents.values():
            if agent.call is not None and agent.call.subagent is None:
                placed.setdefault(agent.call.id, []).append(agent)
            else:
                loose.append(agent)
        ordered: list[Step] = []
        for step in main:
            ordered.append(step)
            if step.kind == StepKind.TOOL_RESULT and step.tool_call_id:
                call = self.calls.get(step.tool_call_id)
                for agent in placed.pop(call.id, []) if call is not None else []:
                    ordered.extend(self._run(agent))
        for agents in placed.values():
            loose.extend(agents)
        for agent in loose:
            ordered.extend(self._run(agent))
        ordered = with_switches(ordered)  # Gemini CLI logs no change of model (`-m` on a resume)
        for i, step in enumerate(ordered):
            step.index = i
        session.steps = ordered
        session.subagents = [
            Subagent(a.id, a.name, a.description, a.call.id if a.call else None, a.source)
            for a in self.agents.values()
        ]
        session.models = list(self.models)
        meta = conv.meta
        for key in ("startTime", "lastUpdated"):
            if isinstance(meta.get(key), str):
                widen(self.times, meta[key])
        if self.times:
            session.started = min(self.times)
            session.ended = max(self.times)
        project_hash = as_str(meta.get("projectHash"))
        session.cwd = (
            _cwd(project_hash, self.paths)
            or _first(meta.get("directories"))
            or self.context_cwd
            or self.notice_cwd
            or _own_root(project_root, project_hash)
        )
        summary = " ".join(as_str(meta.get("summary")).split())
        session.title = titles.session_title((summary,), ordered)

    def _run(self, agent: _Agent) -> list[Step]:
        meta: dict[str, Any] = {}
        if agent.name:
            meta["agent_type"] = agent.name
        if not agent.has_transcript:
            meta["transcript"] = "missing"
        when = agent.steps[0].timestamp if agent.steps else agent.call.timestamp if agent.call else None
        start = Step(
            f"subagent:{agent.id}:start",
            0,
            StepKind.SUBAGENT_START,
            "system",
            agent.description or "",
            timestamp=when,
            parent=agent.call.id if agent.call else None,
            subagent=agent.id,
            meta=meta,
        )
        if agent.steps and agent.steps[0].parent is None:
            agent.steps[0].parent = start.id
        end = Step(
            f"subagent:{agent.id}:end",
            0,
            StepKind.SUBAGENT_END,
            "system",
            "",
            timestamp=agent.steps[-1].timestamp if agent.steps else when,
            parent=agent.steps[-1].id if agent.steps else start.id,
            subagent=agent.id,
        )
        return [start, *agent.steps, end]

    # -- steps ---------------------------------------------------------------------------------

    def add(
        self, out: list[Step], sid: str, kind: str, role: str, text: str, stamp: str | None, **fields: Any
    ) -> Step:
        if sid in self.ids:  # a repeated id (a hostile or damaged log) must not merge two steps
            # From where the last repeat of this id stopped: from 2 each time, one message of 20,000
            # tool calls of one id took 45 s.
            base, n = sid, self.repeats.get(sid, 2)
            while (sid := f"{base}#{n}") in self.ids:
                n += 1
            self.repeats[base] = n + 1
        self.ids.add(sid)
        step = Step(sid, len(self.steps), kind, role, text, stamp, **fields)
        self.steps.append(step)
        out.append(step)
        return step

    def skip(self, what: str) -> None:
        count_skipped(self.session.skipped, what)


def _exit_status(tool: str | None, text: str, meta: dict[str, Any]) -> None:
    """A shell result's exit status into `meta["exit_code"]`, for a test run's label. The step's
    failure stays the record's status, as for OpenCode and Copilot CLI: Gemini CLI calls any command
    that ran a success."""
    if tool in SHELL_TOOLS:
        code = shell_exit(text)
        if code is not None:
            meta["exit_code"] = code


# One response's calls are stamped together, within a few milliseconds; the next response's come a
# model's answer later.
GATHERED_GAP_SECONDS = 0.05
MAX_STAMPS = 256  # a message's call stamps looked at: a hostile one of millions costs no more


def _gathered(calls: list[dict[str, Any]]) -> bool:
    """Whether a message's calls came from more than one model response: 0.1x-0.2x's single-JSON
    files gather each response's calls into one message until one answers in words, and keep the
    first response's tokens, so the message's usage is a lower bound. docs/formats/gemini.md."""
    moments = sorted(m for m in (as_moment(c.get("timestamp")) for c in calls[:MAX_STAMPS]) if m is not None)
    return any((b - a).total_seconds() > GATHERED_GAP_SECONDS for a, b in zip(moments, moments[1:]))


def _responses(parts: list[Any]) -> list[list[dict[str, Any]]]:
    """The tool responses of a user turn, each with the binary parts after it: Gemini CLI sends a
    tool's image or PDF output as `inlineData` right after its `functionResponse` (0.61.0)."""
    groups: list[list[dict[str, Any]]] = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        if "functionResponse" in part:
            groups.append([part])
        elif groups and ("inlineData" in part or "fileData" in part):
            groups[-1].append(part)
    return groups
