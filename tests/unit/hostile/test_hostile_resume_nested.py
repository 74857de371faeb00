"""A control a log hides in a JSON document inside a string inside a string (a tool's JSON output in
Codex's `{"output": ...}` result) reaches the terminal once the program decodes each in turn, however
it is spelled: escaped once per level, its backslash or its `u` written as escapes (`\\u005c`,
`\\u0075`), beside a lone surrogate that orjson refuses and JavaScript reads, after spaces, or as a
document that is one string. A resume makes it visible at any depth, in time linear in the string."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import FIXTURES
from support.resume_kit import forked_at_last

from tracetui.model import StepKind
from tracetui.resume.inert import inert_lines
from tracetui.safe_text import UNSEEN, safe_carried
from tracetui.sources import group, read_session

LOG = FIXTURES / "codex/current.jsonl"
CONTROLS = "\x1b]52;c;cHduZWQ=\x07\x9b31m\x7f\x08\u202e\u200b"
# A control, or a character no terminal draws, once every level is decoded (a CR LF is a line end).
_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]|" + UNSEEN.pattern)


def _nested(depth: int) -> str:
    value: str = CONTROLS
    for _ in range(depth):
        value = json.dumps({"output": value, "metadata": {"exit_code": 0}})
    return value


# Documents whose strings decode to a control: the text a log writes as the result's `output` string.
SPELLINGS = {
    **{f"{n} documents deep": _nested(n) for n in (1, 2, 3, 6)},
    "a C1 CSI two deep": json.dumps({"output": json.dumps({"output": "\x9b2J"})}),
    "a backslash spelled \\u005c": r'{"output":"{\"b\":\"\u005cu001b]0;title\u005cu0007\"}"}',
    "a u spelled \\u0075": r'{"output":"{\"b\":\"\\\u0075001b[2J\"}"}',
    "beside a lone surrogate": r'{"s":"\ud800","output":"\u001b]52;c;eA==\u0007"}',
    "after spaces": ' \n {"output":"\\u001b[2J\\u202e"}',
    "one string": '"\\u001b]52;c;eA==\\u0007"',
    "a bidi override escaped": '{"output":"ls \\u202e\\u2066 ok"}',
    "tags as surrogate pairs": '{"output":"ok\\udb40\\udc72\\udb40\\udc6d\\ud800\\u009b"}',
}


def _decoded(value: Any) -> list[str]:
    """Every string in `value` and, for each that a permissive parser reads as JSON (a JavaScript
    program's reads a lone surrogate and leading spaces; so does Python's), every string it holds."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_decoded(k), *_decoded(v))]
    if isinstance(value, list):
        return [s for v in value for s in _decoded(v)]
    if not isinstance(value, str):
        return []
    try:
        inner = json.loads(value)
    except ValueError:
        return [value]
    return [value, *_decoded(inner)] if isinstance(inner, (str, dict, list)) and inner != value else [value]


def _bad(strings: list[str]) -> list[str]:
    return [s for s in strings if _BAD.search(s.replace("\r\n", "\n"))]


@pytest.mark.parametrize("name", SPELLINGS)
def test_a_control_nested_at_any_depth_is_made_visible(name):
    assert _bad(_decoded(SPELLINGS[name])), "the sample hides no control"
    line = orjson.dumps({"type": "response_item", "payload": {"type": "function_call_output",
                                                              "output": SPELLINGS[name]}})
    written = orjson.loads(inert_lines(line))
    assert _bad(_decoded(written)) == []
    if name.endswith("documents deep"):  # each document still one, its control shown where it was
        value = written["payload"]["output"]
        for _ in range(int(name.split()[0])):
            value = json.loads(value)["output"]
        assert value == safe_carried(CONTROLS) == "␛]52;c;cHduZWQ=␇\\x9b31m␡␈<U+202E><U+200B>"


def test_a_nested_document_changes_only_where_a_control_was():
    inner = {"output": "ok\r\n" + CONTROLS, "n": 1}
    doc = json.dumps({"output": json.dumps(inner), "metadata": {"a": "é"}}, indent=2)
    [written] = orjson.loads(inert_lines(orjson.dumps({"output": doc}))).values()
    head, tail = written.split('"metadata"')
    assert tail == doc.split('"metadata"')[1]  # spacing and escapes (`\\u00e9`) as they were
    assert head.startswith('{\n  "output": "{')
    # The inner document was written ASCII with escapes: its changed string is written so too.
    assert json.loads(written)["output"] == json.dumps({**inner, "output": "ok\r\n" + safe_carried(CONTROLS)})


def test_a_fork_of_a_nested_control_reads_back_with_the_same_steps(tmp_path):
    lines = [orjson.loads(raw) for raw in LOG.read_bytes().splitlines()]
    for rec in lines:
        payload = rec.get("payload")
        if isinstance(payload, dict) and str(payload.get("output", "")).startswith("{"):
            payload["output"] = _nested(3)
    path = tmp_path / "src" / "current.jsonl"
    path.parent.mkdir()
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines) + b"\n")
    session, done = forked_at_last(path, "codex", tmp_path / "home")
    written = [orjson.loads(raw) for raw in Path(done.path).read_bytes().splitlines()]
    assert _bad(_decoded(written)) == []
    back = read_session(group("codex", [Path(done.path)])[0])
    shape = [(s.kind, s.tool, s.tool_call_id, s.is_error) for s in back.steps]
    assert shape == [(s.kind, s.tool, s.tool_call_id, s.is_error) for s in session.steps
                     if s.active and s.subagent is None]
    results = [s.text for s in back.steps if s.kind == StepKind.TOOL_RESULT]
    assert any("␛]52;c;cHduZWQ=␇" in text or "\\u241b" in text for text in results)


@pytest.mark.parametrize("text", [
    '{"' + '\\"' * 1_000_000,  # a string never closed: each `"` inside once tried to close it
    json.dumps({"output": ["\x1b[2J"] * 100_000}),  # a control in each of many strings
], ids=["unclosed", "many strings"])
def test_a_huge_document_is_made_inert_in_linear_time(text):
    line = orjson.dumps({"output": text})
    started = time.thread_time()
    inert_lines(line)
    assert time.thread_time() - started < 3  # about 0.1 s here; quadratic, the first took hours
