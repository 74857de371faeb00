"""The raw format's JSON-string tokens and their values, held to the forms they replaced: the
per-character pattern and `json.loads` (export/raw.py)."""

from __future__ import annotations

import json
import random
import re

import pytest

from tracetui.export import raw

# What `raw._STRING` was: one branch per character.
_OLD_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_ALPHABET = ['"', "\\", "a", "b", " ", "\n", "\t", "u", "0", "d", "8", "/", "é", "\udc80", "\U0001f600",
             "{", "}"]


def _old_value(token: str) -> object:
    return json.loads(token)


@pytest.mark.parametrize("seed", range(6))
def test_string_tokens_are_the_old_patterns(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(3000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randrange(0, 40)))
        spans = [m.span() for m in raw._STRING.finditer(text)]
        assert spans == [m.span() for m in _OLD_STRING.finditer(text)], text


@pytest.mark.parametrize(
    "text",
    [
        '"abc\\"',  # torn: an escaped quote and no closing one
        '"abc\\\\"',  # an escaped backslash, then the closing quote
        '"a\\\nb" "c"',  # an escaped newline (DOTALL)
        '{"k": "v\\"w", "x": "\\\\", "y": "',
        '"' + "a" * 5000 + '\\"' + "b" * 5000 + '"',
        '\\"a"b"',
    ],
)
def test_string_tokens_on_edges(text: str) -> None:
    assert [m.span() for m in raw._STRING.finditer(text)] == [m.span() for m in _OLD_STRING.finditer(text)]


@pytest.mark.parametrize(
    "token",
    [
        '"plain"',
        '"\\u00e9t\\u00e9"',
        '"\\ud800"',  # a lone surrogate escaped: orjson refuses it, json reads it
        '"\\ud83d\\ude00"',
        '"tab\there"',  # a raw control character: neither reads it
        '"\\x41"',  # not an escape JSON has
        '"\udc80"',  # a byte that was not UTF-8, kept as a surrogate
        '"a\\/b"',
        '"\\"',
    ],
)
def test_string_values_are_json_loads(token: str) -> None:
    try:
        want: object = _old_value(token)
    except ValueError:
        with pytest.raises(ValueError):
            raw._string_value(token)
        return
    assert raw._string_value(token) == want
