"""Copilot CLI's events made into a session's steps: messages, tool calls, subagents, compactions
and usage (format: docs/formats/copilot.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracetui.model import GitInfo, Session, Step, StepKind, Subagent, Tokens, count_skipped
from tracetui.sources.common import titles
from tracetui.sources.common.coerce import as_count, as_dict, as_list, as_str, opt_str, parse_count
from tracetui.sources.common.git_branch import named_branch
from tracetui.sources.common.time_span import widen
from tracetui.sources.copilot.diff import copilot_hunks
from tracetui.sources.copilot.fields import _arguments, _edits, _user_meta
from tracetui.sources.copilot.files import _CHECKPOINT, _id_from_path
from tracetui.sources.copilot.notices import _INJECTED_SOURCES, _NOTICES, _QUIET, _SYSTEM


@dataclass(slots=True)
class _Agent:
    call_id: str
    name: str | None = None
    description: str | None = None
    start: Step | None = None
    ended: bool = False


@dataclass(frozen=True, slots=True)
class _Event:
    """One event as its handler reads it: its type, id, data, time and subagent (see `_Reader.scope`)."""

    kind: str
    eid: str
    data: dict[str, Any]
    stamp: str | None
    scope: str | None


@dataclass(slots=True)
class _Reader:
    session: Session
    checkpoints: dict[str, str]
    line: int = 0
    steps: list[Step] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    repeats: dict[str, int] = field(default_factory=dict)  # a repeated event id -> its next free `:N`
    models: dict[str, None] = field(default_factory=dict)
    # The earliest and the latest time, and the last event's: a list of every event's held a log of
    # two million events of kinds it skips until the session was built (some 80 bytes an event).
    times: list[str] = field(default_factory=list)
    last_time: str | None = None
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
    # 1.0.1xx's `session.usage_record`, one per request: apiCallId -> (model, usage) until its message
    # takes it; the ids read (a record written again counts once); model -> what they gave this run.
    # The usage counted per model this run and in the whole session, and the requests behind it: a
    # shutdown of 1.0.102 after a resume totals the whole session, not its run (`shutdown_usage`).
    request_usage: dict[str, tuple[str, Tokens]] = field(default_factory=dict)
    usage_records: set[str] = field(default_factory=set)
    run_usage: dict[str, Tokens] = field(default_factory=dict)
    all_usage: dict[str, Tokens] = field(default_factory=dict)
    run_requests: dict[str, int] = field(default_factory=dict)
    all_requests: dict[str, int] = field(default_factory=dict)
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
            widen(self.times, stamp)
            self.last_time = stamp
        scope = self.scope(record, data)
        if kind in ("session.start", "session.resume"):
            self.new_run()
        if kind == "subagent.started":
            # 1.0.102 writes the subagent's id on the event itself, as on every event of its own.
            agent = data.get("agentId") if isinstance(data.get("agentId"), str) else record.get("agentId")
            call_id = as_str(data.get("toolCallId")) or eid
            if isinstance(agent, str) and agent:
                self.agent_ids[agent] = call_id
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, _Event(kind, eid, data, stamp, scope))
        elif kind not in _QUIET:
            self.skip(kind or "(no type)")

    def session_start(self, ev: _Event) -> None:
        data = ev.data
        self.start = data
        self.session.id = self.session.id or as_str(data.get("sessionId"))
        self.note_model(opt_str(data.get("selectedModel")))
        effort = opt_str(data.get("reasoningEffort")) or None
        self.chosen = (opt_str(data.get("selectedModel")) or None, effort)

    def user_message(self, ev: _Event) -> None:
        data = ev.data
        self.reasoning_events.clear()
        self.reasoning_texts.clear()
        # A skill's text Copilot puts in the conversation after `skill.invoked` is a user message
        # whose source names the skill: the user typed none of it.
        source = data.get("source")
        injected = isinstance(source, str) and source.startswith(_INJECTED_SOURCES)
        self.add(
            ev.eid,
            StepKind.CONTEXT if injected else StepKind.USER,
            "user",
            as_str(data.get("content")),
            ev.stamp,
            ev.scope,
            meta=_user_meta(data),
        )

    def system_message(self, ev: _Event) -> None:
        data = ev.data
        self.add(
            ev.eid,
            StepKind.CONTEXT,
            "system",
            as_str(data.get("content")),
            ev.stamp,
            ev.scope,
            meta={"role": data["role"]} if isinstance(data.get("role"), str) else {},
        )

    def system_event(self, ev: _Event) -> None:
        """An info, warning, error or notification (`_SYSTEM`): a SYSTEM step."""
        kind, data = ev.kind, ev.data
        what, text = _SYSTEM[kind]
        meta = {"event": kind}
        # 1.0.102's notifications: `kind` an object named by its `type`, the model's text in `content`.
        named = data.get(what)
        named = as_dict(named).get("type") if isinstance(named, dict) else named
        if isinstance(named, str):
            meta[what] = named
        self.add(
            ev.eid,
            StepKind.SYSTEM,
            "system",
            as_str(data.get(text)) or as_str(data.get("content")),
            ev.stamp,
            ev.scope,
            is_error=kind == "session.error",
            meta=meta,
        )

    def mode_changed(self, ev: _Event) -> None:
        text = f"mode: {as_str(ev.data.get('previousMode'))} -> {as_str(ev.data.get('newMode'))}"
        self.add(ev.eid, StepKind.SYSTEM, "system", text, ev.stamp, ev.scope, meta={"event": ev.kind})

    def task_complete(self, ev: _Event) -> None:
        self.add(
            ev.eid,
            StepKind.SYSTEM,
            "system",
            as_str(ev.data.get("summary")),
            ev.stamp,
            ev.scope,
            meta={"event": ev.kind},
        )

    def reasoning(self, ev: _Event) -> None:
        text = as_str(ev.data.get("content"))
        if text.strip() and not self.reasoned(text, by_event=True):
            self.add(ev.eid, StepKind.REASONING, "assistant", text, ev.stamp, ev.scope, model=self.model)

    def user_requested(self, ev: _Event) -> None:
        # A command the user ran themselves (`!cmd`): the call is the user's, its result follows.
        data = ev.data
        call_id = as_str(data.get("toolCallId"))
        if not call_id or call_id not in self.calls:
            name, arguments = data.get("toolName"), data.get("arguments")
            step = self.call_step(ev.eid, name, call_id, arguments, ev.stamp, ev.scope, None)
            step.role = "user"
            step.meta["user_requested"] = True
            if call_id:
                self.calls[call_id] = step

    def skill(self, ev: _Event) -> None:
        """`skill.invoked`, or `skill.context_delivered`: a skill's text sent mid-turn."""
        keys = ("name", "path", "pluginName") if ev.kind == "skill.invoked" else ("source",)
        data = ev.data
        meta = {k: data[k] for k in keys if isinstance(data.get(k), str)}
        self.add(ev.eid, StepKind.CONTEXT, "user", as_str(data.get("content")), ev.stamp, ev.scope, meta=meta)

    def notice(self, ev: _Event) -> None:
        """Something that happened to the session (`_NOTICES`): a SYSTEM step."""
        kind, data = ev.kind, ev.data
        text, meta = _NOTICES[kind](data)
        meta["event"] = kind
        self.add(ev.eid, StepKind.SYSTEM, "system", text, ev.stamp, ev.scope, meta=meta)
        if kind == "session.context_changed" and isinstance(data.get("cwd"), str) and data["cwd"]:
            self.cwd_now = data["cwd"]

    def abort(self, ev: _Event) -> None:
        self.add(
            ev.eid,
            StepKind.SYSTEM,
            "system",
            as_str(ev.data.get("reason")) or "aborted",
            ev.stamp,
            ev.scope,
            meta={"event": ev.kind},
        )

    def hook_end(self, ev: _Event) -> None:
        """A hook that failed (`success: false`, 1.0.102's schema): a SYSTEM error step with what it
        said. One that succeeded is no step, as its `hook.start` is not."""
        data = ev.data
        if data.get("success") is not False:
            return
        hook = as_str(data.get("hookType"))
        said = as_str(as_dict(data.get("error")).get("message"))
        text = said or (f"{hook} hook failed" if hook else "hook failed")
        meta = {"event": ev.kind, "hook": hook} if hook else {"event": ev.kind}
        self.add(ev.eid, StepKind.SYSTEM, "system", text, ev.stamp, ev.scope, is_error=True, meta=meta)

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
        claimed = self.request_usage.pop(as_str(data.get("apiCallId")), None) if made else None
        if claimed is not None:  # the request's whole usage: its output too, so not counted below
            counted, tokens = claimed
            made[0].tokens = tokens
            self.counted(counted, tokens)
        elif isinstance(data.get("outputTokens"), int) and made:
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
        code = _exit_code(data, text) if call is not None and _SHELL.search(call.tool or "") else None
        if code is not None:
            meta["exit_code"] = code
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
        # The summary's own request (1.0.102): no usage record holds it and no shutdown totals it, and
        # it was spent whether the compaction was applied, failed or cancelled.
        tokens, model = _compaction_usage(data.get("compactionTokensUsed"))
        if model:
            self.models[model] = None
        used: dict[str, Any] = {"tokens": tokens, **({"model": model} if model else {})}
        if data.get("success") is False:
            # A compaction that did not apply replaced nothing: what happened, not a boundary. One the
            # run ended before (1.0.102's outcome "cancelled") is no failure.
            cancelled = data.get("outcome") == "cancelled"
            error = data.get("error")
            why = as_str(as_dict(error).get("message")) if isinstance(error, dict) else as_str(error)
            said = "compaction cancelled" if cancelled else "compaction failed"
            text = f"{said}: {why}" if why and not cancelled else said
            self.add(eid, StepKind.SYSTEM, "system", text, stamp, scope, is_error=not cancelled,
                     meta={"event": "compaction"}, **used)  # fmt: skip
            return
        self.applied_compaction(eid, data, stamp, scope, used)

    def applied_compaction(
        self, eid: str, data: dict[str, Any], stamp: str | None, scope: str | None, used: dict[str, Any]
    ) -> None:
        """A COMPACTION step: the checkpoint file it names when grouped with the session, else its
        `summaryContent`."""
        meta: dict[str, Any] = {}
        for key, out in (("checkpointNumber", "checkpoint_number"), ("preCompactionTokens", "tokens_before")):
            if isinstance(data.get(key), int):
                meta[out] = data[key]
        path = as_str(data.get("checkpointPath"))
        text: str | None = None
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
        summary = text if text is not None else as_str(data.get("summaryContent"))
        self.add(eid, StepKind.COMPACTION, "system", summary, stamp, scope, meta=meta, **used)

    def subagent_started(self, eid: str, data: dict[str, Any], stamp: str | None) -> None:
        call_id = as_str(data.get("toolCallId")) or eid
        agent = self.agents.setdefault(call_id, _Agent(call_id))
        agent.name = opt_str(data.get("agentName")) or agent.name
        agent.description = opt_str(data.get("agentDescription")) or opt_str(data.get("agentDisplayName"))
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

    def new_run(self) -> None:
        """A start or resume: a shutdown reports the run since then (or, 1.0.102, the whole session)."""
        self.run_output.clear()
        self.run_usage.clear()
        self.run_requests.clear()

    def shutdown(self, eid: str, data: dict[str, Any], stamp: str | None) -> None:
        if eid not in self.shutdowns:  # the same shutdown written again: its totals once
            self.shutdowns.add(eid)
            self.unclaimed_usage(stamp)
            self.shutdown_usage(eid, data, stamp)
        self.note_model(opt_str(data.get("currentModel")))

    def usage_record(self, data: dict[str, Any]) -> None:
        """One request's usage (1.0.1xx), kept for the message its `apiCallId` names."""
        usage = as_dict(data.get("usage"))
        call = as_str(usage.get("apiCallId")) or as_str(as_dict(usage.get("accounting")).get("usageId"))
        if not call or call in self.usage_records:
            return  # no id to match it by, or written again: a shutdown's totals still hold it
        self.usage_records.add(call)
        model = opt_str(usage.get("model")) or self.model or ""
        self.note_model(model or None)
        self.request_usage[call] = (model, _usage_tokens(usage))

    def unclaimed_usage(self, stamp: str | None) -> None:
        """Requests whose usage no message took (a request that failed or was stopped), each a step."""
        for call, (model, tokens) in self.request_usage.items():
            self.add(f"usage:{call}", StepKind.SYSTEM, "system", f"{model}: a request with no message",
                     stamp, None, model=model or None, tokens=tokens, meta={"event": "session.usage_record"})
            self.counted(model, tokens)
        self.request_usage.clear()

    def counted(self, model: str, tokens: Tokens) -> None:
        """One request's usage, from its record, counted on a step."""
        for usage, requests in ((self.run_usage, self.run_requests), (self.all_usage, self.all_requests)):
            usage.setdefault(model, Tokens()).add(tokens)
            requests[model] = requests.get(model, 0) + 1

    def shutdown_usage(self, eid: str, data: dict[str, Any], stamp: str | None) -> None:
        """Each model's usage of the run beyond what its messages and usage records counted, as a step."""
        for model, metrics in as_dict(data.get("modelMetrics")).items():
            metrics = as_dict(metrics)
            usage = as_dict(metrics.get("usage"))
            total = _usage_tokens(usage)
            detail = as_dict(as_dict(metrics.get("tokenDetails")).get("input")).get("tokenCount")
            if type(detail) in (int, float) and as_count(detail) <= as_count(usage.get("inputTokens")):
                total.input = as_count(detail)  # the uncached input as the shutdown counts it itself
            fresh, read, write = total.input, total.cache_read, total.cache_write
            output = max(0, total.output - self.run_output.pop(model, 0))
            self.untotalled.pop(model, None)
            requests = as_dict(metrics.get("requests")).get("count")
            # Totals of the whole session, not the run, where the requests they count are all the
            # session's records and more than this run's (1.0.102 after a resume).
            before = self.all_requests.get(model, 0)
            whole = before > self.run_requests.get(model, 0) and requests == before
            seen = (self.all_usage if whole else self.run_usage).get(model, Tokens())
            self.run_usage.pop(model, None)
            rest = Tokens(max(0, fresh - seen.input), max(0, output - seen.output),
                          max(0, read - seen.cache_read), max(0, write - seen.cache_write))
            self.all_usage.setdefault(model, Tokens()).add(rest)
            self.note_model(model)
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
        start rarely names a model) and stays, whatever it repeats. A subagent's (1.0.102 sets its model
        and effort as it starts) is a step of its own and leaves the session's setting as it was."""
        new = opt_str(data.get("newModel")) or None
        if scope is not None:
            if new:
                self.models[new] = None
            meta = {k: data[k] for k in ("previousModel", "reasoningEffort") if isinstance(data.get(k), str)}
            self.add(eid, StepKind.MODEL_CHANGE, "system", new or "", stamp, scope, model=new, meta=meta)
            return
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
        if sid in self.ids:
            # The first free `eid:N`, looked for from where the last repeat of this id stopped: from 1
            # each time, 20,000 events of one id (a hostile log) cost 2·10⁸ probes.
            n = self.repeats.get(eid, 1)
            while (sid := f"{eid}:{n}") in self.ids:
                n += 1
            self.repeats[eid] = n + 1
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
        count_skipped(self.session.skipped, what)

    # -- the whole session -----------------------------------------------------------------------

    def finish(self, workspace: dict[str, str], hosted: str | None = None) -> None:
        session = self.session
        self.unclaimed_usage(self.last_time)
        context = as_dict(self.start.get("context"))
        session.id = session.id or workspace.get("id") or _id_from_path(session.source)
        session.cwd = opt_str(context.get("cwd")) or workspace.get("cwd") or None
        for step in self.steps:
            if step.cwd is not None and step.cwd == session.cwd:
                step.cwd = None
        branch = named_branch(opt_str(context.get("branch")) or workspace.get("branch"))
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
                widen(self.times, workspace[key])
        if self.times:
            session.started = min(self.times)
            session.ended = max(self.times)
        # Newer builds (1.0.5x) name the session (`name`, generated unless `user_named`) and keep no
        # `summary`; earlier ones wrote the first prompt as `summary`.
        named = [" ".join((hosted or "").split())]
        named += [" ".join(workspace.get(key, "").split()) for key in ("name", "summary")]
        session.title = titles.session_title(tuple(named), self.steps)
        session.hidden = titles.why_hidden(self.steps, session.tokens)


