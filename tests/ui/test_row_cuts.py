"""A row the app draws itself is cut with `…` where its text does not fit, counted in terminal cells:
the timeline's step summaries, the trail's patch rows, blame's code column, the session list's titles
(tracetui.ui.cells, the one helper they share). At 80 columns these ran off the pane's edge with
nothing to say that more was there."""

from __future__ import annotations

import subprocess

import pytest
from rich.cells import cell_len

from tracetui.library import MemoryLibrary
from tracetui.model import Session, Step, StepKind, Tokens
from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.cells import ELLIPSIS, cut, cut_start, fit, line, wrap
from tracetui.ui.screens.blame import BlameList, BlameScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Timeline
from tracetui.ui.widgets.trail_list import TrailList
from tracetui.views.trail import PatchRow

from pilot_steps import open_claude, settle

NARROW = (80, 24)
WIDE = "中文字符的提示词" * 8  # two cells a character
COMBINING = "e\u0301" * 60  # é as e + a combining acute: one cell per pair
TABBED = "\tif x:\n\t\treturn 1"


# -- the helper -----------------------------------------------------------------------------------
def test_cut_ends_in_an_ellipsis_only_where_something_was_left_out():
    assert cut("hello", 5) == "hello"
    assert cut("hello world", 5) == "hell…"
    assert cut("hello", 1) == "…" and cut("hello", 0) == ""
    assert fit("hi", 5) == "hi   " and fit("hello world", 5) == "hell…"


@pytest.mark.parametrize("room", [1, 2, 3, 4, 5, 9, 10, 11])
def test_cut_counts_cells_not_characters(room):
    for text in (WIDE, COMBINING, "ab" + WIDE, "a\u0301\u0302" * 20):
        out = fit(text, room)
        assert cell_len(out) == room, (text, room, out)
        assert out.rstrip().endswith(ELLIPSIS)
        # A combining mark never loses the letter it marks, nor opens the text.
        kept = out.rstrip()[:-1]
        assert text.startswith(kept)
        assert cell_len(text[len(kept)]) > 0


def test_wrap_keeps_every_word_within_the_room_in_cells():
    text = "scrub 秘密の値 everywhere in the session, then say so — éé a-very-long-word-without-breaks"
    for room in (2, 5, 9, 20, 200):
        lines = wrap(text, room)
        assert all(cell_len(x) <= room for x in lines), (room, lines)
        assert "".join("".join(lines).split()) == "".join(text.split())  # nothing lost, nothing added
    assert wrap("", 10) == [""] and wrap("a b", 10) == ["a b"] and wrap("秘", 1) == ["秘"]  # ends
    assert wrap("秘密の値", 5) == ["秘密", "の値"]  # a wide character is never split across lines


def test_a_wide_character_that_would_straddle_the_edge_goes_whole():
    assert cut("a中文", 3) == "a…"  # 中 would need cells 2 and 3, with none left for …
    assert fit("a中文", 4) == "a中…"
    assert cut_start("中文/x.py", 5) == "…x.py" and cut_start("/a/中文", 4) == "…文"


def test_combining_marks_stay_with_their_letter():
    text = "cafe\u0301 au lait"
    assert cut(text, 5) == "cafe\u0301…"  # é whole, in one cell
    assert cut(text, 4) == "caf…"  # the e and its accent go together
    assert cut_start("x/e\u0301\u0301ab", 3) == "…ab"  # no stray accent opens the text


def test_tabs_are_spaces_before_counting():
    assert cut("\tx", 8) == "    x"
    assert cut("a\tbcdef", 6) == "a   b…"
    assert "\t" not in fit(TABBED, 30)


def test_a_slice_of_a_longer_text_says_so_even_where_the_slice_fits():
    assert cut("abc", 5, more=True) == "abc…"
    assert cut("abcde", 5, more=True) == "abcd…"
    huge = "x" * 5_000_000
    assert line(huge, 10) == "xxxxxxxxx…"
    assert line(COMBINING * 1000, 10).endswith("…")  # more characters than cells read, still cut
    assert line("a\x1b[2Jb\nc", 20) == "a␛[2Jb⏎c" + " " * 12  # made safe, then fitted


