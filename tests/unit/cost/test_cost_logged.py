"""A request the price table cannot price takes the cost the agent's log recorded (Pi's
`usage.cost.total`, OpenCode's `cost`), marked as the log's; a model the table knows keeps the
table's price whatever the log says."""

from __future__ import annotations

import json
import math

import orjson
import pytest
from support.narrow import present
from shared_data import FIXTURES

from tracetui import cost
from tracetui.cli import main
from tracetui.model import Session, Tokens
from tracetui.sources import RawLog
from tracetui.sources.opencode import reader as opencode
from tracetui.sources.pi import reader as pi

UNKNOWN = ("huggingface", "Qwen/Qwen3-Zz-Unlisted-480B")  # no table knows it
KNOWN = ("anthropic", "claude-sonnet-4-5")
OPENCODE_EXPORT = FIXTURES / "opencode" / "export.json"


def _pi_text(provider: str, model: str, costs: list[object]) -> bytes:
    records: list[dict] = [
        {"type": "session", "version": 3, "id": "s1", "timestamp": "2025-10-01T00:00:00.000Z", "cwd": "/p"},
        {"type": "message", "id": "u1", "parentId": None, "message": {"role": "user", "content": "go"}},
    ]
    parent = "u1"
    for n, logged in enumerate(costs):
        usage: dict[str, object] = {"input": 1000 + n, "output": 200, "cacheRead": 50, "cacheWrite": 0}
        usage["cost"] = {"total": logged}
        records.append(
            {
                "type": "message",
                "id": f"a{n}",
                "parentId": parent,
                "timestamp": f"2025-10-01T00:00:{n:02d}.000Z",
                "message": {"role": "assistant", "content": f"step {n}", "provider": provider, "model": model,
                            "usage": usage},
            }
        )
        parent = f"a{n}"
    # The standard library writes NaN, Infinity and numbers past 64 bits, as a hostile log may.
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def _pi_log(provider: str, model: str, costs: list[object]) -> Session:
    return pi.read(RawLog("/logs/s1.jsonl", _pi_text(provider, model, costs)), [])


def test_a_pi_session_on_a_model_the_table_lacks_costs_the_sum_of_its_logged_costs():
    assert cost.request_cost(Tokens(1000, 200, 50, 0), "/".join(UNKNOWN), None) is None
    session = _pi_log(*UNKNOWN, [0.012, 0.0305, 0.5])
    priced = cost.session_cost(session)
    assert priced.cost_usd == pytest.approx(0.5425)
    assert priced.logged and priced.logged_steps == {"a0", "a1", "a2"}
    [share] = priced.to_dict()["by_model"]
    assert share["source"] == "log" and share["cost_usd"] == pytest.approx(0.5425)
    # kept through the session's dict, as the bucket stores it
    again = Session.from_dict(orjson.loads(orjson.dumps(session.to_dict())))
    assert cost.session_cost(again).cost_usd == pytest.approx(0.5425)


def test_a_pi_session_on_a_known_model_keeps_the_tables_price_not_the_logs():
    session = _pi_log(*KNOWN, [99.0, 99.0])
    priced = cost.session_cost(session)
    steps = [s for s in session.steps if s.tokens]
    table = sum(cost.request_cost(present(s.tokens), "/".join(KNOWN), s.timestamp) or 0 for s in steps)
    assert table > 0 and priced.cost_usd == pytest.approx(table)
    assert not priced.logged and "source" not in priced.to_dict()["by_model"][0]


def test_one_request_without_a_logged_cost_leaves_the_total_unknown():
    priced = cost.session_cost(_pi_log(*UNKNOWN, [0.01, None]))
    assert priced.cost_usd is None and priced.by_model[0].cost_usd is None


