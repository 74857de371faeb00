"""What a session cost in money, from the price table the `genai-prices` package ships.

More in docs/internals/core.md, `cost.py`.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tracetui import cost_memo
from tracetui.model import Session, Step, Tokens

PACKAGE = "genai-prices"
_PROBE_OUTPUT = 1_000_000


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Which table prices are taken from: the package, its version, and the newest price change it
    records up to today (the table's date; None where it records no dates)."""

    name: str
    version: str
    date: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "date": self.date}

    def describe(self) -> str:
        when = f", prices as of {self.date}" if self.date else ""
        return f"{self.name} {self.version}{when}"


@functools.cache
def table_version() -> str:
    """The installed table's version, without loading the table (cheap: for cache keys)."""
    found = dist_info_version(PACKAGE)
    if found is not None:
        return found
    from importlib import metadata  # 20-70 ms to import: where the folder name does not say

    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "missing"


def dist_info_version(package: str) -> str | None:
    """The version in the name of the first `<package>-<version>.dist-info` folder on sys.path, the
    folder `importlib.metadata` reads it from; None where there is none (an egg, a zip)."""
    prefix = package.replace("-", "_").lower() + "-"
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and name.lower().startswith(prefix):
                return name[len(prefix) : -len(".dist-info")]
    return None


@functools.cache
def price_table() -> PriceTable:
    """The installed table, as of its newest price change up to today. Its dates are kept in the
    price memo: naming the table under a figure (`show`) then does not load it (a third of a second)."""
    memo = _memo()
    if memo.dates is None:
        memo.learn_dates(_table_dates())
    today = datetime.now(UTC).date().isoformat()
    newest = max((d for d in memo.dates or () if d <= today), default=None)
    return PriceTable(PACKAGE, table_version(), newest)


def _table_dates() -> list[str]:
    """Every date from which some price of the table applies."""
    found: set[str] = set()
    for provider in _providers():
        for model in provider.models:
            prices = model.prices if isinstance(model.prices, list) else []
            for conditional in prices:
                start = getattr(conditional.constraint, "start_date", None)
                if isinstance(start, datetime):
                    start = start.date()
                if isinstance(start, date):
                    found.add(start.isoformat())
    return sorted(found)


@dataclass(slots=True)
class ModelCost:
    """One model's share of a session: its tokens and their price (None: the table lacks it)."""

    model: str
    tokens: Tokens = field(default_factory=Tokens)
    cost_usd: float | None = 0.0
    # How many of its priced requests took the log's own figure, and how many the table's.
    logged: int = 0
    tabled: int = 0

    @property
    def source(self) -> str | None:
        """Where the price came from where the log gave any of it: "log", or "table and log"."""
        if not self.logged:
            return None
        return "table and log" if self.tabled else "log"

    def to_dict(self) -> dict[str, Any]:
        d = {"model": self.model, "tokens": self.tokens.to_dict(), "cost_usd": _rounded(self.cost_usd)}
        if self.source is not None:  # only then: a table's price reads as before
            d["source"] = self.source
        return d


@dataclass(slots=True)
class SessionCost:
    """A session's price: in all (None when some tokens could not be priced, or no step has any),
    per model in order of first use, and per step for the steps that carry tokens."""

    cost_usd: float | None
    by_model: list[ModelCost]
    steps: dict[str, float | None]
    logged_steps: set[str] = field(default_factory=set)  # the steps priced at the log's own figure
    # The log counted only part of the usage priced (a step's `Tokens.partial`, or output and no
    # input at all): the price is a lower bound, shown as `≥$0.05`.
    partial: bool = False

    @property
    def logged(self) -> bool:
        """Whether some of the price is the log's own figure, not the table's."""
        return bool(self.logged_steps)

    def to_dict(self) -> dict[str, Any]:
        return {"cost_usd": _rounded(self.cost_usd), "by_model": [m.to_dict() for m in self.by_model]}


def session_cost(session: Session) -> SessionCost:
    return steps_cost(session.steps, session.models)


