"""A parquet export as every reader sees it: the partition keys (`agent`, `month`) are columns of the
files too, so DuckDB with and without hive discovery, pyarrow on one file, and Hugging Face
`datasets.load_dataset(DEST, CONFIG)` for every config of the card give the same rows and columns.

`datasets` is in the test extras (175 MB with pandas and numpy, 16 s of an idle install); where it is
not installed its tests are skipped with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_data import FIXTURES, requires_corpus
from support.built_once import PLANTED_GROUP, planted_export

from tracetui.export import ExportOptions, export
from tracetui.export.tables import PARTITION, TABLES

duckdb = pytest.importorskip("duckdb")
pq = pytest.importorskip("pyarrow.parquet")

AGENTS = ("claude", "codex", "pi", "gemini", "opencode", "copilot")
KEYS = [name for name, _, _ in PARTITION]


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory) -> Path:
    from tracetui.demo.build import build, open_library

    root = tmp_path_factory.mktemp("demo")
    bucket = open_library(build(root / "demo"))
    dest = root / "out"
    export(bucket, dest, ExportOptions("parquet", accept_suggested=True))
    return dest


def _plain_columns(table: str) -> list[str]:
    """The columns DuckDB hands back as Python values without pytz (its timestamps need it)."""
    return [name for name, kind, _ in TABLES[table] if kind != "timestamp"]


def _duckdb(dest: Path, table: str, hive: bool) -> tuple[list[str], list[tuple]]:
    source = f"read_parquet('{dest}/data/{table}/**/*.parquet', hive_partitioning={str(hive).lower()})"
    columns = duckdb.sql(f"SELECT * FROM {source} LIMIT 0").columns
    cols = ", ".join(f'"{c}"' for c in _plain_columns(table))
    rows = duckdb.sql(f"SELECT {cols} FROM {source}").fetchall()
    return columns, sorted(rows, key=repr)


def _same_for_every_reader(dest: Path) -> dict[str, int]:
    counts = {}
    for table, columns in TABLES.items():
        names = [name for name, _, _ in columns]
        with_hive, rows_hive = _duckdb(dest, table, hive=True)
        without, rows_plain = _duckdb(dest, table, hive=False)
        assert with_hive == names and without == names, table
        assert rows_hive == rows_plain
        counts[table] = len(rows_plain)
        for path in (dest / "data" / table).rglob("*.parquet"):
            data = pq.read_table(path)
            assert data.column_names == names
            folders = dict(part.split("=", 1) for part in path.relative_to(dest / "data" / table).parts[:-1])
            assert list(folders) == KEYS
            for key in KEYS:  # the column holds the folder's value in every row
                assert set(data.column(key).to_pylist()) <= {folders[key]}
    return counts


def test_partition_keys_are_columns_every_reader_sees(demo_export):
    counts = _same_for_every_reader(demo_export)
    assert counts["sessions"] == 3 and counts["steps"] > 0
    agents = duckdb.sql(
        f"SELECT DISTINCT agent FROM read_parquet('{demo_export}/data/steps/**/*.parquet')"
    ).fetchall()
    assert {a for (a,) in agents} == {"claude", "codex", "pi"}


def test_datasets_load_every_config_of_the_card(demo_export, tmp_path, monkeypatch):
    datasets = pytest.importorskip(
        "datasets", reason="Hugging Face datasets is not installed (pip install -e '.[test]')"
    )
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    for table, columns in TABLES.items():
        names = [name for name, _, _ in columns]
        loaded = datasets.load_dataset(str(demo_export), table, split="train", cache_dir=str(tmp_path / table))
        assert loaded.column_names == names
        expected = duckdb.sql(
            f"SELECT agent, month FROM read_parquet('{demo_export}/data/{table}/**/*.parquet')"
        ).fetchall()
        assert sorted(zip(loaded["agent"], loaded["month"])) == sorted(expected)
    default = datasets.load_dataset(str(demo_export), split="train", cache_dir=str(tmp_path / "default"))
    assert default.column_names == [name for name, _, _ in TABLES["sessions"]]


@requires_corpus
@pytest.mark.corpus
@PLANTED_GROUP
def test_corpus_export_reads_the_same_with_and_without_hive(tmp_path, tmp_path_factory):
    dest, report = planted_export(tmp_path_factory, "parquet")  # the run's one export
    assert report["refused"] == []
    counts = _same_for_every_reader(dest)
    assert counts["sessions"] == report["sessions"]
    found = duckdb.sql(f"SELECT DISTINCT agent FROM read_parquet('{dest}/data/sessions/**/*.parquet')").fetchall()
    assert {a for (a,) in found} == set(AGENTS)
    try:
        import datasets
    except ImportError:
        return
    for table in TABLES:
        loaded = datasets.load_dataset(str(dest), table, split="train", cache_dir=str(tmp_path / table))
        assert loaded.num_rows == counts[table] and {"agent", "month"} <= set(loaded.column_names)


def test_one_child_decodes_file_after_file_and_a_bomb_costs_only_its_own(tmp_path):
    """`--check` decodes every Parquet file in one bounded child (its start, pyarrow's import, was
    0.45 s a file). A file that is no Parquet is one problem and the child goes on; a page that
    inflates past the child's memory ends that child, and the next file gets a new one."""
    import sys

    import pyarrow as pa
    import pyarrow.parquet as pq

    from tracetui.export.parquet_rows import ParquetRows, Unreadable

    sys.path.insert(0, str(FIXTURES))
    from parquet_forge import lying_parquet

    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"session_id": ["s1", "s2"], "text": ["one", "two"]}), good)
    (tmp_path / "not.parquet").write_bytes(b"PAR1 not really")
    (tmp_path / "bomb.parquet").write_bytes(lying_parquet(900 << 20, 900 << 20, 3))
    with ParquetRows() as reader:
        rows = lambda name: b"\n".join(body for _, body in reader.rows(tmp_path / name))  # noqa: E731
        assert rows("good.parquet").count(b"\n") == 1
        first = reader._child
        with pytest.raises(Unreadable, match="cannot be read as Parquet"):
            rows("not.parquet")
        assert b'"two"' in rows("good.parquet") and reader._child is first  # the same child went on
        with pytest.raises(Unreadable, match="memory|CPU"):
            rows("bomb.parquet")
        assert reader._child is None
        assert b'"one"' in rows("good.parquet") and reader._child is not first


