"""Evals: cohorts of sessions (by skill, model, agent, version, repository or template), each scored
from trusted labels with its interval drawn as a bar, or blocked with what would unblock it; the two
largest scored cohorts compared. Enter opens a cohort's sessions in the list (tracetui.evals)."""

from __future__ import annotations

import time

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

import tracetui.evals as evals_api
from tracetui.errors import Stopped, TracetuiError
from tracetui.library import Library
from tracetui.safe_text import safe_line
from tracetui.ui import actions
from tracetui.ui.cells import fit
from tracetui.ui.row_updates import RowUpdates
from tracetui.ui.widgets.key_footer import KeyFooter
from tracetui.ui.widgets.virtual_list import Part, VirtualList
from tracetui.ui.workers import call_back, thread_work

KEY_WIDTH = 18
BAR_WIDTH = 20
# The two scores a row draws, with their short names (the CLI's --json has every one).
SHOWN = (("survival", "kept"), ("human_good", "good"))


def bar(value: float | None, low: float | None, high: float | None, width: int = BAR_WIDTH) -> str:
    """A share in [0, 1] as a bar: filled to the value, the interval around it as ─ (one cell a step)."""
    if value is None or width <= 0:
        return " " * max(width, 0)
    cells = []
    for i in range(width):
        here = (i + 0.5) / width
        if here <= value:
            cells.append("█" if low is None or here < low else "▓")
        elif low is not None and high is not None and low <= here <= high:
            cells.append("─")
        else:
            cells.append("·")
    return "".join(cells)


class CohortList(VirtualList):
    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {"cohort-list--bar", "cohort-list--blocked", "cohort-list--n"}

    DEFAULT_CSS = """
    CohortList > .cohort-list--bar { color: $accent; }
    CohortList > .cohort-list--blocked { color: $warning; }
    CohortList > .cohort-list--n { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cohorts: list[evals_api.Cohort] = []

    def show(self, cohorts: list[evals_api.Cohort]) -> None:
        self.cohorts = cohorts
        self.set_count(len(cohorts), 0)

    def render_row(self, index: int, width: int, is_cursor: bool) -> list[Part]:
        cohort = self.cohorts[index]
        style = self.part_style
        key_width = min(KEY_WIDTH, max(8, width // 4))
        parts: list[Part] = [(fit(safe_line(cohort.key), key_width) + " ", None),
                             (f"{len(cohort.labelled):>4}/{len(cohort.sessions):<4} ", style("cohort-list--n"))]  # fmt: skip
        if cohort.status != evals_api.SCORED:
            room = max(0, width - sum(cell_len(t) for t, _ in parts))
            parts.append((fit(safe_line(f"{cohort.status}: {cohort.unblock or ''}"), room), style("cohort-list--blocked")))
            return parts
        room = max(0, width - sum(cell_len(t) for t, _ in parts))
        bar_width = max(4, min(BAR_WIDTH, (room - 2 * 19) // 2))
        for name, short in SHOWN:
            m = cohort.metrics.get(name)
            if m is None or m.value is None:
                parts.append((f"{short} " + "-".ljust(bar_width + 14), style("cohort-list--n")))
                continue
            parts.append((f"{short} ", style("cohort-list--n")))
            parts.append((bar(m.value, m.low, m.high, bar_width), style("cohort-list--bar")))
            parts.append((f" {m.value:4.2f} n={m.n:<4} ", style("cohort-list--n")))
        return parts


class Evaluated(Message):
    def __init__(self, result: evals_api.Evaluation | None, error: str | None) -> None:
        super().__init__()
        self.result = result
        self.error = error


class EvalScreen(RowUpdates, Screen[tuple[str, list[str]] | None]):
    """Dismissed with (the cohort's name, its session ids) when the user opens one, else None."""

    CSS_PATH = "evals.tcss"
    BINDINGS = actions.bindings("evals")

    def __init__(self, library: Library, by: str = "agent", repo: str | None = None) -> None:
        super().__init__()
        self.library = library
        self.by = by
        # The app's --repo: its own sessions are judged there, as the trail pane judges them.
        self.repo = repo
        self.result: evals_api.Evaluation | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="evals-title", markup=False)
        yield Static("cohort · labelled/all sessions · kept: added lines alive or transformed · good: ratings "
                     "saying good", id="evals-header", markup=False)  # fmt: skip
        yield CohortList(id="evals-list")
        yield Static("scoring the sessions from their trusted labels…", id="evals-status", markup=False)
        yield KeyFooter(compact=True)

    def _title(self) -> str:
        return f"evals · by {self.by} · scores from git outcomes, test runs and ratings only"

    def on_mount(self) -> None:
        self.query_one(CohortList).focus()
        self._evaluate(self.by)

    @thread_work("evals")
    def _evaluate(self, by: str) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        status = self.query_one("#evals-status", Static)
        shown = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - shown[0] >= 0.25:  # a line a quarter second, not one a session
                shown[0] = now
                call_back(self, status.update, f"scoring the sessions from their trusted labels: {done}/{total}…")

        try:
            # A new grouping (b) cancels this one: it stops at the next session instead of running on.
            result = evals_api.evaluate(self.library, by, repo=self.repo, progress=progress,
                                        cancelled=lambda: worker.is_cancelled)  # fmt: skip
        except Stopped:
            return
        except TracetuiError as exc:
            self.post_message(Evaluated(None, str(exc)))
            return
        self.post_message(Evaluated(result, None))

    def on_evaluated(self, message: Evaluated) -> None:
        status = self.query_one("#evals-status", Static)
        if message.result is None:
            status.update(safe_line(f"no evaluation: {message.error}"))
            return
        result = message.result
        if result.by != self.by:  # a dimension the user has since moved on from
            return
        self.result = result
        for note in result.notes:  # (a worker's words: made inert again, shown as text, not markup)
            self.notify(safe_line(note), severity="warning", markup=False)
        self.query_one(CohortList).show(result.cohorts)
        status.update("\n".join(safe_line(line) for line in self._summary(result)))

    @staticmethod
    def _summary(result: evals_api.Evaluation) -> list[str]:
        lines = []
        scored = [c for c in result.cohorts if c.status == evals_api.SCORED]
        if len(scored) >= 2:
            lines.append(evals_api.compare(result, scored[1].key, scored[0].key).line())
        else:
            lines.append(f"{len(scored)} cohort(s) scored: a comparison needs two with {result.minimum} "
                         "labelled sessions each (V rates a session in the list)")  # fmt: skip
        cal = result.calibration
        if cal.agreement is not None:
            lines.append(f"calibration: git agrees with ratings on {cal.agreement:.0%} of {cal.n} sessions: {cal.status}")
        lines.append("bars: filled to the score, ▓ and ─ its 95% interval · b: group by another · Enter: its sessions")
        return lines

    def action_next_by(self) -> None:
        order = list(evals_api.BY)
        self.by = order[(order.index(self.by) + 1) % len(order)]
        self.query_one("#evals-title", Static).update(self._title())
        self.query_one("#evals-status", Static).update("scoring the sessions from their trusted labels…")
        self.query_one(CohortList).show([])
        self._evaluate(self.by)

    @on(CohortList.Chosen)
    def _chosen(self, message: CohortList.Chosen) -> None:
        cohorts = self.query_one(CohortList).cohorts
        if 0 <= message.index < len(cohorts):
            cohort = cohorts[message.index]
            self.dismiss((f"{self.by} {cohort.key}", [s.id for s in cohort.sessions]))

    def action_close(self) -> None:
        self.dismiss(None)
