"""The app's trail pane says why a patch is unknown, in a note under its row (only `trail --json` said it)."""

from __future__ import annotations

from rich.cells import cell_len
from support.trail_kit import iso
from support.trail_logs import body_repo, claude_log

from tracetui.library import MemoryLibrary
from tracetui.sources import SessionFiles, read_session
from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.trail_list import TrailList
from tracetui.views.trail import PatchRow

from pilot_steps import settle


async def test_an_unknown_row_says_why_under_it_at_80_columns(tmp_path):
    repo = body_repo(tmp_path)
    session = read_session(SessionFiles("claude", claude_log(repo, tmp_path / "logs")))
    repo.commit("work", iso(11), "a.py", "b.py")
    blob = repo.git("rev-parse", "HEAD:a.py")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a clone lacking one file's object
    app = TraceApp(MemoryLibrary([session]))
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("t")
        await settle(app, pilot, 2)
        pane = screen.query_one(TrailList)
        width = pane.scrollable_content_region.width
        drawn = ["".join(t for t, _ in pane.render_row(i, width, False)).rstrip() for i in range(pane.count)]
    assert all(cell_len(line) <= width for line in drawn)
    [row] = [i for i, line in enumerate(pane.lines) if getattr(line, "path", None) == "a.py"]
    line = pane.lines[row]
    assert isinstance(line, PatchRow) and line.state == "unknown"
    note = []
    for line in drawn[row + 1 :]:
        if not line.startswith("        "):
            break
        note.append(line.strip())
    said = "why: the clone lacks some of the git objects of this file's history (a partial clone?)"
    assert " ".join(note) == said
    assert "step" in drawn[row + 1 + len(note)]  # the next patch's row: a judged patch has no note


async def test_a_sealed_reason_is_shown_safe(tmp_path):
    """A capsule's rows are a stranger's: a reason holding escapes, bidi controls and markup is drawn
    inert."""
    from textual.app import App, ComposeResult

    from tracetui.views.trail import PatchRow

    hostile = "\x1b[2J[bold red]gone[/]\u202e\x07 " + "long " * 40
    rows = [PatchRow("a", 3, "x.py", "unknown", None, "", False, hostile),
            PatchRow("b", 4, "y.py", "alive", "abc", "1 kept", False)]  # fmt: skip

    class One(App):
        def compose(self) -> ComposeResult:
            yield TrailList()

    app = One()
    async with app.run_test(size=(80, 20)) as pilot:
        pane = app.query_one(TrailList)
        pane.show(["2 patches"], rows)
        await pilot.pause()
        width = pane.scrollable_content_region.width
        drawn = ["".join(t for t, _ in pane.render_row(i, width, False)) for i in range(pane.count)]
    text = "\n".join(drawn)  # what reaches the terminal
    assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert all(cell_len(line) <= width for line in drawn)
    at = pane.lines.index(rows[0])
    assert "[bold red]gone[/]" in drawn[at + 1]  # markup shown as text, never parsed
    assert len([line for line in drawn if line.startswith("        ")]) >= 3  # wrapped, not cut
    assert pane.lines[-1] is rows[1]
