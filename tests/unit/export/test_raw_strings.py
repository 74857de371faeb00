"""The JSON-string tokens the raw format's scrub and the resume's inert copy rewrite, and their values
(sources/common/json_tokens.py), held to what they replaced: the per-character pattern and `json.loads`.
A torn token (no closing quote) now runs to the end of the text, as a left-to-right lexer reads it: the
old patterns required the quote and were tried again from each quote inside (quadratic)."""

from __future__ import annotations

import json
import random
import re

import pytest
from support.param_ids import short

from tracetui.sources.common.json_tokens import STRING_TOKEN, token_of, token_value

# What the raw format's pattern was: one branch per character, a token only where a quote closes it.
_OLD_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_ALPHABET = ['"', "\\", "a", "b", " ", "\n", "\t", "u", "0", "d", "8", "/", "é", "\udc80", "\U0001f600",
             "{", "}"]


def _old_value(token: str) -> object:
    return json.loads(token)


def _lexed(text: str) -> tuple[list[tuple[int, int]], bool]:
    """The tokens a left-to-right lexer reads (from a quote, an escape takes the next character, and a
    token ends at the next quote or at the end of the text), and whether every one was closed."""
    spans: list[tuple[int, int]] = []
    closed = True
    at = 0
    while (at := text.find('"', at)) >= 0:
        end = at + 1
        while end < len(text) and text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        closed = closed and end < len(text)
        spans.append((at, min(end + 1, len(text))))
        at = spans[-1][1]
    return spans, closed


@pytest.mark.parametrize("seed", range(6))
def test_string_tokens_are_the_old_patterns(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(3000):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randrange(0, 40)))
        spans = [m.span() for m in STRING_TOKEN.finditer(text)]
        lexed, closed = _lexed(text)
        assert spans == lexed, text
        if closed:  # where every token closes, the old pattern found the same
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
    ids=short,
)
def test_string_tokens_on_edges(text: str) -> None:
    assert [m.span() for m in STRING_TOKEN.finditer(text)] == _lexed(text)[0]


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
            token_value(token)
        return
    assert token_value(token) == want


@pytest.mark.parametrize("tail", ["", "\\"], ids=["unclosed", "lone-backslash"])
def test_a_torn_run_of_escaped_quotes_is_one_token_read_in_linear_time(tail: str) -> None:
    # Both pattern forms that required a closing quote tried again from each quote inside: 20,000 pairs
    # took seconds, a few hundred KB minutes. With a lone backslash last, the first fix still did.
    import time

    text = '"' + '\\"' * 200_000 + tail
    started = time.thread_time()
    spans = [m.span() for m in STRING_TOKEN.finditer(text)]
    assert time.thread_time() - started < 0.5 and spans == [(0, len(text))]


@pytest.mark.parametrize(
    ("value", "like", "written"),
    [
        ("café", '"x"', '"café"'),  # written as the agent wrote: raw
        ("café", '"\\u0078"', '"caf\\u00e9"'),  # escaped where the token was ASCII with escapes
        ("café", '"é\\u0078"', '"café"'),  # a token with raw text stays raw
        ("a\ud800b", '"é"', '"a\\ud800b"'),  # a lone surrogate is always its escape
        ("\udc80\U0001f600", '"x"', '"\\udc80\U0001f600"'),
        ("\udc80\U0001f600", '"\\u0078"', '"\\udc80\\ud83d\\ude00"'),
        ('q"\\\n', '"x"', '"q\\"\\\\\\n"'),
    ],
)
def test_a_changed_value_is_written_back_in_its_tokens_style(value: str, like: str, written: str) -> None:
    assert token_of(value, like) == written
    assert json.loads(written) == value
    written.encode("utf-8")  # never a raw surrogate
