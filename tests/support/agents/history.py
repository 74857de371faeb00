"""What a model request holds, and what tracetui's steps hold, as one comparable list (issue 39's proof).

Each side becomes a list of `(what, ...)` tuples: ("user", text), ("assistant", text),
("call", call id, tool, arguments), ("result", call id, text). What the harness adds on every request
and the log never held is left out on both sides, each named here: Claude Code's `<system-reminder>`
blocks and `system`-role notes, Codex's developer messages and tagged context items, reasoning.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tracetui.model import Step, StepKind

# What Claude Code 2.1 adds when it resumes a history that stops inside a turn (after a tool result),
# before the new prompt: a prompt to go on and an empty answer to it. Its own words, in no log.
CLAUDE_RESUME_WORDS = [("user", "Continue from where you left off."), ("assistant", "No response requested.")]


# What Gemini CLI 0.61 sends as the model's turn when a resumed history ends with a tool result
# (`INTERRUPTED_RESPONSE_PLACEHOLDER`), before the new prompt: its own words, in no log.
GEMINI_RESUME_WORDS = [("assistant", "[The previous response was interrupted before it completed.]")]


# What OpenCode 1.18 sends for a compaction's own user message (its `compaction` part), before the
# summary: its own words, in no log.
OPENCODE_COMPACTION_WORDS = "What did we do so far?"


# The model turn Gemini CLI 0.61 puts after a compression's summary: its own words, in no log (the
# reader folds it into the compaction step).
GEMINI_COMPRESSION_WORDS = "Got it. Thanks for the additional context!"


def without_resume_words(sent: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """`sent` without Claude Code's or Gemini CLI's own resume words at its end."""
    for cut in (CLAUDE_RESUME_WORDS, CLAUDE_RESUME_WORDS[1:], GEMINI_RESUME_WORDS):
        if sent[-len(cut):] == cut:
            return sent[: -len(cut)]
    return sent


def without_call_prefixes(entries: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Gemini CLI records a call's id as `<tool>__<id>` and sends the `<id>` alone
    (`stripToolCallIdPrefixes`): the ids as sent."""
    names: dict[Any, str] = {}
    out: list[tuple[Any, ...]] = []
    for e in entries:
        if e[0] == "call":
            names[e[1]] = e[2]
            e = ("call", str(e[1]).removeprefix(f"{e[2]}__"), *e[2:])
        elif e[0] == "result" and e[1] in names:
            e = ("result", str(e[1]).removeprefix(f"{names[e[1]]}__"), *e[2:])
        out.append(e)
    return out


def of_steps(steps: list[Step]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for s in steps:
        if s.kind == StepKind.USER:
            out.append(("user", s.text))
        elif s.kind == StepKind.ASSISTANT:
            out.append(("assistant", s.text))
        elif s.kind == StepKind.TOOL_CALL:
            out.append(("call", s.tool_call_id, s.tool, s.tool_input))
        elif s.kind == StepKind.TOOL_RESULT:
            out.append(("result", s.tool_call_id, s.text))
    return out


def of_anthropic(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for message in body.get("messages", []):
        role, content = message.get("role"), message.get("content")
        if role not in ("user", "assistant"):
            continue
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in blocks:
            kind = block.get("type")
            if kind == "text" and not block["text"].lstrip().startswith("<system-reminder>"):
                out.append((role, block["text"]))
            elif kind == "tool_use":
                out.append(("call", block["id"], block["name"], block["input"]))
            elif kind == "tool_result":
                inner = block.get("content")
                text = inner if isinstance(inner, str) else "\n".join(
                    b.get("text", "") for b in inner or [] if isinstance(b, dict))
                out.append(("result", block["tool_use_id"], text))
    return out


# What Copilot CLI 1.0.102 puts before each prompt it sends (the time it was typed): its own words,
# logged beside the prompt (`transformedContent`), not as it.
COPILOT_PROMPT_TIME = re.compile(r"\A<current_datetime>[^<]*</current_datetime>\n\n")


def of_copilot(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Copilot CLI's requests to its own Anthropic provider, without the time it puts before a prompt."""
    return [("user", COPILOT_PROMPT_TIME.sub("", e[1])) if e[0] == "user" else e for e in of_anthropic(body)]


def of_responses(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for item in body.get("input", []):
        kind = item.get("type")
        if kind == "message" and item.get("role") in ("user", "assistant"):
            texts = [p.get("text", "") for p in item.get("content", []) if isinstance(p, dict)]
            text = "\n".join(texts)
            if item["role"] == "user" and text.lstrip().startswith("<"):
                continue  # <environment_context>, <skills_instructions>: what Codex writes itself
            out.append((item["role"], text))
        elif kind == "function_call":
            out.append(("call", item["call_id"], item["name"], json.loads(item["arguments"])))
        elif kind == "custom_tool_call":
            out.append(("call", item["call_id"], item["name"], item["input"]))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output")
            out.append(("result", item["call_id"], output if isinstance(output, str) else json.dumps(output)))
    return out


def of_gemini(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Gemini's `contents`: the text parts of each turn (not thoughts, not the `<session_context>` the
    CLI opens every request with), function calls and their responses' output."""
    out: list[tuple[Any, ...]] = []
    for content in body.get("contents", []):
        role = "assistant" if content.get("role") == "model" else "user"
        for part in content.get("parts", []):
            if isinstance(part.get("text"), str) and not part.get("thought"):
                if not part["text"].lstrip().startswith("<session_context>"):
                    out.append((role, part["text"]))
            elif isinstance(part.get("functionCall"), dict):
                call = part["functionCall"]
                out.append(("call", call.get("id"), call.get("name"), call.get("args")))
            elif isinstance(part.get("functionResponse"), dict):
                response = part["functionResponse"]
                output = response.get("response", {})
                text = output.get("output") if isinstance(output.get("output"), str) else json.dumps(output)
                out.append(("result", response.get("id"), text))
    return out


def of_chat(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Chat Completions' `messages` (OpenCode): user and assistant text, the assistant's tool calls and
    the `tool` messages answering them; the system messages are the program's own."""
    out: list[tuple[Any, ...]] = []
    for message in body.get("messages", []):
        role, content = message.get("role"), message.get("content")
        texts = [content] if isinstance(content, str) else [
            p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text"]
        if role in ("user", "assistant"):
            out.extend((role, t) for t in texts if t)
            for call in message.get("tool_calls") or []:
                fn = call.get("function", {})
                out.append(("call", call.get("id"), fn.get("name"), json.loads(fn.get("arguments") or "{}")))
        elif role == "tool":
            out.append(("result", message.get("tool_call_id"), "\n".join(texts)))
    return out


def of_items(items: list[Any], target: str) -> list[tuple[Any, ...]]:
    """What a session rebuilt for `target` from `carried` items holds (a shell call as its shell tool)."""
    shell = {"claude": ("Bash", "command"), "codex": ("exec_command", "cmd"), "pi": ("bash", "command"),
             "gemini": ("run_shell_command", "command"), "opencode": ("bash", "command"),
             "copilot": ("bash", "command")}[target]
    out: list[tuple[Any, ...]] = []
    for i in items:
        if i.kind in ("user", "assistant"):
            out.append((i.kind, i.text))
        elif i.kind == "call":
            args = {shell[1]: i.shell} if i.shell is not None else i.args
            if target == "copilot" and i.shell is not None:
                args["description"] = "carried over"  # Copilot's bash asks for one
            out.append(("call", i.call_id, shell[0] if i.shell is not None else i.tool, args))
        else:
            out.append(("result", i.call_id, i.text))
    return out
