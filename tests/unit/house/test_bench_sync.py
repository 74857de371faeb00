"""The sync benchmark still runs and reports every figure RESULTS.md quotes (smallest size)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from shared_data import CORPUS, requires_corpus, ROOT

BENCH = ROOT / "bench" / "bench_sync.py"


@requires_corpus
@pytest.mark.corpus
@pytest.mark.slow
def test_bench_sync_reports_budgets_and_stages(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH), "--mb", "1", "--sizes", "1", "--runs", "1", "--stages", "--tmp", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env={"TRACETUI_CORPUS": str(CORPUS), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    (run,) = result["runs"]
    assert run["file_errors"] == 0 and run["sessions"] > 0
    for key in ("parse_seconds", "cold_seconds", "cold_cpu_seconds", "resync_seconds", "rss_sync_mb", "bucket_mb"):
        assert run[key] > 0, key
    assert run["resync_unchanged"] == run["sessions"]
    assert set(run["search"]) >= {"parquet", "the", "fil"}
    # The stage timers account for the whole serial sync, nothing counted twice.
    stages = run["stages"]
    assert {"compress the copies", "readers: read", "SQLite: FTS5 index (shards)", "SQLite: step rows (shards)"} <= set(stages)
    total = sum(s["cpu_seconds"] for s in stages.values())
    assert abs(total - run["serial_cpu_seconds"]) < 1e-6
    assert all(s["cpu_seconds"] >= 0 for s in stages.values())
    assert list(tmp_path.iterdir()) == []  # the bench removes what it built
