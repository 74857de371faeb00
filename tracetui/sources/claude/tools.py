"""Claude Code tool calls and results: file edits, result text, and the small facts worth keeping.

Edits come from two places. The call's `input` says what the model asked for; the result line's
`toolUseResult` says what was applied (`structuredPatch`, the file before, create vs update). The
call step gets edits from its input first, then the result refines them when it arrives.

MultiEdit: with a structured result it becomes ONE FileEdit carrying the applied hunks and the
original file (what really happened to the file); without one (the call failed, or an old log)
it becomes one FileEdit per requested edit, in order, with their old/new strings.
"""

from __future__ import annotations

from typing import Any

from tracetui.model import FileEdit, Hunk
from tracetui.sources.common.coerce import as_count, opt_str, parse_count

EDIT_TOOLS = frozenset({"Edit", "MultiEdit", "Write", "NotebookEdit"})
SPAWN_TOOLS = frozenset({"Task", "Agent"})
_PERSISTED_MARK = "Full output saved to: "



def edits_from_input(tool: str, tool_input: Any) -> list[FileEdit]:
    """What an edit call asked for, before its result is known."""
    if tool not in EDIT_TOOLS or not isinstance(tool_input, dict):
        return []
    if tool == "NotebookEdit":
        path = opt_str(tool_input.get("notebook_path"))
        if not path:
            return []
        return [FileEdit(path, "update", content=opt_str(tool_input.get("new_source")))]
    path = opt_str(tool_input.get("file_path"))
    if not path:
        return []
    if tool == "Write":
        return [FileEdit(path, "write", content=opt_str(tool_input.get("content")))]
    if tool == "Edit":
        return [_replacement(path, tool_input)]
    # MultiEdit: a list of the same replacements, applied in order.
    edits = tool_input.get("edits")
    if not isinstance(edits, list):
        return [FileEdit(path, "update")]
    return [_replacement(path, e) for e in edits if isinstance(e, dict)] or [FileEdit(path, "update")]


def _replacement(path: str, spec: dict[str, Any]) -> FileEdit:
    """One old_string -> new_string replacement, as Edit and each MultiEdit entry give it."""
    return FileEdit(
        path,
        "update",
        old_string=opt_str(spec.get("old_string")),
        new_string=opt_str(spec.get("new_string")),
        replace_all=bool(spec.get("replace_all")),
    )


def hunks_from(patch: Any) -> list[Hunk]:
    """jsdiff `structuredPatch` hunks; malformed entries are dropped, never fatal."""
    if not isinstance(patch, list):
        return []
    hunks: list[Hunk] = []
    for h in patch:
        if not isinstance(h, dict):
            continue
        lines = h.get("lines")
        try:
            hunks.append(
                Hunk(
                    _line_number(h.get("oldStart")),
                    _line_number(h.get("oldLines")),
                    _line_number(h.get("newStart")),
                    _line_number(h.get("newLines")),
                    _strings(lines) if isinstance(lines, list) else [],
                )
            )
        except (TypeError, ValueError):
            continue
    return hunks


def _strings(items: list[Any]) -> list[str]:
    """The strings of a list, in order. A whole file's patch can hold tens of thousands of lines, and
    nearly always nothing else: joining them checks that in C, then the list is copied whole."""
    try:
        "".join(items)
    except TypeError:
        return [item for item in items if isinstance(item, str)]
    return list(items)


def refine_edits(tool: str, edits: list[FileEdit], result: Any, is_error: bool) -> list[FileEdit]:
    """The call's edits once its result is in: applied hunks, original file, create/update."""
    if is_error:
        for edit in edits:
            edit.applied = False
        return edits
    if not isinstance(result, dict) or not edits:
        return edits
    hunks = hunks_from(result.get("structuredPatch"))
    if tool == "MultiEdit":
        original = opt_str(result.get("originalFileContents"))
        if hunks or original is not None:
            return [FileEdit(edits[0].path, "update", hunks=hunks, original=original)]
        return edits
    edit = edits[0]
    if hunks:
        edit.hunks = hunks
    original = opt_str(result.get("originalFile"))
    if original is not None:
        edit.original = original
    if tool == "Write":
        kind = result.get("type")
        if kind in ("create", "update"):
            edit.op = kind
        if edit.content is None:
            edit.content = opt_str(result.get("content"))
    elif tool == "Edit" and result.get("replaceAll") is True:
        edit.replace_all = True
    return edits


