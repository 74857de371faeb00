"""The context pane of a Codex session whose rollout keeps its system prompt (`base_instructions`):
the prompt heads what the model saw, at the first step and after a compaction."""

from __future__ import annotations

import orjson
import pytest
from support.narrow import on_screen, present

from pilot_steps import palette_hits, settle

from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.ctx_list import CtxList
from tracetui.ui.widgets.session_list import SessionList

SIZE = (160, 45)
SID = "019e0000-0000-7000-8000-00000000c0de"
PROMPT = "You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI.\n" * 10


def _rollout() -> bytes:
    def message(role: str, text: str) -> dict:
        part = "input_text" if role == "user" else "output_text"
        return {"type": "message", "role": role, "content": [{"type": part, "text": text}]}

    records = [
        ("session_meta", {"id": SID, "cwd": "/w/p", "cli_version": "0.118.0",
                          "base_instructions": {"text": PROMPT}}),  # fmt: skip
        ("turn_context", {"cwd": "/w/p", "model": "gpt-5.4"}),
        ("response_item", message("user", "rename the flag")),
        ("response_item", message("assistant", "Renamed.")),
        ("event_msg", {"type": "token_count", "info": {"total_token_usage": {
            "input_tokens": 9000, "cached_input_tokens": 4000, "output_tokens": 40}}}),  # fmt: skip
        ("compacted", {"message": "The user asked for a rename; it is done."}),
        ("response_item", message("user", "now the docs")),
        ("response_item", message("assistant", "Docs updated.")),
    ]
    stamp = "2026-05-01T10:00:0{}.000Z"
    return b"".join(orjson.dumps({"timestamp": stamp.format(n), "type": kind, "payload": payload}) + b"\n"
                    for n, (kind, payload) in enumerate(records))  # fmt: skip


@pytest.fixture
def bucket(tmp_path):
    """A bucket synced from the one hand-made rollout."""
    log = tmp_path / "codex" / "2026" / "05" / "01" / f"rollout-2026-05-01T10-00-00-{SID}.jsonl"
    log.parent.mkdir(parents=True)
    log.write_bytes(_rollout())
    with Bucket.open(tmp_path / "b") as b:
        assert b.sync({"codex": [tmp_path / "codex"]}).errors == []
        yield b


async def test_the_context_pane_shows_the_system_prompt_first_after_a_compaction_too(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = on_screen(app, BrowserScreen)
        assert screen.opened is not None and present(screen.opened).session.id == SID
        ctx_list = screen.query_one(CtxList)
        for key, compacted, count in (("home", False, 1), ("end", True, 4)):
            await pilot.press(key, "c")
            await settle(app, pilot)
            assert screen.context is not None and screen.context.compacted is compacted
            rows = [ctx_list.render_line(y).text for y in range(ctx_list.count)]
            assert len(rows) == count and "context      You are Codex" in rows[0], rows
        # The log's own token count is shown beside the estimate; what the log keeps no copy of is
        # the tool definitions only, as it holds the system prompt.
        await pilot.press("home", "j", "c")
        await settle(app, pilot)
        total = str(screen.query_one("#ctx-total").render())
        assert "the log says the model was sent" in total, total
        assert "keeps no tool definitions" in total and "system prompt" not in total, total



async def test_the_filter_box_and_the_search_leave_the_system_prompt_out_unless_asked(bucket):
    # Words only the system prompt holds ("running", "agent") matched every Codex session in the list
    # and in the palette's search.
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        for box, count in (("running", 0), ("kind:context running", 1), ("rename", 1)):
            await pilot.press("slash", "ctrl+a", "ctrl+k", *box, "enter")
            await settle(app, pilot)
            assert sessions.count == count, box
        await pilot.press("slash", "ctrl+a", "ctrl+k", "escape")
        await settle(app, pilot)
        assert await palette_hits(app, pilot, "running") == []
        hits = await palette_hits(app, pilot, "kind:context running")
        assert len(hits) == 1 and "You are Codex" in hits[0], hits
