"""What the price table said of each model name, kept per table version in the user's cache folder,
so that a process pricing only models it has met before never loads the table (a third of a second:
half of a sync after one session changed, and again in every pool worker).

More in docs/internals/core.md, `cost_memo.py`.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.regular_file import read_regular

Rates = tuple[float, float, float, float, float]
Tier = tuple[int, ...]

_LIMIT = 1 << 20  # bytes of a memo file read: a few KB in use
MOST_NAMES = 512  # model names kept: a log's made-up names must not grow it without end
_NAME_LIMIT = 200
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MOST_DATES = 4096  # the table's distinct price-change dates: a few hundred in use
MOST_DATED = 64  # a dated model's prices: two or three in use
UNKNOWN = "unknown"  # the table knows no such model


@dataclass(slots=True)
class Fixed:
    """A model with one price at every moment: its tiers' starts (per tiered price, in the order of
    the price's fields) and the per-token rates of the tiers met so far."""

    starts: tuple[Tier, ...]
    rates: dict[Tier, Rates] = field(default_factory=dict)


@dataclass(slots=True)
class Dated:
    """A model whose price changes with the request's UTC day only: the table's prices in its order,
    each with the day it starts (None: always), and of those started the last one applies."""

    prices: tuple[tuple[str | None, Fixed], ...]

    def at(self, day: str) -> Fixed:
        """The price of a request made on `day` (`YYYY-MM-DD`, UTC), chosen as the table chooses."""
        for start, fixed in reversed(self.prices):
            if start is None or start <= day:
                return fixed
        return self.prices[0][1]


Entry = Fixed | Dated | str


def joined(kept: Entry | None, learned: Fixed | Dated) -> Fixed | Dated | None:
    """What to keep of a model after pricing it: `learned` with the tiers `kept` already holds (met by
    another process); None where it adds no tier to what is kept."""
    old = _prices_alike(kept, learned)
    if old is None:
        return learned
    new = [learned] if isinstance(learned, Fixed) else [fixed for _, fixed in learned.prices]
    adds = False
    for before, now in zip(old, new):
        adds = adds or bool(now.rates.keys() - before.rates.keys())
        if before.starts == now.starts:
            now.rates = {**before.rates, **now.rates}  # the tiers another process met stay
    return learned if adds else None


def _prices_alike(kept: Entry | None, learned: Fixed | Dated) -> list[Fixed] | None:
    """`kept`'s prices where it is an entry of the same kind as `learned` (for a Dated, with the same
    start days), else None."""
    if isinstance(learned, Fixed):
        return [kept] if isinstance(kept, Fixed) else None
    if isinstance(kept, Dated) and [day for day, _ in kept.prices] == [day for day, _ in learned.prices]:
        return [fixed for _, fixed in kept.prices]
    return None


@dataclass(slots=True)
class Memo:
    """The memo of one table version; `path` None keeps it in memory only."""

    path: Path | None
    models: dict[str, Entry] = field(default_factory=dict)
    # The table's price-change dates (ISO), for the date it is as of on any day; None: not learned.
    dates: list[str] | None = None

    def learn(self, model: str, entry: Entry) -> None:
        """Keep what the table said of `model` (a Fixed, a Dated, or UNKNOWN) and write the memo."""
        if len(model) > _NAME_LIMIT or (model not in self.models and len(self.models) >= MOST_NAMES):
            return
        self.models[model] = entry
        if self.path is not None:
            _save(self.path, self)

    def learn_dates(self, dates: list[str]) -> None:
        self.dates = sorted(set(dates))[:MOST_DATES]
        if self.path is not None:
            _save(self.path, self)


def memo_path(version: str) -> Path | None:
    """Where the memo of table `version` is kept; None where the version cannot name a file."""
    if _VERSION.fullmatch(version) is None:
        return None
    from platformdirs import user_cache_path

    return user_cache_path("tracetui") / "prices" / f"genai-prices-{version}.json"


