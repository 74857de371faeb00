"""What `tracetui sql` and a recipe's SQL give back, from a stranger's dataset or a stranger's query.

Found 2026-11-28 by hand. (1) A Parquet time past year 9999 (or DuckDB's `infinity`) has no Python
value: `sql --dataset` over such a `started` column, and a recipe whose SQL gave one, ended in an
OverflowError traceback; such a value is now its type and its count of units, as text. (2) Rows
were taken as dicts, one value per name: a join's `SELECT *` (two `session_id`s) put every later
value under the column before it, in the table, the CSV and the JSON; the names are made unique
(`x`, `x_1`) as DuckDB's own `.df()` does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.datasets import small_dataset, three_session_bucket

from tracetui.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

FAR = 9089348860800000  # milliseconds: year 290000, past what Python's datetime holds


def _far_dataset(root: Path) -> Path:
    dataset = small_dataset(root)
    path = next((dataset / "data" / "sessions").rglob("*.parquet"))
    table = pq.read_table(path)
    far = pa.array([FAR, 0], pa.timestamp("ms", tz="UTC"))
    pq.write_table(table.append_column("started", far), path)
    return dataset


def test_a_time_python_cannot_hold_is_shown_as_text(tmp_path, capsys, monkeypatch):
    dataset = _far_dataset(tmp_path / "ds")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    capsys.readouterr()
    sql = "SELECT session_id, started, 'infinity'::DATE AS d, [started] AS l FROM sessions ORDER BY 1"
    assert main(["sql", "--dataset", str(dataset), "--json", sql]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["session_id"] == "s1" and rows[0]["started"].endswith(f"] {FAR}000>")
    assert rows[1]["started"].startswith("1970-01-01") and rows[0]["d"] == "<date32[day] 2147483647>"
    assert rows[0]["l"] == [rows[0]["started"]]


@pytest.mark.parametrize("form", ["--json", "--csv", None])
def test_a_join_s_twice_named_columns_keep_their_own_values(tmp_path, capsys, monkeypatch, form):
    dataset = small_dataset(tmp_path / "ds")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    capsys.readouterr()
    sql = ("SELECT s.session_id, t.session_id, t.text, 7 AS session_id_1 FROM sessions s JOIN steps t "
           "ON s.session_id = t.session_id WHERE s.session_id = 's1'")
    assert main(["sql", "--dataset", str(dataset), *([form] if form else []), sql]) == 0
    out = capsys.readouterr().out
    if form == "--json":
        want = {"session_id": "s1", "session_id_2": "s1", "text": "hi", "session_id_1": 7}
        assert json.loads(out) == [want]
    elif form == "--csv":
        assert out.splitlines() == ["session_id,session_id_2,text,session_id_1", "s1,s1,hi,7"]
    else:
        assert out.splitlines()[1].split() == ["s1", "s1", "hi", "7"]


def test_a_recipe_whose_sql_gives_such_a_time_runs(tmp_path, monkeypatch, capsys):
    bucket = three_session_bucket(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    recipe = tmp_path / "far.toml"
    sql = "SELECT session_id, 'infinity'::TIMESTAMP AS t FROM sessions"
    recipe.write_text(f'name = "far"\n[review]\naccept_suggested = true\n[output]\nsql = "{sql}"\n')
    code = main(["--bucket", str(bucket), "export", "--recipe", str(recipe), str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    [written] = (tmp_path / "out").rglob("*.parquet")
    assert pq.read_table(written).num_rows == 3


@pytest.mark.parametrize("form", ["--json", "--csv", None])
def test_the_end_of_a_day_is_shown_as_24_00_not_as_midnight(tmp_path, capsys, monkeypatch, form):
    """DuckDB's `TIME '24:00:00'` (the end of a day, as SQL allows) came back from Arrow as Python's
    `time(0, 0)`: midnight at the day's start, in the table, the CSV and the JSON (found 2026-11-28).
    It is its own text now, as DuckDB writes it."""
    dataset = small_dataset(tmp_path / "ds")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    capsys.readouterr()
    sql = ("SELECT session_id, TIME '24:00:00' AS t, TIME '12:30:00' AS n, [TIME '24:00:00'] AS l, "
           "{'at': TIME '24:00:00'} AS s FROM sessions WHERE session_id = 's1'")
    assert main(["sql", "--dataset", str(dataset), *([form] if form else []), sql]) == 0
    out = capsys.readouterr().out
    if form == "--json":
        [row] = json.loads(out)
        assert (row["t"], row["n"]) == ("24:00:00", "12:30:00")
        assert (row["l"], row["s"]) == (["24:00:00"], {"at": "24:00:00"})
    elif form == "--csv":
        assert out.splitlines()[1].startswith("s1,24:00:00,12:30:00,"), out
    else:
        assert out.splitlines()[1].split()[:3] == ["s1", "24:00:00", "12:30:00"], out
