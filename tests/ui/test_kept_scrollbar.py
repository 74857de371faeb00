"""`KeptScrollBar` hands back its last drawing only while Textual's would be the same; the scroll views
make one through copies of Textual's two scrollbar properties, which must stay Textual's."""

from __future__ import annotations

import ast
import inspect
import random
import textwrap

from textual.app import App
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget

from tracetui.ui.widgets.kept_scrollbar import KeptScrollBar
from tracetui.ui.widgets.scrolling import QuietScrollbars


def _body(getter, drop_import: bool) -> str:
    function = ast.parse(textwrap.dedent(inspect.getsource(getter))).body[0]
    assert isinstance(function, ast.FunctionDef)
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if drop_import:
        body = [s for s in body if not isinstance(s, ast.ImportFrom)]
    return "\n".join(ast.unparse(s) for s in body)


def test_the_properties_are_textuals_making_a_kept_scrollbar():
    for name in ("vertical_scrollbar", "horizontal_scrollbar"):
        theirs = _body(getattr(Widget, name).fget, drop_import=True).replace("ScrollBar(", "KeptScrollBar(")
        ours = _body(getattr(QuietScrollbars, name).fget, drop_import=False)
        assert ours == theirs, f"Textual's Widget.{name} changed: read QuietScrollbars again"


class _Long(QuietScrollbars, ScrollView):
    DEFAULT_CSS = "_Long { overflow-x: auto; overflow-y: auto; }"

    def on_mount(self) -> None:
        self.virtual_size = Size(300, 1300)

    def render_line(self, y: int) -> Strip:
        return Strip.blank(self.size.width)


class _One(App):
    def compose(self):
        yield _Long()


def _stock(bar: ScrollBar, crop: Region) -> list:
    bar._styles_cache.clear()
    return [list(strip) for strip in ScrollBar.render_lines(bar, crop)]


async def test_what_it_hands_back_is_what_textual_draws(monkeypatch):
    rng = random.Random(5)
    spans: list[Region] = []  # the crops Textual's own drawing of a bar was asked for
    stock_lines = Widget.render_lines

    def noted(widget: Widget, crop: Region) -> list[Strip]:
        spans.append(crop)
        return stock_lines(widget, crop)

    monkeypatch.setattr(Widget, "render_lines", noted)
    app = _One()
    async with app.run_test(size=(60, 30)) as pilot:
        view = app.query_one(_Long)
        await pilot.pause()
        bars = [view.vertical_scrollbar, view.horizontal_scrollbar]
        assert all(type(bar) is KeptScrollBar for bar in bars)
        drawn = handed_back = redrawn = assembled = 0
        for i in range(300):
            if i % 50 == 49:
                view.virtual_size = Size(rng.randint(100, 400), rng.randint(40, 3000))
                await pilot.pause()
            x = rng.randint(0, 5) if i % 7 == 0 else view.scroll_x
            y = view.scroll_y + rng.choice((1, 1, 2, -1, 13))
            view.scroll_to(x=x, y=y, animate=False, immediate=True)
            bar = rng.choice(bars)
            assert isinstance(bar, KeptScrollBar)
            bar.mouse_over = i % 11 == 0
            bar.grabbed = None
            crop = Region(0, 0, *bar.size)
            if not crop:
                continue
            if i % 5 == 4 and crop.height > 4:  # a partial update's rows, as the compositor asks
                top = rng.randint(0, crop.height - 2)
                crop = Region(0, top, crop.width, rng.randint(1, crop.height - top))
            kept = bar._kept
            spans.clear()
            ours = [list(strip) for strip in bar.render_lines(crop)]
            handed_back += kept is not None and bar._kept is kept
            redrawn += len(spans) == 1 and spans[0].height < crop.height  # the changed rows alone
            assembled += not spans and bar._kept is not kept  # a new drawing from rows drawn before
            drawn += 1
            assert ours == _stock(bar, crop), i
        # It was used, most scrolls drew the same bar, and many of the others drew a few rows or none.
        counts = (drawn, handed_back, redrawn, assembled)
        assert drawn >= 250 and handed_back >= 100 and redrawn >= 5 and assembled >= 50, counts



async def test_a_bar_back_at_a_height_it_had_is_put_together_from_its_rows(monkeypatch):
    # The detail pane's vertical bar is a row shorter while a step's horizontal bar shows: rests that go
    # between such steps draw it at both heights, and neither drawing throws the other's rows away.
    app = _One()
    async with app.run_test(size=(60, 30)) as pilot:
        view = app.query_one(_Long)
        await pilot.pause()
        bar = view.vertical_scrollbar
        assert isinstance(bar, KeptScrollBar)
        drawn: list[Region] = []
        stock_lines = Widget.render_lines

        def noted(widget: Widget, crop: Region) -> list[Strip]:
            if widget is bar:
                drawn.append(crop)
            return stock_lines(widget, crop)

        monkeypatch.setattr(Widget, "render_lines", noted)
        sizes = [Size(wide, length) for _ in range(3) for wide in (300, 20) for length in (1300, 1700, 2100)]
        heights = set()
        for step, size in enumerate(sizes):
            if step == len(sizes) // 3:
                drawn.clear()  # both heights' rows learnt
            view.virtual_size = size
            await pilot.pause()  # the app draws the bar
            heights.add(bar.size.height)
        assert len(heights) == 2 and not drawn, (heights, drawn)
        crop = Region(0, 0, *bar.size)
        assert [list(s) for s in bar.render_lines(crop)] == _stock(bar, crop)
