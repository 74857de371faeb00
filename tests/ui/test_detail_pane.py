"""The detail pane follows the cursor without paying for the steps it only passes: a burst of moves
refreshes it once, where the cursor rests, even at a key's auto-repeat rate; its lines are made as
they are drawn, the very lines the whole-document rendering makes."""

from __future__ import annotations

from unittest import mock

import pytest
from rich.cells import cell_len
from support.narrow import present
from textual.app import App, ComposeResult
from textual.content import Content

from shared_data import requires_corpus

from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.step_blocks import step_blocks
from tracetui.ui.widgets.text_view import MAX_LINE, Block, Document, TextView, body_lines, render_blocks
from tracetui.ui.widgets import text_view
from tracetui.ui.widgets.timeline import Timeline
from tracetui.views.session_shape import shape_of

from pilot_steps import open_claude, settle

SIZE = (160, 45)


def _first_line(screen: BrowserScreen) -> str:
    return screen.query_one("#detail-view", TextView).plain_lines()[0]


async def _at_top(app, pilot) -> tuple[BrowserScreen, Timeline]:
    screen = await open_claude(app, pilot)
    timeline = screen.query_one(Timeline)
    assert timeline.count > 12
    await pilot.press("home")
    await settle(app, pilot)
    return screen, timeline