# -- the rows, in the app at 80 columns -----------------------------------------------------------
def _long_session() -> Session:
    def at(i: int) -> str:
        return f"2026-01-01T10:00:{i:02d}Z"

    steps = [
        Step("u", 0, StepKind.USER, "user", "Please " + "refactor the whole module " * 6, timestamp=at(0)),
        Step("w", 1, StepKind.ASSISTANT, "assistant", WIDE, timestamp=at(1)),
        Step("m", 2, StepKind.ASSISTANT, "assistant", COMBINING, timestamp=at(2)),
        Step("c", 3, StepKind.TOOL_CALL, "assistant", tool="mcp__server__a_very_long_tool_name",
             tool_call_id="k", tool_input={"command": "grep\t-rn\t" + "pattern " * 20}, timestamp=at(3)),
        Step("r", 4, StepKind.TOOL_RESULT, "tool", "short", tool_call_id="k", timestamp=at(4)),
        Step("f", 5, StepKind.TOOL_CALL, "assistant", tool="Read", tool_call_id="f",
             tool_input={"file_path": "/p/a-project-with-a-long-name/src/deep/module.py"}, timestamp=at(5)),
    ]
    return Session("long", "claude", "long.jsonl", cwd="/p/a-project-with-a-long-name",
                   title="Please " + "refactor " * 20, started=at(0), tokens=Tokens(1, 2, 3, 4), steps=steps)


def _text(widget, y: int) -> str:
    return widget.render_line(y).text


async def test_timeline_summaries_and_session_titles_end_in_an_ellipsis_where_cut():
    app = TraceApp(MemoryLibrary([_long_session()]))
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        row = _text(sessions, 0)
        assert "a-project-wit…" in row and "Please refactor refactor" in row
        assert "…" in row.split("a-project")[1]
        await pilot.press("enter")
        await settle(app, pilot)
        timeline = app.screen.query_one(Timeline)
        width = timeline.scrollable_content_region.width
        assert width <= 80
        rows = [_text(timeline, y) for y in range(timeline.count)]
        for row in rows:
            assert cell_len(row) == width, row
        user, wide, combining, call, result, read = rows
        assert "Please refactor the whole module" in user and user.rstrip().endswith("…")
        assert "中文字符" in wide and "…" in wide
        assert "e\u0301e\u0301" in combining and "…" in combining
        assert "mcp__server__a_…" in call and "grep -rn pattern" in call and "…" in call.split("grep")[1]
        # One label column for the session (its widest label, up to 16 cells): every summary starts
        # in one column, the long tool name cut with … (`shell_command` pushed its summary out of line).
        starts = {row.index(text) for row, text in zip(rows, ("Please", "中文", "e\u0301", "grep", "short"))}
        assert len(starts) == 1
        assert "\t" not in call
        assert "short" in result and "…" not in result  # nothing cut, nothing said


async def test_trail_rows_end_in_an_ellipsis_where_cut(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=NARROW) as pilot:
        screen = await open_claude(app, pilot)
        await pilot.press("t")
        await settle(app, pilot, 2)
        trail = screen.query_one(TrailList)
        patches = [y for y, item in enumerate(trail.lines) if isinstance(item, PatchRow)]
        assert patches
        width = trail.scrollable_content_region.width
        for y in patches:
            item = trail.lines[y]
            assert isinstance(item, PatchRow)  # a row of `patches`
            shown = _text(trail, y)
            assert cell_len(shown) == width
            # At 80 columns the evidence does not fit after the path: the row says it was cut.
            assert item.evidence and f"({item.evidence})" not in shown
            assert shown.rstrip().endswith("…"), shown
        # A wide path and evidence: cut by cells, the file's name kept.
        wide = PatchRow("s", 3, "docs/" + "文档" * 30 + "/说明.md", "alive", "abc", "e" * 90, False)
        trail.show(["header"], [wide])
        await pilot.pause()
        shown = _text(trail, 3)
        assert cell_len(shown) == width and "…档文档" in shown and "说明.md  " in shown
        assert shown.rstrip().endswith("…")


