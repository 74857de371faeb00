"""The checks of a stranger's names were regular expressions ending in `$`, which Python also matches
before a final newline: a recipe named `"nl\\n"` (or whose `output.table` or a column was so spelled)
wrote its table into a folder `data/nl\\n/` of the dataset, and a machine folder `machines/alpha\\n/`
or a manifest's licence `mit\\n` passed as names. Found 2026-11-28 running such a recipe. Each check
is of the whole text now."""

from __future__ import annotations

from typing import Any

import pytest
from support.fixture_bucket import synced

from tracetui.blame.agent_trace import record_problems
from tracetui.cli import main
from tracetui.dataset.card import Summary, _add
from tracetui.dataset.listing import newest_first
from tracetui.dataset.location import check_machine
from tracetui.dataset.recipe import RecipeError, parse_recipe
from tracetui.errors import TracetuiError
from tracetui.export.card import license_id

RECIPES = [
    {"version": 1, "name": "nl\n"},
    {"version": 1, "name": "ok", "output": {"sql": "SELECT 1", "table": "t\n"}},
    {"version": 1, "name": "ok", "output": {"columns": {"sessions": ["title\n"]}}},
]


@pytest.mark.parametrize("doc", RECIPES)
def test_a_recipe_s_names_end_where_they_end(doc):
    with pytest.raises(RecipeError) as refused:
        parse_recipe(doc)
    assert "\n" not in str(refused.value)


def test_a_machine_and_a_licence_are_whole_names():
    for check, name in ((check_machine, "alpha\n"), (license_id, "mit\n")):
        with pytest.raises(TracetuiError):
            check(name)


def test_a_team_card_counts_only_a_month_that_is_one():
    summary = Summary()
    groups = {"agent=pi/month=2026-01\n": {"sessions": ["s"]}}
    manifest = {"sessions": {"s": {"agent": "pi"}}, "groups": groups}
    _add(summary, "m1", manifest)
    assert summary.months == {}


def test_a_recipe_run_writes_no_name_with_a_newline(tmp_path, capsys):
    bucket = synced(tmp_path, main)
    recipe = tmp_path / "nl.toml"
    recipe.write_text('version = 1\nname = "nl\\n"\n[review]\naccept_suggested = true\n'
                      '[output]\nsql = "SELECT session_id FROM sessions"\n')  # fmt: skip
    dest = tmp_path / "out"
    capsys.readouterr()
    assert main([*bucket, "export", "--recipe", str(recipe), str(dest)]) != 0
    assert not [p for p in tmp_path.rglob("*") if "\n" in p.name]
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_newest_first_puts_a_month_that_is_not_one_last():
    class File:
        def __init__(self, month: str) -> None:
            self.month = month

        def key(self, name: str) -> str:
            return self.month

    files: list[Any] = [File("2026-01\n"), File("2025-12")]
    _, months = newest_first(files)
    assert [[f.key("month") for f in m] for m in months] == [["2025-12"], ["2026-01\n"]]


def test_an_agent_trace_record_s_forms_are_whole():
    """`export --check` holds a dataset's records to the schema, whose ECMA `$` passes no newline."""
    rec: dict[str, Any] = {"version": "0.1", "id": "12345678-1234-4234-8234-123456789abc",
           "timestamp": "2026-01-01T00:00:00Z", "files": []}  # fmt: skip
    assert record_problems(rec) == []
    for key in ("version", "id", "timestamp"):
        assert record_problems({**rec, key: rec[key] + "\n"}) == [f"{key} is not in the schema's form"]
