"""A Parquet file whose values repeat one long dictionary entry: a stranger's dataset file of 49 KB (one
zstd'd entry of 900 KB, and 20,000 rows that each point at it, well within the rows a byte a footer may
claim) made `sql --dataset` inflate 18 GB of text: pyarrow writes a repeated entry out once per value,
outside DuckDB's memory limit. Under a 10 GB address-space limit it took 5 GB and stopped with
"Out of memory"; without one, the machine's. Each page's own size is checked already
(test_hostile_dataset_page_claims.py); what a dictionary's entries make of the values pointing at them
is now counted in the same budget, and such a file refused in one line naming it.

Each case runs in a child under a 3 GB address-space limit and a timeout."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest
from shared_data import ROOT
from support.peak_memory import run_cli_measured

from tracetui.errors import TracetuiError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

PART = "part-00000.parquet"


def _dataset(root: Path, rows: int, width: int, compression: str, nested: bool = False) -> Path:
    for table in ("sessions", "steps", "tool_calls", "patches"):
        folder = root / "data" / table / "machine=x" / "agent=pi" / "month=2026-01"
        folder.mkdir(parents=True)
        entry = pa.array(["a" * width])
        repeated = pa.DictionaryArray.from_arrays(pa.array([0] * rows, pa.int32()), entry)
        if nested:  # the entries as the values of a list column: the same leaf, one level down
            repeated = pa.ListArray.from_arrays(pa.array(range(rows + 1), pa.int32()), repeated)
        columns = {"session_id": pa.array([f"s{i}" for i in range(rows)]), "title": repeated}
        # store_schema=False: no Arrow schema in the footer, so the column is read as plain text.
        pq.write_table(pa.table(columns), folder / PART, compression=compression, store_schema=False)
    return root


def _sql(root: Path, home: Path, sql: str) -> tuple[int, str, int]:
    """(exit code, stderr less its last line, the child's peak memory in MB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_STATE_HOME": str(home / "state")}  # fmt: skip

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    out = run_cli_measured("sql", "--dataset", str(root), sql, timeout=180, env=env, preexec_fn=limit)
    return out.returncode, out.stderr.rstrip("\n"), out.peak_mb if out.peak_kb > 0 else -1


@pytest.mark.parametrize(("compression", "nested"), [
    ("zstd", False), ("snappy", False), ("gzip", False), ("brotli", False), ("lz4", False), ("none", False),
    ("zstd", True),
])  # fmt: skip
def test_values_repeating_a_long_dictionary_entry_are_refused_in_one_line(tmp_path, compression, nested):
    root = _dataset(tmp_path / "ds", 20_000, 900_000, compression, nested)
    assert (root / "data" / "sessions" / "machine=x" / "agent=pi" / "month=2026-01" / PART).stat().st_size < 2 << 20
    code, err, peak = _sql(root, tmp_path, "SELECT session_id, title FROM sessions LIMIT 3")
    assert code == 1 and err.count("\n") == 0 and PART in err and "dictionary" in err, err
    assert 0 < peak < 1024, peak


def test_a_repeated_entry_within_the_budget_is_read(tmp_path):
    root = _dataset(tmp_path / "ds", 2_000, 10_000, "zstd")
    code, err, _ = _sql(root, tmp_path, "SELECT count(*), max(length(title)), sum(length(title)) FROM sessions")
    assert code == 0, err


@pytest.mark.parametrize("compression", ["zstd", "snappy", "gzip", "brotli", "lz4", "none"])
def test_a_dictionary_of_many_short_entries_passes_whatever_its_codec(tmp_path, compression):
    """Its page's size over-bounds its values (10,000 x 1 MB); the entries read say 10,000 x 1 KB."""
    from tracetui.dataset.page_claims import check_pages

    words = [f"{i:05d}" + "x" * 1000 for i in range(1000)]
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"t": pa.array([words[i % 1000] for i in range(10_000)])}), path,
                   compression=compression, store_schema=False)  # fmt: skip
    meta = pq.read_metadata(path)
    assert meta.row_group(0).column(0).has_dictionary_page
    check_pages(str(path), meta, path.stat().st_size, "t.parquet")


def test_one_long_entry_among_many_short_values_is_counted_exactly_and_passes(tmp_path):
    """Each value at most the longest entry: 20,000 x 200 KB, past the budget. The values counted as
    they point (one at the long entry) make 40 MB less: read, not refused. The same entry pointed at by
    every value is refused."""
    from tracetui.dataset.page_claims import check_pages

    entries = pa.array(["L" * 200_000] + [f"short {i}" for i in range(9_999)])
    for pointed, refused in ((lambda i: i % 10_000, False), (lambda i: 0, True)):
        indices = pa.array([pointed(i) for i in range(20_000)], pa.int32())
        column = pa.ListArray.from_arrays(pa.array(range(20_001), pa.int32()),
                                          pa.DictionaryArray.from_arrays(indices, entries))  # fmt: skip
        path = tmp_path / "t.parquet"
        pq.write_table(pa.table({"id": list(range(20_000)), "t": column}), path, compression="zstd",
                       store_schema=False)  # fmt: skip
        meta = pq.read_metadata(path)
        if refused:
            with pytest.raises(TracetuiError, match="repeat dictionary entries"):
                check_pages(str(path), meta, path.stat().st_size, "t.parquet")
        else:
            check_pages(str(path), meta, path.stat().st_size, "t.parquet")
