"""tracetui.dataset.prune: a query on some partitions holds, checks and copies only their files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracetui.dataset.prune import partition_filters

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

ONE = {"machine": "m1", "agent": "pi", "month": "2026-01"}
TWO = {"machine": "m2", "agent": "claude", "month": "2026-02"}


def _kept(sql: str) -> dict[str, tuple[bool, bool]]:
    """Whether each table's test keeps ONE's files and TWO's (a table absent keeps every file)."""
    return {table: (test(ONE), test(TWO)) for table, test in partition_filters(sql).items()}


@pytest.mark.parametrize(
    ("sql", "kept"),
    [
        ("SELECT count(*) FROM steps WHERE machine = 'm1'", {"steps": (True, False)}),
        ("SELECT count(*) FROM steps s WHERE 'm2' = s.MACHINE AND text LIKE 'a%'", {"steps": (False, True)}),
        ("SELECT * FROM steps WHERE agent IN ('pi', 'x') AND month BETWEEN '2026-01' AND '2026-01'",
         {"steps": (True, False)}),
        ("SELECT * FROM steps WHERE month > '2026-01' OR machine = 'm1'", {"steps": (True, True)}),
        ("SELECT * FROM steps WHERE month > '2026-01' OR machine = 'm3'", {"steps": (False, True)}),
        ("SELECT * FROM steps WHERE agent NOT IN ('pi') AND machine <> 'm1'", {"steps": (False, True)}),
        ("SELECT * FROM steps a JOIN sessions b USING (session_id) WHERE b.machine = 'm1'",
         {"sessions": (True, False)}),
        ("WITH t AS (SELECT * FROM steps WHERE machine = 'm2') SELECT count(*) FROM t",
         {"steps": (False, True)}),
        ("SELECT * FROM steps WHERE machine = 'm1' UNION ALL SELECT * FROM steps WHERE machine = 'm2'",
         {"steps": (True, True)}),
    ],
)
def test_a_where_on_the_partition_keys_leaves_out_the_files_it_rejects(sql, kept):
    assert _kept(sql) == kept


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM steps",
        "SELECT * FROM steps WHERE machine = 'm1' OR text = 'x'",  # a row of any file may pass
        "SELECT * FROM steps WHERE machine = 'm1' UNION ALL SELECT * FROM steps",  # one use unfiltered
        "SELECT * FROM steps WHERE NOT machine = 'm2'",
        "SELECT * FROM steps WHERE machine = 1",  # not text: DuckDB's cast decides
        "SELECT * FROM steps WHERE machine = agent",
        "SELECT * FROM query_table('steps') UNION ALL SELECT * FROM steps WHERE machine = 'm1'",
        "SELECT * FROM steps ASOF JOIN sessions ON steps.index >= sessions.steps WHERE steps.machine = 'm1'",
        "SELECT * FROM steps JOIN sessions USING (session_id) WHERE machine = 'm1'",  # whose machine?
        "SELECT * FROM (SELECT * FROM steps) WHERE machine = 'm1'",
        "SELECT * FROM steps WHERE machine = 'm1' COLLATE nocase",
        "SELECT * FROM steps TABLESAMPLE 10% WHERE machine = 'm1'",  # drawn from every partition
        "SELECT * FROM steps WHERE machine = 'm1' USING SAMPLE 10",
    ],
)
def test_anything_else_keeps_every_file(sql):
    assert _kept(sql) == {}


def test_a_file_whose_folders_do_not_name_a_key_is_kept():
    (test,) = partition_filters("SELECT * FROM steps WHERE month = '2026-03'").values()
    assert test({"machine": "m1"}) and not test({"month": "2026-01"})


def _dataset(root: Path) -> Path:
    for machine in ("m1", "m2"):
        for month in ("2026-01", "2026-02"):
            for table in ("sessions", "steps", "tool_calls", "patches"):
                folder = root / "data" / table / f"machine={machine}" / "agent=pi" / f"month={month}"
                folder.mkdir(parents=True)
                rows = {"session_id": [f"{machine}-{month}"], "agent": ["pi"], "text": [month]}
                pq.write_table(pa.table(rows), folder / "part-00000.parquet")
    return root


