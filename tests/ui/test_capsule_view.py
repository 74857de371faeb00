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
def capsule(tmp_path_factory):
    from tracetui.cli import main
    from tracetui.demo.build import build, open_library

    root = tmp_path_factory.mktemp("cap")
    demo = build(root / "demo")
    open_library(demo)
    out = root / "claude.capsule"
    assert main(["--bucket", str(demo.bucket), "seal", "7d3c1a52", "--accept-suggested", "-o", str(out)]) == 0
    from tracetui.capsule import open_capsule

    return open_capsule(out)


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
