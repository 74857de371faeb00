"""The tolerant line reader every agent's reader shares."""

from __future__ import annotations

from tracetui.model import LineErrors
from tracetui.sources.common.jsonl import iter_entries, iter_records


def read(data: bytes):
    errors = LineErrors()
    return list(iter_entries("f", data, errors)), errors


def test_bad_lines_are_reported_and_the_rest_loads():
    recs, errors = read(b'{"type":"a","id":1}\nnot json\n[1,2]\n\n{"type":"b","id":2}')
    assert [r["type"] for _, _, r in recs] == ["a", "b"]
    assert [(e.line, e.error.split(":")[0]) for e in errors] == [(2, "not valid JSON"), (3, "expected a JSON object, got list")]


def test_two_entries_glued_on_one_line_are_both_recovered():
    recs, errors = read(b'{"type":"a","id":1}{"type":"b","id":2}\n')
    assert [(n, pos, r["type"]) for n, pos, r in recs] == [(1, 0, "a"), (1, 1, "b")]
    assert "all recovered" in errors[0].error


def test_a_torn_entry_does_not_yield_its_inner_blocks():
    line = b'{"type":"message","id":"x","message":{"content":[{"type":"text","text":"cut'
    line += b'{"type":"message","id":"y","timestamp":"t"}\n'
    recs, errors = read(line)
    assert [r["id"] for _, _, r in recs] == ["y"]
    assert "torn entry" in errors[0].error


def test_lone_surrogates_are_read_and_replaced():
    recs, errors = read(b'{"type":"a","id":1,"text":"half \\ud83d"}\n')
    assert recs[0][2]["text"] == "half \ufffd"
    assert "read anyway" in errors[0].error
    assert [n for n, _ in iter_records("f", b'{"type":"a","id":1}\n', LineErrors())] == [1]

