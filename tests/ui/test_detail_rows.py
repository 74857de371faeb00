"""A rest in the timeline redraws only the detail pane's rows that changed: moving between two short
steps leaves the blank rows under both (and any row the two draw alike) on screen as they were, and
what stays on screen is what a whole redraw of the pane would draw."""

from __future__ import annotations

from textual.geometry import Region

from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.framed_rows import FramedRows
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import open_claude, settle

SIZE = (160, 48)


def _bars(view: TextView) -> tuple[bool, bool]:
    return view.show_vertical_scrollbar, view.show_horizontal_scrollbar


async def _at_first_step(app: TraceApp, pilot) -> tuple[Timeline, TextView]:
    """The demo's Claude session open, its timeline focused on its first step."""
    screen = await open_claude(app, pilot)
    timeline = screen.query_one(Timeline)
    timeline.focus()
    await pilot.press("home")
    await settle(app, pilot)
    return timeline, screen.query_one("#detail-view", TextView)


async def test_a_rest_between_two_short_steps_redraws_only_the_rows_that_changed(demo, monkeypatch):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        timeline, detail = await _at_first_step(app, pilot)
        height = detail.scrollable_content_region.height
        drawn: list[int] = []
        cache = detail._styles_cache
        plain = cache.render_line

        def counted(styles, y, *args, **kwargs):
            drawn.append(y)
            return plain(styles, y, *args, **kwargs)

        cache.render_line = counted  # type: ignore[method-assign]
        # Every row through Textual's styling, where the count sees it (`FramedRows` draws the same rows
        # its own way: tests/ui/test_framed_rows.py).
        monkeypatch.setattr(FramedRows, "_frame", lambda self: None)
        checked = 0
        for _ in range(min(timeline.count - 1, 40)):
            before_rows, before_bars = detail.line_count, _bars(detail)
            drawn.clear()
            await pilot.press("j")
            await settle(app, pilot)
            rows, bars = detail.line_count, _bars(detail)
            if bars != before_bars or max(rows, before_rows) >= height:
                continue  # the pane's box changed or it is full: drawn whole, as before
            # At most the rows either step shows; Textual's whole redraw drew every line of the pane.
            assert len(drawn) <= max(rows, before_rows), (drawn, rows, before_rows)
            assert len(drawn) < height
            # What stays on screen is a whole redraw's: the kept lines against the pane drawn afresh.
            whole = Region(0, 0, *detail.size)
            kept = detail.render_lines(whole)
            cache.clear()
            assert detail.render_lines(whole) == kept
            checked += 1
        assert checked >= 3


async def test_the_detail_text_keeps_its_width_whether_or_not_the_step_needs_a_scrollbar(demo):
    # The scrollbar's column is kept for it (`scrollbar-gutter: stable`): a step's text does not reflow
    # by a column as the cursor moves between short and long steps, and no rest lays the screen out.
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(80, 24)) as pilot:  # small enough that some steps overflow the pane
        timeline, detail = await _at_first_step(app, pilot)
        widths: set[int] = set()
        bars: set[bool] = set()
        for _ in range(min(timeline.count - 1, 40)):
            await pilot.press("j")
            await settle(app, pilot)
            widths.add(detail.scrollable_content_region.width)
            bars.add(detail.show_vertical_scrollbar)
        assert bars == {True, False}  # the walk met steps with a scrollbar and steps without
        assert len(widths) == 1, widths
