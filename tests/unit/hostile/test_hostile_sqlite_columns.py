"""SQLite files tracetui reads that someone else may have written: an OpenCode database (a source
folder from someone's archive) and the bucket's own index and step shards (a bucket copied from
another machine). Views, triggers and virtual tables were refused already; a generated column was
not, and SQLite works one out as it is read: `printf('%.*c', 900000000, 'x')` made each row of a 16 KB
file a 900 MB string. The sync of such an OpenCode database died (a segmentation fault under a 3 GB
limit), and `show` of a session whose shard had such a column died of a MemoryError.

Now an OpenCode table with a generated column is refused in one line, and a bucket file whose
generated columns are not the ones the bucket makes is damage, made again from the copies. Each
case runs in a child under a 2 GB address-space limit."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from pathlib import Path

import orjson
import pytest
from shared_data import ROOT
from support.cli_zygote import forked_cli
from support.fixture_bucket import synced

BOMB = "printf('%.*c', 900000000, 'x')"
ZEROS = "zeroblob(900000000)"

LIMIT = 2 << 30  # the child's address space


def _tracetui(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path / "home")}
    return forked_cli(*args, env=env, timeout=120, limit_as=LIMIT)


def _opencode_db(path: Path, table: str, expression: str, stored: bool) -> None:
    kind = "STORED" if stored else "VIRTUAL"
    columns = {
        "session": "id TEXT, parent_id TEXT, time_updated INTEGER, time_created INTEGER, directory TEXT, "
                   "version TEXT, project_id TEXT, slug TEXT, title TEXT",
        "message": "id TEXT, session_id TEXT, time_created INTEGER, time_updated INTEGER, data TEXT",
        "part": "id TEXT, message_id TEXT, session_id TEXT, time_created INTEGER, time_updated INTEGER, data TEXT",
    }  # fmt: skip
    last = {"session": "title", "message": "data", "part": "data"}[table]
    generated = f"{last} TEXT GENERATED ALWAYS AS ({expression}) {kind}"
    # SQLite works a generated column out on each INSERT as well (13 s for the three 900 MB messages):
    # a virtual one is added once the rows are in, as the last column it is declared as anyway.
    columns[table] = columns[table].replace(f", {last} TEXT", "" if not stored else f", {generated}")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        for name, cols in columns.items():
            conn.execute(f"CREATE TABLE {name} ({cols})")
        conn.execute("INSERT INTO session (id, parent_id, time_updated, time_created, directory, version, "
                     "project_id, slug) VALUES ('ses_1', NULL, 1, 1, '/tmp', '1', 'p', 's')")  # fmt: skip
        for i in range(3):
            conn.execute("INSERT INTO message (id, session_id, time_created, time_updated) VALUES (?, 'ses_1', 1, 1)",
                         (f"msg_{i}",))  # fmt: skip
            conn.execute("INSERT INTO part (id, message_id, session_id, time_created, time_updated) "
                         "VALUES (?, ?, 'ses_1', 1, 1)", (f"prt_{i}", f"msg_{i}"))  # fmt: skip
        if not stored:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {generated}")
        conn.commit()


CASES = {
    "messages worked out as 900 MB each": ("message", BOMB, False),
    "parts worked out as 900 MB of zeros each": ("part", ZEROS, False),
    "a session title worked out as 900 MB": ("session", BOMB, False),
    "a stored generated column": ("part", "'{}'", True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_opencode_database_with_a_generated_column_is_refused_in_one_line(tmp_path, case):
    db = tmp_path / "opencode.db"
    _opencode_db(db, *CASES[case])
    out = _tracetui(tmp_path, "--bucket", str(tmp_path / "b"), "sync", "--source", f"opencode={db}", "--json")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-400:]
    errors = orjson.loads(out.stdout)["errors"]
    assert [e["path"] for e in errors] == [str(db)] and "generated column" in errors[0]["error"], errors


def _synced_bucket(tmp_path: Path) -> tuple[list[str], str]:
    bucket = synced(tmp_path, lambda argv: _tracetui(tmp_path, *argv).returncode)
    rows = orjson.loads(_tracetui(tmp_path, *bucket, "ls", "--json").stdout)
    return bucket, rows[0]["id"]


PLANTS = {
    "a step's fields in its shard": ("steps-*.sqlite", "steps", "rest", BOMB),
    "a step's said text in its shard": ("steps-*.sqlite", "steps", "said", ZEROS),
    "a session's title in the index": ("index.sqlite", "sessions", "note", BOMB),
}


@pytest.mark.parametrize("plant", list(PLANTS))
def test_a_bucket_file_with_a_generated_column_it_never_makes_is_made_anew(tmp_path, plant):
    bucket, sid = _synced_bucket(tmp_path)
    pattern, table, column, expression = PLANTS[plant]
    (path,) = (tmp_path / "b").glob(pattern)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        if column == "said":  # the FTS index reads it: dropped first and made again, as a planter would
            conn.execute("DROP TABLE steps_fts")
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT GENERATED ALWAYS AS ({expression}) VIRTUAL")
        if column == "said":
            conn.execute("CREATE VIRTUAL TABLE steps_fts USING fts5(said, tool_words, injected, content='steps', "
                         "content_rowid='rowid')")  # fmt: skip
        conn.commit()
    for command in (["show", sid], ["ls"], ["search", "the"]):
        out = _tracetui(tmp_path, *bucket, *command)
        assert out.returncode == 0 and "Traceback" not in out.stderr, (command, out.stderr[-400:])
    assert "33333333" in _tracetui(tmp_path, *bucket, "ls").stdout
