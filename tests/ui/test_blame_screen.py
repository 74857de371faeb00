"""The Blame screen: from a step that edited a file, the file at HEAD with each line's writer; Enter
on an agent's line goes to that step with the Context tab open."""

from __future__ import annotations

from support.narrow import on_screen, present
from textual.widgets import TabbedContent

from tracetui.ui.app import TraceApp
from tracetui.ui.screens.blame import BlameList, BlameScreen
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import open_claude, settle

SIZE = (160, 45)


async def test_b_blames_the_steps_file_and_enter_goes_to_the_writing_step(demo):
    d, library = demo
    app = TraceApp(library, repo=str(d.repo))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        edit = next(s for s in present(screen.opened).session.steps if s.edits and s.tool == "Edit")
        timeline.reveal_step(edit.index)
        await pilot.press("B")
        await settle(app, pilot, 4)
        blame = app.screen
        assert isinstance(blame, BlameScreen)
        rows = blame.query_one(BlameList)
        written = [i for i, line in enumerate(rows.lines) if line.writer is not None]
        assert rows.lines and written, str(blame.query_one("#blame-status").render())
        assert rows.cursor == written[0]  # the cursor starts on the first line an agent wrote
        writer = present(rows.lines[written[0]].writer)
        status = str(blame.query_one("#blame-status").render())
        assert "written by agents" in status
        await pilot.press("enter")
        await settle(app, pilot, 3)
        assert isinstance(app.screen, BrowserScreen)
        assert present(screen.opened).session.id == writer.session
        assert present(screen.opened).session.steps[present(timeline.step_index())].id == writer.step
        assert screen.query_one(TabbedContent).active == "ctx"


async def test_blame_of_a_file_outside_any_repository_is_one_line(demo, tmp_path):
    _, library = demo
    loose = tmp_path / "loose.py"
    loose.write_text("x = 1\n")
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        on_screen(app, BrowserScreen).show_blame(str(loose), None)
        await settle(app, pilot)
        status = str(app.screen.query_one("#blame-status").render())
        assert status.startswith("no blame:") and "\n" not in status
        await pilot.press("escape")
        await settle(app, pilot, 1)
        assert isinstance(app.screen, BrowserScreen)


async def test_blame_at_an_older_revision_says_which(demo):
    d, library = demo
    app = TraceApp(library, repo=str(d.repo))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        on_screen(app, BrowserScreen).show_blame(str(d.repo / "shop" / "cart.py"), str(d.repo), "HEAD~1")
        await settle(app, pilot, 4)
        title = str(app.screen.query_one("#blame-title").render())
        assert "shop/cart.py · HEAD~1 (" in title


async def test_b_in_the_trail_pane_blames_the_file_of_the_patch_under_the_cursor(demo):
    from tracetui.ui.widgets.trail_list import TrailList
    from tracetui.views.trail import PatchRow

    d, library = demo
    app = TraceApp(library, repo=str(d.repo))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        await pilot.press("t")
        await settle(app, pilot, 1)
        await pilot.press("3")  # into the trail list
        await settle(app, pilot)
        trail = screen.query_one(TrailList)
        row = trail.lines[trail.cursor]
        assert isinstance(row, PatchRow)
        await pilot.press("B")
        await settle(app, pilot, 4)
        blame = app.screen
        assert isinstance(blame, BlameScreen) and blame.file.endswith(row.path)


async def test_b_finds_the_file_in_the_repository_given_when_the_logged_folder_is_not_here(tmp_path):
    # pi-mono's logs name /Users/badlogic/workspaces/pi-mono/...: with --repo on a clone, the trail
    # read every patch, but B (and E) looked only at the logged path and said "not a file here".
    import shutil

    from tracetui.demo.build import build, open_library

    d = build(tmp_path / "demo")
    library = open_library(d)
    clone = tmp_path / "elsewhere" / d.repo.name  # a moved checkout: blame knows it by its name
    clone.parent.mkdir()
    shutil.move(str(d.repo), str(clone))  # the logged cwd no longer exists
    app = TraceApp(library, repo=str(clone))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        edit = next(s for s in present(screen.opened).session.steps if s.edits and s.tool == "Edit")
        timeline.reveal_step(edit.index)
        await pilot.press("t")
        await settle(app, pilot, 3)
        assert screen.trail is not None and screen.trail.patches.get(edit.id)
        await pilot.press("B")
        await settle(app, pilot, 4)
        blame = app.screen
        assert isinstance(blame, BlameScreen), [n.message for n in app._notifications]
        assert blame.file == str((clone / "shop" / "cart.py").resolve())
        assert any(line.writer is not None for line in blame.query_one(BlameList).lines)