def steps_cost(steps: Iterable[Step], models: list[str]) -> SessionCost:
    """The price of the steps' token usage. A step with no model of its own is taken to use the
    model last seen in its conversation (a subagent has its own), else the session's only model. A
    fork's copies of its parent's steps are not priced: the parent's own steps are. The table's
    price comes first (the same figure for every agent); a step it cannot price takes the cost its
    log recorded, if any."""
    default = models[0] if len(models) == 1 else None
    last: dict[str | None, str] = {}
    per_step: dict[str, float | None] = {}
    logged_steps: set[str] = set()
    by_model: dict[str, ModelCost] = {}
    total: float | None = None
    known = True
    partial = False
    priced = Tokens()
    for step in steps:
        if step.model:
            last[step.subagent] = step.model
        tokens = step.tokens
        if tokens is None or step.copied:
            continue  # a fork's copy of its parent's step: the parent paid for that request
        if tokens.total == 0:
            # Nothing to price, but a count the log says it lost (Gemini's gathered calls with
            # zeros) still makes the sum a floor.
            partial = partial or tokens.partial
            continue
        model = step.model or last.get(step.subagent) or default
        price = request_cost(tokens, model, step.timestamp) if model else None
        share = by_model.get(model or "")
        if share is None:
            share = by_model[model or ""] = ModelCost(model or "")
        if price is not None:
            share.tabled += 1
        elif tokens.logged_usd is not None:  # the agent's word, for a request the table cannot price
            price = tokens.logged_usd
            share.logged += 1
            logged_steps.add(step.id)
        per_step[step.id] = price
        share.tokens.add(tokens)
        priced.add(tokens)
        partial = partial or tokens.partial
        if price is None:
            share.cost_usd = None
            known = False
        elif share.cost_usd is not None:
            share.cost_usd += price
        if price is not None:
            total = (total or 0.0) + price
    partial = partial or not priced.input_recorded  # no request is made without input
    return SessionCost(total if known else None, list(by_model.values()), per_step, logged_steps, partial)


def request_cost(tokens: Tokens, model: str, when: str | None) -> float | None:
    """The price in USD of one API request's usage, or None when the table does not know `model`."""
    i, o, r, w, h = tokens.input, tokens.output, tokens.cache_read, tokens.cache_write, tokens.cache_write_1h
    # One chained test, not a loop: this runs for every request of every session a sync reads.
    if not (
        type(i) is int and type(o) is int and type(r) is int and type(w) is int and type(h) is int
        and min(i, o, r, w, h) >= 0 and h <= w
    ):  # fmt: skip
        return None  # a log's nonsense (a negative count, more 1-hour writes than writes) has no price
    memo = _memo()
    kept = memo.models.get(model)
    if kept == cost_memo.UNKNOWN:
        return None
    fixed = kept.at(_day(when)) if isinstance(kept, cost_memo.Dated) else kept
    if isinstance(fixed, cost_memo.Fixed):
        rates = fixed.rates.get(_tier_of(fixed.starts, i + r + w))
        if rates is not None:  # as the pricer would, without loading the table
            return round(_by_rates(rates, tokens), 12)
    found = _model(model)
    if found is None:
        memo.learn(model, cost_memo.UNKNOWN)
        return None
    try:
        # To the pico-dollar: the package's exact price and the cached per-token rates differ in the
        # last bits, and which of them prices a tier depends on the first request a process saw (a
        # sync's pool and a serial run gave two totals).
        price = round(_PRICER.price(found, tokens, when), 12)
    except (ValueError, ArithmeticError, LookupError):
        return None  # the table refused this usage: unknown, as for an unknown model
    learned = _PRICER.kept(found)
    joined = cost_memo.joined(kept, learned) if learned is not None else None
    if joined is not None:
        memo.learn(model, joined)
    return price


@functools.cache
def _memo() -> cost_memo.Memo:
    """This process's memo of the installed table (`cost_memo`), read once."""
    return cost_memo.load(table_version())


def _tier_of(starts: tuple[tuple[int, ...], ...], inputs: int) -> tuple[int, ...]:
    """Which tier each tiered price puts a request of `inputs` input tokens in (the package's rule:
    a tier applies above its start)."""
    return tuple([sum(1 for start in tiers if inputs > start) for tiers in starts]) if starts else ()


