"""A frame draws every widget whose repaint was asked before it, not only those whose Update has
reached the screen: a pane marked on the screen directly (its scrollbars came or went) set off a
frame before the repaints of the widgets refreshed in the same handler had come through their own
queues, and those took a frame of their own (a third of the previews from the session list;
docs/internals/ui.md). With the Textual behaviour this relies on pinned."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from tracetui.ui.app import TraceApp
from tracetui.ui.row_updates import RowCompositor, RowUpdates
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import settle

PANES = {"timeline", "detail-view", "session-title"}  # what a preview redraws


def _frames(monkeypatch) -> list[set[str]]:
    """The widgets each partial frame draws: the timeline, the detail view and the title, by id."""
    frames: list[set[str]] = []
    real = RowCompositor._get_renders

    def renders(self, crop=None):
        frames.append(set())
        yield from real(self, crop)

    def watch(cls) -> None:
        original = cls.render_lines

        def render_lines(widget, crop):
            if frames and widget.id:
                frames[-1].add(widget.id)
            return original(widget, crop)

        monkeypatch.setattr(cls, "render_lines", render_lines)

    for cls in (Timeline, TextView, Static):
        watch(cls)
    monkeypatch.setattr(RowCompositor, "_get_renders", renders)
    return frames


async def test_a_preview_draws_its_panes_in_one_frame(demo, monkeypatch):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        sessions = screen.query_one(SessionList)
        sessions.focus()
        await settle(app, pilot)
        frames = _frames(monkeypatch)
        previews = 0
        assert sessions.count >= 3
        # Each preview's panes come in one frame, and the Updates that arrive after it draw nothing.
        for key in ("down", "down", "up", "up", "down", "down", "up", "up"):  # each rest a new preview
            frames.clear()
            await pilot.press(key)
            await pilot.pause(0.4)
            await settle(app, pilot)
            drawn = [f & PANES for f in frames if f & PANES]
            if not drawn:
                continue
            previews += 1
            assert len(drawn) == 1 and "timeline" in drawn[0], frames
        assert previews == 8


class _Pane(Static):
    drawn = 0

    def render_lines(self, crop):
        self.drawn += 1
        return super().render_lines(crop)


class _Plain(RowUpdates, Screen):
    def compose(self) -> ComposeResult:
        yield _Pane("one", id="one")
        yield _Pane("two", id="two")


class _PlainApp(App):
    def on_mount(self) -> None:
        self.push_screen(_Plain())


async def _quiet(app, pilot, *panes: _Pane) -> None:
    # On a loaded machine a start-up event (the first layout, a resize) can still repaint every pane
    # after the first settle; the count starts only once a settle and a pause draw nothing.
    for _ in range(20):
        for pane in panes:
            pane.drawn = 0
        await settle(app, pilot)
        await pilot.pause(0.02)
        if not any(pane.drawn for pane in panes):
            return
    raise AssertionError("the panes never stopped repainting")


async def test_a_frame_draws_a_repaint_whose_update_is_on_its_way():
    app = _PlainApp()
    async with app.run_test(size=(40, 6)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        one = screen.query_one("#one", _Pane)
        two = screen.query_one("#two", _Pane)
        await _quiet(app, pilot, one, two)
        one.drawn = two.drawn = 0
        one.refresh()
        two.refresh()
        two._check_refresh()  # its idle: the Update posted to the screen, not handled yet
        screen._dirty_widgets.add(one)  # marked on the screen directly, as `rearrange_bars` does
        screen._on_timer_update()  # the frame that this sets off, before the screen reads its queue
        assert (one.drawn, two.drawn) == (1, 1)
        assert not one._repaint_regions and not two._repaint_regions
        await settle(app, pilot)
        assert (one.drawn, two.drawn) == (1, 1), app.screen  # the Update that came after draws nothing


async def test_a_refreshed_widget_keeps_its_regions_until_a_frame_takes_them():
    # The Textual behaviour the frame relies on (8.2.8): a widget's regions to draw stay from its
    # refresh, through its idle posting the Update, until a frame's compositor takes them.
    app = _PlainApp()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        one = app.screen.query_one("#one", _Pane)
        assert not one._repaint_regions
        one.refresh()
        assert one._repaint_regions and one._repaint_required
        one._check_refresh()
        assert one._repaint_regions and not one._repaint_required
        await pilot.pause()
        assert not one._repaint_regions
