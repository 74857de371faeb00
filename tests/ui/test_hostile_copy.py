"""Y (copy, OSC 52) and E (editor) on a stranger's steps. A copy is pasted later, perhaps into a
shell: a step's ESC could end a bracketed paste (`ESC [201~`) and have the rest run as typed, so
controls are made visible, tabs and newlines kept; a copy of many MB is not sent to the terminal as
one escape sequence. The editor is given an absolute path, never one a name could turn into an
option or a command (`-c:!sh`, `+!cmd`)."""

from __future__ import annotations


from pilot_steps import settle
from tracetui.library import MemoryLibrary
from tracetui.model import FileEdit, Hunk, Session, Step, StepKind
from tracetui.ui import external
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen

PASTE_OUT = "ok\x1b[201~rm -rf ~/x\r\x07\x1b]52;c;ZXZpbA==\x07 \u202e \x9b31m"


def _session(text: str) -> Session:
    steps = [
        Step("u", 0, StepKind.USER, "user", "hello", timestamp="2026-01-01T10:00:00Z"),
        Step("a", 1, StepKind.ASSISTANT, "assistant", text, timestamp="2026-01-01T10:00:01Z"),
    ]
    return Session("s", "claude", "s.jsonl", cwd="/p", title="t", started="2026-01-01T10:00:00Z", steps=steps)


async def _copy_second_step(app: TraceApp, pilot) -> None:
    await settle(app, pilot)
    assert isinstance(app.screen, BrowserScreen)
    await pilot.press("enter")
    await settle(app, pilot)
    await pilot.press("2", "end")
    await settle(app, pilot)
    await app.run_action("screen.copy('step')")
    await settle(app, pilot)


async def test_a_copied_step_carries_no_control_that_acts_when_pasted():
    app = TraceApp(MemoryLibrary([_session(f"a\tb\r\n{PASTE_OUT}")]))
    async with app.run_test(size=(120, 30)) as pilot:
        await _copy_second_step(app, pilot)
        copied = app.clipboard
        assert "rm -rf" in copied, copied
        for ch in ("\x1b", "\x07", "\r", "\x9b", "\u202e"):
            assert ch not in copied, repr(copied)
        assert "a\tb\nok␛[201~" in copied  # the tab and the line kept, the ESC visible


async def test_a_copy_of_many_megabytes_is_not_sent():
    app = TraceApp(MemoryLibrary([_session("y" * (2 << 20))]))  # 2 MB: over the 1 MB a copy sends
    async with app.run_test(size=(120, 30)) as pilot:
        await _copy_second_step(app, pilot)
        assert app.clipboard == ""
        assert any("pager" in n.message for n in app._notifications)
        assert app.is_running


def test_the_editor_gets_an_absolute_path_whatever_the_files_name(tmp_path):
    for name in ("-c:!sh", "+!touch pwned", "--cmd=!sh", "a\nb"):
        (tmp_path / name).write_text("x\n")
        edit = FileEdit(name, "update", hunks=[Hunk(3, 1, 3, 1, [" x"])])
        step = Step("e", 0, StepKind.TOOL_CALL, "assistant", "", edits=[edit])
        found = external.edit_target(step, [str(tmp_path)])
        assert not isinstance(found, str), found
        path, line = found
        assert path.is_absolute() and path == (tmp_path / name).resolve() and line == 3
        assert external.editor_command({"EDITOR": "vim"}, path, line) == ["vim", "+3", str(path)]
        assert external.editor_command({"EDITOR": "ed"}, path, line) == ["ed", str(path)]
        code = ["code", "--wait", "-g", f"{path}:3"]
        assert external.editor_command({"VISUAL": "code --wait"}, path, line) == code


def test_the_editors_line_is_only_ever_a_whole_number(tmp_path):
    path = (tmp_path / "f.py").resolve()
    for line in ("!sh", "1|!sh", True, -3, 0, 2.5):
        command = external.editor_command({"EDITOR": "vim"}, path, line)  # type: ignore[arg-type]
        assert command == ["vim", str(path)]