def test_the_decoding_child_has_a_cpu_budget_per_file_under_one_hard_limit(tmp_path):
    """A file's budget is the child's soft CPU limit, moved before each file; the hard limit (which a
    process cannot raise again) is set once, for every file the child will decode."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tracetui.export.parquet_rows import CPU_SECONDS, FILES_A_CHILD, ParquetRows

    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"text": ["one"]}), good)
    limits = Path("/proc/self/limits")
    if not limits.is_file():
        pytest.skip("no /proc to read a child's limits from")
    with ParquetRows() as reader:
        list(reader.rows(good))
        assert reader._child is not None
        line = next(t for t in Path(f"/proc/{reader._child.pid}/limits").read_text().splitlines()
                    if t.startswith("Max cpu time"))  # fmt: skip
    soft, hard = (int(v) for v in line.split()[3:5])
    assert CPU_SECONDS < soft <= CPU_SECONDS + 30
    assert soft < hard <= FILES_A_CHILD * (CPU_SECONDS + 1) + 60


def _decoded_in_child(path: Path) -> tuple[bytes, str]:
    """The rows the decoding child gives of `path`, and the files it had mapped (`/proc`'s)."""
    from tracetui.export.parquet_rows import ParquetRows

    if not Path("/proc/self/maps").is_file():
        pytest.skip("no /proc to read a child's mapped files from")
    with ParquetRows() as reader:
        body = b"\n".join(part for _, part in reader.rows(path))
        assert reader._child is not None
        return body, Path(f"/proc/{reader._child.pid}/maps").read_text()


def test_the_decoding_child_reads_times_as_text_without_loading_pandas(tmp_path):
    """pyarrow made each timestamp a Python object by asking pandas first: every child imported it
    (half of what checking a small export cost) before reading the first row of an export."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    when = datetime.datetime(2026, 1, 12, 9, 5, 10, tzinfo=datetime.timezone.utc)
    timed = tmp_path / "timed.parquet"
    pq.write_table(pa.table({"timestamp": pa.array([when], pa.timestamp("ms", tz="UTC")),
                             "took": pa.array([1500], pa.duration("ms")), "text": ["one"]}), timed)  # fmt: skip
    body, mapped = _decoded_in_child(timed)
    assert b"2026-01-12" in body and b"09:05:10" in body and b'"one"' in body, body
    assert "pyarrow" in mapped and "/pandas/" not in mapped


def test_times_inside_a_struct_list_or_map_are_read_as_text_past_year_9999_too(tmp_path):
    """A dataset's files are anyone's: a timestamp in a struct went through pandas as a top-level one
    did, and one past year 9999 there made the whole file unreadable (nothing in it was checked)."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    when = datetime.datetime(2026, 1, 12, 9, 5, 10)
    far = pa.array([2**62], pa.int64()).cast(pa.timestamp("us"))  # past year 9999
    took = pa.array([[("read", datetime.timedelta(seconds=2))]], pa.map_(pa.string(), pa.duration("ms")))
    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.table({
        "meta": pa.StructArray.from_arrays([far, pa.array(["sk-in-a-struct"])], names=["at", "note"]),
        "times": pa.array([[when]], pa.list_(pa.timestamp("ms"))),
        "took": took,
    }), nested)  # fmt: skip
    body, mapped = _decoded_in_child(nested)
    assert b"sk-in-a-struct" in body and b"out of range" in body, body
    assert b"2026-01-12 09:05:10" in body and b'"2000"' in body, body
    assert "/pandas/" not in mapped
