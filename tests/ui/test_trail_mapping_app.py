"""The app's trail pane maps a log from another machine onto a clone, as `tracetui trail --repo` does."""

from __future__ import annotations

from typing import Any

from support.narrow import on_screen
from support.trail_logs import ALICE, alice_project, claude_log, mapped_log

from tracetui.library import MemoryLibrary
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.trail_list import TrailList

from pilot_steps import settle

SIZE = (160, 45)


async def _trail_text(app: TraceApp, pilot) -> str:
    await settle(app, pilot)
    screen = on_screen(app, BrowserScreen)
    await pilot.press("enter")
    await settle(app, pilot)
    assert screen.opened is not None
    await pilot.press("t")
    await settle(app, pilot, 2)
    return "".join("".join(screen.query_one(TrailList).plain_lines()).split())  # unwrapped


def _bare(text: str) -> str:
    return "".join(text.split())


async def test_the_trail_pane_reads_a_logged_path_in_the_chosen_clone(tmp_path):
    repo = alice_project(tmp_path)
    there = mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")
    app = TraceApp(MemoryLibrary([there]), repo=str(repo.path))
    async with app.run_test(size=SIZE) as pilot:
        text = await _trail_text(app, pilot)
    assert _bare("5 patches: 1 lost 1 reverted 1 uncommitted 2 alive") in text
    assert _bare(f"paths under {ALICE} (as logged) are read in {repo.path}") in text
    assert "sub/a.py" in text and "top.py" in text


async def test_without_a_clone_the_pane_says_which_path_it_tried(tmp_path):
    there = mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")
    app = TraceApp(MemoryLibrary([there]))
    async with app.run_test(size=SIZE) as pilot:
        text = await _trail_text(app, pilot)
    assert _bare(f"repository not found for {ALICE}/sub: states are unknown;") in text
    # The way to name a clone is the app's own palette command, not the CLI's flag.
    assert _bare("to judge them in a clone of its repository: the palette's \"Judge the trail in a clone…\"") in text
    assert "--repo" not in text


async def test_the_app_s_clone_does_not_judge_another_project_s_session(tmp_path):
    # The same files under another name are another project's: judged there, every patch read "lost".
    import shutil

    repo = alice_project(tmp_path)
    decoy = tmp_path / "other-project"
    shutil.copytree(repo.path, decoy)
    there = mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")
    app = TraceApp(MemoryLibrary([there]), repo=str(decoy))
    async with app.run_test(size=SIZE) as pilot:
        text = await _trail_text(app, pilot)
    assert _bare(f"--repo {decoy} is not this session's repository;") in text
    assert _bare(f"repository not found for {ALICE}/sub") in text
    assert "lost" not in text and "alive" not in text


async def test_the_evals_screen_judges_in_the_app_s_clone_as_the_trail_pane_does(tmp_path):
    # The same session labelled in the trail pane and unlabelled in the evals: the screen took no --repo.
    import shutil

    from tracetui.ui.screens.evals import CohortList, EvalScreen

    repo = alice_project(tmp_path)
    decoy = tmp_path / "decoy"
    shutil.copytree(repo.path, decoy)
    there = mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")
    labelled = {}
    for name, clone in (("own", repo.path), ("decoy", decoy)):
        app = TraceApp(MemoryLibrary([there]), repo=str(clone))
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("ctrl+e")
            await settle(app, pilot, 4)
            assert isinstance(app.screen, EvalScreen)
            [cohort] = app.screen.query_one(CohortList).cohorts
            labelled[name] = len(cohort.labelled)
    assert labelled == {"own": 1, "decoy": 0}


async def _clone_named(app: TraceApp, pilot, answer: str) -> str:
    """The trail pane's text after the palette's "Judge the trail in a clone…" is answered."""
    from tracetui.ui.screens.path_prompt import PathPrompt

    await _trail_text(app, pilot)
    screen = on_screen(app, BrowserScreen)
    await app.run_action("screen.trail_clone")
    await settle(app, pilot)
    prompt = on_screen(app, PathPrompt)
    await pilot.press(*answer, "enter")
    await settle(app, pilot, 2)
    assert prompt is not app.screen
    return "".join("".join(screen.query_one(TrailList).plain_lines()).split())


async def test_a_clone_named_in_the_app_judges_that_session_s_trail(tmp_path):
    # The app has no --repo: the clone is named for the open session, as `trail --repo` names it.
    repo = alice_project(tmp_path)
    there = mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")
    app = TraceApp(MemoryLibrary([there]))
    async with app.run_test(size=SIZE) as pilot:
        text = await _clone_named(app, pilot, str(repo.path))
        screen = on_screen(app, BrowserScreen)
        assert screen.opened is not None and screen.clones == {screen.opened.session.id: str(repo.path)}
    assert _bare("5 patches: 1 lost 1 reverted 1 uncommitted 2 alive") in text
    assert "repository not found" not in text


async def test_a_clone_named_that_is_no_folder_is_said_and_changes_nothing(tmp_path):
    there = mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")
    app = TraceApp(MemoryLibrary([there]))
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        real = app.notify

        def noted(message: str, *args: Any, **kwargs: Any) -> None:
            notes.append(str(message))
            real(message, *args, **kwargs)

        app.notify = noted  # type: ignore[method-assign]
        text = await _clone_named(app, pilot, "~/no-such-folder-$HOME-\x1b")
        assert on_screen(app, BrowserScreen).clones == {}
    assert any(n.startswith("not a folder: ") and "$HOME" in n and "\x1b" not in n for n in notes), notes
    assert _bare(f"repository not found for {ALICE}/sub: states are unknown;") in text
