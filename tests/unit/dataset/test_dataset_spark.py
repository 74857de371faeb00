"""Spark reads a team dataset (issue 37, docs/dataset.md "Spark"): pyspark in local mode counts the
sessions per machine and agent of a file:// dataset two machines exported into, equal to their `ls`,
and the steps equal to DuckDB's count. Needs pyspark (the `spark` extra, not in `test`: a 456 MB
download) and a Java runtime (17 or later for Spark 4); skipped with the reason where either is missing.

One session in local mode with what a few small files do not need turned off (`QUICK`): the test's
Spark part took 11 s instead of 18 s at load 1.3, 28 s instead of 106 s at load 10 to 12, on 2 cores
(bench/RESULTS.md, "Spark in CI")."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from shared_data import FIXTURES
from support.narrow import present

from tracetui.cli import main

pytestmark = pytest.mark.slow
pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'tracetui[spark]')")
if shutil.which("java") is None:
    pytest.skip("no Java runtime (java) on PATH: Spark needs one (JRE 17)", allow_module_level=True)


def _java_major() -> int:
    said = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=60).stderr
    found = re.search(r'version "(\d+)(?:\.(\d+))?', said)
    if found is None:
        return 0
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major  # "1.8.0": Java 8


_NEEDED = 17 if int(pyspark.__version__.split(".")[0]) >= 4 else 8
if _java_major() < _NEEDED:
    pytest.skip(f"Spark {pyspark.__version__} needs Java {_NEEDED} or later; `java` is older",
                allow_module_level=True)  # fmt: skip

# As quick as Spark gets for a few small files: no UI or progress bar, one shuffle partition, no
# adaptive plans, no generated code (compiling it was most of each query's time), the JIT's first
# tier only and the serial collector (most of the start is loading classes), on the loopback.
QUICK = {
    "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false", "spark.sql.shuffle.partitions": "1",
    "spark.sql.adaptive.enabled": "false", "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN", "spark.driver.memory": "512m",
    "spark.driver.extraJavaOptions": "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
    "spark.driver.bindAddress": "127.0.0.1", "spark.driver.host": "127.0.0.1",
}  # fmt: skip


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
    builder = SparkSession.builder.master("local[1]").appName("tracetui-dataset-test")
    for key, value in QUICK.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
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
