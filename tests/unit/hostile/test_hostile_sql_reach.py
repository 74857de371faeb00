"""A query someone else wrote (a recipe's `output.sql`, a pasted `tracetui sql`) reaches only the
tables handed to it. DuckDB lets even a locked connection read its spill folder, by default `.tmp`
under the process's working folder: a recipe run in a project that has one read its files into the
dataset. The spill folder is now the process's own, never the working folder's."""

from __future__ import annotations

import pytest

from tracetui.dataset.query import run
from tracetui.errors import TracetuiError

pa = pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

SECRET = "the project's own notes"

READS = [
    "SELECT content FROM read_text('.tmp/notes.txt')",
    "SELECT content FROM read_text('./.tmp/notes.txt')",
    "SELECT content FROM read_text('{cwd}/.tmp/notes.txt')",
    "SELECT content FROM read_blob('.tmp/notes.txt')",
    "SELECT * FROM read_csv('.tmp/notes.txt', header = false)",
    "SELECT file FROM glob('.tmp/*')",
    "SELECT file FROM glob('{cwd}/.tmp/*')",
]


@pytest.mark.parametrize("sql", READS)
def test_a_query_cannot_read_the_working_folders_tmp(tmp_path, monkeypatch, sql):
    (tmp_path / ".tmp").mkdir()
    (tmp_path / ".tmp" / "notes.txt").write_text(SECRET)
    monkeypatch.chdir(tmp_path)
    tables = {"sessions": pa.table({"session_id": ["s1"]})}
    try:
        got = run(tables, sql.replace("{cwd}", str(tmp_path)), bounded=True).to_pylist()
    except TracetuiError as exc:
        assert "\n" not in str(exc)
        return
    assert SECRET not in repr(got) and "notes.txt" not in repr(got), got


def test_the_spill_folder_is_not_under_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sql = "SELECT current_setting('temp_directory') AS t"
    folder = run({"t": pa.table({"a": [1]})}, sql).to_pylist()[0]["t"]
    assert folder.startswith("/") and not folder.startswith(str(tmp_path)), folder
    assert not (tmp_path / ".tmp").exists()
