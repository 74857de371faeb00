"""A Codex subagent with a rollout of its own in the app: its title names the session that ran it, the
parent key (browser.fork_parent, as for a fork) opens that session at the spawning call, the spawning
call's key (browser.spawned_child) opens the subagent, and a parent not in the bucket is said in the
title, with no key (tests/codex_subagents)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from codex_subagents import CHILD, ORPHAN, PARENT, SPAWN_CALL, write_pair
from support.narrow import present

from tracetui.bucket import Bucket
from tracetui.model import StepKind
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import open_by_id, settle

SIZE = (160, 45)


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    """The parent, its subagent and an orphan synced once for the module (the tests take a copy each)."""
    root = tmp_path_factory.mktemp("subagents")
    with Bucket.open(root / "bucket") as b:
        b.sync(sources={"codex": [write_pair(root / "src", orphan=True)]})
    return root / "bucket"


@pytest.fixture
def bucket(synced, tmp_path):
    b = Bucket.open(shutil.copytree(synced, tmp_path / "bucket"))
    yield b
    b.close()


def _title(screen: BrowserScreen) -> str:
    return str(screen.query_one("#session-title").render())


def _offered(screen: BrowserScreen) -> bool:
    return any(b.binding.action == "fork_parent" for b in screen.active_bindings.values())


async def test_the_parent_key_opens_the_session_that_spawned_it_and_its_call_opens_the_child(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_by_id(app, pilot, CHILD)
        assert "↳ subagent of 019e1111 · map the parser" in _title(screen)
        assert "not in the bucket" not in _title(screen)
        assert _offered(screen)
        await pilot.press("F")
        await settle(app, pilot)
        assert screen.opened is not None and present(screen.opened).session.id == PARENT
        timeline = screen.query_one(Timeline)
        step = present(screen.opened).session.steps[present(timeline.step_index())]
        assert (step.kind, step.tool_call_id) == (StepKind.TOOL_CALL, SPAWN_CALL)  # at the spawning call
        assert "subagent of" not in _title(screen) and not _offered(screen)
        # The other way: the spawning call opens the subagent.
        await pilot.press("C")
        await settle(app, pilot)
        assert present(screen.opened).session.id == CHILD
        # A step that spawned nothing says so, and stays.
        timeline.focus()
        await pilot.press("end")
        await settle(app, pilot)
        await pilot.press("C")
        await settle(app, pilot)
        assert present(screen.opened).session.id == CHILD
        assert any("spawned no subagent" in str(n.message) for n in app._notifications)


async def test_a_subagent_whose_parent_is_not_held_says_so_in_its_title_with_no_key(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_by_id(app, pilot, ORPHAN)
        title = _title(screen)
        assert "↳ subagent of 019effff (not in the bucket) · map the parser" in title
        assert not _offered(screen)
        await pilot.press("F")
        await settle(app, pilot)
        assert screen.opened is not None and present(screen.opened).session.id == ORPHAN


async def test_the_session_list_marks_a_subagent_s_row(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        rows = {present(sessions.summary(i)).id: sessions.render_line(i).text for i in range(3)}
        assert "↳ map the parser" in rows[CHILD] and "↳" not in rows[PARENT]