def _by_rates(rates: _Rates, tokens: Tokens) -> float:
    uncached, read, write, write_1h, out = rates
    hour = tokens.cache_write_1h
    return (
        uncached * tokens.input
        + read * tokens.cache_read
        + write * (tokens.cache_write - hour)
        + write_1h * hour
        + out * tokens.output
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


# -- the table ------------------------------------------------------------------------------------


def _providers() -> list[Any]:
    from genai_prices import data_snapshot

    return list(data_snapshot.get_snapshot().providers)


@functools.lru_cache(maxsize=512)
def _model(model: str) -> Any | None:
    """The table's entry for a model name as a log gives it: bare (`claude-sonnet-4-5`), or as Pi
    and routers spell it, `provider/model` (the provider is a hint; an unknown one is dropped)."""
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    tries: list[tuple[str, str | None]] = []
    if "/" in model:
        provider, _, bare = model.rpartition("/")
        tries += [(bare, provider.rsplit("/", 1)[-1]), (bare, None)]
    tries.append((model, None))
    for ref, provider_id in tries:
        if not ref:
            continue
        try:
            _, info = snapshot.find_provider_model(ref, None, provider_id, None)
        except LookupError:
            continue
        return info
    return None


def _day(when: str | None) -> str:
    """The UTC day of a request's moment, as a dated price's start is compared with it."""
    return _moment(when).astimezone(UTC).date().isoformat()


def _moment(when: str | None) -> datetime:
    if when:
        try:
            moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


class _Pricer:
    """Per-token rates per (price, tier), taken from the package and checked against it.

    What does not change between requests is looked up once: the model's price when it has only
    one (no date to parse then), and each price's tier starts (the package's fields, walked once).
    """

    def __init__(self) -> None:
        # id(model price) -> (model price, its tier starts, {tier: rates or None}); the price object
        # is kept so its id is never reused while the entry lives.
        self._rates: dict[int, tuple[Any, tuple[tuple[int, ...], ...], dict[tuple[int, ...], _Rates | None]]] = {}
        # id(model info) -> (model info, its one price or None where it depends on the moment)
        self._fixed: dict[int, tuple[Any, Any | None]] = {}

    def price(self, info: Any, tokens: Tokens, when: str | None) -> float:
        fixed = self._fixed.get(id(info))
        if fixed is None:
            fixed = self._fixed[id(info)] = (info, _one_price(info))
        model_price = fixed[1]
        if model_price is None:
            model_price = info.get_prices(_moment(when))
        entry = self._rates.get(id(model_price))
        if entry is None:
            entry = self._rates[id(model_price)] = (model_price, _tier_starts(model_price), {})
        inputs = tokens.input + tokens.cache_read + tokens.cache_write
        tier = _tier_of(entry[1], inputs)
        rates = entry[2].get(tier, _UNSEEN)
        if rates is _UNSEEN:
            rates = entry[2][tier] = _rates(model_price, tokens, inputs)
        if rates is None:
            return _exact(model_price, tokens)
        return _by_rates(rates, tokens)

    def kept(self, info: Any) -> cost_memo.Fixed | cost_memo.Dated | None:
        """What a memo may keep of a model priced here: its tier starts and the rates of the tiers
        met, for its one price or for each of the prices it takes from a day on (the newest Claude
        models'); None where its price depends on the time of day."""
        fixed = self._fixed.get(id(info))
        if fixed is None:
            return None
        if fixed[1] is not None:
            return self._tiers_met(fixed[1])
        from genai_prices.types import StartDateConstraint

        prices = info.prices
        if not isinstance(prices, list) or not 0 < len(prices) <= cost_memo.MOST_DATED:
            return None
        dated: list[tuple[str | None, cost_memo.Fixed]] = []
        for conditional in prices:
            constraint = conditional.constraint
            if constraint is not None and not isinstance(constraint, StartDateConstraint):
                return None
            # The very object `info.get_prices` returns on the days it applies: its rates are keyed so.
            start = constraint.start_date.isoformat() if constraint is not None else None
            dated.append((start, self._tiers_met(conditional.prices)))
        return cost_memo.Dated(tuple(dated))

    def _tiers_met(self, model_price: Any) -> cost_memo.Fixed:
        entry = self._rates.get(id(model_price))
        if entry is None:  # a price of a day no request came from yet
            return cost_memo.Fixed(_tier_starts(model_price))
        return cost_memo.Fixed(entry[1], {t: r for t, r in entry[2].items() if r is not None})


_Rates = tuple[float, float, float, float, float]
_UNSEEN: Any = object()


def _one_price(info: Any) -> Any | None:
    """A model's price when it does not depend on the request's moment (one price, no dated or
    time-of-day conditions): what `info.get_prices` returns at any moment. None otherwise."""
    from genai_prices.types import ModelPrice

    if isinstance(info.prices, ModelPrice):
        return info.get_prices(datetime.now(UTC))
    return None


_PRICER = _Pricer()


def _usage(
    input_total: int, cache_read: int = 0, cache_write: int = 0, output: int = 0, hour: int = 0
) -> Any:
    from genai_prices import Usage

    if hour:  # the part of the writes made for an hour: the package prices it at its own rate
        return Usage(
            input_tokens=input_total, cache_read_tokens=cache_read, cache_write_tokens=cache_write,
            cache_write_1h_tokens=hour, output_tokens=output,
        )  # fmt: skip
    return Usage(
        input_tokens=input_total, cache_read_tokens=cache_read, cache_write_tokens=cache_write, output_tokens=output
    )


def _calc(model_price: Any, usage: Any) -> float:
    return float(model_price.calc_price(usage)["total_price"])


def _exact(model_price: Any, tokens: Tokens) -> float:
    inputs = tokens.input + tokens.cache_read + tokens.cache_write
    usage = _usage(inputs, tokens.cache_read, tokens.cache_write, tokens.output, tokens.cache_write_1h)
    return _calc(model_price, usage)


def _tier_starts(model_price: Any) -> tuple[tuple[int, ...], ...]:
    """The tier starts of each tiered price of `model_price`, in the order of its fields."""
    from genai_prices.types import TieredPrices

    return tuple(
        tuple(tier.start for tier in value.tiers) for value in vars(model_price).values() if isinstance(value, TieredPrices)
    )


def _starts(model_price: Any) -> list[int]:
    return sorted({start for starts in _tier_starts(model_price) for start in starts})


def _tier(model_price: Any, inputs: int) -> tuple[int, ...]:
    """Which tier each tiered price of `model_price` puts a request of `inputs` input tokens in."""
    return _tier_of(_tier_starts(model_price), inputs)


def _probe_size(model_price: Any, inputs: int) -> int:
    """A request size in the same tier as `inputs` that depends on the tier alone (a million where
    the tier holds one), so the rates, and the prices made with them, do not depend on which
    request happened to come first."""
    starts = _starts(model_price)
    low = max((s + 1 for s in starts if inputs > s), default=1)
    high = min((s for s in starts if s >= inputs), default=None)
    return _PROBE_OUTPUT if low <= _PROBE_OUTPUT and (high is None or _PROBE_OUTPUT <= high) else low


def _rates(model_price: Any, sample: Tokens, sample_inputs: int) -> _Rates | None:
    """Rates per uncached input, cache read, cache write, 1-hour cache write and output token in the
    tier of `sample`,
    from probes of the same tier; None where they do not reproduce the package's price of `sample`
    (a price per request, or a unit that is not linear). A request of output alone (Copilot CLI's
    counts) is priced in the first tier like any other: the probes are at least one token."""
    inputs = _probe_size(model_price, sample_inputs)
    plain = _calc(model_price, _usage(inputs))
    rates = (
        plain / inputs,
        _calc(model_price, _usage(inputs, cache_read=inputs)) / inputs,
        _calc(model_price, _usage(inputs, cache_write=inputs)) / inputs,
        _calc(model_price, _usage(inputs, cache_write=inputs, hour=inputs)) / inputs,
        (_calc(model_price, _usage(inputs, output=_PROBE_OUTPUT)) - plain) / _PROBE_OUTPUT,
    )
    uncached, read, write, write_1h, out = rates
    hour = sample.cache_write_1h
    guess = (
        uncached * sample.input
        + read * sample.cache_read
        + write * (sample.cache_write - hour)
        + write_1h * hour
        + out * sample.output
    )
    if not _close(guess, _exact(model_price, sample)):
        return None
    # A price per request would hide in the per-token rates at this size: check another size of the
    # same tier scales with them.
    tier = _tier(model_price, inputs)
    other = next((n for n in (inputs // 2, inputs * 2) if n > 0 and _tier(model_price, n) == tier), None)
    if other is None or not _close(uncached * other, _calc(model_price, _usage(other))):
        return None
    return rates


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 + 1e-9 * abs(b)
