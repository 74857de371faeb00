"""Resting on a row of the session list previews the session: its facts, its first rows and first
step. What the preview does not show is not worked out: the session's trail (every patch of the
session, the costly part) waits until the session is opened, and nothing it does re-lays out the
screen or writes the session out as a string."""

from __future__ import annotations

import pytest
from support.narrow import present
from textual.screen import Screen

from tracetui.model import Session
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import settle

SIZE = (160, 45)


@pytest.fixture
def trails(monkeypatch) -> list[str]:
    import tracetui.ui.trail_view as trail_view

    computed: list[str] = []
    real = trail_view.compute

    def counting(session, *args):
        computed.append(session.id)
        return real(session, *args)

    monkeypatch.setattr(trail_view, "compute", counting)
    return computed


async def _rest_on(app, pilot, row: int) -> BrowserScreen:
    screen = app.screen
    assert isinstance(screen, BrowserScreen)
    screen.query_one(SessionList).cursor = row
    await settle(app, pilot)
    return screen


async def test_a_preview_works_out_no_trail_and_opening_the_session_does(demo, trails):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for row in (1, 2, 0):
            screen = await _rest_on(app, pilot, row)
            assert screen.opened is not None and screen.previewing
            assert screen.query_one(Timeline).count > 0  # the preview is drawn: its rows and first step
        assert trails == []
        await pilot.press("enter")
        await settle(app, pilot)
        assert trails == [present(screen.opened).session.id]
        assert not screen.previewing and screen.trail is not None
        assert screen.query_one(Timeline).has_focus


@pytest.mark.parametrize("way", ["focus", "trail tab", "seal"])
async def test_each_way_into_a_previewed_session_works_out_its_trail(demo, trails, way):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await _rest_on(app, pilot, 2)
        assert trails == []
        if way == "focus":
            screen.query_one(Timeline).focus()
        elif way == "trail tab":
            await pilot.press("t")
        else:
            await pilot.press("s")
        await settle(app, pilot)
        assert trails == [present(screen.opened).session.id]


async def test_a_preview_shown_on_the_trail_tab_has_its_trail(demo, trails):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        trails.clear()
        screen = await _rest_on(app, pilot, 1)
        assert trails == [present(screen.opened).session.id]


async def test_a_rest_on_the_list_neither_lays_out_the_screen_nor_writes_a_session_out(demo, monkeypatch):
    # Textual names a worker by the repr of its arguments unless told a name: a session's repr is
    # every step's text (15-20 ms of the UI thread for a big one). A list of a new length, a title
    # of two fixed lines: neither changes the room of anything, so no layout of the whole screen.
    reprs: list[int] = []

    def counted_repr(self):
        reprs.append(1)
        return "Session(…)"

    monkeypatch.setattr(Session, "__repr__", counted_repr)
    layouts: list[int] = []
    real = Screen._refresh_layout

    def counting(self, *args, **kwargs):
        layouts.append(1)
        return real(self, *args, **kwargs)

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await _rest_on(app, pilot, 1)
        monkeypatch.setattr(Screen, "_refresh_layout", counting)
        for row in (2, 0, 1):
            screen = await _rest_on(app, pilot, row)
            assert screen.opened is not None and present(screen.opened).session.id == present(screen.query_one(SessionList).summary(row)).id
        assert layouts == []
        await pilot.press("enter")  # opening: the trail's worker too
        await settle(app, pilot)
        assert reprs == []


async def test_a_session_filled_in_while_hidden_shows_no_scrollbar_it_does_not_need(demo):
    # On a narrow terminal the timeline is hidden while the list has the screen; the preview fills it
    # there. Opening another session (enter before its preview) left the scrollbar of the hidden one:
    # ten rows in a pane of ten, two columns lost to a scrollbar with nothing to scroll.
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen) and screen.opened is not None  # the newest, previewed
        await pilot.press("down", "enter")
        await settle(app, pilot)
        timeline = screen.query_one(Timeline)
        assert timeline.count <= timeline.scrollable_content_region.height
        assert not timeline.show_vertical_scrollbar
        assert timeline.scrollable_content_region.width == timeline.size.width


async def test_a_session_shown_draws_its_first_step_with_its_rows(demo, monkeypatch):
    """The first step's detail comes in the frame that draws the timeline, not a step's rest later (a
    frame of its own); a key's move still waits for the rest."""
    import tracetui.ui.screens.browser.panes as panes
    from tracetui.ui.widgets.text_view import TextView

    monkeypatch.setattr(panes, "STEP_DELAY", 5.0)  # a rest longer than the test waits
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = await _rest_on(app, pilot, 1)
        opened = present(screen.opened)
        assert screen._detail_wanted == (opened.session.id, len(opened.session.steps), 0)
        assert screen.query_one("#detail-view", TextView).line_count > 1
        shown = screen.detail_refreshes
        screen.query_one(Timeline).action_cursor_down()
        await settle(app, pilot)
        assert screen.detail_refreshes == shown  # the key's move waits for its rest


async def test_the_detail_pane_kept_style_follows_the_theme(demo):
    """The detail pane keeps its base style between draws; a new theme restyles it."""
    from tracetui.ui.widgets.text_view import TextView

    _, library = demo
    app = TraceApp(library, theme="tracetui-dark")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _rest_on(app, pilot, 0)
        detail = screen.query_one("#detail-view", TextView)
        dark = detail.base_style
        assert dark == detail.rich_style
        app.theme = "tracetui-light"
        await settle(app, pilot)
        assert detail.base_style == detail.rich_style and detail.base_style != dark
