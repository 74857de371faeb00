"""A Parquet file of a team dataset whose footer claims far more rows than its bytes can hold.

Found 2026-11-28: Arrow reserves a column's buffers by the rows a row group claims. A 80 KB sessions
file whose footer said 3e9 rows had `sql --dataset` and `export --check` reserve 8 GB and grow by
0.9 GB (1.1 GB against 0.2 GB), then answer with its 12,345 real rows; one saying 5e9 a 20 GB malloc.
Now a file claiming more than ROWS_PER_BYTE rows a byte is refused in one line naming it."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES
from support.datasets import cli_in_child as _cli
from support.datasets import small_dataset

sys.path.insert(0, str(FIXTURES))
from parquet_forge import varint  # noqa: E402

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

ROWS = 12345
CLAIMED = 3_000_000_000
PART = "data/sessions/machine=x/agent=pi/month=2026-01/part-00000.parquet"


def _claiming(path: Path, rows: int) -> None:
    """The file at `path` rewritten with ROWS real rows and a footer whose every count of them (thrift's
    zigzag varints: the file's, the row group's, each column's values) says `rows`."""
    pq.write_table(pa.table({"session_id": [f"s{i}" for i in range(ROWS)], "agent": ["pi"] * ROWS,
                             "title": ["t"] * ROWS}), path, compression="snappy")  # fmt: skip
    data = path.read_bytes()
    size = struct.unpack("<I", data[-8:-4])[0]
    footer = data[-8 - size : -8].replace(varint(ROWS << 1), varint(rows << 1))
    path.write_bytes(data[: -8 - size] + footer + struct.pack("<I", len(footer)) + b"PAR1")
    assert pq.read_metadata(path).num_rows == rows


@pytest.fixture
def dataset(tmp_path) -> Path:
    root = small_dataset(tmp_path / "ds")
    _claiming(root / PART, CLAIMED)
    return root


def test_sql_refuses_a_file_claiming_more_rows_than_its_bytes_in_one_line(dataset, tmp_path):
    done = _cli("sql", "--dataset", str(dataset), "SELECT count(*) FROM sessions", "--csv", home=tmp_path)
    assert done.returncode != 0, done.stdout
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "part-00000.parquet" in done.stderr and f"claims {CLAIMED:,} rows" in done.stderr


def test_check_names_a_file_claiming_more_rows_than_its_bytes(dataset, tmp_path):
    done = _cli("export", "--check", f"file://{dataset}", "--json", home=tmp_path)
    report = orjson.loads(done.stdout)
    assert "sessions" not in report["rows"]
    assert any(p["file"] == PART and f"claims {CLAIMED:,} rows" in p["problem"] for p in report["problems"])


def test_a_file_claiming_what_it_holds_is_read(tmp_path):
    root = small_dataset(tmp_path / "ds")
    _claiming(root / PART, ROWS)
    done = _cli("sql", "--dataset", str(root), "SELECT count(*) FROM sessions", "--csv", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["count_star()", str(ROWS)]
