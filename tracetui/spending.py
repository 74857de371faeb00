"""What sessions cost together: totals by day, week, month, agent, model or project
(`tracetui cost`; ready for the app).

Totals come from the index's price of each session (`SessionSummary.cost_usd`, priced at sync by
tracetui.cost), so they cost one listing, not a read of every log. A session the price table cannot
price adds nothing to the sum and is counted as unpriced: a total with any is a lower bound, as is
one with a session priced as one (`SessionSummary.cost_lower_bound`). Days, weeks and months are the
UTC calendar's, by the session's start; the sessions the listings hide (warm-ups, the agent's own
runs) are counted too, since they were paid for. `model` splits a session that
used several models by its steps (its log is read); a session counts once in each of its models.
Cost per surviving line is over the sessions judged earlier (docs/internals/core.md, line_cost.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracetui.cost import session_cost
from tracetui.errors import UsageError
from tracetui.line_cost import LineCost, per_surviving_line, recorded_all
from tracetui.model import SessionSummary, Spent, Tokens
from tracetui.selection import Selection, parse_moment, select

if TYPE_CHECKING:
    from tracetui.library import Library

BY = ("day", "week", "month", "agent", "model", "project")
_TIMES = ("day", "week", "month")
NO_DATE = "(no date)"
NO_PROJECT = "(no project)"
NO_MODEL = "(no model)"


@dataclass(slots=True, kw_only=True)
class Total(Spent):
    """One group's sessions and what they cost (`Spent`'s sums and readings), with their tokens and
    what the judged ones' surviving lines cost."""

    key: str
    logged: bool = False  # some of it is what an agent's log says a request cost, not the table's
    tokens: Tokens = field(default_factory=Tokens)
    # The sessions whose trail at HEAD was judged (line_cost.recorded) and decided some patch, as
    # (cost, decided, surviving) for `per_surviving_line`, and what their reverted or lost patches
    # cost (None: some unpriced).
    judged: list[tuple[float | None, int, int]] = field(default_factory=list)
    wasted_usd: float | None = 0.0

    def judge(self, found: LineCost) -> None:
        # A trail that decided nothing (no clone found, nothing committed yet) says nothing of waste:
        # counted, it made "$0.00 thrown away" of sessions nobody could judge.
        if not found.decided:
            return
        self.judged.append((found.cost_usd, found.decided, found.surviving))
        if self.wasted_usd is not None:
            self.wasted_usd = None if found.wasted_usd is None else self.wasted_usd + found.wasted_usd

    @property
    def per_line_usd(self) -> float | None:
        return per_surviving_line(self.judged)[0]

    def take(self, cost: float | None, tokens: Tokens, lower_bound: bool, logged: bool) -> None:
        """One session (or a model's share of one) into the group."""
        self.add(cost, lower_bound)
        self.logged |= logged
        self.tokens.add(tokens)

    def to_dict(self) -> dict[str, Any]:
        t = self.tokens
        return {
            "key": self.key,
            "sessions": self.sessions,
            "cost_usd": None if self.priced is None else round(self.priced, 6),
            "lower_bound": self.lower_bound,
            "unpriced": self.unpriced,
            "logged": self.logged,
            "tokens": {"input": t.input, "output": t.output, "cache_read": t.cache_read, "cache_write": t.cache_write},
            # Over the sessions whose trail at HEAD was judged (`judged`), null where none was.
            "line_cost": {
                "judged": len(self.judged),
                "wasted_usd": None if not self.judged or self.wasted_usd is None else round(self.wasted_usd, 6),
                "per_surviving_line_usd": None if self.per_line_usd is None else round(self.per_line_usd, 6),
                "surviving_lines": sum(kept for _, _, kept in self.judged),
            },
        }


@dataclass(slots=True)
class Spending:
    by: str
    groups: list[Total]
    total: Total

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "groups": [g.to_dict() for g in self.groups], "total": self.total.to_dict()}


def spending(library: Library, by: str = "day", selection: Selection | None = None) -> Spending:
    """The chosen sessions' cost (every session by default, the hidden ones too) grouped `by` one of
    BY: time groups oldest first, the others most costly first."""
    if by not in BY:
        raise UsageError(f"cost --by takes {', '.join(BY)}, not {by!r}")
    rows = select(library, selection or Selection(), include_hidden=True)
    groups: dict[str, Total] = {}
    total = Total(key="total")
    remembered = recorded_all(library.cache_dir, ((row.id, row.steps) for row in rows))
    for row in rows:
        total.take(row.cost_usd, row.tokens, row.cost_lower_bound, row.cost_logged)
        judged = remembered.get(row.id)  # a trail judged earlier; none is judged here
        if judged is not None:
            total.judge(judged)
        shares = _shares(library, row, by)
        for key, cost, tokens in shares:
            group = groups.setdefault(key, Total(key=key))
            group.take(cost, tokens, row.cost_lower_bound, row.cost_logged)
            if judged is not None and len(shares) == 1:  # a session of several models: its lines are not split
                group.judge(judged)
    if by in _TIMES:
        ordered = sorted(groups.values(), key=lambda g: (g.key == NO_DATE, g.key))
    else:
        ordered = sorted(groups.values(), key=lambda g: (-(g.priced or 0.0), g.key))
    return Spending(by, ordered, total)


def _shares(library: Library, row: SessionSummary, by: str) -> list[tuple[str, float | None, Tokens]]:
    """The group keys a session counts in, with its cost and tokens in each."""
    if by in _TIMES:
        return [(_period(row.started, by), row.cost_usd, row.tokens)]
    if by == "agent":
        return [(row.agent, row.cost_usd, row.tokens)]
    if by == "project":
        return [(row.project or NO_PROJECT, row.cost_usd, row.tokens)]
    if len(row.models) <= 1:
        return [(row.models[0] if row.models else NO_MODEL, row.cost_usd, row.tokens)]
    if row.by_model is not None:  # each model's share, as the bucket's index keeps it
        shares = [(m.model or NO_MODEL, m.cost_usd, m.tokens) for m in row.by_model]
        return shares or [(NO_MODEL, row.cost_usd, row.tokens)]
    # Several models and no shares kept: the steps say which spent what (the one case that reads the log).
    priced = session_cost(library.session(row.id))
    return [(m.model or NO_MODEL, m.cost_usd, m.tokens) for m in priced.by_model] or [
        (NO_MODEL, row.cost_usd, row.tokens)
    ]


def _period(started: str | None, by: str) -> str:
    if not started:
        return NO_DATE
    try:
        moment: datetime = parse_moment(started)
    except UsageError:
        return NO_DATE
    if by == "day":
        return moment.strftime("%Y-%m-%d")
    if by == "month":
        return moment.strftime("%Y-%m")
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"
