"""`tracetui sql` runs someone's text too (a query pasted from a thread, a team's wiki): SQL that
makes rows from nothing took its result whole into Arrow and then into Python, a gigabyte for three
million rows of one number, before the first line was printed. A query now gives no more rows than
its tables hold (or 100,000), nor more bytes than eight times their files (or 256 MiB), as a recipe's
projection does; past them it is one line, and nothing is printed."""

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
    return three_session_bucket(tmp_path_factory.mktemp("sql-rows"))


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT range AS n FROM range(3000000)",
        "SELECT a.step_id FROM steps a, steps b, steps c, steps d, range(100)",
        "SELECT repeat('ab', 200000000) AS s",
    ],
    ids=["rows-from-nothing", "a-table-joined-with-itself", "one-huge-value"],
)
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
