"""A scroll view's scrollbars that come or go on a screen of row updates are placed without a layout
of the screen (`RowUpdates.rearrange_bars`), and exactly where Textual's layout places them: the
same bars, regions, room and scroll limits, and the same map entries for the view and its bars."""

from __future__ import annotations

import random

import pytest
from textual.app import App
from textual.containers import Horizontal
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracetui.ui.row_updates import RowUpdates
from tracetui.ui.widgets.scrolling import QuietScrollbars, set_virtual_size

from pilot_steps import settle


class _Doc(QuietScrollbars, ScrollView, can_focus=False):
    DEFAULT_CSS = "_Doc { width: 1fr; height: 1fr; border: round red; }"

    def render_line(self, y: int) -> Strip:
        return Strip.blank(self.size.width)


class _Rows(RowUpdates, Screen):
    def compose(self):
        with Horizontal():
            yield _Doc(id="ours")
            yield _Doc(id="theirs")


class _Twins(App):
    CSS = "Horizontal { width: 64; height: 16; }"

    def __init__(self, across: str, down: str, gutter: str) -> None:
        super().__init__()
        self.look = (across, down, gutter)

    def on_mount(self) -> None:
        self.push_screen(_Rows())

    def views(self) -> tuple[_Doc, _Doc]:
        ours, theirs = self.screen.query_one("#ours", _Doc), self.screen.query_one("#theirs", _Doc)
        for view in (ours, theirs):
            view.styles.overflow_x, view.styles.overflow_y, view.styles.scrollbar_gutter = self.look
        return ours, theirs


def _seen(view: ScrollView) -> tuple:
    """The view's bars and their places, its room, how far it scrolls, and its compositor entries (the
    regions relative to the view's)."""
    map = view.screen._compositor._full_map
    entries: list[tuple | None] = []
    for widget in (view._horizontal_scrollbar, view._vertical_scrollbar, view._scrollbar_corner, view):
        geometry = map.get(widget) if widget is not None else None
        if geometry is None:
            entries.append(None)
            continue
        region, _, clip, virtual_size, container_size, virtual_region, _ = geometry
        to = -view.region.offset
        placed = virtual_region.translate(to) if widget is not view else virtual_region.size
        entries.append((region.translate(to), clip, virtual_size, container_size, placed))
    bars = (view._horizontal_scrollbar, view._vertical_scrollbar)
    displayed = [bar is not None and bar.display for bar in bars]
    return (view.show_horizontal_scrollbar, view.show_vertical_scrollbar, *displayed, *entries,
            view.scrollable_content_region.size, view.max_scroll_x, view.max_scroll_y,
            view.scroll_offset)  # fmt: skip


LOOKS = [("auto", "auto", "stable"), ("auto", "auto", "auto"), ("hidden", "auto", "stable"),
         ("auto", "scroll", "auto")]  # fmt: skip


@pytest.mark.parametrize("look", LOOKS)
async def test_bars_placed_without_a_layout_are_where_textuals_layout_puts_them(look, monkeypatch):
    app = _Twins(*look)
    rng = random.Random(str(look))
    async with app.run_test(size=(80, 20)) as pilot:
        await settle(app, pilot)
        ours, theirs = app.views()
        for view in (ours, theirs):  # made, as a view makes them the first time one shows (a layout then)
            view.vertical_scrollbar, view.horizontal_scrollbar, view.scrollbar_corner
        await settle(app, pilot)
        layouts: list[int] = []
        real = _Rows._refresh_layout

        def counted(screen, *args, **kwargs):
            layouts.append(1)
            return real(screen, *args, **kwargs)

        monkeypatch.setattr(_Rows, "_refresh_layout", counted)
        moves = 0
        for _ in range(50):
            size = Size(rng.choice([rng.randint(1, 80), rng.randint(26, 32)]),
                        rng.choice([rng.randint(1, 40), rng.randint(11, 16)]))  # fmt: skip
            bars = (ours.show_horizontal_scrollbar, ours.show_vertical_scrollbar)
            layouts.clear()
            set_virtual_size(ours, size)
            await settle(app, pilot)
            moves += bars != (ours.show_horizontal_scrollbar, ours.show_vertical_scrollbar)
            assert not layouts, size
            seen = _seen(ours)
            # Textual's own way: the layout, then the bars decided after it.
            theirs.virtual_size = size
            theirs._scroll_update(size)
            await settle(app, pilot)
            assert seen == _seen(theirs), size
        assert moves >= 10


async def test_a_hidden_bar_leaves_the_rows_beneath_it_drawn():
    app = _Twins("auto", "auto", "auto")
    async with app.run_test(size=(80, 20)) as pilot:
        await settle(app, pilot)
        ours, _ = app.views()
        await settle(app, pilot)
        for size in (Size(100, 100), Size(10, 5)):
            compositor = app.screen._compositor
            compositor._dirty_regions.clear()
            set_virtual_size(ours, size)
            dirty = Region.from_union(list(compositor._dirty_regions))
            # The bars' old places (the right column and the bottom row inside the border) are drawn again.
            inside = ours.region.shrink(ours.styles.gutter)
            assert dirty.contains_region(Region(inside.right - 1, inside.y, 1, inside.height - 1))
            assert dirty.contains_region(Region(inside.x, inside.bottom - 1, inside.width - 1, 1))
            await settle(app, pilot)


async def test_bars_that_come_or_go_are_drawn_in_the_views_frame(monkeypatch):
    """The view's new rows and its bars go out in one frame. The bars' own repaints, and the view's,
    passed on from their queues after the frame that drew them, made a second frame that drew the
    bars again or nothing (a third of the rests in the timeline)."""
    app = _Twins("auto", "auto", "auto")
    async with app.run_test(size=(80, 20)) as pilot:
        await settle(app, pilot)
        ours, _ = app.views()
        ours.vertical_scrollbar, ours.horizontal_scrollbar, ours.scrollbar_corner
        await settle(app, pilot)
        frames: list[str] = []
        real = _Rows._compositor_refresh

        def counted(screen) -> None:
            # This toy app's screen is at times repainted whole (Textual's own doing, with or without
            # the change): such a frame draws the view too, and may be the one that draws its change.
            dirty = screen._dirty_widgets
            if screen in dirty:
                frames.append("whole")
            elif {ours, *bars(ours)} & dirty:
                frames.append("view")
            real(screen)

        monkeypatch.setattr(_Rows, "_compositor_refresh", counted)
        sizes = (Size(100, 100), Size(10, 5), Size(100, 5), Size(10, 100), Size(10, 5))
        for size in sizes * 4:
            frames.clear()
            set_virtual_size(ours, size)
            ours.refresh(Region(0, 0, 20, 3))  # the rows a new document draws otherwise
            if size.height == 100:
                app.screen.refresh()  # a whole repaint in the same frame (it met the change in CI)
            await settle(app, pilot)
            # Drawn, and in one frame of its own at most.
            assert frames and frames.count("view") <= 1, (size, frames)


def bars(view: ScrollView) -> list:
    return [view._vertical_scrollbar, view._horizontal_scrollbar, view._scrollbar_corner]
