"""A team dataset where one machine's partition holds a page bomb, queried on other partitions.

Found 2026-11-28: a query on one machine or month held, checked and copied every file of the tables it
names. Now only the partitions its WHERE can read are (dataset/prune.py): a bomb in a partition the
query leaves out is never opened and the query answers; one in a partition it reads is still refused,
in one line naming the file (its pages claim to inflate past what the check allows)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from shared_data import FIXTURES
from support.datasets import cli_in_child as _cli
from support.datasets import small_dataset

sys.path.insert(0, str(FIXTURES))
from parquet_forge import lying_parquet  # noqa: E402

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

# The first steps file in the listing's order (machine=a before machine=x): three pages each claiming
# 900 MiB once inflated.
BOMB = "data/steps/machine=a/agent=pi/month=2026-01/part-00000.parquet"


@pytest.fixture
def dataset(tmp_path) -> Path:
    root = small_dataset(tmp_path / "ds")
    (root / BOMB).parent.mkdir(parents=True)
    (root / BOMB).write_bytes(lying_parquet(900 << 20, 1 << 10, 3))
    return root


LEFT_OUT = [("machine = 'x'", "2"), ("machine = 'nobody'", "0"),
            ("month >= '2026-01' AND agent IN ('pi') AND machine > 'a'", "2")]


@pytest.mark.parametrize(("where", "count"), LEFT_OUT)
def test_a_bomb_in_a_partition_the_query_leaves_out_is_never_opened(dataset, tmp_path, where, count):
    done = _cli("sql", "--dataset", str(dataset), f"SELECT count(*) AS n FROM steps WHERE {where}", "--csv",
                home=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["n", count]


@pytest.mark.parametrize("where", ["machine = 'a'", "machine IN ('a', 'x')", "machine = 'x' OR text = ''"])
def test_a_bomb_in_a_partition_the_query_reads_is_refused_in_one_line(dataset, tmp_path, where):
    done = _cli("sql", "--dataset", str(dataset), f"SELECT count(*) AS n FROM steps WHERE {where}", "--csv",
                home=tmp_path)  # fmt: skip
    assert done.returncode != 0 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "machine=a" in done.stderr and "claim to inflate" in done.stderr, done.stderr
