"""Codex's response items (what the model saw): messages, reasoning, calls and their outputs."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import Step, StepKind
from tracetui.sources.codex.parts import (
    _CALL_TYPES, _COMPACTION_ITEMS, _ENV_CWD, _IGNORED_ITEMS, _OUTPUT_TYPES, _claim, _content_text,
    _found_tools, _is_injected, _is_injected_item, _join, _output_text, _polled_id, _running_id,
)
from tracetui.sources.codex.state import _State
from tracetui.sources.common.apply_patch import parse_patch, patch_from_command
from tracetui.sources.common.coerce import as_dict, opt_str
from tracetui.sources.common.jsonl import loads_within_depth


class _Items(_State):
    """One response item (current layout) or chat item (the TypeScript CLI's) into steps."""

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
        elif kind in _OUTPUT_TYPES and item.get("call_id") is None and opt_str(item.get("name")):
            self.own_output(item, key, ts)
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
                    tool_input = loads_within_depth(raw)
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

    def own_output(self, item: dict[str, Any], key: str, ts: str | None) -> None:
        """An output no call asked for, named instead (0.171.0: the goal's objective as
        `agent/goal_objective`): context Codex gives the model, not a result missing its call."""
        text, _meta = _output_text(item.get("output"))
        step = self.add(key, StepKind.CONTEXT, "user", text, ts)
        names = (opt_str(item.get("namespace")), opt_str(item.get("name")))
        step.meta["from"] = "/".join(n for n in names if n)

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
        if call_id in self.failed_items:
            self.failed_items.discard(call_id)
            step.is_error = True
        if call_id:
            self.polled(step, call, call_id)

    def polled(self, result: Step, call: Step | None, call_id: str) -> None:
        """A unified-exec process still running at its output is polled by `write_stdin` calls; where
        no exec_command_end event was logged (older logs), the poll that says it exited holds its exit
        code, which is the exec call's own (a test run's status: export/labels.py)."""
        polled = _polled_id(call)
        if polled is None:
            running = _running_id(result.text) if "exit_code" not in result.meta else None
            if running is not None:
                self.running[running] = call_id
            return
        code = result.meta.get("exit_code")
        started = self.running.pop(polled, None) if isinstance(code, int) else None
        first = self.results.get(started) if started is not None else None
        if first is not None and "exit_code" not in first.meta:
            first.meta["exit_code"] = code
            self.settle(first, self.calls.get(started or ""))
