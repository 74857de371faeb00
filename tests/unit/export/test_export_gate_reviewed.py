"""An export's second gate takes the review's findings for the texts the review scanned whole
(`redact/reviewed.py`) instead of scanning them again: fewer texts go to the scanner, and the
export's bytes are those of a gate that scans everything."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from support.gate_kit import V3, pi_bucket, scanned_texts, twins_bucket, v3_tree

from tracetui.bucket import Bucket
from tracetui.export import ExportOptions, export
from tracetui.redact import reviewed

pytest.importorskip("pyarrow.parquet")

TWINS = [V3, "44444444-aaaa-4bbb-8ccc-000000000004"]


def _files(dest: Path) -> dict[str, bytes]:
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in sorted(dest.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["parquet", "atif", "raw"])
def test_the_gate_scans_only_what_the_review_did_not_and_the_bytes_are_the_same(tmp_path, monkeypatch, fmt):
    bucket = twins_bucket(tmp_path, TWINS)
    with Bucket.open(bucket) as b:  # the plans (each with a key of its own) and the scan caches
        export(b, tmp_path / "first", ExportOptions(fmt))
    shutil.rmtree(bucket / "cache" / "gate")  # what the gate found: the gate scans everything again
    shutil.rmtree(bucket / "cache" / "export-keys", ignore_errors=True)
    shutil.copytree(bucket, tmp_path / "again")
    scanned = scanned_texts(monkeypatch)
    with Bucket.open(bucket) as b:
        assert export(b, tmp_path / "taken", ExportOptions(fmt)).refused == []
    taken = list(scanned)
    fields = {s.text for sid in TWINS for s in Bucket.open(bucket).session(sid).steps if s.text}
    assert fields and not fields & set(taken)  # every message's text: the review's answer, not scanned

    scanned.clear()
    monkeypatch.setattr(reviewed.ReviewedScans, "take", lambda self, text: None)
    with Bucket.open(tmp_path / "again") as b:
        assert export(b, tmp_path / "scanned", ExportOptions(fmt)).refused == []
    assert fields & set(scanned) and set(taken) < set(scanned)
    assert _files(tmp_path / "taken") == _files(tmp_path / "scanned")


CODE = "def area(r):\n    return 3.14159 * r * r\n\n\nprint(area(2))\n"


def _read_of_code(tree: str, sid: str) -> str:
    """The v3 tree of `sid`, then a read of a Python file: its result is a field of code."""
    call = {"type": "toolCall", "id": "toolu_v3_r", "name": "read", "arguments": {"path": "src/area.py"}}
    lines = [
        {"type": "message", "id": "b000000f", "parentId": "b000000e", "timestamp": "2026-02-01T09:00:14.000Z",
         "message": {"role": "assistant", "content": [call], "model": "claude-opus-4-5", "timestamp": 0}},
        {"type": "message", "id": "b0000010", "parentId": "b000000f", "timestamp": "2026-02-01T09:00:15.000Z",
         "message": {"role": "toolResult", "toolCallId": "toolu_v3_r", "toolName": "read",
                     "content": [{"type": "text", "text": CODE}], "isError": False, "timestamp": 0}},
    ]  # fmt: skip
    added = "\n".join(orjson.dumps(x).decode() for x in lines)
    return tree.replace(V3, sid).rstrip("\n") + "\n" + added + "\n"


def test_a_code_file_the_review_read_is_taken_by_the_gate_as_text_and_the_bytes_are_the_same(
    tmp_path, monkeypatch
):
    """The review scans a code field as code and, beside it, as text of no known kind, the way the gate
    reads every text: the gate takes the second instead of scanning the file again."""
    logs = {f"s{n}.jsonl": _read_of_code(v3_tree(), sid) for n, sid in enumerate(TWINS)}
    bucket = pi_bucket(tmp_path, logs)
    shutil.copytree(bucket, tmp_path / "again")
    scanned = scanned_texts(monkeypatch)
    with Bucket.open(bucket) as b:
        assert CODE in {s.text for s in b.session(V3).steps}
        assert export(b, tmp_path / "taken", ExportOptions("parquet")).refused == []
    assert CODE not in scanned

    scanned.clear()
    monkeypatch.setattr(reviewed.ReviewedScans, "take", lambda self, text: None)
    with Bucket.open(tmp_path / "again") as b:
        assert export(b, tmp_path / "scanned", ExportOptions("parquet")).refused == []
    assert CODE in scanned
    assert _files(tmp_path / "taken").keys() == _files(tmp_path / "scanned").keys()
    for rel, data in _files(tmp_path / "taken").items():
        if not rel.startswith("manifest"):  # its group digests hang on each bucket's own review key
            assert data == _files(tmp_path / "scanned")[rel], rel