async def test_a_burst_of_moves_refreshes_the_detail_once_where_the_cursor_rests(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen, timeline = await _at_top(app, pilot)
        before = screen.detail_refreshes
        for _ in range(8):  # queued at once, as a terminal delivers keys typed ahead
            app.simulate_key("j")
        await settle(app, pilot)
        assert screen.detail_refreshes == before + 1
        rest = timeline.step_index()
        assert rest is not None and rest > 0
        assert _first_line(screen).startswith(f"step {present(screen.opened).session.steps[rest].index} ")


class _Clock:
    """The browser's clock, moved by the test: the gaps between moves it sees are the test's, whatever
    the machine's load does to Pilot's pace."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now


async def test_moves_at_an_auto_repeat_rate_slower_than_the_rest_delay_still_refresh_only_at_the_end(demo, monkeypatch):
    # A key held down repeats every 30-40 ms; Pilot cannot press that evenly, so the repeat window is
    # scaled up: the browser sees moves 0.6 s apart on its clock (a repeat, under REPEAT_GAP), each
    # one after the plain rest delay (40 ms) has passed in real time, and only the repeat-aware wait
    # (half again the gap: 0.9 s) keeps the pane still while Pilot presses on.
    import tracetui.ui.screens.browser.panes as browser  # the pane that follows the cursor

    clock = _Clock()
    monkeypatch.setattr(browser, "time", clock)
    monkeypatch.setattr(browser, "REPEAT_GAP", 1.0)
    monkeypatch.setattr(browser, "REPEAT_DELAY", 2.0)
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen, timeline = await _at_top(app, pilot)
        before = screen.detail_refreshes
        for _ in range(8):
            clock.now += 0.6
            await pilot.press("j")
            await pilot.pause(0.05)
        await settle(app, pilot)
        # The first move cannot be told from a single press (it rests: a held key's first repeat comes
        # 250-600 ms later), then only the rest: 2; 8 without the repeat-aware wait, 3 on a slow machine.
        assert screen.detail_refreshes - before <= 3
        rest = present(timeline.step_index())
        assert _first_line(screen).startswith(f"step {present(screen.opened).session.steps[rest].index} ")


async def test_a_step_the_cursor_comes_back_to_is_drawn_from_the_lines_already_made(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen, timeline = await _at_top(app, pilot)
        detail = screen.query_one("#detail-view", TextView)
        await pilot.press("j")
        await settle(app, pilot)
        first = detail.document
        await pilot.press("j")
        await settle(app, pilot)
        assert detail.document is not first
        await pilot.press("k")
        await settle(app, pilot)
        assert detail.document is first


def _spans(line: Content) -> tuple[str, tuple[tuple[str, ...], ...]]:
    """A line as drawn: its text and, per character, the styles over it in order (empty spans and
    spans past the end draw nothing)."""
    per: list[list[str]] = [[] for _ in line.plain]
    for span in line.spans:
        for k in range(max(0, span.start), min(span.end, len(line.plain))):
            per[k].append(str(span.style))
    return line.plain, tuple(tuple(styles) for styles in per)


def _same_lines(blocks: list[Block], width: int = 60) -> None:
    # Each block's body lines as the whole rendering made them, counted as it asks for them (asking
    # again highlighted every block twice: a fifth of the real-sessions test).
    counts: list[int] = []

    def counted(*args, **kwargs):
        made = body_lines(*args, **kwargs)
        counts.append(len(made))
        return made

    with mock.patch.object(text_view, "body_lines", counted):
        whole = render_blocks(blocks)
    assert len(counts) == len(blocks)
    document = Document(blocks)
    assert document.count == len(whole)
    # Drawn from the bottom up and then top down: the lexer's resumption must not matter.
    order = list(range(document.count - 1, -1, -3)) + list(range(document.count))
    for index in order:
        assert _spans(document.line(index)) == _spans(whole[index]), index
    # A diff's lines scroll sideways (one row each); every other line soft-wraps to the width.
    wraps: list[bool] = []
    for block, count in zip(blocks, counts):
        heads = (1 + bool(wraps)) if block.title else 0
        wraps += [True] * heads + [block.language != "diff"] * count
    assert len(wraps) == len(whole)
    rows = sum(1 if not wrap or cell_len(line.plain) <= width else len(line.wrap(width)) or 1
               for line, wrap in zip(whole, wraps))  # fmt: skip
    assert document.wrapped(width).rows == rows
    assert document.size_chars == sum(len(line) for line in whole)


CODE = '''def f(x):
    """A docstring
    over lines."""
    s = "a string with a \\\\n and # not a comment"
    return {"k": [1, 2.5, None], 'q': x}  # a comment
'''


@pytest.mark.parametrize("blocks", [
    [Block("", "header\nid 1", None, "$text-muted"), Block("prompt", "hello\n\nworld")],
    [Block("python", CODE, "python"), Block("json", '{\n  "a": [1, "two\\nlines"],\n  "b": {"c": null}\n}', "json")],
    [Block("diff", "--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n context", "diff")],
    [Block("empty", "", "python"), Block("one line", "x = 1", "python"), Block("trailing", "x = 1\n", "python")],
    [Block("long", "y = '" + "z" * (MAX_LINE + 500) + "'\nshort", "python")],
    [Block("separators", "a\u2028b\x0bc\r\nd", "python"), Block("plain separators", "a\u2028b", None)],
    [Block("typescript", "const a: string = `multi\nline ${x}`;\n/* block\n comment */\nlet b = 1;", "typescript")],
    [Block("unknown language", "some text\nmore", "no-such-language")],
])  # fmt: skip
def test_a_document_makes_the_lines_the_whole_rendering_makes(blocks):
    _same_lines(blocks)


@requires_corpus
def test_a_document_makes_the_same_lines_on_real_sessions(tmp_path, tmp_path_factory):
    from support.built_once import corpus_bucket

    from tracetui.bucket import Bucket

    with Bucket.open(corpus_bucket(tmp_path_factory, tmp_path / "bucket")) as bucket:
        checked = 0
        for row in bucket.list_sessions():
            if row.agent not in ("claude", "codex", "pi"):
                continue
            session = bucket.session(row.id)
            shape = shape_of(session)
            for blocks in _sample(step_blocks(session, shape, i) for i in range(len(session.steps))):
                _same_lines(blocks)
                checked += 1
        assert checked > 200


def _sample(steps, most: int = 24) -> list[list[Block]]:
    """A session's steps worth comparing: each first step of a new mix of block languages and sizes,
    then big steps and every 25th small one, evenly spread, up to `most`. Every big step of the
    corpus's 1,296-step session took 13 s on its own; a kept-back corpus would multiply it."""
    kinds: set[tuple] = set()
    first: list[list[Block]] = []
    rest: list[list[Block]] = []
    for index, blocks in enumerate(steps):
        big = sum(len(b.body) for b in blocks) >= 3000
        kind = (big, tuple(sorted({b.language or "" for b in blocks})))
        if kind not in kinds:
            kinds.add(kind)
            first.append(blocks)
        elif big or index % 25 == 0:
            rest.append(blocks)
    room = max(0, most - len(first))
    stride = max(1, -(-len(rest) // room)) if room else len(rest) + 1
    return first + rest[::stride][:room]


async def test_big_steps_are_made_in_a_worker_and_only_the_step_the_cursor_rests_on_is_shown(demo, monkeypatch):
    import tracetui.ui.screens.browser.panes as browser  # where a step's detail is made

    monkeypatch.setattr(browser, "BIG_STEP", 0)  # every step counts as big here: all go through the worker
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen, timeline = await _at_top(app, pilot)
        detail = screen.query_one("#detail-view", TextView)
        for _ in range(5):
            app.simulate_key("j")
        await settle(app, pilot)
        rest = present(timeline.step_index())
        assert _first_line(screen).startswith(f"step {present(screen.opened).session.steps[rest].index} ")
        shown = detail.document
        await pilot.press("k")
        await settle(app, pilot)
        await pilot.press("j")  # back: the kept document, without a worker
        await pilot.pause(0.1)
        assert detail.document is shown


class _OnePane(App):
    CSS = "TextView { scrollbar-size-vertical: 1; }"  # the browser's detail pane's scrollbar

    def compose(self) -> ComposeResult:
        yield TextView()


def _drawn_within(view: TextView) -> None:
    room = view.scrollable_content_region.width
    widths = [cell_len(line) for line in view.plain_lines()]
    assert max(widths) <= room, (max(widths), room)
    assert view.virtual_size.width <= room
    assert not view.show_horizontal_scrollbar


@pytest.mark.parametrize("bar", [1, 2])
async def test_a_long_step_after_a_short_one_wraps_to_the_room_its_scrollbar_leaves(bar):
    # The short step needs no scrollbar; the long one brings it. Wrapped at the room the pane had
    # before, every wrapped line came out `bar` columns too wide: cut at the edge, or scrolled sideways.
    app = _OnePane()
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one(TextView)
        view.styles.scrollbar_size_vertical = bar
        view.show_blocks([Block("", "short")])
        await pilot.pause()
        assert not view.show_vertical_scrollbar
        view.show_blocks([Block("step", "\n".join(["x" * 100] + ["word " * 30] * 6))])
        await pilot.pause()
        await pilot.pause()
        assert view.show_vertical_scrollbar
        _drawn_within(view)
        assert any(cell_len(line) == 40 - bar for line in view.plain_lines())  # it does use the room
        # And back: a short step has the whole width again.
        view.show_blocks([Block("", "x" * 70)])
        await pilot.pause()
        await pilot.pause()
        assert not view.show_vertical_scrollbar
        assert view.plain_lines() == ["x" * 40, "x" * 30]


async def test_a_document_long_only_once_wrapped_narrower_keeps_the_whole_width():
    # Six source lines that fit 12 rows at 40 columns but not at 39: no scrollbar, the whole width.
    app = _OnePane()
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one(TextView)
        view.show_blocks([Block("", "\n".join("x" * 40 for _ in range(12)))])
        await pilot.pause()
        await pilot.pause()
        assert not view.show_vertical_scrollbar
        assert view.line_count == 12
        _drawn_within(view)


async def test_wide_characters_wrap_by_the_cells_they_take():
    # 26 characters, 51 cells: shorter than the pane in characters, wider on screen.
    app = _OnePane()
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one(TextView)
        view.show_blocks([Block("", "漢字" * 12 + "end")])
        await pilot.pause()
        await pilot.pause()
        assert view.line_count == 2
        _drawn_within(view)
        assert "".join(view.plain_lines()) == "漢字" * 12 + "end"


async def test_a_diff_keeps_its_code_lines_whole_and_scrolls_sideways_while_prose_wraps():
    """At 120 columns the Diff pane wrapped code: a `+` line read as two, the second without its `+`."""
    code = "+    return round(amount * (100 - percent) / 100, 2)  # " + "a long comment " * 6
    prose = "why: " + "the reference revision holds a changed copy of these lines " * 2
    app = _OnePane()
    async with app.run_test(size=(60, 20)) as pilot:
        view = app.query_one(TextView)
        view.show_blocks([Block("", prose), Block("shop/cart.py · alive", f"@@ -1 +1,2 @@\n{code}\n x = 1", "diff")])
        await pilot.pause()
        lines = view.plain_lines()
        assert code in lines  # one row, whole
        assert sum(1 for line in lines if "the reference revision" in line) >= 2  # the prose still wraps
        room = view.scrollable_content_region.width
        assert view.virtual_size.width == cell_len(code) > room and view.max_scroll_x > 0
        view.scroll_to(x=view.max_scroll_x, animate=False, immediate=True)
        await pilot.pause()
        row = lines.index(code) - int(view.scroll_offset.y)
        assert view.render_line(row).text.rstrip().endswith("a long comment")
