"""Gemini CLI message fields read as text, tokens and file edits (format: docs/formats/gemini.md)."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import FileEdit, Tokens
from tracetui.sources.common.coerce import as_count, as_dict, as_int, as_list, as_str, opt_str
from tracetui.sources.common.unified_diff import parse_unified_diff


# The message types the reader makes steps of by their type; a message of any other type is a step
# only where it holds text (a SYSTEM step named by its type).
ASSISTANT_TYPES = frozenset({"gemini", "model", "bob-shell"})
SYSTEM_TYPES = frozenset({"info", "error", "warning"})
KNOWN_TYPES = frozenset({"user", *ASSISTANT_TYPES, *SYSTEM_TYPES})


# Edit tools by name, as Gemini CLI has named them over its releases.
WRITE_TOOLS = frozenset({"write_file", "writefile", "write"})


REPLACE_TOOLS = frozenset({"replace", "edit", "smart_edit", "edit_file"})


def _parts_text(content: Any) -> str:
    """A PartListUnion as text: a string, a part, or a list of parts (text; other parts named)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    parts: list[str] = []
    for part in as_list(content):
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict):
            if isinstance(part.get("text"), str):
                if not part.get("thought"):
                    parts.append(part["text"])
            elif "inlineData" in part or "fileData" in part:
                data = as_dict(part.get("inlineData") or part.get("fileData"))
                parts.append(f"[{as_str(data.get('mimeType')) or 'file'}]")
            elif "functionResponse" in part:
                parts.append(_response_text([part])[0])
            elif isinstance(part.get("functionCall"), dict):
                call = part["functionCall"]
                args = orjson.dumps(call.get("args"), default=str).decode() if call.get("args") else ""
                parts.append(f"[call] {as_str(call.get('name'))} {args}".rstrip())
            elif isinstance(part.get("executableCode"), dict):
                parts.append(as_str(part["executableCode"].get("code")))  # Gemini's own code execution
            elif isinstance(part.get("codeExecutionResult"), dict):
                parts.append(as_str(part["codeExecutionResult"].get("output")))
    return "\n".join(parts)


def _without_calls(content: Any, calls: list[dict[str, Any]]) -> Any:
    """A message's content without the `functionCall` parts its own `toolCalls` records hold (by id):
    mid-2026 builds write each call twice, and the record is its TOOL_CALL step, not text."""
    held = {as_str(c.get("id")) for c in calls} - {""}
    if not held or not isinstance(content, list):
        return content
    return [p for p in content if as_str(as_dict(as_dict(p).get("functionCall")).get("id")) not in held]


def _own_responses(result: Any, call_id: str) -> Any:
    """The parts of a call's `result` that answer it. Builds of mid-2026 write the `result` list of a
    whole parallel batch into each of its calls (every call's `functionResponse`, by its id): one
    call's result is then the responses with its id, else every other call's output (and error)
    would be read as its own. A list with no response of that id is left whole (older builds)."""
    if not isinstance(result, list):
        return result

    def answers(part: Any) -> str | None:
        return as_str(as_dict(as_dict(part).get("functionResponse")).get("id")) or None

    if not any(answers(part) == call_id for part in result):
        return result
    return [part for part in result if answers(part) in (None, call_id)]


def _response_text(result: Any) -> tuple[str, bool]:
    """A tool result's text (the functionResponse output, or its error) and whether it failed."""
    texts: list[str] = []
    failed = False
    if isinstance(result, (str, dict)):
        result = [result]
    for part in as_list(result):
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, dict):
            continue
        response = as_dict(part.get("functionResponse"))
        if response:
            body = response.get("response")
            if isinstance(body, dict):
                if isinstance(body.get("output"), str):
                    texts.append(body["output"])
                elif isinstance(body.get("error"), str):
                    texts.append(body["error"])
                    failed = True
                elif body:
                    texts.append(orjson.dumps(body).decode())
            elif isinstance(body, str):
                texts.append(body)
        elif isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif "inlineData" in part:
            texts.append(f"[{as_str(as_dict(part['inlineData']).get('mimeType')) or 'data'}]")
    return "\n".join(texts), failed


def _tokens(value: Any) -> Tokens | None:
    if not isinstance(value, dict):
        return None
    prompt = as_count(value.get("input")) + as_count(value.get("tool"))
    cached = as_count(value.get("cached"))
    return Tokens(
        input=max(prompt - cached, 0),
        output=as_count(value.get("output")) + as_count(value.get("thoughts")),
        cache_read=cached,
    )


def _edits(name: str | None, args: dict[str, Any], display: Any, status: str) -> list[FileEdit]:
    tool = (name or "").lower()
    if tool not in WRITE_TOOLS and tool not in REPLACE_TOOLS:
        return []
    shown = as_dict(display)
    path = (
        opt_str(shown.get("filePath"))
        or opt_str(args.get("file_path"))
        or opt_str(args.get("absolute_path"))
        or opt_str(args.get("path"))
    )
    if not path:
        return []
    edit = FileEdit(path=path, op="write" if tool in WRITE_TOOLS else "update")
    if tool in WRITE_TOOLS:
        edit.content = opt_str(args.get("content"))
    else:
        edit.old_string = opt_str(args.get("old_string"))
        edit.new_string = opt_str(args.get("new_string"))
        many = args.get("allow_multiple") is True or as_int(args.get("expected_replacements")) > 1
        edit.replace_all = many
    if shown:
        if shown.get("isNewFile") is True:
            edit.op = "create"
        elif shown.get("isNewFile") is False:
            edit.op = "update"
        original = opt_str(shown.get("originalContent"))
        if original is not None and edit.op != "create":
            edit.original = original
        new = opt_str(shown.get("newContent"))
        if new is not None:
            edit.content = new
        diff = opt_str(shown.get("fileDiff"))
        if diff:
            edit.hunks = parse_unified_diff(diff)
    if edit.op == "create" and edit.content is None:
        edit.content = opt_str(args.get("content"))
    edit.applied = status in ("", "success")
    return [edit]