def load(version: str) -> Memo:
    """The memo kept for `version`; an empty one where there is none or it is not one we wrote."""
    path = memo_path(version)
    if path is None:
        return Memo(None)
    return Memo(path, *_read(path))


def _read(path: Path) -> tuple[dict[str, Entry], list[str] | None]:
    try:
        doc = orjson.loads(read_regular(path, _LIMIT))
    except (OSError, ValueError, TracetuiError):  # missing, not a regular file, too large, not JSON
        return {}, None
    models = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(models, dict):
        return {}, None
    out: dict[str, Entry] = {}
    for name, value in list(models.items())[:MOST_NAMES]:
        entry = _entry(value)
        if entry is not None and len(name) <= _NAME_LIMIT:
            out[name] = entry
    return out, _dates(doc.get("dates"))


def _dates(value: Any) -> list[str] | None:
    """The dates as `_save` writes them, or None (not learned, or not ours)."""
    if not isinstance(value, list) or len(value) > MOST_DATES:
        return None
    if not all(isinstance(d, str) and _DATE.fullmatch(d) for d in value):
        return None
    return value


def _entry(value: Any) -> Entry | None:
    """One model's entry as written, or None where any part of it is not what `_save` writes."""
    if value == UNKNOWN:
        return UNKNOWN
    if not isinstance(value, dict):
        return None
    if "dated" in value:
        return _dated(value)
    return _fixed(value)


def _dated(value: dict[str, Any]) -> Dated | None:
    pairs = value.get("dated")
    if len(value) != 1 or not isinstance(pairs, list) or not 0 < len(pairs) <= MOST_DATED:
        return None
    prices: list[tuple[str | None, Fixed]] = []
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2):
            return None
        start, fixed = pair[0], _fixed(pair[1]) if isinstance(pair[1], dict) else None
        if fixed is None or not (start is None or (isinstance(start, str) and _DATE.fullmatch(start))):
            return None
        prices.append((start, fixed))
    return Dated(tuple(prices))


def _fixed(value: dict[str, Any]) -> Fixed | None:
    starts = _tiers(value.get("starts"))
    pairs = value.get("rates")
    if starts is None or not isinstance(pairs, list):
        return None
    rates: dict[Tier, Rates] = {}
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2):
            return None
        tier = _tier(pair[0])
        got = pair[1]
        if (
            tier is None or len(tier) != len(starts) or not isinstance(got, list) or len(got) != 5
            or not all(type(x) is float and math.isfinite(x) for x in got)
        ):  # fmt: skip
            return None
        rates[tier] = (got[0], got[1], got[2], got[3], got[4])
    return Fixed(starts, rates)


def _tier(value: Any) -> Tier | None:
    if not isinstance(value, list) or not all(type(x) is int and 0 <= x < 1 << 62 for x in value):
        return None
    return tuple(value)


def _tiers(value: Any) -> tuple[Tier, ...] | None:
    if not isinstance(value, list):
        return None
    tiers = [_tier(v) for v in value]
    return None if any(t is None for t in tiers) else tuple(t for t in tiers if t is not None)


def _written(entry: Entry) -> Any:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Dated):
        return {"dated": [[start, _written(fixed)] for start, fixed in entry.prices]}
    rates = [[list(tier), list(rates)] for tier, rates in entry.rates.items()]
    return {"starts": [list(s) for s in entry.starts], "rates": rates}


def _save(path: Path, memo: Memo) -> None:
    """Write the memo, with what another process kept meanwhile (their names first, ours over them);
    best effort: a memo that cannot be written is only slower."""
    models, dates = _read(path)
    merged = {**models, **memo.models}
    doc: dict[str, Any] = {"models": {name: _written(e) for name, e in list(merged.items())[:MOST_NAMES]}}
    if memo.dates is not None or dates is not None:
        doc["dates"] = memo.dates if memo.dates is not None else dates
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(orjson.dumps(doc))
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
