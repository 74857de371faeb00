"""Cost totals in the app (issue 40): the list's status line says what the listed sessions cost in
all, as `tracetui cost` adds it up, and again for a filtered list."""

from __future__ import annotations

from support.narrow import on_screen

from tracetui.selection import Selection
from tracetui.spending import spending
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.views.format import money

from pilot_steps import settle

SIZE = (160, 45)


def _status(app) -> str:
    return str(app.screen.query_one("#sessions-status").render())


async def test_the_list_status_gives_the_listed_sessions_total(demo):
    _, library = demo
    everything = spending(library, "agent").total
    codex = spending(library, "agent", Selection(agent="codex")).total
    assert everything.sessions and everything.priced != codex.priced
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(40):
            if "in all" in _status(app):
                break
            await pilot.pause(0.05)
        assert f"{money(everything.priced, everything.lower_bound)} in all" in _status(app), _status(app)
        await pilot.press("slash", *"agent:codex", "enter")
        await settle(app, pilot)
        for _ in range(40):
            if f"{money(codex.priced, codex.lower_bound)} in all" in _status(app):
                break
            await pilot.pause(0.05)
        assert f"{money(codex.priced, codex.lower_bound)} in all" in _status(app), _status(app)


async def test_a_session_opened_off_the_list_shows_its_cost(demo):
    _, library = demo
    claude = next(r for r in library.list_sessions() if r.agent == "claude")
    assert claude.cost_usd is not None
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"agent:codex", "enter")
        await settle(app, pilot)
        on_screen(app, BrowserScreen).open_session(claude.id, focus=True)  # as a search hit or blame opens one
        await settle(app, pilot)
        title = str(app.screen.query_one("#session-title").render())
        assert "claude" in title and money(claude.cost_usd, claude.cost_lower_bound) in title, title
