"""The export's second gate takes the review's findings for texts the review scanned whole
(`redact/reviewed.py`). Hostile scan caches: a field whose full scan ran out of time (the format
rules' findings alone), and a cache planted in the bucket with the right salt and code digest but
no key of the user's, each holding nothing for a text with a password. The gate scans those texts
itself, and the password leaves the export scrubbed, as it did before the gate took anything.
Values are made up here."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from support.gate_kit import no_value_in, pi_bucket, scanned_texts, v3_tree

from tracetui.bucket import Bucket
from tracetui.export import ExportOptions, export
from tracetui.redact import plan_store, reviewed, scan
from tracetui.redact.field_key import field_key

pytest.importorskip("pyarrow.parquet")

V3 = "33333333-aaaa-4bbb-8ccc-000000000003"
VALUE = "Zq8!vR2#pL9mXw4t"
PROMPT = f"also delete a\nexport DB_PASS={VALUE}"  # the format rules alone miss it


def _bucket(tmp_path: Path) -> Path:
    tree = v3_tree()
    assert '"text":"also delete a"' in tree
    told = orjson.dumps({"text": PROMPT}).decode()[1:-1]
    return pi_bucket(tmp_path, {"s.jsonl": tree.replace('"text":"also delete a"', told)})


def test_a_prompt_the_review_read_with_the_format_rules_alone_is_scanned_whole_by_the_gate(
    tmp_path, monkeypatch
):
    real = scan.scan_in_time

    def slow_for_the_review(text, identity, syntax=scan.UNKNOWN, *, fast=False, scan=None, slack=1.0):
        if scan is None and not fast and "DB_PASS" in text:
            return None  # the review's full scan runs out; the gate's (which names its scan) does not
        return real(text, identity, syntax, fast=fast, scan=scan, slack=slack)

    monkeypatch.setattr(scan, "scan_in_time", slow_for_the_review)
    bucket = _bucket(tmp_path)
    scanned = scanned_texts(monkeypatch)
    with Bucket.open(bucket) as b:
        report = export(b, tmp_path / "out", ExportOptions("parquet"))
        cache = orjson.loads(plan_store(b).cache_path(V3).read_bytes())
    assert cache["fields"][field_key(PROMPT)] == []  # what the review kept: nothing found
    assert PROMPT in scanned  # the gate scanned it itself
    assert report.refused == [] and report.written == 1
    assert any(r["decided_by"] == "detector" for r in report.receipts[0]["receipt"])
    no_value_in(tmp_path / "out", VALUE)


def test_a_planted_cache_saying_the_prompt_holds_nothing_is_scanned_by_the_gate(tmp_path, monkeypatch):
    """Whoever can write the bucket can work out the salt and the code digest; not the user's key."""
    bucket = _bucket(tmp_path)
    with Bucket.open(bucket) as b:
        export(b, tmp_path / "first", ExportOptions("parquet"))  # the plan and the scan cache, honest
        path = plan_store(b).cache_path(V3)
    data = orjson.loads(path.read_bytes())
    digest = field_key(PROMPT)
    assert data["fields"][digest] and digest in data["gate"]["marks"]
    data["fields"][digest] = []
    data["gate"]["marks"][digest] = reviewed._mark(b"p" * 32, data["salt"], data["gate"]["code"], digest, [])
    path.write_bytes(orjson.dumps(data))
    for name in ("gate", "export-keys"):
        for old in (bucket / "cache" / name).rglob("*"):
            old.unlink() if old.is_file() else None
    scanned = scanned_texts(monkeypatch)
    with Bucket.open(bucket) as b:
        report = export(b, tmp_path / "out", ExportOptions("parquet"))
    assert PROMPT in scanned
    assert report.refused == [] and report.written == 1
    no_value_in(tmp_path / "out", VALUE)
