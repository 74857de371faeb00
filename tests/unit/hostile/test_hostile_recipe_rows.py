"""A recipe is a stranger's file (docs/recipes.md: one shares them), and `tracetui sql` runs someone's
text too (a query pasted from a thread, a team's wiki): SQL may make rows from nothing: `range(…)`, a
long `repeat`, tables joined with themselves. Its result was taken whole and then every row was turned
into Python (and, for a recipe, scanned by the second gate): three million rows of one number took a
gigabyte and minutes. A result may now hold no more rows than the tables it reads (or 100,000), nor
more bytes than eight times their files (or 256 MiB), and past them is one line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from support.datasets import three_session_bucket

from tracetui.cli import main

pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def bucket(tmp_path_factory) -> Path:
    return three_session_bucket(tmp_path_factory.mktemp("recipes"))


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path


MADE_FROM_NOTHING = pytest.mark.parametrize(
    "sql",
    [
        "SELECT range AS n FROM range(3000000)",  # 25 s and 1 GB
        "SELECT a.step_id FROM steps a, steps b, steps c, steps d, range(100)",
        "SELECT repeat('ab', 200000000) AS s",
    ],
    ids=["rows-from-nothing", "a-table-joined-with-itself", "one-huge-value"],
)


@MADE_FROM_NOTHING
def test_a_recipe_whose_sql_makes_rows_from_nothing_is_one_line(bucket, env, capsys, sql):
    recipe = env / "big.toml"
    recipe.write_text(f'name = "big"\n[review]\naccept_suggested = true\n[output]\nsql = "{sql}"\n')
    dest = env / "out"
    capsys.readouterr()
    started = time.monotonic()
    code = main(["--bucket", str(bucket), "export", "--recipe", str(recipe), str(dest)])
    err = capsys.readouterr().err
    assert time.monotonic() - started < 15
    assert code == 1 and err.count("\n") == 1 and "the query" in err, err
    assert not dest.exists()


def test_a_recipe_whose_sql_keeps_to_its_tables_still_exports(bucket, env, capsys):
    recipe = env / "fine.toml"
    sql = "SELECT s.agent, t.step_id FROM sessions s JOIN steps t USING (session_id)"
    recipe.write_text(f'name = "fine"\n[review]\naccept_suggested = true\n[output]\nsql = "{sql}"\n')
    assert main(["--bucket", str(bucket), "export", "--recipe", str(recipe), str(env / "out")]) == 0


@MADE_FROM_NOTHING
@pytest.mark.parametrize("form", [[], ["--csv"], ["--json"]], ids=["table", "csv", "json"])
def test_sql_that_makes_rows_from_nothing_is_one_line(bucket, env, capsys, sql, form):
    capsys.readouterr()
    started = time.monotonic()
    code = main(["--bucket", str(bucket), "sql", sql, *form])
    out, err = capsys.readouterr()
    assert time.monotonic() - started < 15
    assert code == 1 and err.count("\n") == 1 and "the query gives more than" in err, err
    # No row printed; with --json, the error object alone (the --json contract).
    assert out == "" if "--json" not in form else err.strip().endswith(json.loads(out)["error"])


def test_sql_over_the_whole_of_its_tables_still_answers(bucket, env, capsys):
    capsys.readouterr()
    sql = "SELECT s.agent, t.step_id, t.text FROM sessions s JOIN steps t USING (session_id)"
    assert main(["--bucket", str(bucket), "sql", sql, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert main(["--bucket", str(bucket), "sql", "SELECT count(*) AS n FROM steps", "--json"]) == 0
    assert len(rows) == json.loads(capsys.readouterr().out)[0]["n"] > 0


def test_past_the_floors_the_tables_own_size_decides():
    # The bound is worked out from the tables only once a result passes the floors: a query of all of
    # a table bigger than them still answers, one of twice as many rows does not.
    import pyarrow as pa

    from tracetui.dataset.query import FLOOR_ROWS, run
    from tracetui.errors import TracetuiError

    tables = {"t": pa.table({"x": list(range(FLOOR_ROWS + 50_000))})}
    assert run(tables, "SELECT x FROM t", bounded=True).num_rows == FLOOR_ROWS + 50_000
    with pytest.raises(TracetuiError, match="the query gives more than 150,000 rows"):
        run(tables, "SELECT a.x FROM t a, range(2)", bounded=True)
