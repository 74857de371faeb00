"""An export's second gate takes the review's findings for the texts the review scanned whole
(`redact/reviewed.py`) instead of scanning them again: fewer texts go to the scanner, and the
export's bytes are those of a gate that scans everything."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.gate_kit import V3, scanned_texts, twins_bucket

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
