"""Copilot CLI event fields read: a prompt's attachments, a call's arguments and edits, the
workspace file's YAML scalars and the session's title (format: docs/formats/copilot.md)."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import FileEdit, LineError, LineErrors
from tracetui.sources import RawLog
from tracetui.sources.common.apply_patch import parse_patch
from tracetui.sources.common.coerce import as_dict, as_list, as_str, opt_str
from tracetui.sources.common.jsonl import loads_within_depth


EDIT_TOOLS = frozenset({"edit", "create", "str_replace_editor", "write", "insert", "apply_patch"})


def _user_meta(data: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    names = [
        as_str(as_dict(a).get("displayName")) or as_str(as_dict(a).get("path"))
        for a in as_list(data.get("attachments"))
    ]
    if any(names):
        meta["attachments"] = [n for n in names if n]
    for key, out in (("agentMode", "agent_mode"), ("source", "source")):
        if isinstance(data.get(key), str):
            meta[out] = data[key]
    return meta


def _arguments(value: Any) -> Any:
    """A call's arguments, parsed where a build wrote them as a JSON string (OpenAI-style)."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            return loads_within_depth(value)
        except orjson.JSONDecodeError:
            pass
    return value


def _edits(name: str | None, arguments: Any) -> list[FileEdit]:
    tool = (name or "").lower()
    if tool == "apply_patch":
        # The built-in patch tool newer builds give GPT models: Codex's patch grammar, sent as the
        # raw text (a custom, grammar-based call) or inside the arguments.
        body = (
            arguments
            if isinstance(arguments, str)
            else next(
                (
                    v
                    for k in ("input", "patch", "patchText")
                    if isinstance(v := as_dict(arguments).get(k), str)
                ),
                None,
            )
        )
        return list(parse_patch(body)) if body else []
    args = as_dict(arguments)
    if tool not in EDIT_TOOLS or not args:
        return []
    path = opt_str(args.get("path")) or opt_str(args.get("file_path"))
    if not path:
        return []
    command = as_str(args.get("command")) if tool == "str_replace_editor" else tool
    if command == "create":
        return [FileEdit(path=path, op="create", content=opt_str(args.get("file_text")))]
    if command in ("edit", "str_replace"):
        return [
            FileEdit(
                path=path,
                op="update",
                old_string=opt_str(args.get("old_str")),
                new_string=opt_str(args.get("new_str")),
            )
        ]
    if command == "insert":
        return [FileEdit(path=path, op="update")]  # where it went is only in the result's diff
    if command == "write":
        return [FileEdit(path=path, op="write", content=opt_str(args.get("content")))]
    return []


def _yaml_scalars(text: str) -> dict[str, str]:
    """The top-level `key: value` scalars of workspace.yaml (the only shape Copilot writes). A long
    `summary` (the first prompt) is written over several lines: as a block (`|-` and indented lines)
    or as a quoted or plain scalar whose lines go on indented; they are folded as YAML folds them."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        i += 1
        if not raw or raw[0] in " \t#-":
            continue
        key, sep, value = raw.partition(":")
        if not sep:
            continue
        more: list[str] = []  # the value's own further lines: indented, or blank
        while i < len(lines) and (not lines[i].strip() or lines[i][0] in " \t"):
            more.append(lines[i])
            i += 1
        out[key.strip()] = _yaml_value(value.strip(), more)
    return out


def _yaml_value(first: str, more: list[str]) -> str:
    if first[:1] in ("|", ">"):
        body = [x.strip(" \t") and x for x in more]
        indent = min((len(x) - len(x.lstrip(" ")) for x in body if x), default=0)
        kept = [x[indent:] for x in body]
        text = "\n".join(kept) if first[0] == "|" else _folded(kept)
        return text.rstrip("\n") if "-" in first else text.rstrip("\n") + "\n"
    if first[:1] in ('"', "'") and not (len(first) >= 2 and first[-1] == first[0] and _closed(first)):
        first = _folded([first, *(x.strip() for x in more)])  # a quoted scalar over several lines
    elif first[:1] not in ('"', "'") and any(x.strip() for x in more):
        return _folded([first, *(x.strip() for x in more)]).strip()
    if len(first) >= 2 and first[0] == first[-1] == '"':
        try:
            # YAML's double-quoted escapes are JSON's, near enough; folded breaks are real ones
            return str(loads_within_depth(first.replace("\n", "\\n").replace("\t", "\\t")))
        except orjson.JSONDecodeError:
            return first[1:-1].replace('\\"', '"')
    if len(first) >= 2 and first[0] == first[-1] == "'":
        return first[1:-1].replace("''", "'")
    return first


def _closed(quoted: str) -> bool:
    """Whether a one-line quoted scalar ends with its own closing quote (not an escaped one)."""
    if quoted[0] == "'":
        return (len(quoted) - len(quoted.rstrip("'"))) % 2 == 1 and len(quoted) > 1
    tail = quoted[1:-1]
    return (len(tail) - len(tail.rstrip("\\"))) % 2 == 0


def _folded(lines: list[str]) -> str:
    """YAML's line folding: a break between two lines is a space, each blank line a newline."""
    out = ""
    pending = 0  # blank lines since the last text line
    for n, line in enumerate(lines):
        if not line.strip():
            pending += 1
            continue
        if n and out:
            out += "\n" * pending if pending else ("" if out.endswith("\\") else " ")
        if out.endswith("\\") and not pending:
            out = out[:-1]  # an escaped line break joins the lines as they are
        out += line
        pending = 0
    return out


def _custom_title(log: RawLog, errors: LineErrors) -> str | None:
    """`customTitle` of a `vscode.metadata.json`, or None (a document that is not JSON is said)."""
    try:
        doc = loads_within_depth(log.data)
    except orjson.JSONDecodeError as e:
        errors.append(LineError(log.path, 1, f"not a valid JSON document: {e}"))
        return None
    title = doc.get("customTitle") if isinstance(doc, dict) else None
    return title if isinstance(title, str) else None