def result_text(content: Any) -> str:
    """A tool_result's content as text: strings as given, lists joined, images as `[image]`."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return "" if content is None else str(content)
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, dict):
            kind = block.get("type")
            if kind == "text":
                parts.append(opt_str(block.get("text")) or "")
            elif kind == "image":
                parts.append("[image]")
            elif kind == "tool_reference" and isinstance(block.get("tool_name"), str):
                parts.append(f"[tool_reference] {block['tool_name']}")  # what a ToolSearch found
            elif kind == "search_result":
                parts.append(_search_result(block))
            else:
                parts.append(f"[{kind}]")
    return "\n".join(parts)


def _search_result(block: dict[str, Any]) -> str:
    """A search_result block: its title and source, then its text blocks."""
    head = " ".join(x for x in (opt_str(block.get("title")), opt_str(block.get("source"))) if x)
    body = result_text(block.get("content")) if isinstance(block.get("content"), list) else ""
    return "\n".join(x for x in (f"[search_result] {head}".rstrip(), body) if x)


def result_meta(tool: str | None, result: Any, text: str, is_error: bool) -> dict[str, Any]:
    """Small facts from a result: exit code, duration, where a large output went, agent id."""
    meta: dict[str, Any] = {}
    if isinstance(result, dict):
        for src, dst in (
            ("durationMs", "duration_ms"),
            ("totalDurationMs", "duration_ms"),
            ("totalTokens", "total_tokens"),
            ("totalToolUseCount", "tool_uses"),
            ("persistedOutputPath", "persisted_output"),
            ("persistedOutputSize", "persisted_output_size"),
            ("backgroundTaskId", "background_task"),
            ("agentId", "agent_id"),
            ("returnCodeInterpretation", "exit_meaning"),
            ("userModified", "user_modified"),
        ):
            value = result.get(src)
            if value is True or (isinstance(value, (int, float, str)) and not isinstance(value, bool)):
                meta[dst] = value
        if isinstance(result.get("exitCode"), int):
            meta["exit_code"] = result["exitCode"]
        if result.get("interrupted") is True:
            meta["interrupted"] = True
        if tool == "WebFetch" and isinstance(result.get("code"), int):
            meta["http_status"] = result["code"]
    if tool == "Bash" and "exit_code" not in meta:
        code = _exit_code(text, is_error, meta.get("interrupted", False))
        if code is not None:
            meta["exit_code"] = code
    if "persisted_output" not in meta and "<persisted-output>" in text:
        start = text.find(_PERSISTED_MARK)
        if start >= 0:
            path = text[start + len(_PERSISTED_MARK) :].split("\n", 1)[0].strip()
            if path:
                meta["persisted_output"] = path
    return meta


def _line_number(value: Any) -> int:
    # A count as JSON gives it, or as a string of digits; anything else (or out of range) is 0.
    if isinstance(value, str):
        value = parse_count(value)
    return as_count(value)


def _exit_code(text: str, is_error: bool, interrupted: bool) -> int | None:
    # Claude Code reports a non-zero exit as an error result starting "Exit code N"; a result that
    # is neither an error nor interrupted finished with 0.
    if is_error:
        if text.startswith("Exit code "):
            token = text[len("Exit code ") :].split(None, 1)
            if token:
                return parse_count(token[0])
        return None
    return None if interrupted else 0


def spawned_agent_id(result: Any, text: str) -> str | None:
    """The subagent a Task/Agent result names: `toolUseResult.agentId`, else `agentId: <id>` in text."""
    if isinstance(result, dict) and isinstance(result.get("agentId"), str) and result["agentId"]:
        return result["agentId"]
    at = text.rfind("agentId: ")
    if at < 0:
        return None
    token = text[at + len("agentId: ") :].split(None, 1)
    if not token:
        return None
    value = token[0].strip("()`,.;'\"")
    return value or None
