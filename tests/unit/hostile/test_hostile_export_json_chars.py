"""An export's JSON files are read by people (a manifest, a receipt, an ATIF trajectory opened on a
dataset's page or in an editor): a log's bidi override, zero-width or other format character went
into them raw, where it reorders or hides the text around it (a test command that reads as another).
Every such character is written as its escape now; the documents parse back to the same strings."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import orjson
import pytest

from tracetui.cli import main
from tracetui.safe_json import acts, plain_json

# A right-to-left override, a zero-width space, an Arabic number sign and a tag character.
ACTING = "\u202e\u200b\u0600\U000e0041"
COMMAND = f"pytest tests/{ACTING}evil"
PROMPT = f"run the tests {ACTING}please"
SID = "5a5a5a5a-1111-4222-8333-444455556666"


def _log(folder: Path) -> Path:
    base = {"isSidechain": False, "userType": "external", "cwd": "/srv/app", "sessionId": SID,
            "version": "2.0.30", "gitBranch": "main"}  # fmt: skip
    usage = {"input_tokens": 1, "output_tokens": 1}
    records = [
        {**base, "parentUuid": None, "uuid": "u1", "timestamp": "2026-03-02T10:00:01.000Z",
         "type": "user", "message": {"role": "user", "content": PROMPT}},
        {**base, "parentUuid": "u1", "uuid": "u2", "timestamp": "2026-03-02T10:00:02.000Z",
         "type": "assistant", "requestId": "req_1",
         "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-test",
                     "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash",
                                  "input": {"command": COMMAND}}],
                     "stop_reason": "tool_use", "usage": usage}},
        {**base, "parentUuid": "u2", "uuid": "u3", "timestamp": "2026-03-02T10:00:03.000Z",
         "type": "user", "message": {"role": "user", "content": [
             {"type": "tool_result", "tool_use_id": "toolu_1", "content": "1 passed", "is_error": False}]}},
    ]  # fmt: skip
    project = folder / "claude" / "-srv-app"
    project.mkdir(parents=True)
    (project / f"{SID}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return project.parent


@pytest.fixture(scope="module")
def bucket(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("json-chars")
    bucket = tmp / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={_log(tmp / 'logs')}"]) == 0
    return bucket


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("fmt", ["parquet", "atif"])
def test_no_json_file_of_an_export_carries_a_character_that_acts(bucket, tmp_path, capsys, fmt):
    out = tmp_path / "out"
    assert main(["--bucket", str(bucket), "export", str(out), "--format", fmt, "--accept-suggested"]) == 0
    capsys.readouterr()
    documents = [p for p in out.rglob("*.json") if p.is_file()]
    assert any(p.name == "manifest.json" for p in documents)
    assert any("receipts" in p.parts for p in documents)
    found: list[str] = []
    for path in documents:
        data = path.read_bytes()
        assert not [hex(ord(ch)) for ch in data.decode("utf-8") if acts(ch)], path
        found += _strings(orjson.loads(data))
    # What the log said is kept, only spelled as escapes: the receipt's labels carry the test command.
    assert any(COMMAND in s for s in found)
    if fmt == "atif":
        assert any(PROMPT in s for s in found)


def test_plain_json_escapes_every_acting_character_and_keeps_the_rest():
    acting = [chr(cp) for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"]
    text = "é中\U0001f600" + "x".join(acting) + "\x7f\x85\u2028"
    out = plain_json(orjson.dumps({"t": text}))
    assert orjson.loads(out) == {"t": text}
    assert "é中\U0001f600".encode() in out
    assert not any(acts(ch) for ch in out.decode("utf-8"))
    assert plain_json(b'{"a": 1}') == b'{"a": 1}'
