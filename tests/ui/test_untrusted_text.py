"""Log text is data: escapes become visible symbols, markup is never run, huge lines stay fast."""

from __future__ import annotations

import time

from tracetui.model import Session, Step, StepKind, Tokens
from tracetui.ui.app import TraceApp
from tracetui.library import MemoryLibrary
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.text_view import MAX_LINE, TextView
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import settle

OSC = "\x1b]52;c;ZWNobyBoaQ==\x07"  # a clipboard write
CSI = "\x1b[2J\x1b[31m"
MARKUP = "[@click=app.quit]press me[/] [bold red]loud[/]"
HUGE = "x" * 10_000_000


def _hostile() -> Session:
    steps = [
        Step("u", 0, StepKind.USER, "user", f"{MARKUP} {OSC}{CSI}", timestamp="2026-01-01T10:00:00Z"),
        Step("c", 1, StepKind.TOOL_CALL, "assistant", tool=f"Bash{CSI}", tool_call_id="k",
             tool_input={"command": f"echo {MARKUP}{OSC}"}, timestamp="2026-01-01T10:00:01Z"),
        Step("r", 2, StepKind.TOOL_RESULT, "tool", HUGE, tool_call_id="k", timestamp="2026-01-01T10:00:02Z"),
        Step("a", 3, StepKind.ASSISTANT, "assistant", "bidi \u202e reversed \x9b31m C1", timestamp="2026-01-01T10:00:03Z"),
    ]
    return Session("bad", "claude", "bad.jsonl", cwd="/p/[red]proj", title=f"title {OSC}{CSI} {MARKUP}",
                   started="2026-01-01T10:00:00Z", tokens=Tokens(1, 2, 3, 4), steps=steps)


def _clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\u202e" not in text


async def test_hostile_session_shows_escapes_as_symbols_and_markup_as_text():
    app = TraceApp(MemoryLibrary([_hostile()]))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen) and app.is_running
        row = screen.query_one(SessionList).render_line(0).text
        _clean(row)
        assert "␛]52;c;" in row
        await pilot.press("enter")
        await settle(app, pilot)
        timeline = screen.query_one(Timeline)
        lines = [timeline.render_line(y).text for y in range(4)]
        for line in lines:
            _clean(line)
        assert "[@click=app.quit]press me[/" in lines[0]  # shown as text, cut to the pane
        assert "Bash␛[2J" in lines[1]
        assert "<U+202E>" in lines[3] and "\\x9b" in lines[3]
        title = str(screen.query_one("#session-title").render())
        _clean(title)
        assert MARKUP in title

        await pilot.press("down")
        started = time.perf_counter()
        await settle(app, pilot)  # the step's rest, then its detail (a big step's in a worker)
        detail = screen.query_one("#detail-view", TextView)
        text = detail.plain_lines()
        joined = "\n".join(text)
        _clean(joined)
        assert MARKUP in "\n".join(line.plain for line in detail._source)  # before soft-wrapping
        assert max(len(line) for line in text) < MAX_LINE + 40  # the 10 MB line is clipped for drawing
        assert "(10.0 M chars" in joined
        for y in range(detail.size.height):
            _clean(detail.render_line(y).text)
        assert time.perf_counter() - started < 2.0


def test_a_search_hit_shows_where_it_is_and_highlights_the_match_after_the_controls():
    from tracetui.bucket import SearchHit
    from tracetui.ui.commands import hit_label, hit_where

    raw = "pre \x1b]52;c;AAAA\x07 the needle here"
    a = raw.index("needle")
    hit = SearchHit("s1", "st1", raw, index=12, title="Fix the cart", agent="codex",
                    timestamp="2026-01-13T10:00:05Z", match=(a, a + len("needle")))  # fmt: skip
    label = hit_label(hit)
    assert "\x1b" not in label.plain and "\x07" not in label.plain
    styled = [label.plain[span.start : span.end] for span in label.spans]
    assert styled == ["needle"]  # the highlight is on the word, wherever the escapes put it
    assert hit_where(hit) == "codex · Fix the cart · step 12 · 2026-01-13 10:00"
