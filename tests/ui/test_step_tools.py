"""The keys users reach for on a step: the next failure, the step in $PAGER, the edited file in
$EDITOR, copying. What leaves the app never carries a log's control bytes, and a log cannot point the
editor outside the session's folder or the repository."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

from support.narrow import present

from tracetui.model import FileEdit, Hunk, Step, StepKind
from tracetui.ui import external
from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.timeline import Timeline
from tracetui.views.format import is_failure

from pilot_steps import open_claude, settle

SIZE = (160, 45)


def test_what_counts_as_a_failure():
    ok = Step("a", 0, StepKind.TOOL_RESULT, "tool", "fine", meta={"exit_code": 0})
    assert not is_failure(ok)
    assert is_failure(Step("b", 1, StepKind.TOOL_RESULT, "tool", "boom", is_error=True))
    assert is_failure(Step("c", 2, StepKind.TOOL_RESULT, "tool", "", meta={"exit_code": 2}))
    refused = Step("d", 3, StepKind.TOOL_CALL, "assistant", "", edits=[FileEdit("a.py", "update", applied=False)])
    assert is_failure(refused)
    assert is_failure(Step("e", 4, StepKind.SYSTEM, "system", "API error", meta={"subtype": "api_error"}))


def test_editor_commands_put_the_line_where_each_editor_wants_it():
    path = Path("/r/a.py")
    assert external.editor_command({"EDITOR": "nvim"}, path, 7) == ["nvim", "+7", "/r/a.py"]
    assert external.editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}, path, 7) == [
        "code", "--wait", "-g", "/r/a.py:7"]  # fmt: skip
    assert external.editor_command({"EDITOR": "ed"}, path, 7) == ["ed", "/r/a.py"]
    assert external.editor_command({}, path, None) == ["vi", "/r/a.py"]
    assert external.pager_command({"PAGER": "less -S"}) == ["less", "-S"] and external.pager_command({}) == ["less"]


def test_the_editor_opens_only_files_inside_the_session_or_the_repository(tmp_path):
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "a.py").write_text("x = 1\n")
    outside = tmp_path / "secret.txt"
    outside.write_text("no")

    def step(path: str) -> Step:
        edit = FileEdit(path, "update", hunks=[Hunk(3, 1, 4, 2, ["-x", "+y", "+z"])])
        return Step("s", 0, StepKind.TOOL_CALL, "assistant", "", edits=[edit])

    assert external.edit_target(step("src/a.py"), [str(repo)]) == ((repo / "src" / "a.py").resolve(), 4)
    assert external.edit_target(step(str(repo / "src" / "a.py")), [None, str(repo)])[0] == (repo / "src/a.py").resolve()
    for hostile in (str(outside), "../secret.txt", "src/../../secret.txt", "/etc/passwd", "src"):
        assert isinstance(external.edit_target(step(hostile), [str(repo)]), str), hostile
    (repo / "link.py").symlink_to(outside)
    assert isinstance(external.edit_target(step("link.py"), [str(repo)]), str)  # a link out is out


async def test_x_walks_failures_and_p_pages_the_step_with_controls_made_visible(demo, monkeypatch):
    ran: list[tuple[list[str], bytes | None]] = []

    def fake_run(command, input=None, check=False):
        ran.append((command, input))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr("tracetui.ui.screens.browser.step_tools.subprocess.run", fake_run)
    monkeypatch.setenv("PAGER", "cat")
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        monkeypatch.setattr(type(app), "suspend", lambda self: contextlib.nullcontext())
        timeline = screen.query_one(Timeline)
        session = present(screen.opened).session
        # a failure of our own making in the open session, with terminal bytes in its text
        failing = next(s for s in session.steps if s.kind == StepKind.TOOL_RESULT and s.index > 3)
        failing.is_error, failing.text = True, "boom \x1b]52;c;SGVsbG8=\x07 \x1b[2J"
        timeline.move_to(0)
        await pilot.press("x")
        assert timeline.step_index() == failing.index
        await pilot.press("X")  # none before the first: the cursor stays
        assert timeline.step_index() == failing.index
        await pilot.press("P")
        await settle(app, pilot)
        [(command, text)] = ran
        assert command == ["cat"] and text is not None
        assert b"\x1b" not in text and b"\x07" not in text and b"boom" in text
        await pilot.press("Y")
        assert app.clipboard.startswith("boom")  # the real text goes to the clipboard, inside OSC 52's base64



def test_a_file_logged_in_another_folder_is_found_by_the_trails_name_in_the_repository(tmp_path):
    # A colleague's log, or a checkout moved since: the logged path is not here, the trail's
    # repo-relative name is; the hostile names stay out as before.
    repo = tmp_path / "clone"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "b.py").write_text("y = 2\n")
    logged = "/Users/someone/work/proj/pkg/b.py"
    edit = FileEdit(logged, "update", hunks=[Hunk(5, 1, 6, 1, ["-y", "+z"])])
    step = Step("s", 0, StepKind.TOOL_CALL, "assistant", "", edits=[edit])
    assert isinstance(external.edit_target(step, [None, str(repo)]), str)
    found = external.edit_target(step, [None, str(repo)], [logged, "pkg/b.py"])
    assert found == ((repo / "pkg/b.py").resolve(), 6)
    for hostile in ("../secret.txt", "/etc/passwd", "pkg/../../x"):
        assert isinstance(external.edit_target(step, [str(repo)], [hostile]), str), hostile