def test_a_query_holds_only_the_files_of_the_partitions_it_reads(tmp_path, monkeypatch):
    from tracetui.dataset import held, tables
    from tracetui.dataset.query import query

    root = _dataset(tmp_path / "ds")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    seen: list[str] = []
    real = held.held

    def holding(base, paths):
        seen.extend(paths)
        return real(base, paths)

    monkeypatch.setattr(tables, "held", holding)
    sql = "SELECT machine, month, count(*) AS n FROM steps WHERE machine = 'm2' GROUP BY ALL ORDER BY ALL"
    found = query(sql, dataset=str(root))
    assert found.rows == [("m2", "2026-01", 1), ("m2", "2026-02", 1)]
    assert sorted(Path(p).relative_to(root).parts[2] for p in seen) == ["machine=m2", "machine=m2"]

    seen.clear()  # a filter no file passes: no row read, the columns still the table's
    found = query("SELECT count(*) AS n, max(text) AS t FROM steps WHERE machine = 'm9'", dataset=str(root))
    assert found.rows == [(0, None)] and len(seen) == 1

    seen.clear()
    sql = "SELECT count(*) AS n FROM steps WHERE machine = 'm2' OR text = '2026-01'"
    found = query(sql, dataset=str(root))
    assert found.rows == [(3,)] and len(seen) == 4  # a WHERE a file's folders cannot decide: all held


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT machine, month, text FROM steps WHERE month >= '2026-02' ORDER BY ALL",
        "SELECT machine, month FROM steps WHERE month LIKE '%-0_' AND machine NOT ILIKE 'M2' ORDER BY ALL",
        "SELECT s.session_id, t.text FROM sessions s LEFT JOIN steps t ON s.session_id = t.session_id "
        "AND t.month = '2026-01' WHERE s.machine = 'm1' AND t.machine IN ('m1', 'm9') ORDER BY ALL",
        "SELECT s.session_id, t.machine FROM sessions s FULL JOIN steps t USING (session_id) "
        "WHERE t.machine = 'm2' OR t.machine BETWEEN 'm0' AND 'm1' ORDER BY ALL",
        "SELECT count(*) AS n FROM steps, sessions WHERE steps.machine <> 'm1' AND sessions.machine = 'm1'",
        "WITH t AS (SELECT * FROM steps WHERE machine = 'm2') SELECT count(*) AS n FROM t "
        "WHERE session_id IN (SELECT session_id FROM sessions WHERE month < '2026-02')",
    ],
)
def test_a_pruned_query_answers_as_the_whole_dataset_does(tmp_path, monkeypatch, sql):
    from tracetui.dataset.query import query

    root = _dataset(tmp_path / "ds")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pruned = query(sql, dataset=str(root))
    monkeypatch.setattr("tracetui.dataset.prune.partition_filters", lambda sql: {})
    whole = query(sql, dataset=str(root))
    assert pruned.rows == whole.rows and pruned.rows


def test_a_where_nested_past_what_is_read_keeps_every_file():
    where = "machine = 'm1'"
    for i in range(300):  # an OR in an AND in an OR...: 600 levels DuckDB does not flatten
        where = f"(agent = 'x{i}' OR ({where} AND month > '2000'))"
    assert partition_filters(f"SELECT * FROM steps WHERE {where}") == {}
    shallow = "machine = 'm1'"
    for i in range(20):
        shallow = f"(agent = 'x{i}' OR ({shallow} AND month > '2000'))"
    assert _kept(f"SELECT * FROM steps WHERE {shallow}") == {"steps": (True, False)}


_LIKE_ALPHABET = ["a", "A", "b", "%", "_", "\\", ".", "*", "\n", "é", "É", "ß", "S", "2026-"]


