"""Pilot moves the UI tests share: let workers and timers settle, open the demo's Claude session."""

from __future__ import annotations

from tracetui.ui.screens.browser import BrowserScreen


async def settle(app, pilot, rounds: int = 3) -> None:
    # Workers post results, timers (filter, preview) fire, then more workers may start.
    for _ in range(rounds):
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
    await pilot.pause()


async def open_claude(app, pilot) -> BrowserScreen:
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, BrowserScreen)
    await pilot.press("end", "enter")  # the oldest session: the Claude Code one
    await settle(app, pilot)
    assert screen.opened is not None and screen.opened.session.agent == "claude"
    return screen
