"""Claude Code records into steps: one step per content block of each conversation line.

Format and choices: docs/formats/claude.md. In short: a streamed response's
usage is counted once per (`message.id`, `requestId`), taking the largest value per field; step ids
are the line's `uuid`, then `<uuid>:<n>`; `turn_duration` lines give no step, `stop_hook_summary`
only when a hook failed or stopped the turn and no step already says so (a failed hook's own
`hook_non_blocking_error` attachment, 2.1.x, is a SYSTEM step with what it printed, not context: the
model never sees it); a model switch gives a MODEL_CHANGE step.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import orjson

from tracetui.model import COPIED, LineError, LineErrors, Step, StepKind, Tokens, count_skipped
from tracetui.sources import RawLog
from tracetui.sources.claude import files as claude_files
from tracetui.sources.claude.attachments import (
    PROMPT_SNAPSHOT, attachment_context, sent_nothing, system_prompt,
)
from tracetui.sources.claude.lines import AgentRun, Line
from tracetui.sources.claude.markers import (
    COMMAND_PREFIXES,
    CONTEXT_PREFIXES,
    INTERRUPTED_PREFIX,
    KNOWN_NON_STEP,
    LINE_TYPES,
    command_name,
    error_summary,
    has_tool_result,
    in_the_chain,
    is_compaction_line,
)
from tracetui.sources.claude.subagents import Subagents
from tracetui.sources.claude.usage import CostMark, cost_mark, mark_mid_stream, max_into, response_tokens
from tracetui.sources.claude.tools import (
    SPAWN_TOOLS,
    edits_from_input,
    refine_edits,
    result_meta,
    result_text,
    spawned_agent_id,
)
from tracetui.sources.common.coerce import as_str, opt_str
from tracetui.sources.common.jsonl import guarded, iter_entries

SYNTHETIC_MODEL = "<synthetic>"
# A hook that failed without stopping anything (2.1.x attachment type).
HOOK_FAILED = "hook_non_blocking_error"

# The prompts kept of those queued before a transcript's first step (it rarely holds more than one).
MAX_QUEUED_FIRST = 64
# The longest id a fork's mark may name: Claude Code's are UUIDs; a longer value is no id.
_MAX_ID = 200


@dataclass(slots=True)
class FilePart:
    """Where a read of one file starts: its bytes from there, their first line's number, and what
    the lines before left (uuid -> line; each conversation's last non-progress line by id(scope))."""

    data: bytes
    first_line: int = 1
    by_uuid: dict[str, Line] = field(default_factory=dict)
    prev: dict[int, Line] = field(default_factory=dict)


class Reader:
    def __init__(self, main: RawLog) -> None:
        self.main = main
        # A subagent file read as a session of its own: all of its lines are the main conversation.
        self.main_is_agent = claude_files.is_agent_file(main.path)
        self.by_id: dict[str, Step] = {}
        self.errors: LineErrors = LineErrors()
        self.skipped: dict[str, int] = {}
        self.lines: list[Line] = []
        self.runs = Subagents()
        self.calls: dict[str, Step] = {}  # tool_use id -> call step
        # Results logged before their call (2.1.x writes a tool's result line ahead of the assistant
        # line that called it at times): tool_use id -> (result step, toolUseResult, text, is_error),
        # settled when the call's line comes.
        self.waiting: dict[str, tuple[Step, Any, str, bool]] = {}
        self.tokens: dict[tuple[Any, ...], Tokens] = {}
        self.models: list[str] = []
        self.last_model: dict[str | None, str] = {}
        self.pending_compaction: dict[str | None, Step | None] = {}
        self.last_prompt: dict[str | None, str] = {}  # scope -> digest of the system prompt last shown
        self.costs: list[CostMark] = []  # the first and the last `cost-state` (usage.py)
        self.custom_title: str | None = None  # the user's /rename; the last one wins
        self.ai_title: str | None = None  # the title Claude Code wrote; the last one wins
        self.summaries: list[tuple[str, str | None]] = []  # the main file's (summary, leafUuid)
        # Prompts typed while the agent worked, not yet sent or taken; taken from the front (a list's
        # pop(0) made a log of 200,000 queue operations cost seconds).
        self.queue: deque[str] = deque()
        self.steering: list[list[Any]] = []  # [text, timestamp, line] taken mid-turn, to place
        # [text, timestamp, line] of the prompts queued before the conversation's first step: all a
        # transcript holds whose run ended before its prompt reached the conversation (`queued_only`).
        self.queued_first: list[list[Any]] = []
        self.session_id: str | None = None
        self.cwd: str | None = None
        self.version: str | None = None
        self.branch: str | None = None
        self.first_ts: str | None = None
        self.last_ts: str | None = None
        # A fork (`/branch`, `--fork-session`): the session its first `forkedFrom` names, and the time
        # of the main file's first record it did not copy (the fork's own part: see `_fork_copy`).
        self.fork_parent: str | None = None
        self.fork_own_ts: str | None = None

    # -- reading files ---------------------------------------------------------------------------

    def read_file(
        self,
        log: RawLog,
        agent: AgentRun | None,
        main_uuids: dict[str, Line] | None,
        part: FilePart | None = None,
    ) -> dict[str, Line]:
        """Turn one file's records into lines (and steps). Returns the file's uuid -> line map.
        With `part`, only the lines of `part.data` (from `part.first_line` on), going on from what
        `part` holds of the lines read before (a resumed read)."""
        if part is None:
            part = FilePart(log.data)
        by_uuid = part.by_uuid
        prev = part.prev  # id(scope) -> last non-progress line of that conversation
        is_main = agent is None
        records = iter_entries(log.path, part.data, self.errors, first_line=part.first_line)
        no = 0
        # A record the code below fails on is reported and skipped (see `unreadable`); the for loop
        # then resumes the same generator at the next record.
        while True:
            with guarded(self.errors, log.path, lambda: no):  # noqa: B023 (late binding: the failing line)
                for no, _position, rec in records:
                    kind = rec.get("type")
                    if not isinstance(kind, str):
                        kind = None
                    ts = rec.get("timestamp")
                    if isinstance(ts, str) and ts:
                        if self.first_ts is None or ts < self.first_ts:
                            self.first_ts = ts
                        if self.last_ts is None or ts > self.last_ts:
                            self.last_ts = ts
                    copy = None
                    if is_main:
                        self._note_session_facts(rec)
                        copy = self._fork_copy(rec, ts)
                    if kind not in LINE_TYPES:
                        if kind == "custom-title" and isinstance(rec.get("customTitle"), str):
                            self.custom_title = rec["customTitle"]
                        elif kind == "ai-title" and is_main and isinstance(rec.get("aiTitle"), str):
                            self.ai_title = rec["aiTitle"]
                        elif kind == "summary" and is_main and isinstance(rec.get("summary"), str):
                            self.summaries.append((rec["summary"], opt_str(rec.get("leafUuid"))))
                        elif kind == "queue-operation" and is_main:
                            self._queue_operation(rec, no)
                        elif kind == "cost-state" and is_main and (mark := cost_mark(rec, self.last_ts, no)):
                            self.costs = [self.costs[0] if self.costs else mark, mark]
                        elif kind not in KNOWN_NON_STEP:
                            count_skipped(self.skipped, kind if isinstance(kind, str) else "<no type>")
                            if in_the_chain(rec):
                                kind = "progress"  # a later build's line: no step, but a link
                        if kind != "progress":
                            continue
                    uuid = rec.get("uuid")
                    if not isinstance(uuid, str):
                        uuid = None
                    if uuid is not None:
                        if uuid in by_uuid:
                            continue  # the same line written twice
                        if main_uuids is not None and uuid in main_uuids:
                            # A subagent replaying its parent's conversation: no new steps, but the copy can
                            # carry a response's final usage where the parent's line has a streaming count.
                            self._merge_replayed_usage(rec)
                            continue
                    parent_uuid = rec.get("parentUuid")
                    if kind == "system" and rec.get("subtype") == "compact_boundary" and not parent_uuid:
                        parent_uuid = rec.get("logicalParentUuid")
                    if agent is not None or self.main_is_agent:
                        scope = agent
                    else:
                        scope = self._inline_scope(rec, uuid, parent_uuid, by_uuid)
                    line = Line(
                        no,
                        len(self.lines),
                        rec,
                        kind,
                        uuid,
                        parent_uuid if isinstance(parent_uuid, str) else None,
                        scope,
                    )
                    if kind != "progress":
                        line.prev = prev.get(id(scope))
                        prev[id(scope)] = line
                    self.lines.append(line)
                    if uuid is not None:
                        by_uuid[uuid] = line
                    if scope is not None:
                        scope.lines.append(line)
                        scope.has_transcript = True
                    self._make_steps(line, log.path)
                    if copy is not None:
                        mark_copied(line, copy)
                    line.timestamp = ts
                    if kind == "assistant":
                        message = rec.get("message")
                        mid = message.get("id") if isinstance(message, dict) else None
                        line.message_id = mid if isinstance(mid, str) else None
                    line.rec = None
                break
        return by_uuid

    def _merge_replayed_usage(self, rec: dict[str, Any]) -> None:
        message = rec.get("message")
        if (
            rec.get("type") != "assistant"
            or not isinstance(message, dict)
            or not isinstance(message.get("usage"), dict)
        ):
            return
        mid = message.get("id")
        seen = self.tokens.get((mid,)) if isinstance(mid, str) and mid else None
        if seen is not None:
            max_into(seen, response_tokens(message["usage"]))

    def _note_session_facts(self, rec: dict[str, Any]) -> None:
        # Runs for every line of the main file: one lookup per field.
        if self.session_id is None:
            value = rec.get("sessionId")
            if isinstance(value, str) and value:
                self.session_id = value
        if self.cwd is None:
            value = rec.get("cwd")
            if isinstance(value, str) and value:
                self.cwd = value
        value = rec.get("version")
        if isinstance(value, str) and value:
            self.version = value
        value = rec.get("gitBranch")
        # "HEAD" names no branch (`git_branch.named_branch`; compared inline: this runs for every line).
        if isinstance(value, str) and value and value != "HEAD":
            self.branch = value

    def _fork_copy(self, rec: dict[str, Any], ts: Any) -> str | None:
        """Whether a main-file record is a fork's copy of its parent's entry: None when it is the
        file's own, else the parent's uuid of the entry ("" when the mark does not say it).

        A fork writes its parent's chain again, each entry with `forkedFrom: {sessionId, messageUuid}`;
        what it writes after has none. The first parent named is the fork's; an entry naming another,
        or a mark of another shape, is counted in `skipped` (an entry naming another parent still says
        it was copied: it is no step of the fork's own)."""
        mark = rec.get("forkedFrom")
        if mark is not None:
            parent = mark.get("sessionId") if isinstance(mark, dict) else None
            # A NUL is in no id, and the index's text would end at it: such a mark is not understood.
            if isinstance(parent, str) and 0 < len(parent) <= _MAX_ID and "\x00" not in parent:
                if self.fork_parent is None:
                    self.fork_parent = parent
                elif parent != self.fork_parent:
                    self._odd("forkedFrom (a second parent)")
                    return ""
                entry = mark.get("messageUuid")
                return entry if isinstance(entry, str) and len(entry) <= _MAX_ID else ""
            self._odd("forkedFrom (not understood)")
        asked = rec.get("requestSessionId")
        if isinstance(asked, str) and asked != rec.get("sessionId") and 0 < len(asked) <= _MAX_ID:
            # 2.1.3xx's --fork-session copies its parent's lines, uuids kept, with no `forkedFrom`; a
            # copied response names the session that asked for it.
            if self.fork_parent is None and "\x00" not in asked:
                self.fork_parent = asked
            uuid = rec.get("uuid")
            own = asked == self.fork_parent and isinstance(uuid, str) and len(uuid) <= _MAX_ID
            return uuid if own and isinstance(uuid, str) else ""
        if self.fork_own_ts is None and isinstance(ts, str) and ts:
            self.fork_own_ts = ts
        return None

    def _odd(self, what: str) -> None:
        count_skipped(self.skipped, what)

    def _inline_scope(
        self, rec: dict[str, Any], uuid: str | None, parent_uuid: Any, by_uuid: dict[str, Line]
    ) -> AgentRun | None:
        """Sidechain lines inside the main file: one subagent per sidechain root (≤ 2.0.2 layout)."""
        if rec.get("isSidechain") is not True:
            return None
        agent_id = rec.get("agentId")
        if isinstance(agent_id, str) and agent_id:
            return self.runs.get(agent_id)
        parent = by_uuid.get(parent_uuid) if isinstance(parent_uuid, str) else None
        if parent is not None and parent.scope is not None:
            return parent.scope
        agent = self.runs.get(f"sidechain-{uuid or len(self.lines)}")
        agent.inline = True
        agent.has_transcript = True
        return agent

    # -- steps -----------------------------------------------------------------------------------

    def _new_step(
        self, line: Line, kind: str, role: str, text: str = "", step_id: str | None = None, **extra: Any
    ) -> Step:
        if step_id is None:
            if line.base is None:
                base = line.uuid or f"{line.scope.id if line.scope else 'main'}#{line.no}"
                if base in self.by_id and line.scope is not None:
                    base = f"{line.scope.id}/{base}"
                line.base = base
            step_id = line.base if line.blocks == 0 else f"{line.base}:{line.blocks}"
            line.blocks += 1
        while step_id in self.by_id:
            step_id += "+"  # only a log that reuses its own uuids gets here
        rec = line.record
        ts = rec.get("timestamp")
        if not isinstance(ts, str):
            ts = None
        step = Step(
            step_id,
            0,
            kind,
            role,
            text or "",
            timestamp=ts,
            subagent=line.scope.id if line.scope else None,
            **extra,
        )
        cwd = rec.get("cwd")
        if isinstance(cwd, str) and cwd and self.cwd and cwd != self.cwd:
            step.cwd = cwd
        line.steps.append(step)
        self.by_id[step_id] = step
        return step

    def _queue_operation(self, rec: dict[str, Any], no: int) -> None:
        """Prompts typed while the agent worked. `enqueue` holds one; `dequeue` sends the oldest as
        a turn of its own (its user line follows); `remove` hands it to the model in the middle of
        the turn, and then no user line ever holds it (2.0.6x to 2.1.x): it becomes a USER step on
        the next line of the conversation. `popAll` puts them back in the editor."""
        operation = rec.get("operation")
        if operation == "enqueue":
            content = rec.get("content")
            text = content if isinstance(content, str) else result_text(content)
            self.queue.append(text)
            if not self.by_id and len(self.queued_first) < MAX_QUEUED_FIRST:
                ts = rec.get("timestamp")
                self.queued_first.append([text, ts if isinstance(ts, str) else None, no])
        elif operation == "dequeue" and self.queue:
            self.queue.popleft()
        elif operation == "remove" and self.queue:
            text = self.queue.popleft()
            if text.strip():
                ts = rec.get("timestamp")
                self.steering.append([text, ts if isinstance(ts, str) else None, no])
        elif operation == "popAll":
            self.queue.clear()

    def _steer(self, line: Line) -> None:
        """The prompts taken mid-turn since the last line, as USER steps leading this line's own."""
        att = line.record.get("attachment") if line.type == "attachment" else None
        if isinstance(att, dict):
            shown = att.get("prompt") if isinstance(att.get("prompt"), str) else att.get("content")
            # A version that also writes the prompt as an attachment: that step carries it.
            self.steering = [x for x in self.steering if x[0] != shown]
        for text, ts, no in self.steering:
            step = self._new_step(
                line, StepKind.USER, "user", text, step_id=f"queued@L{no}", meta={"queued": True}
            )
            step.timestamp = ts or step.timestamp
        self.steering = []

    def _make_steps(self, line: Line, path: str) -> None:
        kind = line.type
        rec = line.record
        if kind == "progress":
            return
        # A prompt taken mid-turn goes before the model's next line, or after the tool results it
        # came with; never onto a compaction's own lines.
        steer = bool(self.steering) and line.scope is None and not is_compaction_line(rec)
        after = steer and kind == "user" and has_tool_result(rec)
        if steer and not after:
            self._steer(line)
        scope_key = line.scope.id if line.scope else None
        if kind == "user":
            self._user_steps(line, path, scope_key)
        elif kind == "assistant":
            self._assistant_steps(line, path, scope_key)
        elif kind == "system":
            self._system_steps(line, scope_key)
        elif kind == "attachment":
            att = rec.get("attachment")
            if isinstance(att, dict) and att.get("type") == HOOK_FAILED:
                self._hook_failed(line, att)
            elif (found := system_prompt(att)) is not None:
                self._system_prompt(line, found, scope_key)
            elif not sent_nothing(att, rec):
                text, role, meta = attachment_context(att, rec)
                self._new_step(line, StepKind.CONTEXT, role, text, meta=meta)
        if after:
            self._steer(line)
        if line.steps and not (kind == "system" and rec.get("subtype") == "compact_boundary"):
            self.pending_compaction[scope_key] = None

    def _system_prompt(self, line: Line, found: tuple[str, str], scope_key: str | None) -> None:
        """A `prompt_snapshot` (2.1.3xx): the system prompt (text, digest), a step where it is new or
        changed in its conversation. It is written again as the tools change, each copy as long."""
        text, digest = found
        if self.last_prompt.get(scope_key) == digest:
            return
        self.last_prompt[scope_key] = digest
        meta = {"attachment": PROMPT_SNAPSHOT, "system_prompt": True}
        self._new_step(line, StepKind.CONTEXT, "system", text, meta=meta)

    def _user_steps(self, line: Line, path: str, scope_key: str | None) -> None:
        rec = line.record
        message = rec.get("message")
        if not isinstance(message, dict):
            self.errors.append(LineError(path, line.no, "user line without a message"))
            return
        content = message.get("content")
        if rec.get("isCompactSummary") is True:
            text = content if isinstance(content, str) else result_text(content)
            pending = self.pending_compaction.get(scope_key)
            if pending is not None:
                pending.text = text
                line.alias = pending
                self.pending_compaction[scope_key] = None
            else:
                self._new_step(line, StepKind.COMPACTION, "system", text)
            return
        is_meta = rec.get("isMeta") is True
        if isinstance(content, str):
            self._user_text(line, content, is_meta)
            return
        if not isinstance(content, list):
            self.errors.append(LineError(path, line.no, "user message content is neither text nor a list"))
            return
        result = rec.get("toolUseResult")
        n_results = sum(1 for b in content if isinstance(b, dict) and b.get("type") == "tool_result")
        for block in content:
            if not isinstance(block, dict):
                continue
            btype = block.get("type")
            if btype == "tool_result":
                self._tool_result(line, block, result if n_results == 1 else None)
            elif btype == "text":
                self._user_text(line, as_str(block.get("text")), is_meta)
            elif btype == "image":
                self._new_step(line, StepKind.CONTEXT if is_meta else StepKind.USER, "user", "[image]")
            else:
                self._new_step(line, StepKind.CONTEXT, "user", f"[{btype}]")

    def _user_text(self, line: Line, text: str, is_meta: bool) -> None:
        stripped = text.lstrip()
        if stripped.startswith(INTERRUPTED_PREFIX):
            self._new_step(line, StepKind.SYSTEM, "system", text, meta={"interrupted": True})
        elif is_meta or stripped.startswith(CONTEXT_PREFIXES):
            # A subagent's first line is the prompt its parent wrote, even when wrapped in a reminder.
            if (
                line.scope is not None
                and line.scope.prompt is None
                and not is_meta
                and (line.scope.agent_type == "aside_question" or stripped.startswith("<teammate-message"))
            ):
                line.scope.prompt = text
                self._new_step(line, StepKind.USER, "user", text)
            else:
                self._new_step(line, StepKind.CONTEXT, "user", text)
        elif stripped.startswith(COMMAND_PREFIXES):
            self._new_step(line, StepKind.USER, "user", text, meta={"command": command_name(stripped)})
        else:
            if line.scope is not None and line.scope.prompt is None:
                line.scope.prompt = text
            self._new_step(line, StepKind.USER, "user", text)

    def _tool_result(self, line: Line, block: dict[str, Any], result: Any) -> None:
        call_id = opt_str(block.get("tool_use_id"))
        call = self.calls.get(call_id) if call_id else None
        tool = call.tool if call else None
        text = result_text(block.get("content"))
        is_error = block.get("is_error") is True
        meta = result_meta(tool, result, text, is_error)
        step = self._new_step(
            line,
            StepKind.TOOL_RESULT,
            "tool",
            text,
            tool=tool,
            tool_call_id=call_id,
            is_error=is_error,
            meta=meta,
        )
        if call is not None:
            self._settle(call, result, text, is_error)
        elif call_id:
            self.waiting.setdefault(call_id, (step, result, text, is_error))

    def _settle(self, call: Step, result: Any, text: str, is_error: bool) -> None:
        """What a tool's result tells about its call: the edits it applied, the subagent it spawned."""
        if call.edits:
            call.edits = refine_edits(call.tool or "", call.edits, result, is_error)
        if call.tool in SPAWN_TOOLS:
            agent_id = spawned_agent_id(result, text)
            if agent_id:
                self.runs.spawned.setdefault(agent_id, call.id)
                agent = self.runs.get(agent_id)
                if isinstance(result, dict) and isinstance(result.get("agentType"), str):
                    agent.agent_type = agent.agent_type or result["agentType"]

    def _assistant_steps(self, line: Line, path: str, scope_key: str | None) -> None:
        rec = line.record
        message = rec.get("message")
        if not isinstance(message, dict):
            self.errors.append(LineError(path, line.no, "assistant line without a message"))
            return
        model = message.get("model")
        if not isinstance(model, str):
            model = None
        synthetic = model == SYNTHETIC_MODEL or rec.get("isApiErrorMessage") is True
        tokens, first_of_response = self._response_usage(line, message, synthetic)
        if model and not synthetic:
            self._note_model(line, model, scope_key, first_of_response)
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        if not isinstance(content, list):
            return
        step_model = None if synthetic else model
        for block in content:
            if not isinstance(block, dict):
                continue
            step = self._assistant_block(line, block, step_model, synthetic)
            if step is None:
                continue
            if tokens is not None and step.tokens is None and step.kind != StepKind.MODEL_CHANGE:
                step.tokens = tokens
                tokens = None

    def _response_usage(
        self, line: Line, message: dict[str, Any], synthetic: bool
    ) -> tuple[Tokens | None, bool]:
        """The line's usage, counted once per response: (the tokens to put on its first step, None
        when it has none or its response was counted already; whether it is its response's first)."""
        usage = message.get("usage")
        tokens = response_tokens(usage) if isinstance(usage, dict) else None
        if tokens is None:
            return None, True
        mid = message.get("id")
        # One API response is one `message.id`, whatever its lines' `requestId` say: Claude Code
        # re-logs some responses later in the file under new uuids, with another request id or
        # none, and their usage is the same response's.
        key: tuple[Any, ...] = (mid,) if isinstance(mid, str) and mid else ("line", line.pos)
        seen = self.tokens.get(key)
        if seen is None:
            self.tokens[key] = tokens
            seen = tokens
        else:
            max_into(seen, tokens)
        if not synthetic:  # Claude Code's own line (an API error, an interruption): no request
            mark_mid_stream(seen, message)
        return (tokens, True) if seen is tokens else (None, False)

    def _note_model(self, line: Line, model: str, scope_key: str | None, first_of_response: bool) -> None:
        """The model in the session's list, and a MODEL_CHANGE step where a response's model is not
        the one before it in the same conversation."""
        if model not in self.models:
            self.models.append(model)
        last = self.last_model.get(scope_key)
        if last is not None and last != model and first_of_response:
            base = line.uuid or f"{scope_key or 'main'}#{line.no}"
            self._new_step(
                line,
                StepKind.MODEL_CHANGE,
                "system",
                f"model: {last} -> {model}",
                step_id=f"{base}:model",
                model=model,
                meta={"from": last, "to": model},
            )
        self.last_model[scope_key] = model

    def _assistant_block(
        self, line: Line, block: dict[str, Any], step_model: str | None, synthetic: bool
    ) -> Step | None:
        """The step of one content block of an assistant line (None for a block of a kind not read,
        counted in `skipped`)."""
        btype = block.get("type")
        if btype == "text":
            text = as_str(block.get("text"))
            if not synthetic:
                return self._new_step(line, StepKind.ASSISTANT, "assistant", text, model=step_model)
            rec = line.record
            meta: dict[str, Any] = {"synthetic": True}
            if rec.get("isApiErrorMessage") is True:
                err = rec.get("error")
                meta["api_error"] = err if isinstance(err, str) else True
            return self._new_step(line, StepKind.SYSTEM, "system", text, meta=meta)
        if btype in ("thinking", "redacted_thinking"):
            text = as_str(block.get("thinking"))
            return self._new_step(
                line,
                StepKind.REASONING,
                "assistant",
                text,
                model=step_model,
                meta={"redacted": True} if btype == "redacted_thinking" else {},
            )
        if btype in ("tool_use", "server_tool_use", "mcp_tool_use"):
            return self._tool_use(line, block, btype, step_model)
        if btype == "compaction" and isinstance(block.get("content"), str):
            # The API's own compaction (context management): the summary that replaced the history.
            return self._new_step(line, StepKind.COMPACTION, "system", block["content"], model=step_model)
        if isinstance(btype, str) and btype.endswith("_tool_result"):
            # A server tool's result, in the assistant's own line.
            call_id = opt_str(block.get("tool_use_id"))
            call = self.calls.get(call_id) if call_id else None
            content_text = block.get("content")
            text = (
                result_text(content_text)
                if isinstance(content_text, (str, list))
                else orjson.dumps(content_text).decode()
            )
            return self._new_step(
                line,
                StepKind.TOOL_RESULT,
                "tool",
                text,
                tool=call.tool if call else btype,
                tool_call_id=call_id,
            )
        skip = f"block:{btype}"
        count_skipped(self.skipped, skip)
        return None

    def _tool_use(self, line: Line, block: dict[str, Any], btype: str, step_model: str | None) -> Step:
        """A tool call's step; a result logged before it settles it now, and a spawn is noted."""
        name = opt_str(block.get("name"))
        server = block.get("server_name")
        if btype == "mcp_tool_use" and isinstance(server, str) and server and name:
            name = f"mcp__{server}__{name}"  # as Claude Code names its own MCP tools
        call_id = opt_str(block.get("id"))
        tool_input = block.get("input")
        step = self._new_step(
            line,
            StepKind.TOOL_CALL,
            "assistant",
            "",
            model=step_model,
            tool=name,
            tool_call_id=call_id,
            tool_input=tool_input,
            edits=edits_from_input(name or "", tool_input),
        )
        if name == "NotebookEdit" and isinstance(tool_input, dict):
            for key_in, key_out in (
                ("cell_id", "cell_id"),
                ("cell_type", "cell_type"),
                ("edit_mode", "edit_mode"),
            ):
                if isinstance(tool_input.get(key_in), str):
                    step.meta[key_out] = tool_input[key_in]
        if call_id:
            self.calls.setdefault(call_id, step)
            early = self.waiting.pop(call_id, None)
            if early is not None and self.calls[call_id] is step:
                result_step, result, text, is_error = early
                result_step.tool = name
                result_step.meta = result_meta(name, result, text, is_error)
                self._settle(step, result, text, is_error)
        if name in SPAWN_TOOLS and line.scope is None:
            self.runs.spawn_calls.append(step)
        return step

    def _hook_failed(self, line: Line, att: dict[str, Any]) -> None:
        """A hook that failed without stopping anything (`hook_non_blocking_error`): what it printed,
        shown to the user and never to the model, as a SYSTEM step (meta: the hook's name and the
        id of the call or turn it ran for)."""
        text = as_str(att.get("stderr")).strip() or as_str(att.get("stdout")).strip()
        meta: dict[str, Any] = {"attachment": HOOK_FAILED}
        for src, dst in (("hookName", "hook"), ("toolUseID", "tool_use_id")):
            if isinstance(att.get(src), str):
                meta[dst] = att[src]
        text = text or orjson.dumps(att, default=str).decode()
        self._new_step(line, StepKind.SYSTEM, "system", text, meta=meta)

    @staticmethod
    def _hook_failures_before(line: Line) -> set[str]:
        """What the hook failures written just before this line (of its conversation) printed for
        the same call or turn as the line: a stop hook's summary lists them again."""
        seen: set[str] = set()
        turn = line.record.get("toolUseID")
        before = line.prev
        while isinstance(turn, str) and before is not None and before.steps:
            if not all(s.meta.get("attachment") == HOOK_FAILED for s in before.steps):
                break
            if not all(s.meta.get("tool_use_id") == turn for s in before.steps):
                break
            seen.update(s.text for s in before.steps)
            before = before.prev
        return seen

    def _system_steps(self, line: Line, scope_key: str | None) -> None:
        rec = line.record
        subtype = rec.get("subtype")
        content = as_str(rec.get("content"))
        if subtype == "compact_boundary":
            meta: dict[str, Any] = {}
            cm = rec.get("compactMetadata")
            if isinstance(cm, dict):
                if isinstance(cm.get("trigger"), str):
                    meta["trigger"] = cm["trigger"]
                if isinstance(cm.get("preTokens"), int):
                    meta["pre_tokens"] = cm["preTokens"]
            step = self._new_step(line, StepKind.COMPACTION, "system", content, meta=meta)
            self.pending_compaction[scope_key] = step
            return
        if subtype == "turn_duration":
            return
        if subtype == "stop_hook_summary":
            errors = rec.get("hookErrors")
            stopped = rec.get("preventedContinuation") is True
            if not errors and not stopped:
                return
            listed = {str(e) for e in errors} if isinstance(errors, list) else set()
            if not stopped and listed and listed <= self._hook_failures_before(line):
                return  # each failure is already a step of its own (the hook's attachment)
            parts = [str(e) for e in errors] if isinstance(errors, list) else []
            reason = rec.get("stopReason")
            if isinstance(reason, str) and reason:
                parts.insert(0, reason)
            self._new_step(
                line,
                StepKind.SYSTEM,
                "system",
                "\n".join(parts) or "stop hook",
                meta={"subtype": subtype, "prevented_continuation": stopped},
            )
            return
        meta = {"subtype": subtype} if isinstance(subtype, str) else {}
        if isinstance(rec.get("level"), str):
            meta["level"] = rec["level"]
        if subtype == "api_error":
            for src, dst in (
                ("retryAttempt", "retry_attempt"),
                ("maxRetries", "max_retries"),
                ("retryInMs", "retry_in_ms"),
            ):
                if isinstance(rec.get(src), (int, float)) and not isinstance(rec.get(src), bool):
                    meta[dst] = rec[src]
            if not content:
                content = "API error: " + error_summary(rec.get("error") or rec.get("cause"))
        self._new_step(
            line,
            StepKind.SYSTEM,
            "system",
            content or (subtype if isinstance(subtype, str) else "system"),
            meta=meta,
        )


def mark_copied(line: Line, of: str) -> None:
    """The steps of a line a fork copied: `meta["copied"]` (as every reader marks a fork's copies) and
    `meta["copy_of"]`, the id the same step has in the parent (its uuid there, then the suffix of the
    block: `<uuid>:<n>`, `<uuid>:model`), by which the fork point is found in the parent. A prompt
    taken mid-turn that landed on the line (`queued@L<n>`) is the fork's own."""
    base = line.base
    for step in line.steps:
        if base is None or not step.id.startswith(base):
            continue
        step.meta[COPIED] = True
        if of:
            step.meta["copy_of"] = of + step.id[len(base) :]