@pytest.mark.parametrize(
    "bad",
    [-1.0, -1e-9, math.nan, math.inf, 1e300, 10**30, "0.5", "0", True, False, None, [0.5], {"total": 1}],
)
def test_hostile_logged_costs_are_ignored_and_never_crash(bad):
    session = _pi_log(*UNKNOWN, [bad])
    step = session.steps[-1]
    assert step.text == "step 0" and step.tokens == Tokens(1000, 200, 50, 0)  # the entry itself reads
    assert step.tokens.logged_usd is None
    assert cost.session_cost(session).cost_usd is None
    assert Tokens.from_dict({"input": 1, "logged_usd": bad}).logged_usd is None


def test_a_pi_log_whose_cost_is_not_an_object_reads():
    records = [
        {"type": "session", "version": 3, "id": "s", "timestamp": "2025-10-01T00:00:00.000Z", "cwd": "/p"},
        {"type": "message", "id": "a", "parentId": None, "message": {
            "role": "assistant", "content": "x", "model": "m", "usage": {"input": 1, "cost": "lots"}}},
    ]
    session = pi.read(RawLog("/l.jsonl", b"\n".join(orjson.dumps(r) for r in records)), [])
    assert session.steps[0].tokens == Tokens(1, 0, 0, 0)


def _opencode(provider: str, model: str, costs: list[float]) -> Session:
    doc = orjson.loads(OPENCODE_EXPORT.read_bytes())
    finishes = iter(costs)
    for message in doc["messages"]:
        if message["info"]["role"] == "assistant":
            message["info"]["providerID"], message["info"]["modelID"] = provider, model
            for part in message["parts"]:
                if part["type"] == "step-finish":
                    part["cost"] = next(finishes)
    return opencode.read(RawLog("x.json", orjson.dumps(doc)), [])


def test_an_opencode_session_on_a_model_the_table_lacks_costs_the_sum_of_its_logged_costs():
    session = _opencode(*UNKNOWN, [0.01, 0.02, 0.003, 0.004])
    priced = cost.session_cost(session)
    assert priced.cost_usd == pytest.approx(0.037)
    assert len(priced.logged_steps) == 4 and priced.to_dict()["by_model"][0]["source"] == "log"


def test_an_opencode_session_on_a_known_model_keeps_the_tables_price():
    session = _opencode(*KNOWN, [5.0, 5.0, 5.0, 5.0])
    priced = cost.session_cost(session)
    assert priced.cost_usd is not None and priced.cost_usd < 1 and not priced.logged


