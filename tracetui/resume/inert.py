"""A resumed session's file with no terminal control in any of its strings (`safe_carried`).

The agent's own program prints the resumed history on its terminal (a transcript, a tool's output):
an ESC a log's text holds would reach that terminal as a command (`ESC]52;c;...` writes the clipboard,
`ESC[2J` clears the screen), and a bidi override makes a command it shows read as another. Every
writer's output passes here once, after it is written, so no writer can forget it, and a JSON
document inside a string is made inert at any depth. A line holding none is kept byte for byte.
docs/internals/resume.md, "Terminal controls".
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from tracetui.safe_text import UNSEEN, safe_carried
from tracetui.sources.common.json_tokens import STRING_TOKEN, token_of, token_value

# What a line holding a control, or a string that may decode to one, shows of it. orjson, which wrote
# the line, escapes no character but a C0 control, `"` and `\`: any `\u` escape, `\b`, `\f`, `\r`; an
# escaped backslash twice (a backslash inside a string inside a string); DEL or a C1 control raw.
# (An escaped backslash before `u`, `b`, `f` or `r` ends in one of these.) A line that is not ASCII is
# also looked at for the characters no terminal draws (`UNSEEN`).
_MAYBE = re.compile(rb"\\u|\\[bfr]|\\\\\\\\|\x7f|\xc2[\x80-\x9f]")

# A string a program may decode as JSON and print what that holds (Codex's `{"output": ...}` result, a
# call's arguments, a tool's JSON text): one that starts as a document does, after any spaces.
_DOCUMENT = re.compile(r'\s*[\[{"]')
# What in such a string may decode to a control: an escape that makes one (`\u`, `\b`, `\f`, `\r`) or
# a backslash (the next document in, escaped once more), or a control as it is.
_NEEDS = re.compile(r"\\[ubfr\\]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# How many documents deep a string is decoded: one that deep needs 2^40 bytes (each level escapes the
# backslashes of the next), so a real line never reaches it; what does is shown with no escape in it.
_DEPTH = 40


def inert_value(value: Any) -> Any:
    """`value` (decoded JSON) with `inert_text` applied to every string in it, keys too."""
    if isinstance(value, str):
        return inert_text(value)
    if isinstance(value, list):
        return [inert_value(v) for v in value]
    if isinstance(value, dict):
        return {inert_text(k): inert_value(v) for k, v in value.items()}
    return value


def inert_text(text: str, depth: int = 0) -> str:
    """`safe_carried(text)`, and where `text` may be a JSON document, each string it holds made inert
    too (at any depth), written back as it was where nothing changed: its spacing is what the model saw.
    Whether it parses is not asked: a program's parser may read what ours refuses (a lone surrogate,
    nesting past our limit), and code that merely starts like a document loses only its controls."""
    if not (_DOCUMENT.match(text) and _NEEDS.search(text)):
        return safe_carried(text)
    if depth >= _DEPTH:
        return safe_carried(text.replace("\\", "⧵"))
    out: list[str] = []
    end = 0
    for match in STRING_TOKEN.finditer(text):
        out += (safe_carried(text[end : match.start()]), _token(match.group(), depth))
        end = match.end()
    out.append(safe_carried(text[end:]))
    return "".join(out)


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


def _token(token: str, depth: int) -> str:
    """A JSON string token of a document inside a string, its value made inert, escaped as it was
    where nothing changed."""
    if "\\" not in token and not _NEEDS.search(token):
        return safe_carried(token)  # no escape, no control: what it shows is what it holds
    try:
        value = token_value(token, strict=False)
    except ValueError:  # a torn escape: no parser reads it as a string
        return safe_carried(token)
    new = inert_text(value, depth + 1)
    if new == value:
        return token
    return token_of(new, token)


def _inert(line: bytes) -> bytes:
    return orjson.dumps(inert_value(orjson.loads(line)))
