"""The rows `FramedRows` puts in their box (the detail pane's, the lists') are the ones Textual's
per-line styling draws: at every step of a walk through the demo's timeline, focused or not, at two
sizes, and in another theme; a box that is not plain (padding) is left to Textual."""

from __future__ import annotations

import pytest
from pilot_steps import open_claude, settle
from textual.geometry import Region

from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.framed_rows import FramedRows
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.timeline import Timeline
from tracetui.ui.widgets.virtual_list import VirtualList


def _textuals(view: TextView | VirtualList, monkeypatch: pytest.MonkeyPatch) -> list:
    """The pane drawn whole by Textual's styling alone."""
    with monkeypatch.context() as patched:
        patched.setattr(FramedRows, "_frame", lambda self: None)
        view._styles_cache.clear()
        drawn = view.render_lines(Region(0, 0, *view.outer_size))
    view._styles_cache.clear()
    return drawn


def _shown(view: TextView, rows: list) -> list:
    """The rows not under the horizontal scrollbar (a row there is drawn when the bar goes)."""
    if view.show_horizontal_scrollbar:
        under = view.outer_size.height - view.styles.gutter.bottom - 1
        return rows[:under] + rows[under + 1 :]
    return rows


def _counting_frames(monkeypatch) -> list[type]:
    """The widgets whose rows `FramedRows` frames from now on, one entry a row."""
    framed: list[type] = []
    real = FramedRows._put_in_frame

    def counted(self, crop, frame):
        framed.append(type(self))
        return real(self, crop, frame)

    monkeypatch.setattr(FramedRows, "_put_in_frame", counted)
    return framed


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_framed_rows_are_textuals(demo, monkeypatch, size):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=size) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        detail = screen.query_one("#detail-view", TextView)
        framed = _counting_frames(monkeypatch)
        timeline.focus()
        await pilot.press("home")
        await settle(app, pilot)
        for step in range(min(timeline.count - 1, 24)):
            await pilot.press("j")
            await settle(app, pilot)
            if step % 6 == 5:
                detail.focus()  # the box in the accent colour
                await settle(app, pilot)
            whole = Region(0, 0, *detail.outer_size)
            ours = detail.render_lines(whole)
            assert _shown(detail, ours) == _shown(detail, _textuals(detail, monkeypatch)), step
            assert detail.render_lines(whole) == _textuals(detail, monkeypatch), step  # framed from cold
            timeline.focus()
        app.theme = "textual-light"
        await settle(app, pilot)
        assert detail.render_lines(Region(0, 0, *detail.outer_size)) == _textuals(detail, monkeypatch)
        assert len(framed) >= 20


async def test_a_box_with_padding_is_textuals_alone(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_claude(app, pilot)
        detail = screen.query_one("#detail-view", TextView)
        assert detail._frame() is not None
        detail.styles.padding = (0, 1)
        await settle(app, pilot)
        assert detail._frame() is None


def _lists_textuals(view: VirtualList, monkeypatch: pytest.MonkeyPatch) -> list:
    """A list drawn whole by Textual's styling alone: its rows kept by key are dropped too."""
    view._styled.clear()
    drawn = _textuals(view, monkeypatch)
    view._styled.clear()
    return drawn


async def test_a_lists_rows_are_framed_as_textual_frames_them(demo, monkeypatch):
    # A preview from the session list draws the timeline's 45 rows new: they are framed here as the
    # detail pane's are, and drawn the same as Textual's styling draws them.
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        framed = _counting_frames(monkeypatch)
        timeline.focus()
        await pilot.press("home")
        await settle(app, pilot)
        for step in range(min(timeline.count - 1, 12)):
            await pilot.press("j")
            await settle(app, pilot)
            whole = Region(0, 0, *timeline.outer_size)
            assert timeline.render_lines(whole) == _lists_textuals(timeline, monkeypatch), step
            timeline._styled.clear()
            assert timeline.render_lines(whole) == _lists_textuals(timeline, monkeypatch), step  # from cold
        sessions = screen.query_one(SessionList)
        sessions._styled.clear()
        sessions._styles_cache.clear()
        whole = Region(0, 0, *sessions.outer_size)
        assert sessions.render_lines(whole) == _lists_textuals(sessions, monkeypatch)
        assert Timeline in framed and SessionList in framed


def test_a_row_the_truecolor_filter_leaves_as_it_is_is_its_own_filtered_row():
    # `FramedRows` gives a row as its own filtered row where `ANSIToTruecolor` changes none of its
    # styles; a row with an ANSI colour (or dim text) is left to the filter. Textual 8.2.8's
    # `Strip.apply_filter` reads its `_filter_cache` by (filter, background) first: pinned here.
    from rich.segment import Segment
    from rich.style import Style
    from rich.terminal_theme import DEFAULT_TERMINAL_THEME
    from textual.color import Color
    from textual.filter import ANSIToTruecolor
    from textual.strip import Strip

    from tracetui.ui.widgets.framed_rows import _as_filtered

    truecolor = ANSIToTruecolor(DEFAULT_TERMINAL_THEME)
    background = Color(10, 20, 30)
    plain = Style(color="#102030", bgcolor="#405060", bold=True)
    for styles, kept in [((plain, None), True), ((plain, Style(color="red")), False),
                         ((Style(color="#aabbcc", dim=True),), False)]:  # fmt: skip
        strip = Strip([Segment(f"part {i}", style) for i, style in enumerate(styles)])
        filtered = Strip(truecolor.apply(list(strip), background), strip.cell_length)
        _as_filtered(strip, truecolor, background)
        got = strip.apply_filter(truecolor, background)
        assert (got is strip) == kept
        assert list(got) == list(filtered)
    fresh = Strip([Segment("x", Style(color="red"))])
    fresh._filter_cache[(truecolor, background)] = fresh
    assert fresh.apply_filter(truecolor, background) is fresh


async def test_framed_rows_are_given_filtered_as_textual_filters_them(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        timeline.focus()
        seeded = 0
        for _ in range(6):
            await pilot.press("j")
            await settle(app, pilot)
            for view in (timeline, screen.query_one("#detail-view", TextView)):
                _, background = view.background_colors
                for strip in view._styles_cache._cache.values():
                    for line_filter in view.get_line_filters():
                        got = strip.apply_filter(line_filter, background)
                        seeded += got is strip
                        assert list(got) == list(line_filter.apply(list(strip), background))
        assert seeded > 20
