"""`tracetui cost` (issue 40): totals per day, week, month, agent, model or project from the index's
price of each session, as `ls` prices them; unknown prices stay `?`, a partial sum is `≥`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.bucket.reads import Reads
from tracetui.cli import main

LINEAR = "11111111-aaaa-4bbb-8ccc-000000000001"  # 2025-06, two models (claude-sonnet-4-5, gpt-5)
TREE = "33333333-aaaa-4bbb-8ccc-000000000003"  # 2026-02, claude-opus-4-5
ODD = "44444444-aaaa-4bbb-8ccc-000000000004"  # the tree's copy, on a model no price table knows


@pytest.fixture
def bucket(tmp_path: Path) -> list[str]:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("v1_linear.jsonl", "v2_hook.jsonl", "v3_tree.jsonl"):
        shutil.copyfile(FIXTURES / "pi" / name, src / name)
    tree = (FIXTURES / "pi" / "v3_tree.jsonl").read_text()
    odd = tree.replace(TREE, ODD).replace("claude-opus-4-5", "made-up-model-x9").replace('"cost":{', '"nocost":{')
    (src / "odd.jsonl").write_text(odd.replace("/work/proj", "/work/other"))
    args = ["--bucket", str(tmp_path / "b")]
    assert main([*args, "sync", "--source", f"pi={src}"]) == 0
    return args


def _json(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_totals_by_month_and_agent_are_the_sums_of_what_ls_prices(bucket, capsys):
    listed = _json(capsys, *bucket, "ls", "--all", "--json")
    cost = {r["id"]: r["cost_usd"] for r in listed}
    assert cost[ODD] is None and cost[TREE] is not None and cost[TREE] > 0
    doc = _json(capsys, *bucket, "cost", "--by", "month", "--json")
    months = {g["key"]: g for g in doc["groups"]}
    assert list(months) == sorted(months)  # oldest first
    feb = months["2026-02"]
    assert feb["sessions"] == 2 and feb["unpriced"] == 1 and feb["lower_bound"] is True
    assert feb["cost_usd"] == pytest.approx(cost[TREE], abs=1e-6)
    assert doc["total"]["sessions"] == len(listed) == 4
    assert doc["total"]["cost_usd"] == pytest.approx(sum(c for c in cost.values() if c is not None), abs=1e-5)
    assert doc["prices"]["name"] == "genai-prices"
    agents = _json(capsys, *bucket, "cost", "--by", "agent", "--json")
    assert [g["key"] for g in agents["groups"]] == ["pi"] and agents["groups"][0]["sessions"] == 4


def test_unknown_prices_stay_unknown_and_partial_sums_are_lower_bounds(bucket, capsys):
    doc = _json(capsys, *bucket, "cost", "--by", "project", "--json")
    projects = {g["key"]: g for g in doc["groups"]}
    assert projects["other"]["cost_usd"] is None and projects["other"]["unpriced"] == 1
    assert projects["proj"]["cost_usd"] > 0 and projects["proj"]["lower_bound"] is False
    capsys.readouterr()
    assert main([*bucket, "cost", "--by", "project"]) == 0
    out = capsys.readouterr().out
    other = next(line for line in out.splitlines() if line.startswith("other "))
    total = next(line for line in out.splitlines() if line.startswith("total "))
    assert " ? " in f"{other} " and "≥$" in total
    assert "cost: API list prices from genai-prices" in out


def test_by_model_splits_a_session_of_two_models_by_its_steps(bucket, capsys):
    listed = {r["id"]: r for r in _json(capsys, *bucket, "ls", "--all", "--json")}
    doc = _json(capsys, *bucket, "cost", "--by", "model", "--sessions", LINEAR, "--json")
    models = {g["key"]: g for g in doc["groups"]}
    # A fork: its claude-sonnet-4-5 steps are copies of its parent's (the parent paid for them), so
    # only its own gpt-5 requests are its cost, and the split says so.
    assert listed[LINEAR]["models"] == ["anthropic/claude-sonnet-4-5", "openai/gpt-5"]
    assert list(models) == ["openai/gpt-5"]
    assert models["openai/gpt-5"]["cost_usd"] == pytest.approx(listed[LINEAR]["cost_usd"], abs=1e-6)
    assert models["openai/gpt-5"]["tokens"]["output"] > 0
    assert doc["total"]["sessions"] == 1


def test_days_weeks_and_the_selection(bucket, capsys):
    days = _json(capsys, *bucket, "cost", "--json")
    assert days["by"] == "day" and [g["key"] for g in days["groups"]] == [
        "2025-06-01", "2026-01-05", "2026-02-01"
    ]  # fmt: skip
    weeks = _json(capsys, *bucket, "cost", "--by", "week", "--since", "2026-01-01", "--json")
    assert [g["key"] for g in weeks["groups"]] == ["2026-W02", "2026-W05"]
    assert weeks["total"]["sessions"] == 3
    until = _json(capsys, *bucket, "cost", "--until", "2025-12-31", "--json")
    assert until["total"]["sessions"] == 1
    with pytest.raises(SystemExit) as usage:  # argparse's usage error
        main([*bucket, "cost", "--by", "year"])
    assert usage.value.code == 2


def test_the_list_s_sort_orders_are_all_in_the_help():
    """The list sorts by cost (`o` cycles to it), and the help said date, tokens, steps or duration."""
    from tracetui.ui.actions import BY_ID
    from tracetui.ui.query import ORDERS

    described = BY_ID["browser.order"].help
    assert all(order in described for order in ORDERS), described


def _groups(capsys, args: list[str]) -> list[dict]:
    return _json(capsys, *args, "cost", "--by", "model", "--json")["groups"]


def test_by_model_reads_no_session_s_steps(bucket, capsys, monkeypatch):
    # The index keeps each model's share of a session of several models: `cost --by model` read every
    # such session's steps, most of a Claude Code home (its subagents run on another model).
    before = _groups(capsys, bucket)

    def no_steps(self, id_or_prefix):
        raise AssertionError(f"read the steps of {id_or_prefix}")

    monkeypatch.setattr(Reads, "session", no_steps)
    assert _groups(capsys, bucket) == before
    assert any(g["key"] == "openai/gpt-5" for g in before)


@pytest.mark.parametrize(
    "shares",
    ['"x"', "[[1, 0.5, 1, 1, 1, 1, 0]]", '[["m", "0.5", 1, 1, 1, 1, 0]]', '[["m", 0.5, -1, 1, 1, 1, 0]]',
     '[["m", 0.5, 1, 1, 1, 1]]', '[["m", true, 1, 1, 1, 1, 0]]', '[["m", 0.5, 1.5, 1, 1, 1, 0]]'],
    ids=["text", "model-number", "cost-text", "negative", "short", "cost-bool", "float-count"],
)
def test_shares_not_written_by_tracetui_are_read_from_the_steps(bucket, capsys, shares):
    import sqlite3

    before = _groups(capsys, bucket)
    index = Path(bucket[1]) / "index.sqlite"
    with sqlite3.connect(index) as conn:
        changed = conn.execute("UPDATE sessions SET extra = json_set(extra, '$.by_model', json(?))"
                               " WHERE id = ?", (shares, LINEAR)).rowcount  # fmt: skip
    assert changed == 1
    assert _groups(capsys, bucket) == before
