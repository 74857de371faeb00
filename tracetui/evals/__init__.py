"""Evals: did the agent get better at the job? Scores from labels that can be trusted, or none.

Public API (the CLI and the app call only these):

- `evaluate(library, by, Selection, ratings=None, ref, repo, minimum) -> Evaluation`: cohorts
  (`BY`) with their scores, each with n and a bootstrap interval, or a `blocked_*` status saying what
  would unblock it; the calibration of git's score against people's ratings.
- `compare(evaluation, a, b)` / `split(evaluation, cohort, date) -> Comparison`: `better`, `worse`,
  `no detectable difference` or `blocked_*`, with the figures (`line()`, `to_dict()`).

The core never imports Textual or Rich.
"""

from typing import TYPE_CHECKING, Any

from tracetui.evals.cohorts import BY
from tracetui.evals.scores import SCORES, Metric, SessionLabels

if TYPE_CHECKING:
    from tracetui.evals.run import (
        BETTER,
        MINIMUM,
        NO_LABELS,
        SAME,
        SCORED,
        TOO_FEW,
        WORSE,
        Calibration,
        Cohort,
        Comparison,
        Evaluation,
        compare,
        evaluate,
        split,
    )

# `run` reads buckets and git: imported when first asked for, so `tracetui --help` (which names the
# cohorts, `BY`) starts without the bucket, the trail and pygit2.
_RUN = frozenset(
    {"BETTER", "MINIMUM", "NO_LABELS", "SAME", "SCORED", "TOO_FEW", "WORSE", "Calibration", "Cohort", "Comparison",
     "Evaluation", "compare", "evaluate", "split"}
)  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _RUN:
        from tracetui.evals import run

        return getattr(run, name)
    raise AttributeError(f"module 'tracetui.evals' has no attribute {name!r}")


__all__ = [
    "BETTER", "BY", "MINIMUM", "NO_LABELS", "SAME", "SCORED", "SCORES", "TOO_FEW", "WORSE", "Calibration",
    "Cohort", "Comparison", "Evaluation", "Metric", "SessionLabels", "compare", "evaluate", "split",
]  # fmt: skip
