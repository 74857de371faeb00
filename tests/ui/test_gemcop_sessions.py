"""The app opens Gemini CLI and Copilot CLI sessions synced from their folders: the timeline shows
their compaction, subagent and rewound branch, and the diff and trail panes their edits."""

from __future__ import annotations

import shutil

import pytest
from support.narrow import present

from pilot_steps import settle
from shared_data import FIXTURES

from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.trail_list import TrailList
from tracetui.ui.widgets.timeline import Timeline

SIZE = (160, 45)


@pytest.fixture
def bucket(tmp_path):
    shutil.copytree(FIXTURES / "gemini" / "tmp", tmp_path / "gemini" / "tmp")
    shutil.copytree(FIXTURES / "copilot" / "session-state", tmp_path / "copilot" / "session-state")
    b = Bucket.open(tmp_path / "b")
    report = b.sync({"gemini": [tmp_path / "gemini"], "copilot": [tmp_path / "copilot"]})
    assert (report.sessions, report.errors) == (4, [])
    yield b
    b.close()


def _rows(timeline: Timeline) -> list[str]:
    return [timeline.render_line(y).text for y in range(timeline.count)]


async def _open(app, pilot, downs: int, agent: str):
    await settle(app, pilot)
    await pilot.press("home", *(["down"] * downs), "enter")  # newest first: copilot, gemini, copilot, gemini
    await settle(app, pilot)
    screen = app.screen
    assert screen.opened is not None and present(screen.opened).session.agent == agent
    return screen


async def test_a_gemini_session_in_the_app(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, 1, "gemini")
        timeline = screen.query_one(Timeline)
        rows = _rows(timeline)
        assert any("compacted at 10:02" in r for r in rows)
        assert any("subagent steps" in r for r in rows)
        assert any("2 steps on an abandoned branch" in r for r in rows)
        timeline.cursor = next(r for r, text in enumerate(rows) if "replace" in text)
        await settle(app, pilot, 1)
        detail = "\n".join(screen.query_one("#detail-view", TextView).plain_lines())
        assert "print('hello')" in detail
        await pilot.press("f")
        await settle(app, pilot, 1)
        diff = "\n".join(screen.query_one("#diff-view", TextView).plain_lines())
        assert "hello.py" in diff and "+    print('hello')" in diff
        await pilot.press("t")
        await settle(app, pilot, 1)
        trail = "\n".join(screen.query_one(TrailList).plain_lines())
        assert "2 patches" in trail
        assert app.is_running


async def test_a_copilot_session_in_the_app(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(app, pilot, 0, "copilot")
        timeline = screen.query_one(Timeline)
        rows = _rows(timeline)
        assert any("compacted at 09:02" in r for r in rows)
        spawn = next(r for r, text in enumerate(rows) if "subagent steps" in text)
        folded = timeline.count
        timeline.cursor = spawn
        await pilot.press("enter")
        assert timeline.count == folded + 4  # start, the grep call and its result, end
        session = present(screen.opened).session
        timeline.cursor = next(
            r for r in range(timeline.count) if session.steps[timeline.step_index(r) or 0].edits
        )
        await settle(app, pilot, 1)
        await pilot.press("f")
        await settle(app, pilot, 1)
        diff = "\n".join(screen.query_one("#diff-view", TextView).plain_lines())
        assert "hello.py" in diff
        assert app.is_running
