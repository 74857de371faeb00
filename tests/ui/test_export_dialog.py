"""Export… from the app: the list's filter chooses the sessions, the core export writes them with
its review gate, and the dialog shows progress and the outcome."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from platformdirs import user_data_path
from support.narrow import on_screen
from textual.widgets import Button, Checkbox, Input, RadioButton

from support.agent_trace_schema import published_validator, schema_errors

from tracetui.blame import record_problems
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.screens.export import ExportScreen

from pilot_steps import settle

SIZE = (160, 45)


async def test_export_writes_the_filtered_sessions_and_says_so(demo, tmp_path):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"agent:codex", "enter")
        await settle(app, pilot)
        on_screen(app, BrowserScreen).action_export()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        assert "1 session " in str(dialog.query_one("#export-what").render())
        # The default folder is the user data dir's, not the current folder (often a checkout).
        default = Path(dialog.query_one("#export-dest", Input).value)
        assert default.is_relative_to(user_data_path("tracetui") / "exports")
        assert not default.is_relative_to(Path.cwd())
        dialog.query_one("#export-atif", RadioButton).value = True
        dialog.query_one("#export-accept", Checkbox).value = True
        dialog.query_one("#export-dest", Input).value = str(tmp_path / "out")
        dialog.query_one("#export-dest", Input).focus()
        await pilot.press("enter")  # Enter in the folder field exports, as the button does
        await pilot.pause()
        assert dialog._exporting or str(dialog.query_one("#export-status").render())
        for _ in range(60):
            await pilot.pause(0.25)
            if not dialog._exporting:
                break
        status = str(dialog.query_one("#export-status").render())
        assert status.startswith("wrote 1,"), status
        manifest = orjson.loads((tmp_path / "out" / "manifest.json").read_bytes())
        assert manifest  # the export's own manifest, as the CLI writes it
        files = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.suffix == ".json"]
        assert files
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)


@pytest.mark.slow  # an export end to end from the dialog: about 7 s
async def test_export_as_agent_trace_records_the_claude_session(demo, tmp_path):
    """The agent-trace choice: the demo's Claude session, whose repository the demo holds, as records."""
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"agent:claude", "enter")
        await settle(app, pilot)
        on_screen(app, BrowserScreen).action_export()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#export-agent-trace", RadioButton).value = True
        dialog.query_one("#export-accept", Checkbox).value = True
        dialog.query_one("#export-dest", Input).value = str(tmp_path / "out")
        dialog.query_one("#export-go", Button).press()
        for _ in range(80):
            await pilot.pause(0.25)
            if not dialog._exporting:
                break
        status = str(dialog.query_one("#export-status").render())
        assert status.startswith("wrote 1,"), status
        [path] = list((tmp_path / "out" / "traces").glob("*/*.jsonl"))
        records = [orjson.loads(line) for line in path.read_bytes().splitlines()]
        assert records and all(r["files"] and r["vcs"]["type"] == "git" for r in records)
        # Valid by the spec's own JSON schema where its mirror is here, by `export --check`'s rules always.
        validator = published_validator()
        for rec in records:
            assert record_problems(rec) == []
            assert isinstance(validator, str) or schema_errors(validator, rec) == []
