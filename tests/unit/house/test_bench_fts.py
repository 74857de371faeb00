"""The FTS layouts benchmark indexes every step of a bucket in each layout, searches where a layout
can, never writes the bucket, and removes its scratch files."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import pytest
from shared_data import FIXTURES, ROOT

from tracetui.bucket import Bucket

BENCH = ROOT / "bench" / "bench_fts.py"


@pytest.mark.slow
def test_bench_fts_indexes_every_step_in_each_layout(tmp_path):
    shutil.copytree(FIXTURES / "bucket", tmp_path / "src")  # a Claude Code and a Pi session
    root = tmp_path / "bucket"
    with Bucket.open(root) as bucket:
        assert bucket.sync({"claude": [tmp_path / "src" / "claude"], "pi": [tmp_path / "src" / "pi"]}).errors == []
        steps = sum(s.steps for s in bucket.list_sessions())
    shards = sorted(root.glob("steps-*.sqlite"))
    assert shards
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in shards]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    done = subprocess.run([sys.executable, str(BENCH), str(root), "--rounds", "1", "--tmp", str(scratch)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["shards"] == len(shards) and result["steps"] == steps > 0
    assert all(len(v) == 1 and v[0] > 0 for v in result["index_cpu_seconds"].values())
    searched = result["search_ms_shard0"]
    assert all(ms is not None for ms in searched["full (today)"].values())
    # detail=none has no column filter: its one table cannot look in the said parts alone.
    assert all(ms is None for ms in searched["none columnsize=0"].values())
    assert all(ms is not None for ms in searched["none columnsize=0, injected apart"].values())
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in shards] == before
    assert list(scratch.iterdir()) == []
