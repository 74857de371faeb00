"""`tracetui blame` keeps its line index in the bucket's cache (`cache/blame/lines.sqlite`), a file
anyone with the bucket's folder can write, like the bucket's index and shards, whose views,
triggers, virtual tables and generated columns are refused as damage. The blame index was opened as
it was: a trigger planted on its sessions table (a recursive query without end) ran on blame's own
insert, and `blame` never returned; a view in place of a table did the same on a read. Such an index
is a damaged cache now, made again."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from shared_data import ROOT
from support.cli_zygote import forked_cli
from support.fixture_bucket import EDITED, synced
from support.small_repo import one_file_repo

_ENDLESS = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT"
PLANTS = {
    "a trigger on the sessions table": [
        "DELETE FROM sessions",
        f"CREATE TRIGGER t AFTER INSERT ON sessions BEGIN SELECT count(*) FROM ({_ENDLESS} x FROM n); END",
    ],
    "an endless view for the meta table": [
        "DROP TABLE meta",
        f"CREATE VIEW meta AS {_ENDLESS} 'version' AS key, x AS value FROM n",
    ],
    "a generated column in the lines table": [
        "DROP TABLE lines",
        "CREATE TABLE lines (key INTEGER NOT NULL, pid INTEGER NOT NULL, "
        "pad TEXT GENERATED ALWAYS AS (printf('%.*c', 900000000, 'x')) VIRTUAL)",
    ],
}


def _tracetui(tmp: Path, cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return forked_cli(*argv, timeout=60, cwd=cwd,
                      env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp / "home")})  # fmt: skip


@pytest.mark.parametrize("plant", list(PLANTS))
def test_a_planted_blame_index_is_made_again(tmp_path, plant):
    repo = one_file_repo(tmp_path, *EDITED)
    bucket = synced(tmp_path, lambda argv: _tracetui(tmp_path, repo, *argv).returncode, repo)
    first = _tracetui(tmp_path, repo, *bucket, "blame", "a.ts")
    assert first.returncode == 0, first.stderr
    index = tmp_path / "b" / "cache" / "blame" / "lines.sqlite"
    with contextlib.closing(sqlite3.connect(index)) as conn:
        for statement in PLANTS[plant]:
            conn.execute(statement)
        conn.commit()
    out = _tracetui(tmp_path, repo, *bucket, "blame", "a.ts")  # an endless query: the timeout fails it
    assert out.returncode == 0 and out.stdout == first.stdout, out.stderr[-400:]
