"""Cost per surviving line: what a session's work that git kept cost, and what it spent on work git
threw away (README.md, "Cost per surviving line"; docs/internals/core.md).

A request's price is shared by the patches it wrote, by the lines each adds; `wasted_usd` sums the
shares of patches `reverted` or `lost`, and `per_surviving_line` (the one definition; evals uses it
over a cohort) is the whole cost over the lines `alive` or `transformed`. Unknown prices stay None.
Judging survival costs seconds, so the figures are remembered where a trail is judged and listings
read only what was remembered.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tracetui.cost import SessionCost, steps_cost
from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.regular_file import CACHE_MOST, keep_cache, read_regular

WASTED = ("reverted", "lost")
SURVIVING = ("alive", "transformed")
FOLDER = "line-cost"
_VERSION = 1


class LineFates:
    """Added lines by the fate of the patch that added them: what decided and what survived, for any
    record that counts them (a session's LineCost, evals' SessionLabels)."""

    __slots__ = ()
    alive: int
    transformed: int
    reverted: int
    lost: int

    @property
    def decided(self) -> int:
        return self.alive + self.transformed + self.reverted + self.lost

    @property
    def surviving(self) -> int:
        return self.alive + self.transformed


@dataclass(slots=True)
class LineCost(LineFates):
    """A session's cost beside what became of its added lines (by the state of the patch that added them)."""

    cost_usd: float | None  # the whole session's price; None where some request could not be priced
    wasted_usd: float | None  # spent on patches reverted or lost; None where one of those is unpriced
    alive: int = 0
    transformed: int = 0
    reverted: int = 0
    lost: int = 0
    undecided: int = 0  # uncommitted or unknown: decides nothing
    ref: str = "HEAD"
    judged: str | None = None  # when the trail was judged (ISO-8601 UTC), for a remembered one
    lower_bound: bool = False  # the log counts only part of the usage priced (cost.SessionCost.partial)

    @property
    def per_line_usd(self) -> float | None:
        return per_surviving_line([(self.cost_usd, self.decided, self.surviving)])[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "cost_usd": _round(self.cost_usd),
            "wasted_usd": _round(self.wasted_usd),
            "per_surviving_line_usd": _round(self.per_line_usd),
            "lines": {"alive": self.alive, "transformed": self.transformed, "reverted": self.reverted,
                      "lost": self.lost, "undecided": self.undecided},
            "ref": self.ref,
            "judged": self.judged,
            "cost_lower_bound": self.lower_bound,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LineCost:
        lines = d["lines"]
        return cls(
            _money(d["cost_usd"]), _money(d["wasted_usd"]),
            alive=int(lines["alive"]), transformed=int(lines["transformed"]), reverted=int(lines["reverted"]),
            lost=int(lines["lost"]), undecided=int(lines["undecided"]),
            ref=str(d["ref"]), judged=d.get("judged") if isinstance(d.get("judged"), str) else None,
            lower_bound=d.get("cost_lower_bound") is True,
        )  # fmt: skip


def per_surviving_line(sessions: Iterable[tuple[float | None, int, int]]) -> tuple[float | None, int]:
    """USD per added line alive or transformed, over sessions given as (cost, decided lines,
    surviving lines): the priced sessions git decided something of, their cost over their surviving
    lines; with how many sessions it used. None where no such session kept a line."""
    used = [(c, kept) for c, decided, kept in sessions if decided and c is not None]
    kept = sum(k for _, k in used)
    return (sum(c for c, _ in used if c is not None) / kept if kept else None), len(used)


def line_cost(
    session: Session, patches: Iterable[tuple[str, int, str]], ref: str = "HEAD", priced: SessionCost | None = None
) -> LineCost:
    """The session's `LineCost` from its own patches, each as (step id, lines added, state): a
    fork's copies of its parent's patches are the parent's, left out by the caller as their price is
    (`of_fates`, `of_rows`)."""
    own = list(patches)
    priced = priced if priced is not None else steps_cost(session.steps, list(session.models))
    request = _requests(session, priced)
    weights: dict[str, float] = {}  # the request's step id -> its patches' weight, all states
    for step_id, added, _ in own:
        paid_by = request.get(step_id)
        if paid_by is not None:
            weights[paid_by] = weights.get(paid_by, 0.0) + max(1, added)
    out = LineCost(priced.cost_usd, 0.0, ref=ref, lower_bound=priced.partial)
    for step_id, added, state in own:
        if state in ("alive", "transformed", "reverted", "lost"):
            setattr(out, state, getattr(out, state) + added)
        else:
            out.undecided += added
        if state not in WASTED or out.wasted_usd is None:
            continue
        paid_by = request.get(step_id)
        price = priced.steps.get(paid_by) if paid_by is not None else None
        if paid_by is None or price is None:
            out.wasted_usd = None  # a thrown-away patch of no request, or of one the table cannot price
        else:
            out.wasted_usd += price * max(1, added) / weights[paid_by]
    return out


def of_fates(fates: Iterable[Any]) -> list[tuple[str, int, str]]:
    """The trail's fates (`trail.Fate`) as `line_cost` takes them, a fork's copies left out."""
    return [(f.patch.step_id, len(f.patch.added), f.state) for f in fates if not f.patch.copied]


def of_rows(rows: Iterable[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """A trail's rows (`Trail.rows`, a capsule's or a dataset's as recorded) as `line_cost` takes them."""
    out = []
    for r in rows:
        added, step, state = r.get("added"), r.get("step"), r.get("state")
        if isinstance(step, str) and isinstance(state, str) and type(added) is int and added >= 0:
            out.append((step, added, state))
    return out


def _requests(session: Session, priced: SessionCost) -> dict[str, str]:
    """Each step's request: the last priced step at or before it in its conversation."""
    last: dict[str | None, str] = {}
    out: dict[str, str] = {}
    for step in session.steps:
        if step.id in priced.steps:
            last[step.subagent] = step.id
        if step.subagent in last:
            out[step.id] = last[step.subagent]
    return out


# -- remembered where a trail was judged -----------------------------------------------------------


def remember(cache_dir: Path, session: Session, found: LineCost) -> None:
    """Keep the session's figures at HEAD for `ls` and `cost` (a cache: a failed write only costs)."""
    if found.ref != "HEAD":
        return
    body = {"v": _VERSION, "session": session.id, "steps": len(session.steps), **found.to_dict()}
    body["judged"] = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    path = _path(cache_dir, session.id)
    keep_cache(path, orjson.dumps(body))  # a fresh temporary file, never one planted under a guessable name


def recorded(cache_dir: Path | None, session_id: str, steps: int) -> LineCost | None:
    """What the last trail judged at HEAD said of the session, while it has the same steps; None
    where none was judged (or the session grew since)."""
    if cache_dir is None:
        return None
    try:
        # A regular file of a sane size only: a FIFO planted in its place blocked `show` for ever.
        body = orjson.loads(read_regular(_path(cache_dir, session_id), CACHE_MOST))
        if body.get("v") != _VERSION or body.get("session") != session_id or body.get("steps") != steps:
            return None
        return LineCost.from_dict(body)
    except (OSError, orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError, TracetuiError):
        return None  # a damaged cache file (or a FIFO, or one too large) is no figure


def recorded_all(cache_dir: Path | None, sessions: Iterable[tuple[str, int]]) -> dict[str, LineCost]:
    """`recorded` for many sessions (id, steps) at once, for a listing: the folder is listed once and
    only the sessions judged are read, so a bucket of sessions never judged costs one listing."""
    if cache_dir is None:
        return {}
    try:
        present = set(os.listdir(Path(cache_dir) / FOLDER))
    except OSError:
        return {}
    out: dict[str, LineCost] = {}
    for session_id, steps in sessions:
        if present and _name(session_id) in present:
            found = recorded(cache_dir, session_id, steps)
            if found is not None:
                out[session_id] = found
    return out


def _path(cache_dir: Path, session_id: str) -> Path:
    return Path(cache_dir) / FOLDER / _name(session_id)


def _name(session_id: str) -> str:
    # Hashed: a session id is the log's to choose, and never a path here.
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:32] + ".json"


def _money(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not an amount")
    return float(value)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
