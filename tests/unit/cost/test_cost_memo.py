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


@pytest.fixture(scope="module")
def table_prices(tmp_path_factory) -> list:
    """The prices a process with no memo at all gives (from the table): the same for every test here,
    so asked once."""
    return _priced(tmp_path_factory.mktemp("clean"))["prices"]


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
def test_a_memo_not_written_by_tracetui_is_read_as_none(tmp_path, content, table_prices):
    folder = tmp_path / ".cache" / "tracetui" / "prices"
    folder.mkdir(parents=True)
    (folder / f"genai-prices-{cost.table_version()}.json").write_bytes(content)
    got = _priced(tmp_path)
    assert got["table"]
    assert got["prices"] == table_prices


def test_a_fifo_or_a_folder_in_the_memos_place_neither_blocks_nor_breaks(tmp_path, table_prices):
    folder = tmp_path / ".cache" / "tracetui" / "prices"
    folder.mkdir(parents=True)
    os.mkfifo(folder / f"genai-prices-{cost.table_version()}.json")
    assert _priced(tmp_path)["prices"] == table_prices
    home = tmp_path / "dir"
    (home / ".cache" / "tracetui" / "prices" / f"genai-prices-{cost.table_version()}.json").mkdir(parents=True)
    assert _priced(home)["prices"] == table_prices


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


def _dated_model() -> tuple[str, str]:
    """A model of the installed table whose price changes from a day on (and only so), with a tiered
    price on some day, and that day: the newest Claude models had such prices in genai-prices 0.2."""
    from genai_prices.types import StartDateConstraint

    for name in ("claude-sonnet-4-6", "claude-opus-4-6"):
        info = cost._model(name)
        prices = info.prices if info is not None else None
        if isinstance(prices, list) and len(prices) > 1:
            starts = [p.constraint for p in prices]
            last = starts[-1]
            if all(c is None or isinstance(c, StartDateConstraint) for c in starts) and last is not None:
                return name, last.start_date.isoformat()
    pytest.fail("the installed genai-prices has no Claude model priced from a day on: pick another here")


DATED = """
import json, sys
from tracetui import cost
from tracetui.model import Tokens
out = [cost.request_cost(Tokens(i, o, r, w), m, when) for i, o, r, w, m, when in json.loads(sys.argv[1])]
print(json.dumps({"prices": out, "table": "genai_prices" in sys.modules}))
"""


