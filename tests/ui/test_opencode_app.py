"""The app on an OpenCode session: listed with its agent, opened with its subagent's steps inline, and its
edits in the trail pane."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from pilot_steps import settle
from support.narrow import present

from tracetui.bucket import Bucket
from tracetui.model import StepKind
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Timeline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "opencode"
SIZE = (160, 45)


async def test_an_opencode_session_opens_with_its_subagent(tmp_path):
    shutil.copytree(FIXTURES / "storage", tmp_path / "storage")
    bucket = Bucket.open(tmp_path / "b")
    try:
        assert bucket.sync({"opencode": [tmp_path / "storage"]}).errors == []
        app = TraceApp(bucket)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            sessions = screen.query_one(SessionList)
            assert sessions.count == 1 and present(sessions.summary(0)).agent == "opencode"
            assert (
                " opencode " in sessions.render_line(0).text
                and "Fix the cart total" in sessions.render_line(0).text
            )
            await pilot.press("home", "enter")
            await settle(app, pilot)
            assert screen.opened is not None
            session = present(screen.opened).session
            assert session.agent == "opencode" and len(session.steps) == 28
            assert [s.kind for s in session.steps].count(StepKind.SUBAGENT_START) == 1
            timeline = screen.query_one(Timeline)
            lines = "\n".join(timeline.render_line(y).text for y in range(min(timeline.count, 45)))
            assert "Fix the cart total rounding" in lines and "task" in lines
            assert "patches" not in app.export_screenshot()
            await app.run_action("screen.tab('trail')")
            await settle(app, pilot, 2)
            shot = re.sub(r"<[^>]+>", "", app.export_screenshot()).replace("&#160;", " ")
            assert "3 patches" in shot and "tests/test_cart.py" in shot, (
                "the trail pane lists the applied edits"
            )
    finally:
        bucket.close()
