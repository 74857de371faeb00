"""The app on a Pi session whose model the price table lacks: its header gives the price the log
recorded, and says so."""

from __future__ import annotations

import json

from pilot_steps import settle

from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen


def _pi_log(model: str, costs: list[float]) -> bytes:
    records: list[dict] = [
        {"type": "session", "version": 3, "id": "s1", "timestamp": "2025-10-01T00:00:00.000Z", "cwd": "/p"},
        {"type": "message", "id": "u1", "parentId": None, "message": {"role": "user", "content": "go"}},
    ]
    for n, logged in enumerate(costs):
        usage = {"input": 1000, "output": 200, "cacheRead": 0, "cacheWrite": 0, "cost": {"total": logged}}
        message = {"role": "assistant", "content": f"step {n}", "provider": "huggingface", "model": model,
                   "usage": usage}
        records.append({"type": "message", "id": f"a{n}", "parentId": "u1" if n == 0 else f"a{n - 1}",
                        "timestamp": f"2025-10-01T00:00:0{n}.000Z", "message": message})
    return "".join(json.dumps(r) + "\n" for r in records).encode()


async def test_the_header_gives_a_logged_price_as_logged(tmp_path):
    for model, said in (("Qwen/Qwen3-Zz-Unlisted-480B", True), ("claude-sonnet-4-5", False)):
        logs = tmp_path / model.replace("/", "_") / "pi" / "--p--"
        logs.mkdir(parents=True)
        (logs / "2025-10-01T00-00-00-000Z_s1.jsonl").write_bytes(_pi_log(model, [0.25, 0.5]))
        bucket = Bucket.open(logs.parents[1] / "b")
        try:
            assert bucket.sync({"pi": [logs.parent]}).errors == []
            app = TraceApp(bucket)
            async with app.run_test(size=(160, 40)) as pilot:
                await settle(app, pilot)
                screen = app.screen
                assert isinstance(screen, BrowserScreen)
                await pilot.press("home", "enter")
                await settle(app, pilot)
                title = str(screen.query_one("#session-title").render())
                assert ("$0.75 as logged" in title) is said, title
                assert "$" in title
        finally:
            bucket.close()


def _lines(widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.size.height)]


async def test_the_list_marks_a_logged_price_and_a_free_model_costs_nothing_as_logged(tmp_path):
    from tracetui.ui.widgets.session_list import SessionList

    logs = tmp_path / "pi" / "--p--"
    logs.mkdir(parents=True)
    free = _pi_log("Qwen/Qwen3-Zz-Unlisted-480B", [0, 0]).replace(b'"go"', b'"free model"')
    paid = _pi_log("claude-sonnet-4-5", [0, 0]).replace(b'"go"', b'"table model"').replace(b'"s1"', b'"s2"')
    (logs / "2025-10-01T00-00-00-000Z_s1.jsonl").write_bytes(free)
    (logs / "2025-10-01T00-00-00-000Z_s2.jsonl").write_bytes(paid)
    bucket = Bucket.open(tmp_path / "b")
    try:
        assert bucket.sync({"pi": [logs.parent]}).errors == []
        app = TraceApp(bucket)
        async with app.run_test(size=(200, 30)) as pilot:  # three panes: the list has its cost column
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            sessions = screen.query_one(SessionList)
            assert sessions.size.width >= 90
            rows = _lines(sessions)
            [free_row] = [r for r in rows if "free model" in r]
            [paid_row] = [r for r in rows if "table model" in r]
            assert free_row.rstrip().endswith(" $0.00*"), free_row
            assert "*" not in paid_row and "$" in paid_row, paid_row
            header = str(screen.query_one("#sessions-header").render())
            assert len(header) <= sessions.size.width and header.split()[-1] == "cost"
            for n, row in enumerate(rows):
                if "free model" in row:
                    break
            sessions.cursor = n
            await pilot.press("enter")
            await settle(app, pilot)
            title = str(screen.query_one("#session-title").render())
            assert "$0.00 as logged" in title, title
    finally:
        bucket.close()


async def test_a_copilot_session_resumed_after_its_shutdown_costs_at_least(tmp_path):
    """Issue 34: the run after the only shutdown has no input in the log: the list and the header
    mark the price `≥` (the session's input is recorded, so `input_recorded` alone said exact)."""
    from shared_data import FIXTURES
    from support.small_bucket import synced_folder

    from tracetui.ui.widgets.session_list import SessionList

    resumed = FIXTURES / "copilot-later" / "session-state" / "5e6f7a8b-6666-4f4f-9a9a-aabbccddeeff"
    bucket = synced_folder("copilot", resumed, tmp_path)
    try:
        app = TraceApp(bucket)
        async with app.run_test(size=(200, 30)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            [row] = [r for r in _lines(screen.query_one(SessionList)) if "Tidy the garden" in r]
            assert "≥$" in row, row
            await pilot.press("home", "enter")
            await settle(app, pilot)
            title = str(screen.query_one("#session-title").render())
            assert "≥$" in title, title
    finally:
        bucket.close()
