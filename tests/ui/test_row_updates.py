"""`RowCompositor` writes to the terminal what Textual's compositor writes on every partial update
(a walk through the browser's panes; random pieces of overlapping widgets refreshed), its cursor
moves made without Rich's `Control` (`CursorChops`); it only draws fewer rows to get there. The one difference allowed is a cursor move with nothing written after it:
Textual moves the cursor to a piece that starts where a changed span ends, and writes none of it."""

from __future__ import annotations

import random
import re
import types

from rich.console import Console
from textual._compositor import ChopsUpdate, Compositor
from textual.app import App
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Static

from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import panes
from tracetui.ui.row_updates import CursorChops, RowCompositor, RowUpdates
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import SHORT_TIMER, open_claude, settle


class _Checked(RowCompositor):
    """Each partial update made both ways, what each would write kept for the test to compare."""

    console: Console
    compared: list[tuple[str, str]]

    def render_partial_update(self):
        regions = self._dirty_regions.copy()
        if regions:
            crop = Region.from_union(regions).intersection(self.size.region)
            spans = list(self._regions_to_spans(regions))
            rows = {y for y, _, _ in spans}.__contains__
            ends = [cut_set[1:] for cut_set in self.cuts]
            self._regions = list(regions)  # as `render_partial_update` gives them to `_get_renders`
            try:
                ours = self._written(crop, rows, spans, ends, CursorChops)
            finally:
                self._regions = None
            setattr(self, "_get_renders", types.MethodType(Compositor._get_renders, self))  # Textual's own
            try:
                theirs = self._written(crop, rows, spans, ends, ChopsUpdate)
            finally:
                del self._get_renders
            self.compared.append((_drawn(ours), _drawn(theirs)))
        return super().render_partial_update()

    def _written(self, crop, rows, spans, ends, update) -> str:
        return update(self._render_chops(crop, rows), spans, ends).render_segments(self.console)


_IDLE_MOVE = re.compile(r"\x1b\[\d+;\d+H(?=\n|\x1b\[\d+;\d+H|$)")


def _drawn(written: str) -> str:
    """What a terminal shows of an update: without the cursor moves followed by nothing to draw."""
    return _IDLE_MOVE.sub("", written)


def _checked(screen) -> _Checked:
    compositor = screen._compositor
    assert isinstance(compositor, RowCompositor)
    compositor.__class__ = _Checked
    assert isinstance(compositor, _Checked)
    compositor.console = Console(width=200, color_system="truecolor", force_terminal=True)
    compositor.compared = []
    return compositor


