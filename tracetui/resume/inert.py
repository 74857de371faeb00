"""A resumed session's file with no terminal control in any of its strings (`safe_carried`).

The agent's own program prints the resumed history on its terminal (a transcript, a tool's output):
an ESC a log's text holds would reach that terminal as a command (`ESC]52;c;...` writes the clipboard,
`ESC[2J` clears the screen), and a bidi override makes a command it shows read as another. Every
writer's output passes here once, after it is written, so no writer can forget it. A line holding
none (most: orjson writes every C0 control escaped, a C1 as its UTF-8 bytes) is kept byte for byte.
docs/internals/resume.md, "Terminal controls".
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from tracetui.safe_text import UNSEEN, safe_carried
from tracetui.sources.common.jsonl import loads_within_depth

# What a JSON text holding a control may show of it: a `\u00XX` escape of a C0 or C1 one, `\b`, `\f`,
# `\r`, DEL or a C1 control raw. A `\\b` (a backslash, then `b`) also matches: it costs one look. A line
# that is not ASCII is also looked at for the characters no terminal draws (`UNSEEN`).
_MAYBE = re.compile(rb"\\u00[0189][0-9a-fA-F]|\\u007[fF]|\\[bfr]|\x7f|\xc2[\x80-\x9f]")


# An escaped control inside a string that is itself JSON (Codex's `{"output": ...}` result, a call's
# arguments): an odd run of backslashes, then `u00XX` of a C0 (not tab or newline), DEL or C1 control,
# `b`, `f`, or an `r` no newline follows; or DEL or a C1 control as it is (JSON leaves them unescaped).
# The program decodes the document and prints what its strings hold.
_NESTED = re.compile(r"(?<!\\)(?:\\\\)*\\(u00[01][0-9a-fA-F]|u007[fF]|u00[89][0-9a-fA-F]|[bf]|r(?!\\n))|[\x7f-\x9f]")
_SHORT = {"b": 0x08, "f": 0x0C, "r": 0x0D}


def inert_value(value: Any) -> Any:
    """`value` (decoded JSON) with `safe_carried` applied to every string in it, keys too, and to what a
    string that is a JSON document holds."""
    if isinstance(value, str):
        nested = _inert_nested(value) if value[:1] in "{[" and _NESTED.search(value) else None
        return safe_carried(value) if nested is None else nested
    if isinstance(value, list):
        return [inert_value(v) for v in value]
    if isinstance(value, dict):
        return {safe_carried(k): inert_value(v) for k, v in value.items()}
    return value


def inert_lines(data: bytes) -> bytes:
    """A JSONL file's lines, each with `inert_value` applied where it may hold a control."""
    return b"\n".join(_inert(line) if _may_hold(line) else line for line in data.split(b"\n"))


def inert_document(data: bytes) -> bytes:
    """One JSON document (OpenCode's import), indented as its writer writes it."""
    if not _may_hold(data):
        return data
    return orjson.dumps(inert_value(orjson.loads(data)), option=orjson.OPT_INDENT_2) + b"\n"


def _may_hold(data: bytes) -> bool:
    if _MAYBE.search(data):
        return True
    return not data.isascii() and UNSEEN.search(data.decode("utf-8", "replace")) is not None


def _inert_nested(text: str) -> str | None:
    """A JSON document's text with each control its strings hold written as its stand-in, the rest of it
    as it was (its spacing is what the model saw); None for text that is no JSON document, such as code
    that spells an escape (`"\\u001b[0m"`)."""
    try:
        loads_within_depth(text)
    except orjson.JSONDecodeError:
        return None
    out = _NESTED.sub(_stand_in, text)
    try:
        loads_within_depth(out)
    except orjson.JSONDecodeError:  # a lone CR between its values, say: shown as `safe_carried` shows it
        return None
    return out


def _stand_in(match: re.Match[str]) -> str:
    escape = match.group(1)
    if escape is None:  # DEL or a C1 control, unescaped
        return orjson.dumps(safe_carried(match.group(0)))[1:-1].decode()
    code = _SHORT.get(escape) or int(escape[1:], 16)
    lead = match.group(0)[: -len(escape) - 1]
    if code in (0x09, 0x0A) or (code == 0x0D and match.string.startswith(("\\n", "\\u000a"), match.end())):
        return match.group(0)
    return lead + orjson.dumps(safe_carried(chr(code)))[1:-1].decode()


def _inert(line: bytes) -> bytes:
    return orjson.dumps(inert_value(orjson.loads(line)))
