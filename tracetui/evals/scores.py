"""Scores from trusted labels: what git, the test runner and people said of each session.

A session's *trusted labels* are those nobody in the session wrote about itself: the fate git gave
its added lines (alive, transformed, reverted, lost: `uncommitted` and `unknown` decide nothing), the
exit status its last test command returned, and the ratings people gave it. What the agent said of
its own work is no label. A session with none of the three counts for nothing.

Every score is over a cohort's labelled sessions, with its sample count `n` (the sessions the score
could use) and a 95% interval from a bootstrap over sessions: the sessions are drawn again with
replacement, the score computed each time, and the 2.5th and 97.5th percentiles kept. The draws are
seeded by the cohort and score names, so the same sessions always give the same interval.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracetui.line_cost import LineFates, per_surviving_line

RESAMPLES = 1000
LEVEL = 0.95


@dataclass(slots=True)
class SessionLabels(LineFates):
    """One session's trusted labels, and the cohorts it is in."""

    id: str
    started: str | None
    cohorts: list[str] = field(default_factory=list)
    alive: int = 0  # added lines, by the fate of the patch that added them
    transformed: int = 0
    reverted: int = 0
    lost: int = 0
    undecided: int = 0  # added lines uncommitted or unknown (no repository, a ref that lacks them)
    tests_last_exit: int | None = None
    good: float | None = None  # the share of people's ratings that say good (the session's own first)
    ratings: int = 0
    cost_usd: float | None = None
    note: str | None = None  # why git decided nothing, where it did not

    @property
    def labelled(self) -> bool:
        return self.decided > 0 or self.tests_last_exit is not None or self.good is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "started": self.started, "cohorts": self.cohorts, "labelled": self.labelled,
            "lines": {"alive": self.alive, "transformed": self.transformed, "reverted": self.reverted,
                      "lost": self.lost, "undecided": self.undecided},
            "tests_last_exit": self.tests_last_exit, "good": self.good, "ratings": self.ratings,
            "cost_usd": self.cost_usd, "note": self.note,
        }  # fmt: skip


# A score: from sessions to (value, the sessions it used); None where none of them has its label.
Score = Callable[[Sequence[SessionLabels]], tuple[float | None, int]]


def _lines(part: Callable[[SessionLabels], int]) -> Score:
    def score(sessions: Sequence[SessionLabels]) -> tuple[float | None, int]:
        used = [s for s in sessions if s.decided]
        total = sum(s.decided for s in used)
        return (sum(part(s) for s in used) / total if total else None), len(used)

    return score


def _tests(sessions: Sequence[SessionLabels]) -> tuple[float | None, int]:
    ran = [s for s in sessions if s.tests_last_exit is not None]
    return (sum(1 for s in ran if s.tests_last_exit == 0) / len(ran) if ran else None), len(ran)


def _human(sessions: Sequence[SessionLabels]) -> tuple[float | None, int]:
    rated = [s.good for s in sessions if s.good is not None]
    return (sum(rated) / len(rated) if rated else None), len(rated)


def _cost(sessions: Sequence[SessionLabels]) -> tuple[float | None, int]:
    # The one definition, which `ls`, `show`, `cost` and the exports give per session and group.
    return per_surviving_line((s.cost_usd, s.decided, s.surviving) for s in sessions)


# name -> (score, what it means, higher is better)
SCORES: dict[str, tuple[Score, str, bool]] = {
    "survival": (_lines(lambda s: s.surviving), "share of added lines alive or transformed at the reference", True),
    "reverted": (_lines(lambda s: s.reverted), "share of added lines reverted", False),
    "lost": (_lines(lambda s: s.lost), "share of added lines never committed", False),
    "tests_passed": (_tests, "share of sessions whose last test run exited 0", True),
    "human_good": (_human, "share of people's ratings that say good", True),
    "cost_per_surviving_line": (_cost, "USD per added line alive or transformed", False),
}


@dataclass(slots=True)
class Metric:
    name: str
    value: float | None
    n: int
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": _round(self.value), "n": self.n,
                "interval": None if self.low is None else [_round(self.low), _round(self.high)]}  # fmt: skip


def measure(name: str, sessions: Sequence[SessionLabels], seed: str) -> Metric:
    score = SCORES[name][0]
    value, n = score(sessions)
    if value is None or n < 2:  # one session has no spread: its value, and no interval to claim
        return Metric(name, value, n)
    low, high = interval(lambda drawn: score(drawn)[0], sessions, f"{seed}:{name}")
    return Metric(name, value, n, low, high)


def interval(
    statistic: Callable[[Sequence[SessionLabels]], float | None], sessions: Sequence[SessionLabels], seed: str
) -> tuple[float | None, float | None]:
    """The bootstrap percentile interval of `statistic` over `sessions` (LEVEL, RESAMPLES draws)."""
    rng = random.Random(seed)
    k = len(sessions)
    found = []
    for _ in range(RESAMPLES):
        value = statistic([sessions[rng.randrange(k)] for _ in range(k)])
        if value is not None:
            found.append(value)
    return percentiles(found)


def percentiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    values = sorted(values)
    tail = (1 - LEVEL) / 2
    last = len(values) - 1
    return values[round(tail * last)], values[round((1 - tail) * last)]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
