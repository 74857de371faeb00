"""Donate from the app's Export dialog (issue 36): the dry run stops on undecided values, the
question says what leaves and under which licence, a no writes nothing, a yes writes the checked
folder with its card and receipt and shows the upload command."""

from __future__ import annotations

from support.narrow import on_screen
from textual.widgets import Button, Checkbox, Input

from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.screens.confirm import ConfirmScreen
from tracetui.ui.screens.export import ExportScreen

from pilot_steps import settle

SIZE = (120, 40)


async def _until_idle(dialog, pilot) -> str:
    for _ in range(120):
        await pilot.pause(0.1)
        if not dialog._exporting or isinstance(dialog.app.screen, ConfirmScreen):
            break
    return str(dialog.query_one("#export-status").render())


async def test_donate_walks_the_dry_run_the_yes_and_the_check(demo, tmp_path):
    _, library = demo
    app = TraceApp(library)
    dest = tmp_path / "donation"
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        on_screen(app, BrowserScreen).action_export()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#export-dest", Input).value = str(dest)
        assert dialog.query_one("#export-license", Input).value == "cc-by-4.0"
        # The demo's Codex session holds undecided values: nothing is asked, nothing written.
        await pilot.press("ctrl+g")
        status = await _until_idle(dialog, pilot)
        assert "wait for a decision" in status and not dest.exists(), status
        dialog.query_one("#export-accept", Checkbox).value = True
        dialog.query_one("#export-donate", Button).press()
        await _until_idle(dialog, pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "under the licence cc-by-4.0" in question.question and "Nothing is sent" in question.question
        await pilot.press("n")
        status = await _until_idle(dialog, pilot)
        assert "nothing was written" in status and not dest.exists()
        await pilot.press("ctrl+g")
        await _until_idle(dialog, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        status = await _until_idle(dialog, pilot)
        assert "check passed" in status and "hf upload" in status, status
        assert (dest / "DONATION.md").is_file() and (dest / "README.md").is_file()
        assert dialog.upload and "--create-pr" in dialog.upload
