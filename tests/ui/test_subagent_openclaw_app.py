"""An OpenClaw subagent in the app: its log never names its parent, the bucket ties it (from the
parent's announce of its end); the parent key (F) opens the parent at the `sessions_spawn` call and
that call's key (C) opens the child, as for Codex (tests/openclaw_subagents)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openclaw_subagents import CHILD_NEW, PARENT, write_sessions
from support.narrow import present

from tracetui.bucket import Bucket
from tracetui.model import StepKind
from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import open_by_id, settle

SIZE = (160, 45)


@pytest.fixture
def bucket(tmp_path) -> Iterator[Bucket]:
    with Bucket.open(tmp_path / "bucket") as b:
        b.sync(sources={"pi": [write_sessions(tmp_path / "src")]})
    b = Bucket.open(tmp_path / "bucket")
    yield b
    b.close()


async def test_f_opens_the_parent_at_the_spawning_call_and_c_opens_the_child(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_by_id(app, pilot, CHILD_NEW)
        assert screen.opened is not None and present(screen.opened).session.id == CHILD_NEW
        assert "↳ subagent of 6a000000" in str(screen.query_one("#session-title").render())
        await pilot.press("F")
        await settle(app, pilot)
        assert present(screen.opened).session.id == PARENT
        step = present(screen.opened).session.steps[present(screen.query_one(Timeline).step_index())]
        assert (step.kind, step.tool, step.tool_call_id) == (StepKind.TOOL_CALL, "sessions_spawn", "call_new")
        await pilot.press("C")
        await settle(app, pilot)
        assert present(screen.opened).session.id == CHILD_NEW
