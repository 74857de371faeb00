"""What the Codex reader's modules share: record kinds, patterns and helpers on values."""

from __future__ import annotations

import ntpath
import posixpath
import re
from datetime import timedelta
from typing import Any

import orjson

from tracetui.model import COPIED, FileEdit, Step, StepKind
from tracetui.sources.common import titles
from tracetui.sources.common.jsonl import loads_within_depth
from tracetui.sources.common.coerce import MAX_COUNT, as_count, as_dict, as_str, opt_str, parse_count
from tracetui.sources.common.unified_diff import parse_unified_diff


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
# The header a unified-exec output opens with; an interrupted command's failure words follow it (0.171:
# "Wall time: 6.9 seconds\naborted by user").
_WALL_TIME_HEAD = re.compile(r"\AWall time: [0-9.]+ seconds[ \t]*\n")
# A sandboxed run that exited non-zero (0.2x): Codex's own header names the status before the output.
_SANDBOX_EXIT = re.compile(r"\Afailed in sandbox [^\n]{0,200}?, exit code: (-?\d{1,9}), stdout: ")
# A unified-exec process still running when its output was written: `write_stdin` polls it by this id.
_RUNNING = re.compile(r"^Process running with session ID (\d{1,18})\s*$", re.MULTILINE)
# Codex's own ways of saying a tool call did not run or failed.
_FAILURE_PREFIXES = (
    "apply_patch verification failed",
    "execution error:",
    "failed in sandbox",
    "exec command rejected by user",
    "exec_command failed",
    "write_stdin failed",
    "aborted",
    # A call of a tool this run does not offer (0.171.0: the model's `apply_patch` where only
    # `exec_command` is offered): nothing ran, so its patch changed no file.
    "unsupported custom tool call:",
    "unsupported call:",
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
        "turn_started",  # the same event under the name newer builds accept
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
            wrapped = loads_within_depth(raw)
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
    match = _EXIT_CODE.search(head) or _SANDBOX_EXIT.match(raw)
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


def _running_id(text: str) -> str | None:
    """The unified-exec session id a result's header says its process still runs as, or None."""
    cut = text.find("\nOutput:", 0, 8000)
    match = _RUNNING.search(text[:cut] if cut >= 0 else text[:600])
    return match.group(1) if match else None


def _polled_id(call: Step | None) -> str | None:
    """The unified-exec session a `write_stdin` call polls, or None for any other call."""
    if call is None or call.tool != "write_stdin" or not isinstance(call.tool_input, dict):
        return None
    value = call.tool_input.get("session_id")
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        return None
    return str(value)


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
