"""A session of hundreds of thousands of steps keeps the app answering while it is read whole: the
walks of every step (the timeline's widest label, a fork's last copy, the cursor's step by id) are
made in the worker that read it, not on the UI thread when its rows arrive."""

from __future__ import annotations

import dataclasses
import gc
import time

import pytest
from pilot_steps import open_by_id, settle
from support.narrow import present

from tracetui.library import MemoryLibrary
from tracetui.model import Session, Step, StepKind
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.timeline import Timeline

STEPS = 300_000
KINDS = [(StepKind.USER, "user", None), (StepKind.TOOL_CALL, "assistant", "Bash"),
         (StepKind.TOOL_RESULT, "tool", "Bash"), (StepKind.ASSISTANT, "assistant", None)]  # fmt: skip


def _big() -> Session:
    steps = []
    parent = None
    for i in range(STEPS):
        kind, role, tool = KINDS[i % 4]
        steps.append(Step(f"s{i}", i, kind, role, f"t{i}", "2026-01-08T10:00:00Z", tool=tool, parent=parent))
        parent = f"s{i}"
    return Session("big-1", "claude", "/x.jsonl", cwd="/home/dev/big", title="big", steps=steps,
                   started="2026-01-08T10:00:00Z", ended="2026-01-08T11:00:00Z")  # fmt: skip


@pytest.fixture(scope="module")
def built() -> Session:
    # Made once for the module (1.7 s of CPU each): the app never changes a session or its steps.
    return _big()


@pytest.fixture
def big(built: Session) -> Session:
    """The big session anew for each test: its own step list and no index of its steps by id yet, so no
    walk one test made spares the next (a step by id is among the walks the UI thread must not make)."""
    return dataclasses.replace(built, steps=list(built.steps))


class HeadFirst(MemoryLibrary):
    """Gives a preview its first steps only, as the bucket does, so the whole read follows."""

    def session_head(self, id_or_prefix: str, steps: int) -> Session:
        whole = self.session(id_or_prefix)
        return dataclasses.replace(whole, steps=whole.steps[:steps])


async def test_the_rows_of_a_300k_step_session_arrive_without_walking_it_on_the_ui_thread(monkeypatch, big):
    spent: list[float] = []
    arrived = BrowserScreen.on_rest_read

    def timed(self, message):  # the UI thread's own CPU, whatever the machine's load
        start = time.thread_time()
        arrived(self, message)
        spent.append(time.thread_time() - start)

    monkeypatch.setattr(BrowserScreen, "on_rest_read", timed)
    # A collector's pass over what earlier tests of this worker left is not the screen's work (the
    # review screen's test saw one land in a handler: 0.8 s of thread time).
    gc.collect()
    app = TraceApp(HeadFirst([big]))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        await settle(app, pilot)  # the list's cursor rests: a preview reads the first steps
        screen.open_whole()
        await settle(app, pilot)
        timeline = screen.query_one(Timeline)
        assert screen.opened is not None and present(screen.opened).whole and timeline.count == STEPS
        assert spent and max(spent) < 0.05, spent  # 0.14 s when the UI thread walked every step
        timeline.focus()
        await pilot.press("G")
        assert timeline.cursor == STEPS - 1
        await pilot.press("g")
        assert timeline.cursor == 0


async def test_enter_on_a_300k_step_session_shows_its_first_steps_before_the_rest_is_read(monkeypatch, big):
    """Enter read the whole session before showing any of it (13 s for a million steps): its first
    steps come first now, as a preview's, and the rest grows in after them."""
    from tracetui.ui.screens.browser import PREVIEW_STEPS

    shown: list[int] = []
    ready = BrowserScreen.on_session_ready

    def first(self, message):
        shown.append(len(message.opened.session.steps))
        ready(self, message)

    monkeypatch.setattr(BrowserScreen, "on_session_ready", first)
    app = TraceApp(HeadFirst([big]))
    async with app.run_test(size=(150, 40)) as pilot:
        screen = await open_by_id(app, pilot, "big-1")
        timeline = screen.query_one(Timeline)
        assert shown and shown[-1] <= PREVIEW_STEPS, shown
        assert screen.opened is not None and present(screen.opened).whole and timeline.count == STEPS
        assert app.focused is timeline
