"""A query someone else wrote (a recipe's `output.sql`) could read the machine's own settings:
DuckDB's `current_setting('secret_directory')` is under $HOME and its `TimeZone` is the machine's, and
a recipe wrote them into the dataset it made for others (a home outside /home and /Users, and the
user's name with it, passes the second gate). Found 2026-11-28 by listing `duckdb_settings()` under
two homes and time zones: these two differed, and the spill folder (tracetui's own). Both are ours
now: the secret folder is the spill folder (nothing is stored there) and the time zone is UTC."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from shared_data import ROOT

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

_CHILD = """
import pyarrow as pa
from tracetui.dataset.query import run
sql = "SELECT name, value FROM duckdb_settings() UNION ALL SELECT 'tz', current_setting('TimeZone')"
print([tuple(r.values()) for r in run({"sessions": pa.table({"a": [1]})}, sql).to_pylist()])
"""


def test_a_query_reads_no_setting_that_names_the_user_or_the_place(tmp_path):
    home = tmp_path / "srv" / "carolina"
    home.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(home), "TZ": "Europe/Berlin"}
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=60, env=env,
                         cwd=home, stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr[-400:]
    assert "('tz', 'UTC')" in out.stdout
    assert "carolina" not in out.stdout and "Berlin" not in out.stdout
