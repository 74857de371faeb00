"""A local dataset's Parquet file swapped, after it was listed and before it was read, for a link to a
file of the reader's or for a FIFO (a member of a shared folder can, at any time).

Found 2026-11-28: `sql --dataset` and `export --check` listed a table's regular files, then pyarrow
opened each by its path when the scan reached it. A link swapped in between was followed (the rows of
the reader's own Parquet file came back as the dataset's), and a FIFO held the read for ever. Now each
file is opened by descriptor, no link followed, a FIFO opened without waiting and refused: one line.
The swap is made deterministic by doing it as the tables are returned (tables.dataset_tables)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from shared_data import ROOT
from support.datasets import small_dataset

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

SECRET = "SECRET-7f3a-private-row"
# Runs the CLI with the sessions table's file swapped once its table is listed, before the scan.
SWAP = """import os, sys
from tracetui.dataset import tables
from tracetui.cli import main
made = tables.dataset_tables
def swapped(location, only=None):
    out = made(location, only)
    first = sorted(location.fs.find(location.path("data/sessions")))[0]
    os.unlink(first)
    os.mkfifo(first) if sys.argv[1] == "fifo" else os.symlink(sys.argv[1], first)
    return out
tables.dataset_tables = swapped
sys.exit(main(sys.argv[2:]))
"""


def _child(swap: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_STATE_HOME": str(home / "state")}  # fmt: skip
    # A timeout: a FIFO read would wait for a writer for ever.
    return subprocess.run([sys.executable, "-c", SWAP, swap, *args], capture_output=True, text=True,
                          timeout=60, env=env, stdin=subprocess.DEVNULL, check=False)  # fmt: skip


@pytest.fixture
def dataset(tmp_path) -> tuple[Path, Path]:
    """A small dataset and, outside it, a Parquet file of the reader's holding a secret row."""
    root = small_dataset(tmp_path / "ds")
    secret = tmp_path / "private" / "mine.parquet"
    secret.parent.mkdir()
    pq.write_table(pa.table({"session_id": [SECRET], "agent": ["pi"], "title": [SECRET]}), secret)
    return root, secret


@pytest.mark.parametrize("swap", ["link", "fifo"])
def test_sql_refuses_a_file_swapped_after_the_listing_in_one_line(dataset, tmp_path, swap):
    root, secret = dataset
    done = _child(str(secret) if swap == "link" else "fifo", "sql", "--dataset", str(root),
                  "SELECT session_id, title FROM sessions", "--csv", home=tmp_path)  # fmt: skip
    assert done.returncode != 0, done.stdout
    assert SECRET not in done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "part-00000.parquet" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("swap", ["link", "fifo"])
def test_check_names_a_file_swapped_after_the_listing_and_reads_no_byte_of_it(dataset, tmp_path, swap):
    root, secret = dataset
    done = _child(str(secret) if swap == "link" else "fifo", "export", "--check", f"file://{root}", "--json",
                  home=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert SECRET not in done.stdout + done.stderr
    report = orjson.loads(done.stdout)
    assert "sessions" not in report["rows"]  # none of the secret's rows counted as the table's
    named = {p["file"] for p in report["problems"]}
    assert "data/sessions/machine=x/agent=pi/month=2026-01/part-00000.parquet" in named
