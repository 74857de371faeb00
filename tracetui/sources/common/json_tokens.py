"""The JSON string tokens of a text that may be a JSON document (a tool's output, a call's arguments, a
log's line), for the writers that rewrite values in place and keep the rest byte for byte: a raw
export's scrub, a resumed session's inert copy. A changed value is written back by one rule for both."""

from __future__ import annotations

import json
import re

import orjson

# A JSON string: its plain runs taken whole, then each escape and the run after it (one branch per
# escape, not per character: the same matches, five times faster on a log's long strings). A torn one
# runs to the end: asked to close, the scan tried again from each `"` inside an unclosed `"\"\"\"…`
# (quadratic: 8,000 pairs took 2.2 s), so it is one token that no parser reads; so is one whose last
# character is a lone backslash (an escape with nothing to escape), which was quadratic the same way.
STRING_TOKEN = re.compile(r'"[^"\\]*(?:\\(?:.|\Z)[^"\\]*)*(?:"|\Z)', re.DOTALL)


def token_value(token: str, strict: bool = True) -> str:
    """The value of one JSON string token, as a JavaScript program or Python's json reads it: orjson
    first, then json for what orjson refuses (a lone surrogate, `\\ud800`); `strict` False also takes a
    raw control inside it. ValueError for a torn token."""
    try:
        value = orjson.loads(token)
    except orjson.JSONDecodeError:
        value = json.loads(token, strict=strict)
    if not isinstance(value, str):
        raise ValueError(token[:80])
    return value


def token_of(value: str, like: str) -> str:
    """The JSON string token of `value` in place of the token `like`: ASCII with `\\u` escapes where
    `like` was written so, and every lone surrogate as its escape, whatever the style (raw, no UTF-8
    encoder writes one: a raw export's line failed to encode, and orjson refuses it)."""
    written = json.dumps(value, ensure_ascii=like.isascii() and "\\u" in like)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", written)


_SURROGATE = re.compile("[\ud800-\udfff]")
