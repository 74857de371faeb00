"""`tracetui sql` (issue 37, docs/dataset.md "Queries"): one SELECT over the bucket's four tables or a
dataset's; a count per agent equals `ls`; read-only; terminal-safe output."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from support.datasets import three_session_bucket

from tracetui.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

HOSTILE = "evil \x1b]52;c;aGk=\x07 \x1b[2J\u202e title \x9b31m"


@pytest.fixture(scope="module")
def bucket(tmp_path_factory) -> Path:
    return three_session_bucket(tmp_path_factory.mktemp("sql"))


@pytest.fixture(scope="module")
def forged(tmp_path_factory) -> Path:
    """A dataset folder someone else wrote, its titles full of terminal controls."""
    root = tmp_path_factory.mktemp("forged")
    for table in ("sessions", "steps", "tool_calls", "patches"):
        folder = root / "data" / table / "machine=x" / "agent=pi" / "month=2026-01"
        folder.mkdir(parents=True)
        rows = {"session_id": ["s1", "s2"], "agent": ["pi", "pi"], "title": [HOSTILE, "plain"]}
        pq.write_table(pa.table(rows), folder / "part-00000.parquet")
    return root


def _run(capsys, monkeypatch, tmp, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp / "cache"))
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_count_per_agent_equals_ls(bucket, tmp_path, capsys, monkeypatch):
    code, out, err = _run(capsys, monkeypatch, tmp_path, "--bucket", str(bucket), "sql",
                          "SELECT agent, count(*) AS n FROM sessions GROUP BY agent ORDER BY agent", "--json")
    assert code == 0, err
    counted = {r["agent"]: r["n"] for r in json.loads(out)}
    _, listed, _ = _run(capsys, monkeypatch, tmp_path, "--bucket", str(bucket), "ls", "--json")
    by_agent: dict[str, int] = {}
    for s in json.loads(listed):
        by_agent[s["agent"]] = by_agent.get(s["agent"], 0) + 1
    assert counted == by_agent == {"claude": 1, "pi": 2}
    # Again: the bucket's tables are kept in the cache, nothing is written again.
    code, out, _ = _run(capsys, monkeypatch, tmp_path, "--bucket", str(bucket), "sql",
                        "SELECT count(*) AS n FROM steps", "--csv")
    assert code == 0 and out.splitlines()[0] == "n" and int(out.splitlines()[1]) > 0


def test_a_first_query_of_the_bucket_counts_its_sessions_on_a_terminal(bucket, tmp_path, capsys, monkeypatch):
    """The bucket's tables are an export made on the first query: minutes of silence on a big bucket
    unless it says how far it is; a later one has nothing to review again."""
    import sys
    import time as time_module

    ticks = iter(range(10_000))
    monkeypatch.setattr(time_module, "monotonic", lambda: float(next(ticks)))  # each count a second on
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    query = ("--bucket", str(bucket), "sql", "SELECT count(*) AS n FROM sessions")
    code, out, err = _run(capsys, monkeypatch, tmp_path, *query)
    assert code == 0, err
    assert "bringing the tables up to date: reviewing" in err and "3/3 sessions" in err and err.endswith("\n")
    code, out, err = _run(capsys, monkeypatch, tmp_path, *query)
    assert code == 0 and "reviewing" not in err


def test_without_a_terminal_a_first_query_prints_only_its_rows(bucket, tmp_path, capsys, monkeypatch):
    code, out, err = _run(capsys, monkeypatch, tmp_path, "--bucket", str(bucket), "sql", "SELECT count(*) AS n FROM sessions")
    assert code == 0 and err == "" and out.splitlines()[-1] == "(1 row)"


@pytest.mark.parametrize("sql, says", [
    ("SELECT * FROM read_csv('/etc/passwd')", "disabled by configuration"),
    ("SELECT * FROM '/etc/passwd'", "does not exist"),
    ("ATTACH '/tmp/x.db' AS x", "only a SELECT is run, not ATTACH"),
    ("INSTALL httpfs", "only a SELECT is run"),
    ("SELECT 1; DROP TABLE sessions", "give one SELECT statement, not 2"),
    ("SET enable_external_access = true", "only a SELECT is run, not SET"),
])  # fmt: skip
def test_sql_is_read_only_and_reaches_nothing_else(forged, tmp_path, capsys, monkeypatch, sql, says):
    code, out, err = _run(capsys, monkeypatch, tmp_path, "sql", sql, "--dataset", str(forged))
    assert code == 1 and says in err and err.count("\n") == 1
    assert "root:" not in out + err


@pytest.mark.parametrize("fmt", ["table", "--csv", "--json"])
def test_output_is_terminal_safe(forged, tmp_path, capsys, monkeypatch, fmt):
    extra = [] if fmt == "table" else [fmt]
    code, out, err = _run(capsys, monkeypatch, tmp_path, "sql", "SELECT machine, session_id, title FROM sessions "
                          "ORDER BY session_id", "--dataset", str(forged), *extra)
    assert code == 0, err
    assert not any(c in out for c in "\x1b\x07\x9b\u202e")
    if fmt == "--json":
        rows = json.loads(out)
        assert rows[0]["title"] == HOSTILE and rows[0]["machine"] == "x"  # escaped, not lost
    if fmt == "--csv":
        assert list(csv.reader(io.StringIO(out)))[2] == ["x", "s2", "plain"]
