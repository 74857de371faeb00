"""A local dataset of more files than the reader may hold open (a member can add as many as they like).

Since 2026-11-28 a local dataset's files are held open by descriptor while a read runs
(tracetui.dataset.held): the soft limit of open files is raised toward the hard one to hold them, and
where even the hard one cannot, the read is refused in one line before a file is opened, never
with EMFILE part way through a scan. Each read's descriptors are closed when it ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import ROOT
from support.datasets import small_dataset

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")
resource = pytest.importorskip("resource")

FILES = 300
# The CLI run under a limit of open files (argv[1] soft, argv[2] hard), then the descriptors left open.
LIMITED = """import os, resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), int(sys.argv[2])))
from tracetui.cli import main
before = len(os.listdir("/proc/self/fd"))
code = main(sys.argv[3:])
left = len(os.listdir("/proc/self/fd")) - before
print("left open", left, "soft", resource.getrlimit(resource.RLIMIT_NOFILE)[0])
sys.exit(code)
"""


def _run(root: Path, soft: int, hard: int, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_STATE_HOME": str(home / "state")}  # fmt: skip
    argv = [sys.executable, "-c", LIMITED, str(soft), str(hard), "sql", "--dataset", str(root),
            "SELECT count(*) FROM sessions", "--csv"]  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, check=False)


@pytest.fixture
def many(tmp_path) -> Path:
    root = small_dataset(tmp_path / "ds")
    for i in range(FILES - 1):
        folder = root / "data" / "sessions" / f"machine=m{i:03d}" / "agent=pi" / "month=2026-01"
        folder.mkdir(parents=True)
        one = pa.table({"session_id": [f"m{i}"], "agent": ["pi"], "title": ["t"]})
        pq.write_table(one, folder / "p.parquet")
    return root


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="files are held by /proc/self/fd names")
def test_the_soft_limit_is_raised_to_hold_the_files_and_they_are_closed_after(many, tmp_path):
    done = _run(many, 256, 4096, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split()
    assert lines[:2] == ["count_star()", str(FILES + 1)]  # (the small dataset's own file holds two)
    assert lines[2:5] == ["left", "open", "0"], done.stdout
    assert 256 < int(lines[-1]) <= 4096


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="files are held by /proc/self/fd names")
def test_more_files_than_the_hard_limit_holds_are_refused_in_one_line(many, tmp_path):
    done = _run(many, 200, 200, tmp_path)
    assert done.returncode != 0, done.stdout
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"{FILES} files at once" in done.stderr and "ulimit -n" in done.stderr
    assert "Traceback" not in done.stderr and "Too many open files" not in done.stderr
