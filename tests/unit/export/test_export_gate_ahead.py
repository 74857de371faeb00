"""A parquet, ATIF or raw export's second gate scans one session on the workers while this process builds
the next (`Exporter.warm`, `export/ahead.py`): every text the gate judges was scanned by that one
submission, the next session's submission comes before the one before is judged, and the export is
byte for byte the one the gate makes scanning each session in turn."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.gate_kit import V3, twins_bucket

from tracetui.bucket import Bucket
from tracetui.capsule import scrub
from tracetui.export import ExportOptions, export
from tracetui.export.ahead import one_ahead
from tracetui.export.run import Exporter
from tracetui.redact import TextScanner

pq = pytest.importorskip("pyarrow.parquet")

TWINS = [V3, "44444444-aaaa-4bbb-8ccc-000000000004", "55555555-aaaa-4bbb-8ccc-000000000005"]


def _bucket(tmp_path: Path) -> Path:
    """Three Pi sessions of one month (one partition), the second and third copies of the first."""
    return twins_bucket(tmp_path, TWINS)


def _export(bucket: Path, dest: Path, fmt: str = "parquet") -> dict[str, object]:
    with Bucket.open(bucket) as b:
        report = export(b, dest, ExportOptions(fmt))
    assert report.written == len(TWINS) and report.refused == []
    if fmt == "parquet":
        return {
            p.relative_to(dest).as_posix(): pq.read_table(p).to_pylist() for p in sorted(dest.rglob("*.parquet"))
        }
    files = sorted(dest.rglob("*.json")) if fmt == "atif" else sorted((dest / "sessions").rglob("*.jsonl"))
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in files}


def test_one_ahead_starts_each_item_before_handing_on_the_one_before():
    events: list[str] = []

    def start(n: int) -> int:
        events.append(f"start {n}")
        return n * 10

    for n, started in one_ahead([1, 2, 3], start):
        events.append(f"hand {n}={started}")
    assert events == ["start 1", "start 2", "hand 1=10", "start 3", "hand 2=20", "hand 3=30"]
    assert list(one_ahead([], start)) == []


@pytest.mark.parametrize("fmt", ["parquet", "atif", "raw"])
def test_the_gate_judges_from_the_scans_started_ahead_in_order(tmp_path, monkeypatch, fmt):
    from tracetui.export.writers import RawWriter

    bucket = _bucket(tmp_path)
    events: list[tuple[str, str]] = []
    warm, gated = Exporter.warm, Exporter.gated

    def warming(self, prepared, build, view=None):
        events.append(("warm", prepared.session.id))
        return warm(self, prepared, build, view)

    def gating(self, prepared, build, view=None, structural=None, warmed=None):
        assert warmed is not None and warmed.unknown  # the session's texts were submitted ahead
        events.append(("gate", prepared.session.id))
        return gated(self, prepared, build, view, structural, warmed)

    # The raw format scans the strings no field shows before it warms the gate (and tells the gate).
    unshown: list[bool] = []
    scan, scrubbed = TextScanner.scan, RawWriter._unshown_scrubbed

    def scrubbing(self, prepared, members):
        unshown.append(True)
        try:
            return scrubbed(self, prepared, members)
        finally:
            unshown.pop()

    def no_second_scan(self, texts, identity):
        if not unshown:
            raise AssertionError("a text the gate judged was not scanned by the submission ahead")
        return scan(self, texts, identity)

    read: list[int] = []
    gate_texts = scrub.gate_texts

    def reading(members, own_keys=frozenset()):
        read.append(len(members))
        return gate_texts(members, own_keys)

    monkeypatch.setattr(scrub, "gate_texts", reading)
    monkeypatch.setattr(Exporter, "warm", warming)
    monkeypatch.setattr(Exporter, "gated", gating)
    monkeypatch.setattr(TextScanner, "scan", no_second_scan)
    monkeypatch.setattr(RawWriter, "_unshown_scrubbed", scrubbing)
    _export(bucket, tmp_path / "out", fmt)
    order = sorted(TWINS)
    assert events == [("warm", order[0]), ("warm", order[1]), ("gate", order[0]),
                      ("warm", order[2]), ("gate", order[1]), ("gate", order[2])]  # fmt: skip
    assert len(read) == len(TWINS)  # each session's texts read out of its rows once, by `warm`


@pytest.mark.parametrize("fmt", ["parquet", "atif", "raw"])
def test_the_export_is_the_one_made_scanning_each_session_in_turn(tmp_path, monkeypatch, fmt):
    bucket = _bucket(tmp_path)
    ahead = _export(bucket, tmp_path / "ahead", fmt)
    shutil.rmtree(bucket / "cache")  # the gate's memo too: every text scanned again
    monkeypatch.setattr(Exporter, "warm", lambda self, prepared, build, view=None: None)
    in_turn = _export(bucket, tmp_path / "in-turn", fmt)
    assert ahead == in_turn
    made = {"parquet": "/steps/", "atif": "trajectories/", "raw": "sessions/"}[fmt]
    assert any(rows for name, rows in ahead.items() if made in name)


@pytest.mark.parametrize("fmt", ["parquet", "atif", "raw"])
def test_refusals_are_reported_in_the_sessions_order(tmp_path, monkeypatch, fmt):
    """The writer reads the second session before it gates the first: a refusal of each still comes
    in the sessions' order."""
    bucket = _bucket(tmp_path)
    first, second, _ = sorted(TWINS)
    prepare, gated = Exporter.prepare, Exporter.gated

    def preparing(self, session_id):
        if session_id == second:
            self.refuse(session_id, "it could not be read: planted", [])
            return None
        return prepare(self, session_id)

    def gating(self, prepared, build, view=None, structural=None, warmed=None):
        if prepared.session.id == first:
            self.refuse(first, "planted", [])
            return None
        return gated(self, prepared, build, view, structural, warmed)

    monkeypatch.setattr(Exporter, "prepare", preparing)
    monkeypatch.setattr(Exporter, "gated", gating)
    with Bucket.open(bucket) as b:
        report = export(b, tmp_path / "out", ExportOptions(fmt))
    assert [r["session"] for r in report.refused] == [first, second]
    assert report.written == 1
