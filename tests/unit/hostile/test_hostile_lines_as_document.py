"""A log of JSON lines asked first whether it is one JSON document (OpenCode's reader asks it of
every log, Gemini's and Codex's of a `.json` one): orjson parsed the whole to refuse it, taking some
12 times its bytes, and the refusal was then asked again of Python's parser, the log decoded as text
(found 2026-11-28: 200 MB of lines took OpenCode's reader to 595 MB where the others took 395). The
first line read whole and a character after it say the same now, with the same error."""

from __future__ import annotations

import tracemalloc

import orjson
import pytest
from support.param_ids import short

from tracetui.sources.common.jsonl import load_document

LINES = b"".join(b'{"type": "user", "id": "%d", "message": "%s"}\n' % (n, b"x" * 60) for n in range(50_000))


def _refusal(data: bytes) -> str:
    with pytest.raises(orjson.JSONDecodeError) as refused:
        load_document(data)
    return str(refused.value)


@pytest.mark.parametrize("data", [LINES, b"[1]\r\n\r\n  [2]\n", b'"a"\n"b"', b"1\n2", b" \n\n [1] [2]\n"], ids=short)
def test_lines_are_refused_as_orjson_refuses_them_whole(data):
    with pytest.raises(orjson.JSONDecodeError) as whole:
        orjson.loads(data)
    assert _refusal(data) == str(whole.value)


def test_lines_are_refused_without_parsing_them_all():
    tracemalloc.start()
    try:
        _refusal(LINES)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(LINES) // 10  # before: 12 times its bytes


@pytest.mark.parametrize("data", [b'{"a": 1}\n', b'{"a": 1}\n\n \r\n', b'{\n"a": [1,\n2]}\n', b'{"a": 1}'])
def test_one_document_is_still_read(data):
    assert load_document(data) == (orjson.loads(data), None)