def test_show_and_ls_give_a_logged_price_and_say_so(tmp_path, capsys):
    logs = tmp_path / "pi" / "--p--"
    logs.mkdir(parents=True)
    (logs / "2025-10-01T00-00-00-000Z_s1.jsonl").write_bytes(_pi_text(*UNKNOWN, [0.25, 0.5]))
    bucket = str(tmp_path / "b")
    assert main(["sync", "--bucket", bucket, "--source", f"pi={tmp_path / 'pi'}", "--json"]) == 0
    capsys.readouterr()
    assert main(["ls", "--bucket", bucket, "--json"]) == 0
    (row,) = orjson.loads(capsys.readouterr().out)
    assert row["cost_usd"] == pytest.approx(0.75) and row["cost_logged"] is True
    assert main(["show", "--bucket", bucket, "s1", "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["cost_usd"] == pytest.approx(0.75) and doc["cost_logged"] is True
    assert [m["source"] for m in doc["cost_by_model"]] == ["log"]
    assert [s.get("cost_source") for s in doc["steps"] if s["cost_usd"]] == ["log", "log"]
    assert main(["show", "--bucket", bucket, "s1"]) == 0
    out = capsys.readouterr().out
    assert "$0.75 (as logged)" in out


def test_a_table_price_says_nothing_of_the_log(tmp_path, capsys):
    logs = tmp_path / "pi" / "--p--"
    logs.mkdir(parents=True)
    (logs / "2025-10-01T00-00-00-000Z_s1.jsonl").write_bytes(_pi_text(*KNOWN, [0.25]))
    bucket = str(tmp_path / "b")
    assert main(["sync", "--bucket", bucket, "--source", f"pi={tmp_path / 'pi'}", "--json"]) == 0
    capsys.readouterr()
    assert main(["show", "--bucket", bucket, "s1", "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["cost_logged"] is False and "source" not in doc["cost_by_model"][0]
    assert main(["ls", "--bucket", bucket, "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)[0]["cost_logged"] is False
    assert all("cost_source" not in s for s in doc["steps"])
    assert main(["show", "--bucket", bucket, "s1"]) == 0
    assert "as logged" not in capsys.readouterr().out


def test_a_summary_from_memory_says_its_price_is_logged():
    from tracetui.library import MemoryLibrary

    (row,) = MemoryLibrary([_pi_log(*UNKNOWN, [0.25])]).list_sessions()
    assert row.cost_usd == pytest.approx(0.25) and row.cost_logged
    (row,) = MemoryLibrary([_pi_log(*KNOWN, [0.25])]).list_sessions()
    assert row.cost_usd and not row.cost_logged


def test_an_opencode_message_without_step_finish_parts_gives_its_own_logged_cost():
    doc = orjson.loads(OPENCODE_EXPORT.read_bytes())
    for message in doc["messages"]:
        if message["info"]["role"] == "assistant":
            message["info"]["providerID"], message["info"]["modelID"] = UNKNOWN
            message["info"]["cost"] = 0.125
            message["parts"] = [p for p in message["parts"] if p["type"] != "step-finish"]
    session = opencode.read(RawLog("x.json", orjson.dumps(doc)), [])
    priced = cost.session_cost(session)
    # only msg_01B counts tokens of its own (the other two messages' counts are zero)
    assert priced.cost_usd == pytest.approx(0.125) and len(priced.logged_steps) == 1


# -- a logged 0: a free model's real price, not an unknown one ----------------------------------


@pytest.mark.parametrize("zero", [0, 0.0, -0.0])
def test_a_logged_zero_is_a_price_of_nothing_as_logged(zero):
    session = _pi_log(*UNKNOWN, [zero, zero])
    assert [s.tokens.logged_usd for s in session.steps if s.tokens] == [0.0, 0.0]
    priced = cost.session_cost(session)
    assert priced.cost_usd == 0.0 and priced.logged and priced.logged_steps == {"a0", "a1"}
    [share] = priced.to_dict()["by_model"]
    assert share["cost_usd"] == 0.0 and share["source"] == "log"
    assert math.copysign(1.0, priced.cost_usd) == 1.0  # never "-$0.00"
    # kept through the session's dict and the resumable readers' rows, as the bucket stores them
    again = Session.from_dict(orjson.loads(orjson.dumps(session.to_dict())))
    assert cost.session_cost(again).cost_usd == 0.0 and cost.session_cost(again).logged
    from tracetui.sources.common.resumable import tokens_of, tokens_row

    assert tokens_of(tokens_row(Tokens(1, 2, 0, 0, 0.0))).logged_usd == 0.0


def test_a_free_request_beside_paid_ones_adds_nothing_and_leaves_the_total_known():
    priced = cost.session_cost(_pi_log(*UNKNOWN, [0.25, 0, 0.5]))
    assert priced.cost_usd == pytest.approx(0.75) and len(priced.logged_steps) == 3


def test_a_missing_logged_cost_stays_absent_beside_a_logged_zero():
    session = _pi_log(*UNKNOWN, [0, None])
    assert [s.tokens.logged_usd for s in session.steps if s.tokens] == [0.0, None]
    assert cost.session_cost(session).cost_usd is None
    # a usage with no cost object at all, or one without a total
    for usage_cost in ({}, {"input": 0, "output": 0}):
        records = [
            {"type": "session", "version": 3, "id": "s", "timestamp": "2025-10-01T00:00:00Z", "cwd": "/p"},
            {"type": "message", "id": "a", "parentId": None, "message": {
                "role": "assistant", "content": "x", "model": "/".join(UNKNOWN),
                "usage": {"input": 5, "output": 1, **({"cost": usage_cost} if usage_cost else {})}}},
        ]
        got = pi.read(RawLog("/l.jsonl", b"\n".join(orjson.dumps(r) for r in records)), [])
        assert got.steps[0].tokens is not None and got.steps[0].tokens.logged_usd is None
        assert cost.session_cost(got).cost_usd is None


def test_a_known_model_logged_at_zero_keeps_the_tables_price():
    priced = cost.session_cost(_pi_log(*KNOWN, [0, 0]))
    assert priced.cost_usd and priced.cost_usd > 0 and not priced.logged


def test_an_opencode_free_model_costs_zero_as_logged():
    session = _opencode(*UNKNOWN, [0, 0, 0, 0])
    priced = cost.session_cost(session)
    assert priced.cost_usd == 0.0 and len(priced.logged_steps) == 4


def test_an_opencode_step_finish_without_a_cost_stays_unpriced():
    doc = orjson.loads(OPENCODE_EXPORT.read_bytes())
    for message in doc["messages"]:
        if message["info"]["role"] == "assistant":
            message["info"]["providerID"], message["info"]["modelID"] = UNKNOWN
            for part in message["parts"]:
                if part["type"] == "step-finish":
                    part.pop("cost", None)
    session = opencode.read(RawLog("x.json", orjson.dumps(doc)), [])
    assert cost.session_cost(session).cost_usd is None


def test_ls_and_show_give_a_logged_zero_as_a_marked_price(tmp_path, capsys):
    logs = tmp_path / "pi" / "--p--"
    logs.mkdir(parents=True)
    log = logs / "2025-10-01T00-00-00-000Z_s1.jsonl"
    log.write_bytes(_pi_text(*UNKNOWN, [0, 0]))
    bucket = str(tmp_path / "b")
    sync = ["sync", "--bucket", bucket, "--source", f"pi={tmp_path / 'pi'}", "--json"]
    assert main(sync) == 0
    capsys.readouterr()
    assert main(["ls", "--bucket", bucket, "--json"]) == 0
    (row,) = orjson.loads(capsys.readouterr().out)
    assert row["cost_usd"] == 0.0 and row["cost_logged"] is True
    assert main(["ls", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    [listed] = [line for line in out.splitlines() if line.startswith("s1")]
    assert " $0.00* " in listed
    [legend] = [line for line in out.splitlines() if line.startswith("*: ")]
    assert "as the agent's log recorded it" in legend and len(legend) <= 80
    assert main(["show", "--bucket", bucket, "s1"]) == 0
    assert "cost:     $0.00 (as logged)" in capsys.readouterr().out
    # the log grows (its reader resumes from a kept state): the earlier free requests stay priced
    with open(log, "ab") as fh:
        usage = {"input": 9, "output": 1, "cost": {"total": 0}}
        message = {"role": "assistant", "content": "more", "provider": UNKNOWN[0], "model": UNKNOWN[1]}
        entry = {"type": "message", "id": "a9", "parentId": "a1", "timestamp": "2025-10-01T00:01:00Z",
                 "message": {**message, "usage": usage}}
        fh.write(json.dumps(entry).encode() + b"\n")
    assert main(sync) == 0
    capsys.readouterr()
    assert main(["show", "--bucket", bucket, "s1", "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["cost_usd"] == 0.0 and doc["cost_logged"] is True
    assert [s.get("cost_source") for s in doc["steps"] if s["cost_usd"] is not None] == ["log"] * 3


def test_ls_marks_no_table_price(tmp_path, capsys):
    logs = tmp_path / "pi" / "--p--"
    logs.mkdir(parents=True)
    (logs / "2025-10-01T00-00-00-000Z_s1.jsonl").write_bytes(_pi_text(*KNOWN, [0.25]))
    bucket = str(tmp_path / "b")
    assert main(["sync", "--bucket", bucket, "--source", f"pi={tmp_path / 'pi'}", "--json"]) == 0
    capsys.readouterr()
    assert main(["ls", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    assert "*" not in out and "as the agent's log" not in out
