"""A recipe's SQL is a stranger's (docs/recipes.md), and its projection goes to a dataset others read:
the second gate scans what it gives, so SQL cannot piece back together a value the scrub took out
(test_dataset_recipes holds a token pieced from two literals to that). It scanned every row, each as
a JSON object keyed by its column names, and nothing else: a result of no rows had its column names
and a struct's field names written to the Parquet file's schema unscanned. Found 2026-11-28 by
running such recipes with `tracetui export --recipe`. Low harm: DuckDB makes a column's name from
the rows only in a PIVOT that lists no values, which runs as several statements, refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.datasets import three_session_bucket

from tracetui.cli import main

pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

TOKEN = "ghp_" + "Vb8Kq2Lx7Mz4Pw9Nr3Ts6Yd1Hf5Jc0Ga2Ue4"  # made up here
QUERIES = {
    "alias, no rows": f"SELECT 1 AS \\\"{TOKEN}\\\" FROM sessions WHERE false",
    "struct field, no rows": f"SELECT {{'{TOKEN}': 1}} AS s FROM sessions WHERE false",
}


@pytest.fixture(scope="module")
def bucket(tmp_path_factory) -> Path:
    return three_session_bucket(tmp_path_factory.mktemp("recipes"))


@pytest.mark.parametrize("sql", list(QUERIES.values()), ids=list(QUERIES))
def test_a_column_name_is_scanned_even_where_no_row_is(bucket, tmp_path, monkeypatch, capsys, sql):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    recipe = tmp_path / "names.toml"
    recipe.write_text(f'name = "names"\n[review]\naccept_suggested = true\n[output]\nsql = "{sql}"\n')
    dest = tmp_path / "out"
    code = main(["--bucket", str(bucket), "export", "--recipe", str(recipe), str(dest)])
    err = capsys.readouterr().err
    written = b"".join(p.read_bytes() for p in dest.rglob("*") if p.is_file()) if dest.exists() else b""
    assert TOKEN.encode() not in written
    assert code == 1 and "second gate refuses" in err and TOKEN not in err, err
