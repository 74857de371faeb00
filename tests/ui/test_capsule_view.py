"""`tracetui open FILE`: the same app over a sealed capsule, read-only, with the sealed trail."""

from __future__ import annotations

import pytest

from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.timeline import Timeline



async def settle(app, pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture(scope="module")
def capsule(sealed_demo):
    from tracetui.capsule import open_capsule

    return open_capsule(sealed_demo[1])


async def test_capsule_opens_read_only_with_its_sealed_trail(capsule):
    app = TraceApp(capsule)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert screen.query_one(SessionList).count == 1
        assert "read-only" in str(screen.query_one("#sessions-status").render())
        await pilot.press("enter")
        await settle(app, pilot)
        timeline = screen.query_one(Timeline)
        assert timeline.states and sorted(set(timeline.states.values())) == ["alive", "reverted", "transformed"]
        edit_row = next(r for r in range(timeline.count) if "alive" in timeline.render_line(r).text)
        timeline.cursor = edit_row
        await pilot.press("f")
        await settle(app, pilot, 1)
        diff = "\n".join(screen.query_one("#diff-view", TextView).plain_lines())
        assert "shop/cart.py · alive" in diff
        assert "+def apply_discount(amount, percent):" in diff
        await pilot.press("r")
        await pilot.pause()
        assert any("sealed capsule" in n.message for n in app._notifications)
