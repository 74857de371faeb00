"""A local dataset's Parquet file swapped, after it was listed and before it was read, for a link to a
file of the reader's or for a FIFO (a member of a shared folder can, at any time).

Found 2026-11-28: `sql --dataset` and `export --check` listed a table's regular files, then pyarrow
opened each by its path when the scan reached it. A link swapped in between was followed (the rows of
the reader's own Parquet file came back as the dataset's), and a FIFO held the read for ever. Now each
file is opened by descriptor, no link followed, a FIFO opened without waiting and refused: one line.
The swap is made deterministic by doing it as the table's files are listed (tables._local_files)."""

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
# Runs the CLI with machine x's sessions file swapped (argv[1]: a path to link to, or "fifo") at one
# of two moments (argv[2]): once the table's files are listed, nothing opened yet ("listed"), or once
# the tables are made and handed on, before the scan ("made"; after the files are held, where they are);
# any other word: not swapped.
SWAP = """import contextlib, os, sys
from tracetui.dataset import tables
from tracetui.cli import main
def swap(folder):
    mine = sorted(os.path.join(w, n) for w, _, ns in os.walk(folder) for n in ns if "machine=x" in w)
    if mine and not os.path.islink(mine[0]) and os.path.isfile(mine[0]):
        os.unlink(mine[0])
        os.mkfifo(mine[0]) if sys.argv[1] == "fifo" else os.symlink(sys.argv[1], mine[0])
listed, made = tables._local_files, tables.dataset_tables
def on_listing(folder):
    out = listed(folder)
    if folder.endswith("data/sessions"):
        swap(folder)
    return out
def on_made(location, only=None, keep=None):
    out = made(location, only, keep)
    if not hasattr(out, "__enter__"):
        swap(location.path("data/sessions"))
        return out
    @contextlib.contextmanager
    def entered():
        with out as held:
            swap(location.path("data/sessions"))
            yield held
    return entered()
if sys.argv[2] == "listed":
    tables._local_files = on_listing
elif sys.argv[2] == "made":
    tables.dataset_tables = on_made
sys.exit(main(sys.argv[3:]))
"""
X_PART = "data/sessions/machine=x/agent=pi/month=2026-01/part-00000.parquet"


def _child(swap: str, when: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_STATE_HOME": str(home / "state")}  # fmt: skip
    # A timeout: a FIFO read would wait for a writer for ever.
    return subprocess.run([sys.executable, "-c", SWAP, swap, when, *args], capture_output=True, text=True,
                          timeout=60, env=env, stdin=subprocess.DEVNULL, check=False)  # fmt: skip


@pytest.fixture
def dataset(tmp_path) -> tuple[Path, Path]:
    """A small dataset with a second machine's sessions file listed before machine x's (the swapped
    one: pyarrow looks at a table's first file as the dataset is made), and, outside it, a Parquet file
    of the reader's holding a secret row."""
    root = small_dataset(tmp_path / "ds")
    first = root / "data" / "sessions" / "machine=w" / "agent=pi" / "month=2026-01"
    first.mkdir(parents=True)
    zero = pa.table({"session_id": ["s0"], "agent": ["pi"], "title": ["zero"]})
    pq.write_table(zero, first / "part-00000.parquet")
    secret = tmp_path / "private" / "mine.parquet"
    secret.parent.mkdir()
    pq.write_table(pa.table({"session_id": [SECRET], "agent": ["pi"], "title": [SECRET]}), secret)
    return root, secret


@pytest.mark.parametrize("swap", ["link", "fifo"])
def test_sql_refuses_a_file_swapped_after_the_listing_in_one_line(dataset, tmp_path, swap):
    root, secret = dataset
    done = _child(str(secret) if swap == "link" else "fifo", "listed", "sql", "--dataset", str(root),
                  "SELECT session_id, title FROM sessions", "--csv", home=tmp_path)  # fmt: skip
    assert done.returncode != 0, done.stdout
    assert SECRET not in done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "part-00000.parquet" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("swap", ["link", "fifo"])
def test_check_names_a_file_swapped_after_the_listing_and_reads_no_byte_of_it(dataset, tmp_path, swap):
    root, secret = dataset
    done = _child(str(secret) if swap == "link" else "fifo", "listed", "export", "--check", f"file://{root}",
                  "--json", home=tmp_path)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert SECRET not in done.stdout + done.stderr
    report = orjson.loads(done.stdout)
    assert "sessions" not in report["rows"]  # none of the secret's rows counted as the table's
    named = {p["file"] for p in report["problems"]}
    assert X_PART in named


@pytest.mark.parametrize("swap", ["link", "fifo"])
def test_sql_reads_the_file_listed_when_it_is_swapped_once_opened(dataset, tmp_path, swap):
    root, secret = dataset
    done = _child(str(secret) if swap == "link" else "fifo", "made", "sql", "--dataset", str(root),
                  "SELECT session_id, title FROM sessions ORDER BY 1", "--csv", home=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert done.stdout.split() == ["session_id,title", "s0,zero", "s1,one", "s2,two"]  # the files as listed


@pytest.mark.parametrize("swap", ["link", "fifo"])
def test_check_reads_the_file_listed_when_it_is_swapped_once_opened(dataset, tmp_path, swap):
    root, secret = dataset
    done = _child(str(secret) if swap == "link" else "fifo", "made", "export", "--check", f"file://{root}",
                  "--json", home=tmp_path)  # fmt: skip
    assert SECRET not in done.stdout + done.stderr
    report = orjson.loads(done.stdout)
    assert report["rows"]["sessions"] == 3  # machine w's one and x's two, as listed
    said = [p["problem"] for p in report["problems"] if p["file"] in (X_PART, "data/sessions/")]
    assert not any("read" in p for p in said), said  # (the small dataset has no manifests: they are said)


def test_a_hard_link_is_read_as_any_file(dataset, tmp_path):
    # A hard link is read (docs/internals/dataset.md, "Files held open"): the kernel lets a member link
    # only a file they own or may read and write, and a hard-link copy of a folder is all hard links.
    root, _ = dataset
    theirs = tmp_path / "theirs.parquet"
    pq.write_table(pa.table({"session_id": ["h1"], "agent": ["pi"], "title": ["linked"]}), theirs)
    (root / X_PART).unlink()
    os.link(theirs, root / X_PART)
    done = _child("none", "none", "sql", "--dataset", str(root), "SELECT session_id FROM sessions ORDER BY 1",
                  "--csv", home=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["session_id", "h1", "s0"]