@pytest.mark.parametrize("operator", ["LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE"])
def test_a_like_on_a_key_keeps_every_file_duckdb_would_keep_a_row_of(operator):
    # DuckDB itself is the truth: no file whose value it says passes may be left out, and a file left
    # in that it says fails is one the test could not decide (ILIKE on anything but ASCII).
    import random

    import duckdb

    rng = random.Random(operator)
    con = duckdb.connect()
    left_out = 0
    for _ in range(60):
        pattern = "".join(rng.choice(_LIKE_ALPHABET) for _ in range(rng.randrange(0, 5)))
        values = ["".join(rng.choice(_LIKE_ALPHABET) for _ in range(rng.randrange(0, 5))) for _ in range(40)]
        quoted = pattern.replace("'", "''")
        tests = partition_filters(f"SELECT * FROM steps WHERE agent {operator} '{quoted}'")
        sql = f"SELECT list(v {operator} $p ORDER BY i) FROM unnest($vs) WITH ORDINALITY AS t(v, i)"
        [(passes,)] = con.execute(sql, {"vs": values, "p": pattern}).fetchall()
        for value, passed in zip(values, passes, strict=True):
            kept = tests["steps"]({"agent": value}) if tests else True
            assert kept or not passed, (value, operator, pattern)
            left_out += not kept
            if kept != passed:
                assert "ILIKE" in operator and not (value + pattern).isascii(), (value, operator, pattern)
    assert left_out > 60  # the test decides: files are left out (0 if every file were kept)


def test_a_like_with_an_escape_or_a_glob_keeps_every_file():
    assert _kept("SELECT * FROM steps WHERE month LIKE '2026!%' ESCAPE '!'") == {}
    assert _kept("SELECT * FROM steps WHERE agent GLOB 'p*'") == {}
    assert _kept("SELECT * FROM steps WHERE month LIKE '2026-0' || '1'") == {}
    assert _kept("SELECT * FROM steps WHERE month LIKE '2026-01%' AND agent NOT LIKE 'c%'") == {
        "steps": (True, False)
    }


def test_the_parser_database_is_opened_once_a_process_and_again_in_a_forked_child(monkeypatch):
    """Opening DuckDB for each query's parse cost 31 ms of CPU: it is kept, and a forked child (whose
    copy holds its parent's threads) opens its own."""
    import os

    import duckdb

    from tracetui.dataset import prune

    opened = []
    real = duckdb.connect

    def connect(*args, **kwargs):
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)
    monkeypatch.setattr(prune, "_PARSER", [], raising=False)
    for _ in range(3):
        assert _kept("SELECT count(*) FROM steps WHERE machine = 'm1'") == {"steps": (True, False)}
    assert len(opened) == 1
    assert _kept("SELECT * FROM steps WHERE machine = ") == {}  # a parse error keeps every file, as before
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its answer and how many databases it opened, then out at once
        try:
            os.write(write, repr((_kept("SELECT 1 FROM steps WHERE agent = 'pi'"), len(opened))).encode())
        finally:
            os._exit(0)
    os.close(write)
    said = os.read(read, 1000).decode()
    os.waitpid(pid, 0)
    assert said == repr(({"steps": (True, False)}, 2))
    assert len(opened) == 1 and prune._PARSER  # the parent's is its own still


def test_a_parser_that_raised_is_not_kept_for_the_next_query(monkeypatch):
    """A stranger's SQL that broke the kept database (DuckDB invalidates one on a fatal error) would
    have made every later query keep every file: the next query opens a new one."""
    from tracetui.dataset import prune

    class Broken:
        def execute(self, *args, **kwargs):
            raise RuntimeError("FATAL Error: database has been invalidated")

    monkeypatch.setattr(prune, "_PARSER", [Broken()])
    assert _kept("SELECT count(*) FROM steps WHERE machine = 'm1'") == {}  # every file kept, as before
    assert _kept("SELECT count(*) FROM steps WHERE machine = 'm1'") == {"steps": (True, False)}


def test_the_kept_parser_is_the_locked_connection(monkeypatch):
    """The parser takes a stranger's SQL as its parameter only, yet it is opened as every query's
    connection is (duck.connect): no file, URL or extension, its settings locked, the spill private."""
    from tracetui.dataset import prune

    monkeypatch.setattr(prune, "_PARSER", [])
    assert _kept("SELECT count(*) FROM steps WHERE machine = 'm1'") == {"steps": (True, False)}
    settings = dict(prune._PARSER[0].execute(
        "SELECT name, value FROM duckdb_settings() WHERE name IN "
        "('enable_external_access', 'lock_configuration', 'autoload_known_extensions')"
    ).fetchall())
    assert settings == {"enable_external_access": "false", "lock_configuration": "true",
                        "autoload_known_extensions": "false"}
