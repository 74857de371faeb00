"""The Eval screen (issue 38): cohorts scored from trusted labels, from the palette or ctrl+e; b
groups by another dimension; Enter lists a cohort's sessions alone until Escape. V rates the open
session (or the timeline's step) good or bad with a note, and the list marks it."""

from __future__ import annotations

import shutil

import pytest
from support.narrow import on_screen, present

from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.screens.evals import CohortList, EvalScreen, bar
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import open_claude, settle

SIZE = (120, 40)
SIZES = [(80, 24), (120, 40), (160, 48)]


def test_a_bar_fills_to_the_score_and_draws_its_interval() -> None:
    assert bar(0.5, 0.25, 0.75, 8) == "██▓▓──··"
    assert bar(None, None, None, 4) == "    "


@pytest.fixture
def bucket(demo, tmp_path):
    """A copy of the demo's bucket: ratings written here touch no other test's."""
    d, _ = demo
    shutil.copytree(d.bucket, tmp_path / "bucket")
    with Bucket.open(tmp_path / "bucket") as b:
        yield b


async def test_cohorts_open_in_the_list_and_escape_shows_every_session(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        browser = on_screen(app, BrowserScreen)
        every = browser.query_one(SessionList).count
        await pilot.press("ctrl+e")
        await settle(app, pilot, 4)
        screen = app.screen
        assert isinstance(screen, EvalScreen)
        cohorts = screen.query_one(CohortList).cohorts
        assert {c.key for c in cohorts} == {r.agent for r in bucket.list_sessions()}
        status = str(screen.query_one("#evals-status").render())
        assert "a comparison needs two" in status  # the demo has too few sessions to score any
        await pilot.press("b")  # agent, then version
        await settle(app, pilot, 4)
        assert screen.by == "version" and screen.query_one(CohortList).cohorts
        first = screen.query_one(CohortList).cohorts[0]
        await pilot.press("enter")
        await settle(app, pilot, 3)
        assert isinstance(app.screen, BrowserScreen)
        assert browser.query_one(SessionList).count == len(first.sessions) < every
        await pilot.press("escape")
        await settle(app, pilot, 3)
        assert browser.cohort is None and browser.query_one(SessionList).count == every


@pytest.mark.slow  # opens a session and rates twice through the dialog: ~13 s on 2 cores
async def test_v_rates_the_open_session_and_the_list_marks_it(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        sid = present(screen.opened).session.id
        screen.query_one(SessionList).focus()
        await pilot.press("V")
        await settle(app, pilot, 1)
        await pilot.press(*"bad it broke the build", "enter")
        await settle(app, pilot, 3)
        kept = [r for r in bucket.ratings() if r.session == sid]
        assert [(r.verdict, r.step, r.note) for r in kept] == [("bad", None, "it broke the build")]
        assert screen.query_one(SessionList).rated.get(sid) == "bad"
        # In the timeline, V rates the step under its cursor, and the timeline marks it.
        timeline = screen.query_one(Timeline)
        timeline.focus()
        timeline.reveal_step(2)
        await settle(app, pilot, 1)
        await pilot.press("V")
        await settle(app, pilot, 1)
        await pilot.press(*"good", "enter")
        await settle(app, pilot, 3)
        step = present(screen.opened).session.steps[present(timeline.step_index())]
        assert [(r.verdict, r.index) for r in bucket.ratings() if r.step is not None] == [("good", step.index)]
        assert timeline.rated == {step.id: "good"}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_eval_screen(snapshot_demo, snap_compare, size):
    _, library = snapshot_demo

    async def run(pilot):
        await settle(pilot.app, pilot)
        await pilot.press("ctrl+e")
        await settle(pilot.app, pilot, 4)

    assert snap_compare(TraceApp(library), run_before=run, terminal_size=size)


def test_scored_cohorts_are_drawn_as_bars(snapshot_demo, snap_compare):
    """Two scored cohorts (figures made up here) as the list draws them: bars across intervals."""
    _, library = snapshot_demo
    from tracetui.evals import SCORED, Cohort, Metric, SessionLabels

    def cohort(key: str, kept: Metric, good: Metric) -> Cohort:
        labels = [SessionLabels(f"{key}{i}", None, alive=1) for i in range(6)]
        return Cohort(key, labels, SCORED, {"survival": kept, "human_good": good})

    shown = [cohort("/steady", Metric("survival", 0.83, 6, 0.6, 1.0), Metric("human_good", 1.0, 6, 1.0, 1.0)),
             cohort("/shaky", Metric("survival", 0.17, 6, 0.0, 0.4), Metric("human_good", None, 0))]  # fmt: skip

    async def run(pilot):
        await settle(pilot.app, pilot)
        await pilot.press("ctrl+e")
        await settle(pilot.app, pilot, 4)
        pilot.app.screen.query_one(CohortList).show(shown)
        await pilot.pause()

    assert snap_compare(TraceApp(library), run_before=run, terminal_size=SIZE)


async def test_an_evaluation_s_note_is_a_notification_of_inert_text(bucket, monkeypatch):
    # A worker's setup that failed: the evaluation was judged here alone, and the user hears why.
    import tracetui.evals as evals_api
    from tracetui.evals.run import refusal_note

    real = evals_api.evaluate

    def noted(*args, **kwargs):
        found = real(*args, **kwargs)
        found.notes.append(refusal_note("OSError: \x1b]0;owned\x07[bold]gone[/bold]\nsecond line"))
        return found

    monkeypatch.setattr(evals_api, "evaluate", noted)
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+e")
        await settle(app, pilot, 4)
        [said] = [str(n.message) for n in app._notifications if "could not start" in str(n.message)]
        assert "[bold]gone[/bold]" in said and "\x1b" not in said and "\n" not in said
