"""Bisect from the app's replay screen: on the five-step scenario of the bisect unit tests (the third
step breaks the check), the screen counts the runs as they go, then shows the first step, its prompt
and the minimal patch set; closing the screen mid-bisect stops it."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path

import pytest
from pilot_steps import settle
from shared_data import processes_with
from textual.widgets import Checkbox, Input
from textual.worker import WorkerCancelled

from tracetui.capsule import open_capsule, seal
from tracetui.capsule.sandbox import find_sandbox
from tracetui.model import FileEdit, Step, StepKind
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.replay import ReplayScreen
from tracetui.ui.widgets.text_view import TextView

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "capsule"))
import capsule_kit as kit

SIZE = (160, 48)
CHECK = "python3 -c 'from calc import add; assert add(2, 3) == 5'"


def _five_steps(repo: Path) -> list[Step]:
    """The unit tests' scenario: five edits after one prompt; the third makes add() subtract."""
    steps = [Step("u0", 0, StepKind.USER, "user", "tidy the project, please", kit._ts(0))]
    parent = "u0"
    for i in range(1, 6):
        if i == 3:
            path = "calc.py"
            edit = FileEdit(f"{repo}/calc.py", "update", old_string="a + b", new_string="a - b")
        else:
            path, edit = f"notes{i}.txt", FileEdit(f"{repo}/notes{i}.txt", "create", content=f"note {i}\n")
        steps.append(Step(f"c{i}", i, StepKind.TOOL_CALL, "assistant", "", kit._ts(i), tool="Edit",
                          tool_call_id=f"t{i}", tool_input={"file_path": f"{repo}/{path}"}, parent=parent,
                          edits=[edit]))  # fmt: skip
        parent = f"c{i}"
    return steps


@pytest.fixture
def broken(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    kit.commit_fix(repo)  # the base: add() works
    session = kit.make_session(repo)
    session.steps = _five_steps(repo)
    out = tmp_path / "b.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=out, secret=b"\x06" * 32)
    return repo, open_capsule(out)


async def _replay_screen(app, pilot, repo: Path, check: str) -> ReplayScreen:
    await settle(app, pilot)
    await pilot.press("y")
    await pilot.pause()
    replay = app.screen
    assert isinstance(replay, ReplayScreen)
    replay.query_one("#replay-repo", Input).value = str(repo)
    replay.query_one("#replay-check", Input).value = check
    if find_sandbox() is None:
        replay.query_one("#replay-trust", Checkbox).value = True  # no sandbox here: the test trusts its own capsule
    return replay


def _said(replay: ReplayScreen) -> str:
    return str(replay.query_one("#replay-verdict").render())


async def test_bisect_from_the_replay_screen_names_the_third_step_and_its_one_patch(broken):
    repo, capsule = broken
    app = TraceApp(capsule)
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay_screen(app, pilot, repo, CHECK)
        # The binding works once the focus is off the text fields (there `b` is a letter typed).
        replay.query_one(TextView).focus()
        # Every line the screen says is kept: sampling the screen every 0.1 s missed a phase of two
        # runs on a loaded machine.
        seen: list[str] = []
        say = replay._say

        def recorded(head: str, *args, **kwargs):
            seen.append(head)
            return say(head, *args, **kwargs)

        replay._say = recorded  # type: ignore[method-assign]
        await pilot.press("b")
        for _ in range(600):
            await pilot.pause(0.1)
            if replay.bisected is not None:
                break
        result = replay.bisected
        assert result is not None, seen[-1]
        assert result.verdict == "reproduces" and result.first_step == "c3" and result.minimal
        # Progress showed while it ran: the phases and the runs counted.
        assert any("bisecting · searching for the first step" in t and "so far" in t for t in seen), seen
        assert any("check runs so far" in t or "check run so far" in t for t in seen)
        said = _said(replay)
        assert said.startswith("bisect: reproduces · the check starts to fail after step 3; 1 patch of the")
        assert "-error" in replay.query_one("#replay-verdict").classes
        shown = "\n".join(replay.query_one(TextView).plain_lines())
        assert "first step: step 3 (your check starts to fail after it)" in shown
        assert "the prompt that led to it" in shown and "tidy the project, please" in shown
        assert "the minimal patch set: 1 patch" in shown
        assert "calc.py · update · step 3" in shown and "+    return a - b" in shown
        assert "notes" not in shown  # the other steps' patches are not in the set
        # The button runs it again (the same answer).
        replay.bisected = None
        await pilot.click("#replay-bisect")
        for _ in range(600):
            await pilot.pause(0.1)
            if replay.bisected is not None:
                break
        assert replay.bisected is not None and replay.bisected.first_step == "c3"


async def test_closing_the_screen_stops_a_bisect_and_its_check(broken):
    repo, capsule = broken
    marker = "71.4321"  # an argument no other process has
    app = TraceApp(capsule)
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay_screen(app, pilot, repo, f"sleep {marker}")
        await pilot.click("#replay-bisect")
        for _ in range(100):
            await pilot.pause(0.1)
            if processes_with(marker):
                break
        assert processes_with(marker), "the bisect's first check did not start"
        started = time.monotonic()
        replay.action_close()
        with contextlib.suppress(WorkerCancelled):  # leaving the screen cancels its workers
            await app.workers.wait_for_complete()
        assert time.monotonic() - started < 10
        assert not isinstance(app.screen, ReplayScreen)
        assert replay.bisected is None  # it ended without an answer
    for _ in range(20):
        if not processes_with(marker):
            break
        time.sleep(0.1)
    assert not processes_with(marker)
