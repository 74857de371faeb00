"""A team dataset's Parquet files are other machines': a column may hold another type than the
layout says. Where the column is a partition key (`machine`, `agent`, `month`, also read from the
folders as text), pyarrow cannot merge the two, and `tracetui sql --dataset` stopped with an
ArrowTypeError and its traceback. It is one line now, naming the table."""

from __future__ import annotations

import pytest

from tracetui.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

VALUES = {
    "a number": lambda: pa.array([1, 2]),
    "a dictionary": lambda: pa.DictionaryArray.from_arrays(pa.array([0, 0], pa.int32()), pa.array(["pi"])),
    "a list": lambda: pa.array([["pi"], ["pi"]]),
    "a struct": lambda: pa.array([{"a": 1}, {"a": 2}]),
    "bytes": lambda: pa.array([b"pi", b"pi"]),
    "a time": lambda: pa.array([1, 2], pa.timestamp("s")),
}
CASES = [(key, kind) for key in ("machine", "agent", "month") for kind in VALUES]


def _dataset(root, key: str, kind: str):
    for table in ("sessions", "steps", "tool_calls", "patches"):
        folder = root / "data" / table / "machine=x" / "agent=pi" / "month=2026-01"
        folder.mkdir(parents=True)
        rows = {"session_id": pa.array(["s1", "s2"]), "title": pa.array(["a", "b"]), key: VALUES[kind]()}
        pq.write_table(pa.table(rows), folder / "part-00000.parquet")
    return root


@pytest.mark.parametrize(("key", "kind"), CASES)
def test_a_partition_key_of_another_type_is_one_line(tmp_path, capsys, monkeypatch, key, kind):
    dataset = _dataset(tmp_path / "ds", key, kind)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    capsys.readouterr()
    code = main(["sql", "--dataset", str(dataset), "SELECT count(*) FROM sessions"])
    out, err = capsys.readouterr()
    assert code == 1 and err.count("\n") == 1 and "sessions" in err, err
