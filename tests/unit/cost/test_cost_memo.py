"""The price memo (tracetui.cost_memo): a process pricing models met before never loads the table, and
prices exactly as the table does; a memo file that is not one tracetui wrote is read as none."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import orjson
import pytest

from tracetui import cost, cost_memo
from tracetui.model import Tokens

WHEN = "2025-10-01T12:00:00Z"
# A small and a long-context request of two models, one model the table does not know.
REQUESTS = [
    (1200, 300, 0, 0, "claude-sonnet-4-5"),
    (10, 4_000, 230_000, 1_000, "claude-sonnet-4-5"),
    (15, 800, 40_000, 2_500, "gpt-5-codex"),
    (100, 10, 0, 0, "a-model-no-table-knows"),
]
PRICE = f"""
import json, sys
from tracetui import cost
from tracetui.model import Tokens
out = [cost.request_cost(Tokens(i, o, r, w), m, {WHEN!r}) for i, o, r, w, m in {REQUESTS!r}]
print(json.dumps({{"prices": out, "table": "genai_prices" in sys.modules}}))
"""


def _priced(home) -> dict:
    env = {**os.environ, "HOME": str(home)}
    env.pop("XDG_CACHE_HOME", None)
    done = subprocess.run([sys.executable, "-c", PRICE], env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def _memo_file(home) -> list:
    return sorted((home / ".cache" / "tracetui" / "prices").glob("genai-prices-*.json"))


def test_a_second_process_prices_the_same_models_without_the_table(tmp_path):
    first = _priced(tmp_path)
    assert first["table"] and first["prices"][3] is None and all(p for p in first["prices"][:3])
    assert [p.name for p in _memo_file(tmp_path)] == [f"genai-prices-{cost.table_version()}.json"]
    second = _priced(tmp_path)
    assert second == {"prices": first["prices"], "table": False}
    # Each as the package prices it, not merely as the first process did.
    for (i, o, r, w, model), price in zip(REQUESTS[:3], second["prices"]):
        assert price == round(cost._PRICER.price(cost._model(model), Tokens(i, o, r, w), WHEN), 12)


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"[]",
        b'{"models": []}',
        b'{"models": {"claude-sonnet-4-5": {"starts": [], "rates": [[[], [1e9, 1, 1, 1, 1]]]}}}',  # ints
        b'{"models": {"claude-sonnet-4-5": {"starts": [], "rates": [[[], [NaN, 1.0, 1.0, 1.0, 1.0]]]}}}',
        b'{"models": {"claude-sonnet-4-5": {"starts": [[200000]], "rates": [[[], [1.0, 1.0, 1.0, 1.0, 1.0]]]}}}',
        b'{"models": {"claude-sonnet-4-5": {"starts": [[-1]], "rates": []}}}',
        b'{"models": {"claude-sonnet-4-5": "free"}}',
        b"\x1b]0;owned\x07" * 10,
        b" " * (2 << 20),  # over the read limit
    ],
    ids=["text", "list", "models-list", "int-rates", "nan", "tier-length", "negative", "word", "escapes", "huge"],
)
def test_a_memo_not_written_by_tracetui_is_read_as_none(tmp_path, content):
    folder = tmp_path / ".cache" / "tracetui" / "prices"
    folder.mkdir(parents=True)
    (folder / f"genai-prices-{cost.table_version()}.json").write_bytes(content)
    got = _priced(tmp_path)
    assert got["table"]
    assert got["prices"] == _priced(tmp_path / "clean")["prices"]


def test_a_fifo_or_a_folder_in_the_memos_place_neither_blocks_nor_breaks(tmp_path):
    folder = tmp_path / ".cache" / "tracetui" / "prices"
    folder.mkdir(parents=True)
    os.mkfifo(folder / f"genai-prices-{cost.table_version()}.json")
    assert _priced(tmp_path)["prices"] == _priced(tmp_path / "clean")["prices"]
    home = tmp_path / "dir"
    (home / ".cache" / "tracetui" / "prices" / f"genai-prices-{cost.table_version()}.json").mkdir(parents=True)
    assert _priced(home)["prices"] == _priced(tmp_path / "clean")["prices"]


def test_what_one_process_learns_is_merged_with_what_another_kept(tmp_path):
    path = tmp_path / "m.json"
    one, two = cost_memo.Memo(path), cost_memo.Memo(path)
    one.learn("a", cost_memo.UNKNOWN)
    two.learn("b", cost_memo.Fixed(((10,),), {(1,): (1.0, 2.0, 3.0, 4.0, 5.0)}))
    kept = cost_memo._read(path)[0]
    assert kept == {"a": cost_memo.UNKNOWN, "b": cost_memo.Fixed(((10,),), {(1,): (1.0, 2.0, 3.0, 4.0, 5.0)})}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_made_up_model_names_keep_the_memo_bounded(tmp_path):
    memo = cost_memo.Memo(tmp_path / "m.json")
    for n in range(cost_memo.MOST_NAMES + 300):
        memo.learn(f"model-{n}", cost_memo.UNKNOWN)
    memo.learn("x" * 10_000, cost_memo.UNKNOWN)
    assert len(memo.models) == cost_memo.MOST_NAMES
    assert len(orjson.loads((tmp_path / "m.json").read_bytes())["models"]) == cost_memo.MOST_NAMES


def test_a_version_that_cannot_name_a_file_keeps_the_memo_in_memory():
    for version in ("../../etc/x", "", "a/b", "1.0\n", "é"):
        assert cost_memo.memo_path(version) is None
        assert cost_memo.load(version).path is None


def test_a_tier_met_later_joins_the_tiers_kept(tmp_path, monkeypatch):
    memo = cost_memo.Memo(tmp_path / "m.json")
    monkeypatch.setattr(cost, "_memo", lambda: memo)
    monkeypatch.setattr(cost, "_PRICER", cost._Pricer())
    cost.request_cost(Tokens(1200, 300, 0, 0), "claude-sonnet-4-5", WHEN)
    monkeypatch.setattr(cost, "_PRICER", cost._Pricer())  # another process, which meets the long tier only
    cost.request_cost(Tokens(10, 4_000, 230_000, 1_000), "claude-sonnet-4-5", WHEN)
    kept = cost_memo._read(tmp_path / "m.json")[0]["claude-sonnet-4-5"]
    assert isinstance(kept, cost_memo.Fixed) and len(kept.rates) == 2


TABLE = """
import json, sys
from tracetui import cost
print(json.dumps({"table": cost.price_table().to_dict(), "loaded": "genai_prices" in sys.modules}))
"""


def _named(home) -> dict:
    env = {**os.environ, "HOME": str(home)}
    env.pop("XDG_CACHE_HOME", None)
    done = subprocess.run([sys.executable, "-c", TABLE], env=env, capture_output=True, text=True, timeout=60,
                          check=True)  # fmt: skip
    return json.loads(done.stdout)


def test_naming_the_table_a_second_time_does_not_load_it(tmp_path):
    # `show` and `cost` name the table (its version and the date it is as of) under every figure.
    first = _named(tmp_path)
    assert first["loaded"] and first["table"]["version"] == cost.table_version() and first["table"]["date"]
    assert _named(tmp_path) == {"table": first["table"], "loaded": False}


@pytest.mark.parametrize(
    "dates",
    ["2024-01-01", ["2024-01-01", 5], ["2024-1-1"], ["2024-01-01\n"],
     ["2024-01-01"] * (cost_memo.MOST_DATES + 1)],  # fmt: skip
    ids=["not-a-list", "a-number", "short", "newline", "too-many"],
)
def test_dates_not_written_by_tracetui_are_learned_again(tmp_path, dates):
    clean = _named(tmp_path / "clean")["table"]
    folder = tmp_path / ".cache" / "tracetui" / "prices"
    folder.mkdir(parents=True)
    memo = orjson.dumps({"models": {}, "dates": dates})
    (folder / f"genai-prices-{cost.table_version()}.json").write_bytes(memo)
    assert _named(tmp_path) == {"table": clean, "loaded": True}


def test_a_price_change_still_to_come_does_not_date_the_table(tmp_path, monkeypatch):
    memo = cost_memo.Memo(tmp_path / "m.json", {}, ["2020-05-01", "2999-12-31"])
    monkeypatch.setattr(cost, "_memo", lambda: memo)
    cost.price_table.cache_clear()
    try:
        assert cost.price_table().date == "2020-05-01"
    finally:
        cost.price_table.cache_clear()


def test_dates_learned_are_kept_beside_the_models_another_process_wrote(tmp_path):
    path = tmp_path / "m.json"
    one, two = cost_memo.Memo(path), cost_memo.Memo(path)
    one.learn("a", cost_memo.UNKNOWN)
    two.learn_dates(["2025-02-01", "2024-01-01", "2025-02-01"])
    one.learn("b", cost_memo.UNKNOWN)  # written after: the dates stay
    models = {"a": cost_memo.UNKNOWN, "b": cost_memo.UNKNOWN}
    assert cost_memo._read(path) == (models, ["2024-01-01", "2025-02-01"])
