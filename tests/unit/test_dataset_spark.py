"""Spark reads a team dataset (issue 37, docs/dataset.md "Spark"): pyspark in local mode counts the
sessions per machine and agent of a file:// dataset two machines exported into, equal to their `ls`,
and the steps equal to DuckDB's count. Needs pyspark (the `spark` extra, not in `test`: ~300 MB) and a
Java runtime; skipped with the reason where either is missing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from shared_data import FIXTURES
from support.narrow import present

from tracetui.cli import main

pytestmark = pytest.mark.slow
pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'tracetui[spark]')")
if shutil.which("java") is None:
    pytest.skip("no Java runtime (java) on PATH: Spark needs one (JRE 17)", allow_module_level=True)


def _bucket(home: Path, logs: dict[str, list[Path]]) -> Path:
    for agent, files in logs.items():
        (home / "src" / agent).mkdir(parents=True)
        for f in files:
            shutil.copy(f, home / "src" / agent)
    bucket = home / "bucket"
    sources = [a for agent in logs for a in ("--source", f"{agent}={home / 'src' / agent}")]
    assert main(["--bucket", str(bucket), "sync", "--json", *sources]) == 0
    return bucket


def _json(args: list[str]):
    """The CLI's one JSON document (print_json writes to stdout's buffer)."""
    import io
    from contextlib import redirect_stdout

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    with redirect_stdout(out):
        assert main(args) == 0
    out.flush()
    return json.loads(out.buffer.getvalue())


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A file:// dataset two machines exported into, and what their `ls` says per machine and agent."""
    root = tmp_path_factory.mktemp("spark")
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(root / "cache"))
    mp.setenv("XDG_STATE_HOME", str(root / "state"))
    url = f"file://{root / 'dataset'}"
    expected: dict[tuple[str, str], int] = {}
    machines = {
        "alpha": {"pi": [FIXTURES / "pi" / "v1_linear.jsonl", FIXTURES / "pi" / "v3_tree.jsonl"]},
        "beta": {"claude": [FIXTURES / "bucket" / "claude" / "-home-dev-widgets" /
                            "6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90.jsonl"],
                 "codex": [FIXTURES / "codex" / "current.jsonl"]},
    }  # fmt: skip
    for name, logs in machines.items():
        bucket = _bucket(root / name, logs)
        _json(["--bucket", str(bucket), "export", url, "--format", "parquet", "--accept-suggested",
               "--machine", name, "--json"])
        for s in _json(["--bucket", str(bucket), "ls", "--json"]):
            expected[(name, s["agent"])] = expected.get((name, s["agent"]), 0) + 1
    yield root / "dataset", expected
    mp.undo()


def test_spark_local_mode_counts_what_ls_and_duckdb_count(dataset):
    import duckdb
    from pyspark.sql import SparkSession

    root, expected = dataset
    spark = (
        SparkSession.builder.master("local[1]").appName("tracetui-dataset-test")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate()
    )  # fmt: skip
    try:
        # As docs/dataset.md says: each table's folder, machine/agent/month discovered from the folders.
        sessions = spark.read.parquet(str(root / "data" / "sessions"))
        counted = {(r["machine"], r["agent"]): r["count"] for r in sessions.groupBy("machine", "agent").count().collect()}
        steps = spark.read.parquet(str(root / "data" / "steps")).count()
    finally:
        spark.stop()
    assert counted == expected and sum(expected.values()) == 4
    glob = str(root / "data" / "steps" / "**" / "*.parquet")
    assert steps == present(duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}')")).fetchall()[0][0] > 0
