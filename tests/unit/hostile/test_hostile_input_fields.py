"""Textual draws a text field's value as it is, escapes and all, and the app fills fields with the
log's words: `p` (filter by project) put the project, the last folder of the log's `cwd`, into the
session filter. A `cwd` ending `x\\x1b]52;c;…\\x07\\x1bc` wrote the terminal's clipboard (pasted later
into a shell) and reset the terminal when the key was pressed. Found 2026-11-28 pressing `p` on such
a session. A field now draws each such character as one visible one (`safe_chars`), so its cursor
stays where its characters are, and its value, what the filter matches, is kept."""

from __future__ import annotations

from pilot_steps import settle

from tracetui.library import MemoryLibrary
from tracetui.model import Session, Step, StepKind, Tokens
from tracetui.safe_text import safe_chars
from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.cut_input import CutInput
from tracetui.ui.widgets.session_list import SessionList

PROJECT = "x\x1b]52;c;cm0gLXJmIH4=\x07\x1bc\u202e\x9b2J"
ACTING = ("\x1b", "\x07", "\u202e", "\x9b")


def test_one_visible_character_for_each():
    shown = safe_chars(PROJECT + "\ttab\nline \U0001f600\U000e0159 ⚠️")
    assert len(shown) == len(PROJECT) + len("\ttab\nline \U0001f600\U000e0159 ⚠️")
    assert not [c for c in ACTING + ("\t", "\n", "\U000e0159") if c in shown]
    assert shown.startswith("x␛]52;c;") and shown.endswith(" ⚠️")


async def test_the_project_filter_draws_the_project_s_escapes_as_symbols():
    steps = [Step("u", 0, StepKind.USER, "user", "hi", timestamp="2026-01-01T10:00:00Z")]
    session = Session("s1", "claude", "s1.jsonl", cwd=f"/p/{PROJECT}", title="t",
                      started="2026-01-01T10:00:00Z", tokens=Tokens(1, 2, 3, 4), steps=steps)  # fmt: skip
    app = TraceApp(MemoryLibrary([session]))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        field = app.screen.query_one("#filter", CutInput)
        assert field.value == f"project:{PROJECT}"  # what the filter matches, as the log says it
        drawn = "".join(segment.text for segment in field.render_line(0))
        assert "project:x␛]52;c;" in drawn
        assert not [c for c in ACTING if c in drawn], repr(drawn)
        assert app.screen.query_one(SessionList).render_line(0).text.strip(), "the session is still listed"
