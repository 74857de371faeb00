"""A team dataset's Parquet files are other machines': even their column names are hostile input.

Found here: `tracetui sql --dataset` printed a Parquet file's column names as they were (an OSC
title sequence and a bidi override reached the terminal): the table's header was not made safe, its
cells were."""

from __future__ import annotations

import pytest
from support.datasets import small_dataset

from tracetui.cli import main

pytest.importorskip("duckdb")

TITLE = "ti\x1b]0;PWNED\x07[bold red]x[/]\u202etle"


def test_sql_prints_a_datasets_column_names_terminal_safe(tmp_path, capsys, monkeypatch):
    dataset = small_dataset(tmp_path / "ds", column=TITLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    capsys.readouterr()
    assert main(["sql", "--dataset", str(dataset), "SELECT * FROM sessions ORDER BY session_id"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "SESSION_ID" in header and "PWNED" in header
    assert not any(c in out for c in "\x1b\x07\u202e"), out
