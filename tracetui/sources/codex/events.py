"""Codex's event_msg records (what the UI showed): paired with items, tokens, forks and turns."""

from __future__ import annotations

from typing import Any

from tracetui.model import StepKind, Tokens
from tracetui.sources.codex.parts import (
    SCRIPT_PATCHES, _IGNORED_EVENTS, _SYSTEM_EVENTS, _applied_changes, _claim, _delivers, _injected_alone,
    _int, _script_runner,
)
from tracetui.sources.codex.state import _State
from tracetui.sources.common.coerce import as_dict, opt_str


class _Events(_State):
    """One event_msg record: a step of its own, a pairing with an item, or a fact."""

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
            if kind == "error":
                self.turn_errors.add(text)
        elif kind in ("task_complete", "turn_complete"):
            self.turn_failed(as_dict(payload.get("error")), kind, key, ts)
        elif kind in _SYSTEM_EVENTS:
            self.add(key, StepKind.SYSTEM, "system", _SYSTEM_EVENTS[kind], ts)
        elif kind in _IGNORED_EVENTS:
            pass
        else:
            self.skip(f"event_msg:{kind}")

    def turn_failed(self, error: dict[str, Any], kind: str, key: str, ts: str | None) -> None:
        """A turn's end; with an `error` (0.17x: a request refused or out of retries ends the turn with
        it, and no `error` event says it) a SYSTEM step, unless an error event of the turn said it."""
        said, self.turn_errors = self.turn_errors, set()
        text = opt_str(error.get("message"))
        if not text or text in said:
            return
        step = self.add(key, StepKind.SYSTEM, "system", text, ts)
        step.is_error = True
        step.meta["event"] = kind
        if isinstance(error.get("codex_error_info"), str):
            step.meta["codex_error_info"] = error["codex_error_info"]

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
        """A Plan item (Plan mode's `<proposed_plan>`) is kept as an assistant step until the turn's
        answer shows it holds the same plan, which some versions' items lose. A call's item that
        failed (0.171.0: an MCP tool's `isError`) marks its result failed, which its text never says."""
        call_id = opt_str(item.get("id"))
        if item.get("status") == "failed" and call_id:
            result = self.results.get(call_id)
            if result is None:
                self.failed_items.add(call_id)
            else:
                result.is_error = True
        text = item.get("text")
        if item.get("type") != "Plan" or not isinstance(text, str) or not text.strip():
            return
        step = self.add(key, StepKind.ASSISTANT, "assistant", text, ts)
        step.meta["plan"] = True
        self.plan_at = len(self.slots) - 1

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
        if self.usage_ahead is None:
            # Up to 0.6x a response's usage is written before its items, from 0.7x after them: a turn
            # whose first usage comes before any item of its answer has each usage ahead of its items.
            self.usage_ahead = not self.replied
        self.token_marks.append((len(self.slots), tokens, self.usage_ahead))
