"""A team dataset is written by other machines: its files and folders are hostile input to the machine
that reads it (docs/dataset.md).

Found here: `tracetui --dataset` (a folder or a file:// URL) opened a FIFO named `part-00001.parquet` and
waited for a writer for ever, and read a `*.parquet` link to a file outside the dataset as one of its
own; `sql --dataset` and `export --check` read through links out of the dataset and, with two links
to `.` in one partition folder, walked round them for ever (pyarrow's discovery follows links)."""

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


def _child(code: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """`code` in a child: a read through a FIFO or round a loop of links would never end."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_STATE_HOME": str(home / "state")}  # fmt: skip
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60,
                          env=env, stdin=subprocess.DEVNULL, check=False)  # fmt: skip


CLI = "import sys; from tracetui.cli import main; sys.exit(main(sys.argv[1:]))"
APP = ("import sys; from tracetui.dataset import open_dataset\n"
       "lib = open_dataset(sys.argv[1])\n"
       "print(sorted(r.id for r in lib.list_sessions()), [len(lib.session(s).steps) for s in ('s1', 's2')])\n"
       "lib.close()")  # fmt: skip


@pytest.fixture
def planted(tmp_path) -> tuple[Path, Path]:
    """A dataset whose partitions hold a FIFO named like a part, a part that links to a file outside,
    and two links to their own folder; and that folder outside."""
    dataset = small_dataset(tmp_path / "ds")
    outside = tmp_path / "outside"
    outside.mkdir()
    pq.write_table(pa.table({"session_id": ["stolen"], "agent": ["pi"]}), outside / "secret.parquet")
    for table in ("sessions", "steps"):
        folder = dataset / "data" / table / "machine=x" / "agent=pi" / "month=2026-01"
        os.mkfifo(folder / "part-00001.parquet")
        (folder / "part-00002.parquet").symlink_to(outside / "secret.parquet")
        (folder / "out").symlink_to(outside)
        (folder.parent / "loop-a").symlink_to(".")
        (folder.parent / "loop-b").symlink_to(".")
    return dataset, outside


@pytest.mark.parametrize("url", ["folder", "file-url"])
def test_the_app_reads_only_the_datasets_own_regular_files(planted, tmp_path, url):
    dataset, _ = planted
    done = _child(APP, str(dataset) if url == "folder" else f"file://{dataset}", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['s1', 's2'] [1, 1]"


def test_sql_reads_no_file_through_a_link_and_never_walks_round_links(planted, tmp_path):
    dataset, _ = planted
    done = _child(CLI, "sql", "--dataset", str(dataset), "SELECT session_id FROM sessions ORDER BY 1", "--csv",
                  home=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["session_id", "s1", "s2"]


def test_check_names_the_links_and_reads_the_tables_without_them(planted, tmp_path):
    dataset, _ = planted
    done = _child(CLI, "export", "--check", f"file://{dataset}", "--json", home=tmp_path)
    assert done.returncode == 1, done.stderr
    import orjson

    report = orjson.loads(done.stdout)
    assert report["rows"]["sessions"] == 2 and report["rows"]["steps"] == 2
    named = {p["file"] for p in report["problems"]}
    assert "data/sessions/machine=x/agent=pi/month=2026-01/part-00002.parquet" in named