async def test_partial_updates_write_what_textuals_compositor_writes(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_claude(app, pilot)
        compositor = _checked(screen)
        # Cursor steps in place and past the bottom (a scroll), the tabs of the right pane, the
        # detail pane paged, back to the list and through it.
        for keys in (["down"] * 3, ["down"] * 40, ["up"] * 5, ["f"], ["t"], ["d"], ["tab"], ["pagedown"],
                     ["shift+tab"], ["end"], ["home"], ["escape"], ["down"] * 3):
            await pilot.press(*keys)
            await settle(app, pilot, 1)
        written = [ours for ours, _ in compositor.compared]
        assert len(written) >= 20 and sum(len(w) for w in written) > 10_000  # the walk drew things
        assert all(ours == theirs for ours, theirs in compositor.compared)


async def test_a_cursor_step_draws_only_the_rows_it_changes(demo, monkeypatch):
    # The panes follow the cursor once it rests STEP_DELAY (40 ms); a slow machine's press and
    # pause can take that long, and the panes' redraw is not the step's. Held off here for as long
    # as `settle` still fires a timer at once, so the panes follow in the settle after.
    monkeypatch.setattr(panes, "STEP_DELAY", SHORT_TIMER)
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        drawn: list[tuple[str, int]] = []
        for widget in screen.query("*"):
            def spy(crop, widget=widget, render=widget.render_lines):
                drawn.append((type(widget).__name__, crop.height))
                return render(crop)
            setattr(widget, "render_lines", spy)
        before = timeline.cursor
        await pilot.press("down")
        await pilot.pause()
        assert timeline.cursor == before + 1
        # The two rows of the old and the new cursor; nothing of the footer, the title or the
        # right pane, and no widget drawn whole.
        assert ("Timeline", 2) in drawn
        assert all(height <= 2 for _, height in drawn), drawn
        assert not {"KeyFooter", "TextView", "TabbedContent"} & {name for name, _ in drawn}, drawn
        drawn.clear()
        await settle(app, pilot)  # the step timer fires early in a settle: the panes now follow
        assert "TextView" in {name for name, _ in drawn}, drawn


class _Screen(RowUpdates, Screen):
    DEFAULT_CSS = """
    #left { width: 40%; border: round $accent; padding: 1 2; }
    #right { border: heavy $secondary; }
    #top { height: 7; border: solid red; margin: 1 3; }
    #bottom { padding: 0 1; }
    #over { layer: above; offset: 20 6; width: 30; height: 9; border: double green; }
    #foot { dock: bottom; height: 1; }
    """

    def compose(self):
        with Horizontal():
            yield Static("\n".join(f"left {i} " * 3 for i in range(30)), id="left")
            with Vertical(id="right"):
                yield Static("top " * 40, id="top")
                yield Static("\n".join(f"bottom {i}" for i in range(20)), id="bottom")
        yield Static("over " * 30, id="over")
        yield Static("a footer", id="foot")


class _Layers(App):
    CSS = "Screen { layers: below above; }"

    def get_default_screen(self) -> Screen:
        return _Screen()


async def test_random_refreshes_of_overlapping_widgets_write_what_textual_writes():
    # Borders, padding, margins, a docked row and a widget over two others, refreshed in random
    # pieces, one piece or several at a time.
    app = _Layers()
    rng = random.Random(41)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        compositor = _checked(app.screen)
        widgets = list(app.screen.query("*"))
        for _ in range(150):
            for widget in rng.sample(widgets, rng.randint(1, 3)):
                width, height = widget.size
                if not width or not height:
                    continue
                x, y = rng.randrange(width), rng.randrange(height)
                widget.refresh(Region(x, y, rng.randint(1, width - x), rng.randint(1, height - y)))
            await pilot.pause()
        assert len(compositor.compared) >= 100
        assert all(ours == theirs for ours, theirs in compositor.compared)


async def test_a_widget_behind_the_changed_pieces_is_not_asked_for_rows():
    # A piece of the widget over two others and a piece of the footer change together: their union
    # spans the widgets between, but each piece is drawn by the widget in front of it (a pane's
    # scrollbars redrawn with another widget drew the pane's every row again).
    app = _Layers()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        compositor = _checked(app.screen)
        asked: list[str] = []
        for widget in app.screen.query("*"):
            def spy(crop, widget=widget, render=widget.render_lines):
                if compositor._regions is not None:  # ours (the check draws Textual's way too)
                    asked.append(str(widget.id))
                return render(crop)
            setattr(widget, "render_lines", spy)
        app.screen.query_one("#over").refresh(Region(2, 2, 6, 3))
        app.screen.query_one("#foot").refresh(Region(0, 0, 4, 1))
        await pilot.pause()
        assert set(asked) == {"foot", "over"}, asked
        assert compositor.compared and all(ours == theirs for ours, theirs in compositor.compared)


def test_cursor_moves_are_richs():
    # What `CursorChops` writes for a cursor move, held to Rich's own (Textual's `render_segments`).
    from rich.control import Control

    for x, y in [(0, 0), (5, 2), (159, 47), (1000, 300)]:
        assert Control.move_to(x, y).segment.text == f"\x1b[{y + 1};{x + 1}H"