# Each event type's handler. The types of `_SYSTEM`, of `_NOTICES` and those named here are apart;
# a type in none is skipped unless `_QUIET` (`session.resume` only starts a new run).
_HANDLERS: dict[str, Callable[[_Reader, _Event], None]] = {
    "session.start": _Reader.session_start,
    "user.message": _Reader.user_message,
    "system.message": _Reader.system_message,
    "assistant.message": lambda r, ev: r.assistant(ev.eid, ev.data, ev.stamp, ev.scope),
    "tool.execution_start": lambda r, ev: r.tool_start(ev.eid, ev.data, ev.stamp, ev.scope),
    "tool.execution_complete": lambda r, ev: r.tool_complete(ev.eid, ev.data, ev.stamp, ev.scope),
    "session.model_change": lambda r, ev: r.model_change(ev.eid, ev.data, ev.stamp, ev.scope),
    "session.compaction_complete": lambda r, ev: r.compaction(ev.eid, ev.data, ev.stamp, ev.scope),
    "subagent.started": lambda r, ev: r.subagent_started(ev.eid, ev.data, ev.stamp),
    "subagent.completed": lambda r, ev: r.subagent_ended(ev.eid, ev.kind, ev.data, ev.stamp),
    "subagent.failed": lambda r, ev: r.subagent_ended(ev.eid, ev.kind, ev.data, ev.stamp),
    "session.usage_record": lambda r, ev: r.usage_record(ev.data),
    "session.shutdown": lambda r, ev: r.shutdown(ev.eid, ev.data, ev.stamp),
    **{kind: _Reader.system_event for kind in _SYSTEM},
    "session.mode_changed": _Reader.mode_changed,
    "session.task_complete": _Reader.task_complete,
    "assistant.reasoning": _Reader.reasoning,
    "tool.user_requested": _Reader.user_requested,
    "skill.invoked": _Reader.skill,
    "skill.context_delivered": _Reader.skill,
    **{kind: _Reader.notice for kind in _NOTICES},
    "abort": _Reader.abort,
    "hook.end": _Reader.hook_end,
}