@pytest.fixture
def long_lines_repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    code = repo / "wide.py"
    code.write_text(
        "def f():\n"
        "\treturn '" + "中文" * 40 + "'\n"
        "\t\tx = '" + "e\u0301" * 80 + "'\n"
        "y = 1\n",
        encoding="utf-8",
    )
    commit = ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x"]
    for args in (["init", "-q"], ["add", "."], commit):
        subprocess.run(["git", *args], cwd=repo, check=True)
    return repo, code


async def test_blame_code_column_ends_in_an_ellipsis_where_cut(demo, long_lines_repo):
    _, library = demo
    repo, code = long_lines_repo
    app = TraceApp(library, repo=str(repo))
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        app.push_screen(BlameScreen(library, str(code), str(repo)))
        await settle(app, pilot, 3)
        rows = app.screen.query_one(BlameList)
        assert len(rows.lines) == 4, str(app.screen.query_one("#blame-status").render())
        width = rows.scrollable_content_region.width
        shown = [_text(rows, y) for y in range(4)]
        for row in shown:
            assert cell_len(row) == width and "\t" not in row
        assert shown[0].rstrip().endswith("def f():")
        # Columns as wide as what they hold: no agent wrote a line, so no state column, and the
        # code starts after "  1 human 0123abcd " (it had 43 cells of columns before it).
        assert shown[0].index("│") == len("  1 human 01234567 ")
        assert "    return '中文" in shown[1] and shown[1].rstrip().endswith("…")
        assert "        x = 'e\u0301" in shown[2] and shown[2].rstrip().endswith("…")
        assert shown[3].rstrip().endswith("y = 1")


async def _steady_hits(app, pilot) -> list:
    """The palette's options once its last search is done (it searches at each keystroke)."""
    from textual.command import CommandList

    await settle(app, pilot)
    hits = app.screen.query_one(CommandList)
    return [hits.get_option_at_index(i) for i in range(hits.option_count)]


@pytest.mark.parametrize("keys", [("ctrl+f", "cart"), ("ctrl+g", "cart")], ids=["search", "go-to-step"])
async def test_palette_hits_keep_to_one_line_each_at_80_columns(demo, keys):
    # At 80 columns a search hit's snippet (90 characters) and its where-line wrapped: a hit took
    # three or four rows and the next one's first line read as this one's.
    from textual.command import CommandList

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=NARROW) as pilot:
        await open_claude(app, pilot)
        key, word = keys
        await pilot.press(key)
        await settle(app, pilot, 1)
        await pilot.press(*word)
        options = await _steady_hits(app, pilot)
        assert options
        room = app.screen.query_one(CommandList).scrollable_content_region.width - 4  # the options' padding
        lines = [line for option in options for line in option.prompt.plain.split("\n")]
        assert all(cell_len(line) <= room for line in lines), max(lines, key=cell_len)
        assert any(line.endswith("…") for line in lines)


def test_a_hits_where_line_gives_the_title_up_before_the_step_and_date():
    from tracetui.bucket import SearchHit
    from tracetui.ui.commands import hit_where

    hit = SearchHit("s1", "st1", "x", index=162, title="现在需要优化对pv和pvc的创建方式的改造。" * 3, agent="claude",
                    timestamp="2026-03-28T05:25:00Z")  # fmt: skip
    where = hit_where(hit, 74)
    assert cell_len(where) <= 74 and where.endswith(" · step 162 · 2026-03-28 05:25") and "…" in where


def test_a_help_line_cut_inside_a_tag_is_still_text():
    from textual.content import Content

    from tracetui.ui.commands import _help

    for text in ("[@click=app.quit]press[/]" * 4, "a\\[b] [bold]x", "[/]"):
        for width in (3, 9, 12, 200):
            shown = Content.from_markup(_help(text, width)).plain
            assert shown == cut(text, width)


async def _context_at(app, pilot, key: str):
    """The context pane of the listed session's step `key` ("home", "end") goes to."""
    from tracetui.ui.widgets.ctx_list import CtxList

    await settle(app, pilot)
    await pilot.press("enter")
    await settle(app, pilot)
    await pilot.press(key, "c")
    await settle(app, pilot)
    return app.screen.query_one(CtxList)


