"""A machine named like a Parquet column (`steps`): the second gate finds the user's host name in
every row's key of that name, which no scrub can take out of the table's schema, and the export
stopped (scrubbing the name from the session's own keys broke it: KeyError). A row's column names
are the writer's words and are not read there; no row's value holds the name."""

from __future__ import annotations

import pytest
from support.gate_kit import V3, twins_bucket
from support.machine_names import named_machine

from tracetui.bucket import Bucket
from tracetui.export import ExportOptions, export

pq = pytest.importorskip("pyarrow.parquet")

TWINS = [V3, "44444444-aaaa-4bbb-8ccc-000000000004"]


def test_a_host_named_like_a_column_does_not_stop_the_export(tmp_path, monkeypatch):
    bucket = twins_bucket(tmp_path, TWINS)
    named_machine(monkeypatch, ["steps"])
    with Bucket.open(bucket) as b:
        report = export(b, tmp_path / "out", ExportOptions("parquet", accept_suggested=True))
    assert report.refused == [] and report.written == len(TWINS)
    tables = {p.relative_to(tmp_path / "out").parts[1] for p in (tmp_path / "out").rglob("*.parquet")}
    assert "steps" in tables
    for path in (tmp_path / "out").rglob("*.parquet"):
        assert "steps" not in str([list(r.values()) for r in pq.read_table(path).to_pylist()]), path