def _compaction_usage(used: Any) -> tuple[Tokens | None, str | None]:
    """A compaction's `compactionTokensUsed`: its request's tokens (None where it counts none) and model."""
    if not isinstance(used, dict):
        return None, None
    tokens = _usage_tokens(used)
    counted = any((tokens.input, tokens.output, tokens.cache_read, tokens.cache_write))
    return (tokens if counted else None), opt_str(used.get("model")) or None


def _usage_tokens(usage: dict[str, Any]) -> Tokens:
    """A usage record's or a shutdown's tokens: `inputTokens` holds the cached part (a prompt smaller
    than its cached part cannot include it: then it is the rest)."""
    read, write = as_count(usage.get("cacheReadTokens")), as_count(usage.get("cacheWriteTokens"))
    prompt = as_count(usage.get("inputTokens"))
    fresh = prompt - read - write if prompt >= read + write else prompt
    return Tokens(fresh, as_count(usage.get("outputTokens")), read, write)


# A shell tool's result ends with the exit status Copilot's shell wrapper appends: `<exited with exit
# code N>` (1.0.1x) or `<shellId: S completed with exit code N>` (1.0.10x, which also writes
# `shellExecution.exitCode`). A command that fails is still `success: true`.
_SHELL = re.compile(r"bash|powershell|shell", re.IGNORECASE)
_EXIT_MARK = re.compile(r"<(?:exited|shellId: [^<>\n]{1,40} completed) with exit code (-?\d{1,13})>\s*\Z")


def _exit_code(data: dict[str, Any], text: str) -> int | None:
    """The exit status of a shell call's command, where the event records it."""
    code = as_dict(data.get("shellExecution")).get("exitCode")
    if type(code) is int:
        return parse_count(str(code))
    mark = _EXIT_MARK.search(text[-200:])
    return parse_count(mark.group(1)) if mark else None
