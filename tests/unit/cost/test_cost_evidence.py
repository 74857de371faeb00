"""Prices that say what they are (issue 34): 1-hour cache writes at their own rate, and a price of
part of a session's usage marked `≥` wherever it is shown. Fixtures made up here or in tests/fixtures."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from shared_data import FIXTURES
from support.narrow import present

from tracetui import cost
from tracetui.cli import main
from tracetui.model import Tokens
from tracetui.sources import RawLog, SessionFiles, read_session
from tracetui.sources.claude import reader as claude_code

MODEL = "claude-opus-4-5"  # one price, no tiers: its rates are plain numbers
WHEN = "2026-02-01T00:00:05Z"


def _claude_log(usages: list[dict[str, Any]]) -> RawLog:
    records: list[dict[str, Any]] = [
        {"type": "user", "uuid": "u0", "parentUuid": None, "sessionId": "s-1h", "cwd": "/w",
         "timestamp": "2026-02-01T00:00:00Z", "message": {"role": "user", "content": "cache the docs"}},
    ]
    for n, usage in enumerate(usages):
        records.append(
            {"type": "assistant", "uuid": f"a{n}", "parentUuid": records[-1]["uuid"], "sessionId": "s-1h",
             "cwd": "/w", "timestamp": WHEN, "requestId": f"req_{n}",
             "message": {"id": f"msg_{n}", "model": MODEL, "role": "assistant", "usage": usage,
                         "content": [{"type": "text", "text": f"step {n}"}]}}
        )
    return RawLog("/p/-w/s-1h.jsonl", b"".join(orjson.dumps(r) + b"\n" for r in records))


def _usage(write: int, hour: int, five: int) -> dict[str, Any]:
    return {"input_tokens": 12, "output_tokens": 300, "cache_read_input_tokens": 20_000,
            "cache_creation_input_tokens": write,
            "cache_creation": {"ephemeral_5m_input_tokens": five, "ephemeral_1h_input_tokens": hour}}


def _table_rates() -> Any:
    from genai_prices import data_snapshot

    _, info = data_snapshot.get_snapshot().find_provider_model(MODEL, None, None, None)
    return info.get_prices(datetime(2026, 2, 1, tzinfo=UTC))


def test_one_hour_cache_writes_are_priced_at_the_one_hour_rate() -> None:
    """Three responses: writes all for an hour, all for five minutes, and half and half. The 1-hour
    part is priced at the table's own `cache_write_1h_mtok` (2x the input price for this model; the
    5-minute rate is 1.25x), the rest at `cache_write_mtok`; the old price took every write at 1.25x."""
    session = claude_code.read(
        _claude_log([_usage(8_000, 8_000, 0), _usage(8_000, 0, 8_000), _usage(8_000, 4_000, 4_000)]), []
    )
    steps = [s for s in session.steps if s.tokens is not None]
    assert [present(s.tokens).cache_write_1h for s in steps] == [8_000, 0, 4_000]
    assert session.tokens.cache_write == 24_000 and session.tokens.cache_write_1h == 12_000
    price = _table_rates()
    per_token = {k: float(getattr(price, k)) / 1e6 for k in
                 ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok")}
    assert per_token["cache_write_1h_mtok"] == pytest.approx(2 * per_token["input_mtok"])
    assert per_token["cache_write_mtok"] == pytest.approx(1.25 * per_token["input_mtok"])
    priced = cost.session_cost(session)
    base = 12 * per_token["input_mtok"] + 300 * per_token["output_mtok"] + 20_000 * per_token["cache_read_mtok"]
    expected = [
        base + 8_000 * per_token["cache_write_1h_mtok"],
        base + 8_000 * per_token["cache_write_mtok"],
        base + 4_000 * per_token["cache_write_1h_mtok"] + 4_000 * per_token["cache_write_mtok"],
    ]
    assert [priced.steps[s.id] for s in steps] == pytest.approx(expected)
    assert priced.cost_usd == pytest.approx(sum(expected))
    assert not priced.partial
    # The package's own price of each request agrees (the pricer's rates are checked against it).
    for step in steps:
        assert priced.steps[step.id] == pytest.approx(cost._exact(price, present(step.tokens)))


def test_one_hour_writes_survive_every_way_a_session_is_kept() -> None:
    log = _claude_log([_usage(8_000, 3_000, 5_000)])
    whole = claude_code.read(log, [])
    first = RawLog(log.path, log.data[: log.data.index(b"\n") + 1])
    _, state = claude_code.AGENT.resume(None, first, [])  # type: ignore[misc]
    resumed, state = claude_code.AGENT.resume(state, log, [])  # type: ignore[misc]
    assert resumed.to_dict() == whole.to_dict()
    assert state is not None
    again, _ = claude_code.AGENT.resume(state, log, [])  # type: ignore[misc]
    assert again.tokens.cache_write_1h == 3_000
    (step,) = [s for s in whole.steps if s.tokens is not None]
    assert Tokens.from_dict(present(step.tokens).to_dict()) == step.tokens
    # A session without 1-hour writes keeps its stored JSON as it was.
    assert "cache_write_1h" not in Tokens(1, 2, 3, 4).to_dict()


def test_more_one_hour_writes_than_writes_have_no_price() -> None:
    assert cost.request_cost(Tokens(1, 2, 3, 4, cache_write_1h=5), MODEL, WHEN) is None
    assert cost.request_cost(Tokens(1, 2, 3, 4, cache_write_1h=-1), MODEL, WHEN) is None


RESUMED = FIXTURES / "copilot-later" / "session-state" / "5e6f7a8b-6666-4f4f-9a9a-aabbccddeeff"


def test_copilot_resumed_after_its_only_shutdown_is_a_lower_bound(capsys, tmp_path) -> None:
    """The made-up 1.0.60 session shut down once, was resumed and answered again: the second run's
    input is in no shutdown, so its price is a lower bound, `≥` in `ls` (plain and JSON), in `show`
    (plain and JSON), in `cost` and in the app's list and header (they read `cost_lower_bound`)."""
    session = read_session(SessionFiles("copilot", RESUMED / "events.jsonl"))
    assert session.tokens.input_recorded  # the first run's input is there: the old test said "exact"
    priced = cost.session_cost(session)
    assert priced.partial and priced.cost_usd
    (late,) = [s for s in session.steps if s.tokens is not None and s.tokens.partial]
    assert late.text == "Goodbye." and present(late.tokens).output == 7
    # Without the resumed run the shutdown totals everything: an exact price.
    lines = (RESUMED / "events.jsonl").read_bytes().splitlines()
    cut = next(i for i, x in enumerate(lines) if b'"session.resume"' in x)
    closed = read_session_bytes(b"\n".join(lines[:cut]) + b"\n", tmp_path)
    assert not cost.session_cost(closed).partial

    state = tmp_path / "state" / "session-state"
    shutil.copytree(RESUMED, state / RESUMED.name)
    bucket = str(tmp_path / "b")
    assert main(["sync", "--bucket", bucket, "--source", f"copilot={state}", "--json"]) == 0
    capsys.readouterr()
    assert main(["ls", "--bucket", bucket, "--json"]) == 0
    (row,) = orjson.loads(capsys.readouterr().out)
    assert row["cost_lower_bound"] is True and row["input_recorded"] is True
    assert main(["ls", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    assert "≥$" in out and "≥: a lower bound" in out
    assert main(["show", "--bucket", bucket, "5e6f", "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["cost_lower_bound"] is True
    assert main(["show", "--bucket", bucket, "5e6f"]) == 0
    out = capsys.readouterr().out
    assert "cost:     ≥$" in out and "(the log counts only part of the usage)" in out
    # `cost` sums it as a lower bound too (it read only "the output alone" before).
    assert main(["cost", "--bucket", bucket, "--by", "agent", "--json"]) == 0
    spent = orjson.loads(capsys.readouterr().out)
    assert spent["total"]["lower_bound"] is True and spent["groups"][0]["lower_bound"] is True
    assert main(["cost", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    assert "≥$" in out and "≥: a lower bound" in out


def read_session_bytes(data: bytes, tmp_path) -> Any:
    folder = tmp_path / "closed" / RESUMED.name
    folder.mkdir(parents=True)
    (folder / "events.jsonl").write_bytes(data)
    return read_session(SessionFiles("copilot", folder / "events.jsonl"))
