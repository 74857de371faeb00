"""The app on a session nested as deep as a log's JSON may be (tests/unit/hostile/test_hostile_depth.py):
the tool call a thousand levels deep opens in every pane, and the Review screen scans the prompt
holding the JWT-shaped token whose header nests thousands of arrays."""

from __future__ import annotations

from support.deep_values import DEEP_SESSION, deep_claude_log
from textual.widgets import TabbedContent

from pilot_steps import open_by_id, settle

from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.text_view import TextView

SIZE = (160, 45)


async def test_a_deep_session_opens_in_every_pane_and_is_reviewed(tmp_path):
    from tracetui.ui.screens.review import ReviewScreen

    deep_claude_log(tmp_path / "claude")
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync({"claude": [tmp_path / "claude"]})
        app = TraceApp(bucket)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_by_id(app, pilot, DEEP_SESSION)
            await pilot.press("j")
            await settle(app, pilot)
            detail = screen.query_one("#detail-view", TextView)
            shown = "".join(detail.render_line(y).text for y in range(detail.size.height))
            assert "Bash" in shown and "deep" in shown
            for tab in ("ctx", "diff", "trail", "detail"):
                screen.query_one(TabbedContent).active = tab
                await settle(app, pilot)
            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.press("R")
            await settle(app, pilot, 4)
            assert isinstance(app.screen, ReviewScreen) and app.screen.groups
