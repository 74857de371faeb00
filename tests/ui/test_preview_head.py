"""A preview that reads only the steps it draws (`preview_head`: the head's summary kept with the session's
row at sync) shows what a preview of the whole head shows: the rows' count and scrollbar, the label
column a late wide tool name sets, a call's duration from a result far below it, and, scrolled to its
end, the rows past those read (the rest of the head read before they are drawn). An older bucket, whose
rows keep no summary, reads the head as before and draws the same screen."""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from pilot_steps import settle
from support.narrow import present

from tracetui.bucket import Bucket
from tracetui.preview_head import WINDOW
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.timeline import Timeline

SIZE = (120, 30)
SID = str(uuid.UUID(int=7, version=4))
CALLS = 90  # each a call and its result: 181 steps
FAR = 2  # the call whose result comes after every other call's
FAR_RESULT = 2 * (WINDOW + 11)  # the step of its result: after the call WINDOW + 10's
WIDE = "mcp__tracker__update_the_issue"  # the widest label, on a call near the end


def _log() -> bytes:
    records: list[dict[str, Any]] = [
        {"type": "user", "message": {"role": "user", "content": "the task"}},
    ]
    held: dict[str, Any] = {}
    for i in range(CALLS):
        name = WIDE if i == CALLS - 3 else "Bash"
        use = {"type": "tool_use", "id": f"t{i}", "name": name, "input": {"command": f"step {i}"}}
        said = {"role": "assistant", "id": f"m{i}", "model": "claude-sonnet-4-5", "content": [use]}
        records.append({"type": "assistant", "message": said})
        result = {"type": "user", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": f"t{i}", "content": f"out {i}"}]}}  # fmt: skip
        if i == FAR:
            held = result
        else:
            records.append(result)
        if i == WINDOW + 10:
            records.append(held)  # far past the window: the summary's reach takes it in
    lines = []
    parent = None
    for n, record in enumerate(records):
        stamp = f"2026-04-20T10:{n // 60:02d}:{n % 60:02d}Z"
        line = {"sessionId": SID, "timestamp": stamp, "cwd": "/home/dev/p", "uuid": f"r{n}",
                "parentUuid": parent}
        lines.append(orjson.dumps(line | record) + b"\n")
        parent = f"r{n}"
    return b"".join(lines)


@pytest.fixture(scope="module")
def buckets(tmp_path_factory) -> tuple[Path, Path]:
    """The session synced (its row keeps the head's summary), and a copy of that bucket as an older
    build left it (no summary in the row)."""
    root = tmp_path_factory.mktemp("head")
    src = root / "claude" / "-home-dev-p"
    src.mkdir(parents=True)
    (src / f"{SID}.jsonl").write_bytes(_log())
    with Bucket.open(root / "bucket") as b:
        b.sync({"claude": [root / "claude"]})
    shutil.copytree(root / "bucket", root / "old")
    with sqlite3.connect(root / "old" / "index.sqlite") as conn:
        changed = conn.execute("UPDATE sessions SET extra = json_remove(extra, '$.head')").rowcount
        assert changed == 1
    conn.close()
    return root / "bucket", root / "old"


def _screen(app) -> str:
    svg = app.export_screenshot()
    return re.sub(r"terminal-\d+", "terminal", svg)  # the export's own id, made from the time


async def _preview_and_end(bucket: Path) -> tuple[list[str], list[int]]:
    """The screen of the preview, then of its timeline scrolled to the end; the steps held each time."""
    with Bucket.open(bucket) as library:
        app = TraceApp(library)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, BrowserScreen) and screen.previewing
            held = [len(present(screen.opened).session.steps)]
            screens = [_screen(app)]
            timeline = screen.query_one(Timeline)
            assert not timeline.has_focus
            timeline.scroll_end(animate=False, immediate=True)  # what a wheel over the preview does
            await settle(app, pilot)
            held.append(len(present(screen.opened).session.steps))
            screens.append(_screen(app))
            rows = [timeline.render_line(y).text for y in range(timeline.scrollable_content_region.height)]
            screens.append("\n".join(rows))
    return screens, held


async def test_a_preview_of_the_steps_it_draws_shows_the_whole_head_s_screen(buckets):
    new, old = buckets
    shown, held = await _preview_and_end(new)
    before, held_before = await _preview_and_end(old)
    steps = 2 * CALLS + 1
    assert held_before == [steps, steps]  # an older bucket's row: the head read whole, as before
    assert held == [FAR_RESULT + 1, steps]  # the window and its far result; the rest before the end is drawn
    assert WIDE[:11] in shown[2] and shown == before  # the label column: 12 cells at this width


async def test_keys_in_a_preview_that_read_fewer_steps_go_to_its_end_before_the_whole_read(buckets, tmp_path):
    """Enter on the previewed row while the session's whole read is held (a slow disk): the rest of the head
    is read first, so the keys reach its last row and its last step shows; once the whole read is in,
    the session's trail is worked out, as for any preview opened."""
    new, _ = buckets
    with Bucket.open(shutil.copytree(new, tmp_path / "bucket")) as library:
        released = threading.Event()
        whole = library.session

        def held(id_or_prefix: str):
            released.wait(5)
            return whole(id_or_prefix)

        library.session = held  # type: ignore[method-assign]
        app = TraceApp(library)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, BrowserScreen) and len(present(screen.opened).session.steps) < 2 * CALLS
            timeline = screen.query_one(Timeline)
            await pilot.press("enter")  # the previewed row opened: its whole read starts, the timeline focused
            await pilot.press("end")
            await pilot.pause()
            assert timeline.has_focus
            steps = 2 * CALLS + 1
            assert timeline.cursor == steps - 1 and screen.current_step() == steps - 1
            assert len(present(screen.opened).session.steps) == steps and screen.trail is None
            released.set()
            for _ in range(100):
                if screen.trail is not None:
                    break
                await pilot.pause(0.05)
            assert screen.trail is not None and not screen.previewing


async def test_a_step_past_the_steps_read_is_found_from_a_preview(buckets, tmp_path):
    """Going to a step by id (the step palette, a search hit) from a preview that read fewer steps
    finds one past them: the rest of the head is read first."""
    new, _ = buckets
    with Bucket.open(shutil.copytree(new, tmp_path / "bucket")) as library:
        far = library.session(SID).steps[170].id
        app = TraceApp(library)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, BrowserScreen) and len(present(screen.opened).session.steps) < 170
            screen.jump_to_step(far)
            await pilot.pause()
            assert screen.current_step() == 170