def _priced_dated(home, requests: list) -> dict:
    env = {**os.environ, "HOME": str(home)}
    env.pop("XDG_CACHE_HOME", None)
    done = subprocess.run([sys.executable, "-c", DATED, json.dumps(requests)], env=env, capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    return json.loads(done.stdout)


def test_a_model_priced_from_a_day_on_is_priced_from_the_memo_on_either_side_of_the_day(tmp_path):
    # The newest Claude models' prices change on a day: every process that priced them loaded the table
    # (a sixth of a second of CPU each: a sync after one session changed, every pool worker).
    model, day = _dated_model()
    before, after = f"{int(day[:4]) - 1}{day[4:]}T12:00:00Z", f"{day}T00:30:00Z"
    # On the day by its own clock (+03:00), the day before in UTC: the table goes by the UTC day.
    late = f"{day}T01:00:00+03:00"
    requests: list[tuple[int, int, int, int, str, str]] = [
        (1200, 300, 0, 0, model, before), (10, 4_000, 230_000, 1_000, model, before),
        (1200, 300, 0, 0, model, after), (10, 4_000, 230_000, 1_000, model, after),
        (10, 4_000, 230_000, 1_000, model, late),
    ]  # fmt: skip
    first = _priced_dated(tmp_path, requests)
    second = _priced_dated(tmp_path, requests)
    assert first["table"] and second == {"prices": first["prices"], "table": False}
    for (i, o, r, w, name, when), price in zip(requests, second["prices"]):
        assert price == round(cost._PRICER.price(cost._model(name), Tokens(i, o, r, w), when), 12)
    # The day's change is seen: the long-context request costs differently on either side of it.
    assert second["prices"][1] != second["prices"][3]
    assert second["prices"][4] == second["prices"][1]
    kept = cost_memo._read(_memo_file(tmp_path)[0])[0][model]
    assert isinstance(kept, cost_memo.Dated) and kept.prices[-1][0] == day


def test_a_day_of_a_dated_price_not_met_yet_goes_to_the_table_and_is_learned(tmp_path):
    model, day = _dated_model()
    before, after = f"{int(day[:4]) - 1}{day[4:]}T12:00:00Z", f"{day}T12:00:00Z"
    assert _priced_dated(tmp_path, [[1200, 300, 0, 0, model, before]])["table"]
    met_later = _priced_dated(tmp_path, [[1200, 300, 0, 0, model, after]])
    assert met_later["table"]  # the price from the day on had no tier met yet
    assert _priced_dated(tmp_path, [[1200, 300, 0, 0, model, before], [1200, 300, 0, 0, model, after]]) == {
        "prices": [_priced_dated(tmp_path / "clean", [[1200, 300, 0, 0, model, before]])["prices"][0],
                   met_later["prices"][0]],
        "table": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    "entry",
    [
        {"dated": []},
        {"dated": [["2026-13", {"starts": [], "rates": []}]]},
        {"dated": [[None, {"starts": [], "rates": []}]], "starts": []},
        {"dated": [[5, {"starts": [], "rates": []}]]},
        {"dated": [[None, "unknown"]]},
        {"dated": [[None, {"starts": [], "rates": [[[], [1, 1, 1, 1, 1]]]}]]},
        {"dated": [[None, {"starts": [], "rates": []}]] * (cost_memo.MOST_DATED + 1)},
        {"dated": "2026-03-13"},
    ],
    ids=["empty", "bad-day", "mixed", "number-day", "word", "int-rates", "too-many", "text"],
)
def test_a_dated_entry_not_written_by_tracetui_is_read_as_none(tmp_path, entry):
    path = tmp_path / "m.json"
    path.write_bytes(orjson.dumps({"models": {"claude-sonnet-4-6": entry}}))
    assert cost_memo._read(path)[0] == {}


def test_a_dated_entry_round_trips_and_picks_the_last_started_price():
    fixed = [cost_memo.Fixed(((200_000,),), {(0,): (float(n),) * 5}) for n in (1, 2, 3)]
    dated = cost_memo.Dated(((None, fixed[0]), ("2026-03-13", fixed[1]), ("2026-06-01", fixed[2])))
    assert cost_memo._entry(orjson.loads(orjson.dumps(cost_memo._written(dated)))) == dated
    assert [dated.at(d) for d in ("2020-01-01", "2026-03-12", "2026-03-13", "2026-05-31", "2027-01-01")] == [
        fixed[0], fixed[0], fixed[1], fixed[1], fixed[2]]
    # As the table: with no price that always applies, a day before every start takes the first.
    assert cost_memo.Dated((("2026-03-13", fixed[1]), ("2026-06-01", fixed[2]))).at("2020-01-01") == fixed[1]


def test_requests_of_output_alone_are_priced_from_the_memo(tmp_path):
    # Copilot CLI logs a request's output tokens and no input: such a request gave no rates, so each
    # process that priced one (`cost --by model` over a Copilot session) loaded the table.
    model, day = _dated_model()
    requests = [(0, 19_400, 0, 0, "claude-sonnet-4-5", WHEN), (0, 2_800, 0, 0, model, f"{day}T12:00:00Z"),
                (0, 300, 0, 0, "gpt-5-codex", WHEN)]  # fmt: skip
    first = _priced_dated(tmp_path, requests)
    second = _priced_dated(tmp_path, requests)
    assert first["table"] and second == {"prices": first["prices"], "table": False}
    for (i, o, r, w, name, when), price in zip(requests, second["prices"]):
        assert price is not None
        assert price == round(cost._PRICER.price(cost._model(name), Tokens(i, o, r, w), when), 12)
    # And a request with input after them, in the same tier, is priced as the table prices it.
    more = [(1200, 300, 0, 0, "claude-sonnet-4-5", WHEN)]
    assert _priced_dated(tmp_path, more) == {"prices": [round(cost._PRICER.price(
        cost._model("claude-sonnet-4-5"), Tokens(1200, 300, 0, 0), WHEN), 12)], "table": False}  # fmt: skip
