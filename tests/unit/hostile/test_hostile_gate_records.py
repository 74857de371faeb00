"""Why the export's second gate reads a tool's input as the one JSON string Parquet writes, and does not
take it from the review's scans of its values (docs/internals/redact.md, `redact/reviewed.py`): the
record shows what no value shows alone: a key names the value after it (`"password":"…"`). A name and a
value on two lines (`my password is` / value) were a second such case, which JSON's escaping wrote as one
(`is\\n…`); the plain-words rule now reads the value on the next line itself. Values are made up here."""

from __future__ import annotations

import orjson
import pytest
from support.gate_kit import V3, no_value_in, pi_bucket, v3_tree

from tracetui.bucket import Bucket
from tracetui.export import ExportOptions, export
from tracetui.redact import AUTO, Identity, scan_text

pytest.importorskip("pyarrow.parquet")

VALUE = "Zq8vR2mK9tLwP4x"
KEYED = {"user": "bob", "password": VALUE}  # only the key says what the value is
LINES = {"command": f"my password is\n{VALUE}"}  # a name and a value on two lines


def _sure(text: str) -> list[str]:
    return [text[f.start : f.end] for f in scan_text(text, Identity()) if f.tier == AUTO]


def test_a_record_holds_a_finding_that_none_of_its_values_holds():
    assert all(_sure(value) == [] for value in KEYED.values())
    assert any(VALUE in found for found in _sure(orjson.dumps(KEYED).decode()))


def test_a_value_named_on_the_line_before_is_found_in_the_value_itself():
    # Before DETECTORS_VERSION 30 only its JSON-escaped record held the finding.
    assert _sure(LINES["command"]) == [VALUE]


def _with_call(arguments: dict[str, str]) -> str:
    """The v3 tree, then a call of a tool with `arguments` (its input) and its answer."""
    call = {"type": "toolCall", "id": "toolu_v3_x", "name": "login", "arguments": arguments}
    lines = [
        {"type": "message", "id": "b000000f", "parentId": "b000000e", "timestamp": "2026-02-01T09:00:14.000Z",
         "message": {"role": "assistant", "content": [call], "model": "claude-opus-4-5", "timestamp": 0}},
        {"type": "message", "id": "b0000010", "parentId": "b000000f", "timestamp": "2026-02-01T09:00:15.000Z",
         "message": {"role": "toolResult", "toolCallId": "toolu_v3_x", "toolName": "login",
                     "content": [{"type": "text", "text": "ok"}], "isError": False, "timestamp": 0}},
    ]  # fmt: skip
    return v3_tree().rstrip("\n") + "\n" + "\n".join(orjson.dumps(x).decode() for x in lines) + "\n"


@pytest.mark.parametrize("fmt", ["parquet", "atif", "raw"])
@pytest.mark.parametrize("record", [KEYED, LINES], ids=["keyed", "lines"])
def test_a_value_only_its_record_names_leaves_no_export_in_clear(tmp_path, record, fmt):
    # Keyed: the gate of a format written as JSON files read their strings one by one, key and value
    # apart, and wrote the value in clear (found 2026-11-28); it reads a string under a credential's
    # name as the pair the record writes, as Parquet's reads the record. Lines: Parquet's gate found it
    # only as escaped JSON, no field's text, and refused the session, and ATIF and raw wrote it; the
    # review finds it now. Either way a field holds the value: scrubbed by value, nothing refused.
    bucket = pi_bucket(tmp_path, {"s.jsonl": _with_call(record)})
    with Bucket.open(bucket) as b:
        report = export(b, tmp_path / "out", ExportOptions(fmt))
    assert report.refused == [] and report.written == 1
    no_value_in(tmp_path / "out", VALUE)


def test_a_value_only_its_key_names_leaves_no_capsule_in_clear(tmp_path):
    from tracetui.capsule import SealRefused, seal
    from tracetui.capsule import manifest as mf
    from tracetui.capsule.archive import read_archive

    bucket = pi_bucket(tmp_path, {"s.jsonl": _with_call(KEYED)})
    with Bucket.open(bucket) as b:
        session = b.session(V3)
    try:
        seal(session, None, out=tmp_path / "s.capsule", secret=b"\x31" * 32)
    except SealRefused:
        return  # refused: nothing left the machine
    members = read_archive((tmp_path / "s.capsule").read_bytes(), mf.ALLOWED)
    assert all(VALUE.encode() not in data for data in members.values())