async def test_the_context_pane_reads_paths_inside_the_project_as_the_timeline_does():
    # pi-mono's context rows at 80 columns read "/Users/badlogic/workspaces/pi-mono/packages/co…".
    app = TraceApp(MemoryLibrary([_long_session()]))
    async with app.run_test(size=(160, 40)) as pilot:
        ctx = await _context_at(app, pilot, "end")
        rows = [_text(ctx, y) for y in range(ctx.count)]
        assert any("src/deep/module.py" in row for row in rows), rows
        assert not any("/p/a-project-with-a-long-name" in row for row in rows), rows


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_replay_screens_buttons_are_all_on_the_screen(sealed_demo, size):
    # At 80 columns the step row's full-size buttons ran past the edge: Verdict and Bisect were
    # off the screen, with no sign they were there.
    from textual.widgets import Button

    from tracetui.capsule import open_capsule
    from tracetui.ui.screens.replay import ReplayScreen

    _, path = sealed_demo
    app = TraceApp(open_capsule(path))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot, 1)
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        buttons = list(screen.query("#replay-step-row Button").results(Button))
        assert {b.id for b in buttons} >= {"replay-judge", "replay-bisect"}
        for button in buttons:
            assert button.region.width >= len(str(button.label)) and button.region.right <= size[0], button.id
        check = screen.query_one("#replay-check")
        assert check.region.width >= 12  # room to see what one types


async def test_an_empty_context_pane_says_why():
    # Copilot's first step is a model change: the pane showed "0 items" over an empty box.
    session = _long_session()
    session.steps.insert(0, Step("mc", 0, StepKind.MODEL_CHANGE, "system", "some-model",
                                 timestamp="2026-01-01T09:59:59Z"))  # fmt: skip
    for i, step in enumerate(session.steps):
        step.index = i
    app = TraceApp(MemoryLibrary([session]))
    async with app.run_test(size=(160, 40)) as pilot:
        ctx = await _context_at(app, pilot, "home")
        assert ctx.count == 0
        assert "nothing sent to the model yet" in _text(ctx, 1)


EMOJI = "Ship it ⚠️ then 👨‍👩‍👧 and 1️⃣ more ❤️ " * 3  # a variation selector, a ZWJ sequence, a keycap


def test_emoji_sequences_are_drawn_as_rich_counts_them():
    # Rich counts `⚠️` as two cells, tmux and xterm draw one: the row's border moved a cell left.
    from tracetui.ui.cells import drawable

    assert drawable("⚠️") == "⚠" and drawable("👨‍👩‍👧") == "👨👩👧" and drawable("abc") == "abc"
    for room in (5, 17, 40, 120):
        for text in (fit(EMOJI, room), line(EMOJI, room), cut_start(EMOJI, room)):
            assert "\ufe0f" not in text and "\u200d" not in text
        assert cell_len(fit(EMOJI, room)) == room


async def test_an_emoji_in_a_prompt_keeps_every_row_as_wide_as_its_pane():
    def at(i: int) -> str:
        return f"2026-01-01T10:00:{i:02d}Z"

    steps = [Step("u", 0, StepKind.USER, "user", EMOJI, timestamp=at(0)),
             Step("a", 1, StepKind.ASSISTANT, "assistant", "done ✅ " + EMOJI, timestamp=at(1))]  # fmt: skip
    session = Session("emoji", "claude", "e.jsonl", cwd="/p/emoji", title=EMOJI, started=at(0),
                      tokens=Tokens(1, 2, 3, 4), steps=steps)  # fmt: skip
    app = TraceApp(MemoryLibrary([session]))
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        row = _text(sessions, 0)
        assert "⚠" in row and "\ufe0f" not in row and "\u200d" not in row
        await pilot.press("enter")
        await settle(app, pilot)
        timeline = app.screen.query_one(Timeline)
        width = timeline.scrollable_content_region.width
        for y in range(timeline.count):
            drawn = _text(timeline, y)
            assert cell_len(drawn) == width and "\ufe0f" not in drawn and "\u200d" not in drawn, drawn
        # The detail pane draws the step's text the same way: its border stays in its column too.
        detail = app.screen.query_one("#detail-view", TextView)
        shown = "\n".join(detail.plain_lines())
        assert "Ship it ⚠ then" in shown and "\ufe0f" not in shown and "\u200d" not in shown, shown
