"""Cost in money (tracetui.cost): the price table genai-prices ships, per step, session and model."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime

import genai_prices
import orjson
import pytest

from shared_data import CORPUS, requires_corpus
from tracetui import cost
from tracetui.cli import main
from tracetui.sources import registry
from tracetui.model import Session, Step, StepKind, Tokens

WHEN = "2025-10-01T12:00:00Z"


def package_price(tokens: Tokens, model: str, when: str = WHEN) -> float:
    """What genai-prices itself says one request costs (its input count includes the cached part)."""
    usage = genai_prices.Usage(
        input_tokens=tokens.input + tokens.cache_read + tokens.cache_write,
        cache_read_tokens=tokens.cache_read,
        cache_write_tokens=tokens.cache_write,
        output_tokens=tokens.output,
    )
    moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    return float(genai_prices.calc_price(usage, model, genai_request_timestamp=moment).total_price)


USAGES = [
    Tokens(1200, 300, 0, 0),
    Tokens(15, 800, 40_000, 2_500),
    Tokens(3, 90, 150_000, 0),
    Tokens(10, 4_000, 230_000, 1_000),  # over the 200k long-context tier where a model has one
    Tokens(0, 50, 0, 9_000),
    Tokens(250_000, 2_000, 0, 0),
]


@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "claude-opus-4-6", "gpt-5-codex", "gpt-5.4", "gemini-2.5-pro"])
def test_each_request_costs_what_the_package_says(model):
    # Twice over: the first request of a price and tier is priced by the package, later ones by rates.
    for tokens in USAGES + USAGES:
        assert cost.request_cost(tokens, model, WHEN) == pytest.approx(package_price(tokens, model), rel=1e-9, abs=1e-12)


def test_prices_follow_the_steps_date():
    # claude-3-5-sonnet was priced once and stays so, while opus 4.1 -> 4.5 is another model; any
    # model whose price changed over time must be priced at the step's date: compare with the package.
    tokens = Tokens(100_000, 1_000, 0, 0)
    for when in ("2024-07-01T00:00:00Z", "2025-12-01T00:00:00Z"):
        assert cost.request_cost(tokens, "claude-3-5-sonnet-20240620", when) == pytest.approx(
            package_price(tokens, "claude-3-5-sonnet-20240620", when)
        )


def test_provider_prefixed_names_and_unknown_models():
    tokens = Tokens(1000, 100, 0, 0)
    assert cost.request_cost(tokens, "anthropic/claude-sonnet-4-5", WHEN) == cost.request_cost(
        tokens, "claude-sonnet-4-5", WHEN
    )
    assert cost.request_cost(tokens, "openai-codex/gpt-5.3-codex", WHEN) is not None  # a hint it does not know
    assert cost.request_cost(tokens, "openclaw/delivery-mirror", WHEN) is None
    assert cost.request_cost(tokens, "<synthetic>", WHEN) is None


def step(i: int, model: str | None, tokens: Tokens | None, subagent: str | None = None) -> Step:
    return Step(f"s{i}", i, StepKind.ASSISTANT, "assistant", "x", timestamp=WHEN, model=model, tokens=tokens,
                subagent=subagent)  # fmt: skip


def test_session_cost_per_step_and_model():
    a, b = Tokens(1000, 200, 5000, 0), Tokens(300, 50, 0, 0)
    steps = [
        step(0, "claude-sonnet-4-5", a),
        step(1, None, b),  # the model last seen in its conversation
        step(2, "claude-haiku-4-5", b, subagent="x"),
        step(3, None, None),
        step(4, None, Tokens()),
    ]
    priced = cost.steps_cost(steps, ["claude-sonnet-4-5", "claude-haiku-4-5"])
    sonnet = package_price(a, "claude-sonnet-4-5") + package_price(b, "claude-sonnet-4-5")
    haiku = package_price(b, "claude-haiku-4-5")
    assert set(priced.steps) == {"s0", "s1", "s2"}
    assert priced.cost_usd == pytest.approx(sonnet + haiku)
    assert [(m.model, m.tokens.output) for m in priced.by_model] == [("claude-sonnet-4-5", 250), ("claude-haiku-4-5", 50)]
    assert [m.cost_usd for m in priced.by_model] == [pytest.approx(sonnet), pytest.approx(haiku)]


def test_nonsense_usage_has_no_price_and_raises_nothing():
    assert cost.request_cost(Tokens(-5, 10, 0, 0), "claude-sonnet-4-5", WHEN) is None
    assert cost.request_cost(Tokens(5, 10, 0, 0), "claude-sonnet-4-5", "not a time") is not None  # now's price
    assert cost.steps_cost([step(0, "claude-sonnet-4-5", Tokens(1, -1, 0, 0))], []).cost_usd is None


def test_one_unknown_model_makes_the_total_unknown_not_partial():
    steps = [step(0, "claude-sonnet-4-5", Tokens(1000, 1, 0, 0)), step(1, "longcat-x", Tokens(1000, 1, 0, 0))]
    priced = cost.steps_cost(steps, [])
    assert priced.cost_usd is None
    assert [m.cost_usd is None for m in priced.by_model] == [False, True]
    assert priced.steps["s1"] is None
    assert cost.steps_cost([step(0, None, Tokens(5, 5, 0, 0))], ["a", "b"]).cost_usd is None  # which model?
    assert cost.steps_cost([], ["claude-sonnet-4-5"]).cost_usd is None  # no usage: unknown, not free


def test_the_table_is_the_bundled_one_and_nothing_is_fetched(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tracetui.cost reached for the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    cost.price_table.cache_clear()
    table = cost.price_table()
    assert (table.name, table.version) == ("genai-prices", genai_prices.__version__)
    assert table.date is not None and date.fromisoformat(table.date) <= datetime.now(UTC).date()
    assert cost.request_cost(Tokens(10, 10, 0, 0), "gpt-5", WHEN) is not None
    from genai_prices import data_snapshot

    assert data_snapshot.get_snapshot().from_auto_update is False


def session_with_usage(tmp_path):
    logs = tmp_path / "claude" / "-p"
    logs.mkdir(parents=True)
    records = [
        {"type": "user", "uuid": "u1", "parentUuid": None, "sessionId": "s", "timestamp": WHEN,
         "message": {"role": "user", "content": "count the files"}},
        {"type": "assistant", "uuid": "a1", "parentUuid": "u1", "sessionId": "s", "timestamp": WHEN,
         "message": {"id": "m1", "role": "assistant", "model": "claude-sonnet-4-5", "content": [{"type": "text", "text": "3"}],
                     "usage": {"input_tokens": 1000, "output_tokens": 20, "cache_read_input_tokens": 4000}}},
    ]  # fmt: skip
    (logs / "11111111-1111-4111-8111-111111111111.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return Tokens(1000, 20, 4000, 0)


def test_ls_and_show_give_the_cost_and_the_tables_date(capsys, tmp_path):
    tokens = session_with_usage(tmp_path)
    bucket = str(tmp_path / "b")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={tmp_path / 'claude'}", "--json"]) == 0
    capsys.readouterr()
    expected = package_price(tokens, "claude-sonnet-4-5")
    assert main(["ls", "--bucket", bucket, "--json"]) == 0
    (row,) = orjson.loads(capsys.readouterr().out)
    assert row["cost_usd"] == pytest.approx(expected)
    assert main(["show", "--bucket", bucket, "1111", "--json"]) == 0
    doc = orjson.loads(capsys.readouterr().out)
    assert doc["cost_usd"] == pytest.approx(expected)
    assert doc["prices"] == cost.price_table().to_dict()
    assert [m["model"] for m in doc["cost_by_model"]] == ["claude-sonnet-4-5"]
    assert [s["cost_usd"] for s in doc["steps"]] == [None, pytest.approx(expected)]
    assert main(["ls", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    assert "COST" in out and f"genai-prices {genai_prices.__version__}" in out and cost.price_table().date in out


@requires_corpus
def test_corpus_sessions_are_priced_where_their_models_are_known(capsys, tmp_path):
    bucket = str(tmp_path / "b")
    agents = [a for a in registry.names() if (CORPUS / a).is_dir()]
    sources = [arg for agent in agents for arg in ("--source", f"{agent}={CORPUS / agent}")]
    assert main(["sync", "--bucket", bucket, *sources, "--json"]) == 0
    capsys.readouterr()
    assert main(["ls", "--bucket", bucket, "--all", "--json"]) == 0
    rows = orjson.loads(capsys.readouterr().out)
    priced = [r for r in rows if r["cost_usd"] is not None]
    # A free model's logged $0 (OpenCode's opencode/x-preview-f-free) is the one price of nothing.
    assert all(r["cost_usd"] > 0 or (r["cost_usd"] == 0 and r["cost_logged"]) for r in priced)
    free = [r for r in priced if r["cost_usd"] == 0]
    assert all(any(m.endswith("-free") for m in r["models"]) for r in free), free
    # Sessions with usage from well-known models only are all priced.
    known = ("claude-sonnet-4", "claude-opus-4", "gpt-5")
    for r in rows:
        bare = [m.rpartition("/")[2] for m in r["models"]]
        if r["tokens"]["output"] and bare and all(m.startswith(known) for m in bare):
            assert r["cost_usd"] is not None, (r["id"], r["models"])
    assert len(priced) >= 20


def test_index_is_reparsed_when_the_price_table_changes(tmp_path, monkeypatch):
    from tracetui.bucket import Bucket

    session_with_usage(tmp_path)
    with Bucket.open(tmp_path / "b") as b:
        b.sync({"claude": [tmp_path / "claude"]})
        assert b.price_table() == cost.price_table()
    monkeypatch.setattr("tracetui.bucket.index.table_version", lambda: "9.9.9")
    with Bucket.open(tmp_path / "b") as b:
        report = b.sync({"claude": [tmp_path / "claude"]})
        assert (report.new + report.updated, report.unchanged) == (1, 0)  # parsed again, as after an upgrade


def test_session_summary_from_memory_is_priced():
    from tracetui.library import MemoryLibrary

    s = Session("m", "claude", "/x", steps=[step(0, "claude-sonnet-4-5", Tokens(100, 10, 0, 0))], models=["claude-sonnet-4-5"])
    (row,) = MemoryLibrary([s]).list_sessions()
    assert row.cost_usd == pytest.approx(package_price(Tokens(100, 10, 0, 0), "claude-sonnet-4-5"))


def _reference_cost(steps, models, rates):
    """A session's price the way `cost` priced it before its per-price caches: each request's date
    parsed, its price looked up at that moment and its tier found by walking the price's fields.
    `rates` plays the part of the pricer's table of rates, (price, tier) -> rates or None."""
    from genai_prices.types import TieredPrices

    default = models[0] if len(models) == 1 else None
    last, per_step, total, known = {}, {}, None, True
    for s in steps:
        if s.model:
            last[s.subagent] = s.model
        t = s.tokens
        if t is None or t.total == 0 or "copied" in s.meta:  # a fork's copies are the parent's requests
            continue
        model = s.model or last.get(s.subagent) or default
        price = None
        counts = (t.input, t.output, t.cache_read, t.cache_write)
        info = cost._model(model) if model and all(type(n) is int and n >= 0 for n in counts) else None
        if info is not None:
            model_price = info.get_prices(cost._moment(s.timestamp))
            inputs = t.input + t.cache_read + t.cache_write
            fields = [v for v in vars(model_price).values() if isinstance(v, TieredPrices)]
            tier = tuple(sum(1 for x in v.tiers if inputs > x.start) for v in fields)
            key = (id(model_price), tier)
            if key not in rates:
                rates[key] = cost._rates(model_price, t, inputs)
            r = rates[key]
            if r is None:
                price = cost._exact(model_price, t)
            else:
                hour = t.cache_write_1h  # the writes made for an hour, at their own rate
                price = r[0] * t.input + r[1] * t.cache_read + r[2] * (t.cache_write - hour) + r[3] * hour
                price += r[4] * t.output
        if price is not None:
            price = round(price, 12)  # as `cost.request_cost` gives it
        if price is None and t.logged_usd is not None:  # the log's own figure, where the table has none
            price = t.logged_usd
        per_step[s.id] = price
        if price is None:
            known = False
        else:
            total = (total or 0.0) + price
    return (total if known else None), per_step


