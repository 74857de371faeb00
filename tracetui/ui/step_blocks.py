"""What the detail pane shows for a step: its text, tool input and the paired result, as blocks."""

from __future__ import annotations

import orjson

from tracetui.model import Session, StepKind
from tracetui.views.format import human_duration, human_tokens
from tracetui.views.session_shape import Shape, duration_ms
from tracetui.ui.widgets.text_view import Block

LANGUAGE_BY_SUFFIX = {
    ".py": "python", ".js": "javascript", ".ts": "typescript", ".json": "json", ".rs": "rust",
    ".go": "go", ".sh": "bash", ".md": "markdown", ".toml": "toml", ".yaml": "yaml", ".yml": "yaml",
    ".html": "html", ".css": "css", ".sql": "sql", ".java": "java", ".c": "c", ".cpp": "cpp",
}


def step_blocks(session: Session, shape: Shape | None, index: int) -> list[Block]:
    step = session.steps[index]
    blocks = [Block("", _header(session, shape, index), None, "$text-muted")]
    if step.kind == StepKind.TOOL_CALL:
        blocks.append(Block(f"{step.tool or 'tool'} input", _json(step.tool_input), "json"))
        for edit in step.edits:
            blocks.append(edit_block(edit))
        if step.text.strip():
            blocks.append(Block("text", step.text))
        path = _input_path(step.tool_input)
        code_language = language_for_path(path) if path else None
        content = step.tool_input.get("content") if isinstance(step.tool_input, dict) else None
        if isinstance(content, str) and code_language:
            blocks.append(Block(f"content of {path}", content, code_language))
        result = shape.result_of.get(step.tool_call_id or "") if shape else None
        if result is not None:
            res = session.steps[result]
            title = "result (error)" if res.is_error else "result"
            reads_file = (step.tool or "").lower() in READ_TOOLS and not res.is_error
            blocks.append(Block(title, res.text, code_language if reads_file and code_language
                                else _guess_language(res.text)))
    elif step.kind == StepKind.TOOL_RESULT:
        blocks.append(Block("error output" if step.is_error else "output", step.text, _guess_language(step.text)))
    else:
        title = {StepKind.USER: "prompt", StepKind.REASONING: "reasoning", StepKind.COMPACTION: "summary"}.get(
            step.kind, step.kind.replace("_", " ")
        )
        blocks.append(Block(title, step.text or "(empty)", None, "italic" if step.kind == StepKind.REASONING else ""))
        if step.tool_input is not None:
            blocks.append(Block("input", _json(step.tool_input), "json"))
    if step.meta:
        blocks.append(Block("meta", _json(step.meta), "json"))
    return blocks


def _header(session: Session, shape: Shape | None, index: int) -> str:
    step = session.steps[index]
    parts = [f"step {step.index}", step.kind]
    if step.tool:
        parts.append(step.tool)
    if step.timestamp:
        parts.append(step.timestamp)
    if step.model:
        parts.append(step.model)
    if step.tokens is not None:
        t = step.tokens
        parts.append(f"tokens in {human_tokens(t.input)} out {human_tokens(t.output)} "
                     f"cache {human_tokens(t.cache_read)}/{human_tokens(t.cache_write)}")
    if shape is not None:
        ms = duration_ms(session, shape, index)
        if ms is not None:
            parts.append(f"took {human_duration(ms)}")
    if step.subagent:
        parts.append(f"subagent {step.subagent}")
    if not step.active:
        parts.append("abandoned branch")
    return " · ".join(parts) + f"\nid {step.id}"


def edit_block(edit) -> Block:
    lines: list[str] = [f"--- {edit.path}", f"+++ {edit.move_to or edit.path}"]
    if edit.hunks:
        for h in edit.hunks:
            lines.append(f"@@ -{h.old_start},{h.old_lines} +{h.new_start},{h.new_lines} @@")
            lines.extend(h.lines)
    elif edit.old_string is not None or edit.new_string is not None:
        lines.append("@@ replace @@")
        lines.extend("-" + x for x in (edit.old_string or "").split("\n"))
        lines.extend("+" + x for x in (edit.new_string or "").split("\n"))
    elif edit.content is not None:
        lines.append("@@ whole file @@")
        lines.extend("+" + x for x in edit.content.split("\n"))
    status = "" if edit.applied else " (failed)"
    return Block(f"{edit.op} {edit.path}{status}", "\n".join(lines), "diff")


READ_TOOLS = {"read", "view", "read_file", "cat"}


def _input_path(value) -> str | None:
    if isinstance(value, dict):
        for key in ("file_path", "path", "notebook_path"):
            if isinstance(value.get(key), str):
                return value[key]
    return None


def _json(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str).decode()
    except TypeError:
        return repr(value)


def _guess_language(text: str) -> str | None:
    head = text.lstrip()[:1]
    if head in ("{", "[") and len(text) < 200_000:
        try:
            orjson.loads(text)
            return "json"
        except orjson.JSONDecodeError:
            return None
    return None


def language_for_path(path: str) -> str | None:
    dot = path.rfind(".")
    return LANGUAGE_BY_SUFFIX.get(path[dot:].lower()) if dot >= 0 else None
