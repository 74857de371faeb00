"""A list's rows styled once are handed back to Textual by row when the list scrolls: what it draws is
what styling every row again would draw, through scrolls, marks, focus, themes and new lengths."""

from __future__ import annotations

from textual.geometry import Region

from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.framed_rows import FramedRows
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Timeline
from tracetui.ui.widgets.virtual_list import VirtualList

from pilot_steps import open_claude, settle


def _drawn(widget: VirtualList) -> list:
    return [list(strip) for strip in widget.render_lines(Region(0, 0, *widget.region.size))]


def _styled_again(widget: VirtualList) -> list:
    widget._styled.clear()
    widget._styles_cache.clear()
    return _drawn(widget)


async def test_rows_handed_back_draw_what_styling_them_again_draws(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 16)) as pilot:
        screen = await open_claude(app, pilot)
        lists = [screen.query_one(Timeline), screen.query_one(SessionList)]
        checked = 0
        for keys in (["down"] * 30, ["up"] * 25, ["m"], ["down"] * 3, ["m"], ["end"], ["home"], ["ctrl+t"],
                     ["escape"], ["down"] * 5, ["ctrl+t"], ["up"] * 2):
            await pilot.press(*keys)
            await settle(app, pilot, 1)
            for widget in lists:
                if widget.region:
                    drawn = _drawn(widget)
                    assert drawn == _styled_again(widget), (keys, type(widget).__name__)
                    checked += 1
        assert checked >= 12


async def test_a_scroll_by_a_row_styles_one_row(demo, monkeypatch):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 16)) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        styled = []
        lines = timeline._styles_cache
        render_line = lines.render_line

        def counted(styles, y, *rest):
            styled.append(y)
            return render_line(styles, y, *rest)

        monkeypatch.setattr(lines, "render_line", counted)
        real_frame = FramedRows._put_in_frame

        def framed(self, crop, frame):
            # A row of the plain box framed here instead of styled by Textual is styled all the same.
            if self is timeline:
                top, end = frame[3], frame[4]
                styled.extend(y for y in crop.line_range
                              if top <= y < end and (y in lines._dirty_lines or y not in lines._cache))  # fmt: skip
            return real_frame(self, crop, frame)

        monkeypatch.setattr(FramedRows, "_put_in_frame", framed)
        height = timeline.scrollable_content_region.height
        await pilot.press(*["down"] * (height + 3))  # the cursor at the bottom, the list scrolled
        await settle(app, pilot, 1)
        top = timeline.scroll_offset.y
        styled.clear()
        await pilot.press("down")
        await pilot.pause()
        assert timeline.scroll_offset.y == top + 1
        # The row that came in and the two rows the cursor left and entered; not the 20-odd others.
        assert 1 <= len(styled) <= 3, styled
