"""A new length set without a layout (`scrolling.set_virtual_size`) leaves a view as a whole layout
would: the same scrollbars, room and scroll limits, whatever the overflow and the sizes; and it lays
the screen out only where a scrollbar shows or hides."""

from __future__ import annotations

import random

import pytest
from textual.app import App
from textual.containers import Horizontal
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracetui.ui.widgets.scrolling import QuietScrollbars, set_virtual_size

from pilot_steps import settle


class _Doc(QuietScrollbars, ScrollView):
    DEFAULT_CSS = "_Doc { width: 1fr; height: 1fr; }"

    def render_line(self, y: int) -> Strip:
        return Strip.blank(self.size.width)


class _Twins(App):
    CSS = "Horizontal { width: 60; height: 14; }"

    def __init__(self, across: str, down: str) -> None:
        super().__init__()
        self.overflow = (across, down)

    def compose(self):
        with Horizontal():
            yield _Doc(id="ours")
            yield _Doc(id="theirs")

    def on_mount(self) -> None:
        for view in self.query(_Doc):
            view.styles.overflow_x, view.styles.overflow_y = self.overflow


def _seen(view: ScrollView) -> tuple:
    """What the view shows: its bars where the screen placed them (relative to the view), its room and
    how far it scrolls."""
    placed: list[Region | None] = []
    for bar in (view._horizontal_scrollbar, view._vertical_scrollbar):
        if bar is not None and bar.display and bar.region:
            placed.append(bar.region.translate(-view.region.offset))
        else:
            placed.append(None)
    return (view.show_horizontal_scrollbar, view.show_vertical_scrollbar, *placed,
            view.scrollable_content_region.size, view.max_scroll_x, view.max_scroll_y, view.scroll_offset)  # fmt: skip


@pytest.mark.parametrize("overflow", [("auto", "auto"), ("auto", "scroll"), ("hidden", "auto"), ("scroll", "hidden")])
async def test_a_new_length_leaves_the_view_as_textuals_layout_would(overflow):
    app = _Twins(*overflow)
    rng = random.Random(str(overflow))
    async with app.run_test(size=(80, 20)) as pilot:
        await settle(app, pilot)
        ours, theirs = app.query_one("#ours", _Doc), app.query_one("#theirs", _Doc)
        # Around the room's edges (30 wide, 14 high, less a bar) as well as far from them.
        for _ in range(60):
            size = Size(rng.choice([rng.randint(1, 80), rng.randint(26, 32)]),
                        rng.choice([rng.randint(1, 40), rng.randint(11, 16)]))  # fmt: skip
            set_virtual_size(ours, size)
            # The whole layout, and the scrollbars decided after it (a layout tells a view whose own
            # size is unchanged nothing): what `set_virtual_size` does where a bar shows or hides.
            theirs.virtual_size = size
            theirs._scroll_update(size)
            await settle(app, pilot)
            assert _seen(ours) == _seen(theirs), size
            x, y = rng.randint(0, 40), rng.randint(0, 30)
            for view in (ours, theirs):
                view.scroll_to(x, y, animate=False, immediate=True)
            await settle(app, pilot)
            assert _seen(ours) == _seen(theirs), size


async def test_only_a_bar_shown_or_hidden_lays_the_screen_out(monkeypatch):
    app = _Twins("auto", "auto")
    async with app.run_test(size=(80, 20)) as pilot:
        await settle(app, pilot)
        ours = app.query_one("#ours", _Doc)
        layouts: list[int] = []
        real = type(app.screen)._refresh_layout

        def counted(screen, *args, **kwargs):
            layouts.append(1)
            return real(screen, *args, **kwargs)

        monkeypatch.setattr(type(app.screen), "_refresh_layout", counted)
        cases = [
            (Size(100, 100), True),  # both bars come
            (Size(120, 50), False),  # wider and shorter: both stay
            (Size(90, 200), False),
            (Size(10, 200), True),  # the horizontal one goes
            (Size(12, 300), False),
            (Size(12, 5), True),  # the vertical one goes too
            (Size(20, 6), False),
            (Size(30, 14), False),  # the room exactly (30 by 14): no bar
            (Size(30, 15), True),  # a row more: the vertical bar, which leaves 28 across, so both
            (Size(31, 40), False),
        ]
        for size, lays_out in cases:
            layouts.clear()
            set_virtual_size(ours, size)
            await settle(app, pilot)
            assert bool(layouts) is lays_out, size