@requires_corpus
def test_corpus_prices_are_unchanged_to_the_last_digit(monkeypatch):
    # The pricer keeps a model's one price and each price's tier starts instead of looking them up
    # per request: every request of every corpus session must cost exactly what it did before.
    from tracetui.sources import group, read_session

    monkeypatch.setattr(cost, "_PRICER", cost._Pricer())  # both start from no rates, in one order
    from tracetui import cost_memo

    memo = cost_memo.Memo(None)  # nor from rates another process kept (`cost_memo`)
    monkeypatch.setattr(cost, "_memo", lambda: memo)
    rates: dict = {}
    requests = 0
    for agent in registry.names():
        folder = CORPUS / agent
        if not folder.is_dir():
            continue
        for files in group(agent, sorted(p for p in folder.rglob("*") if p.is_file())):
            try:
                session = read_session(files)
            except Exception:
                continue  # a reader's failure is the reader tests' business
            got = cost.session_cost(session)
            total, per_step = _reference_cost(session.steps, session.models, rates)
            assert got.steps == per_step, session.source
            assert got.cost_usd == total, session.source
            requests += sum(1 for v in per_step.values() if v is not None)
    assert requests > 1000


def test_a_log_that_counts_only_output_is_priced_as_a_lower_bound_and_says_so(capsys, tmp_path):
    """Copilot CLI writes input counts only when a session shuts down: before that its log holds
    output counts alone. No request is made without input, so the price is of part of the tokens:
    `≥` in ls, said in show, `input_recorded` false in JSON; after the shutdown, a price as any."""
    from shared_data import FIXTURES

    assert Tokens(0, 50, 0, 9_000).input_recorded and Tokens().input_recorded
    assert not Tokens(0, 195, 0, 0).input_recorded
    events = FIXTURES / "copilot" / "session-state" / "3c4d5e6f-4444-4d4d-9e9e-112233445566" / "events.jsonl"
    for shutdown in (False, True):
        state = tmp_path / str(shutdown) / "session-state" / events.parent.name
        state.mkdir(parents=True)
        lines = events.read_bytes().splitlines()
        (state / "events.jsonl").write_bytes(
            b"\n".join(x for x in lines if shutdown or b'"session.shutdown"' not in x) + b"\n")
        bucket = str(tmp_path / str(shutdown) / "b")
        assert main(["sync", "--bucket", bucket, "--source", f"copilot={state.parent}", "--json"]) == 0
        capsys.readouterr()
        assert main(["ls", "--bucket", bucket, "--json"]) == 0
        (row,) = orjson.loads(capsys.readouterr().out)
        assert row["cost_usd"] and row["input_recorded"] is shutdown
        assert main(["ls", "--bucket", bucket]) == 0
        assert ("≥$" in capsys.readouterr().out) is not shutdown
        assert main(["show", "--bucket", bucket, "3c4d", "--json"]) == 0
        assert orjson.loads(capsys.readouterr().out)["input_recorded"] is shutdown
        assert main(["show", "--bucket", bucket, "3c4d"]) == 0
        out = capsys.readouterr().out
        assert ("the log does not count input" in out and "(the output alone)" in out) is not shutdown
        assert ("input 3900, output 195" in out) is shutdown
