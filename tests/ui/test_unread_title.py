"""A session whose log held lines its reader could not use says so in its title, long after the sync
that met them (views/unread.py); a clean one says nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from pilot_steps import settle
from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen

FORKS = Path(__file__).resolve().parents[1] / "fixtures" / "forks"
PI_PARENT = "aaaaaaaa-0000-4000-8000-00000000000a"
PI_FORK = "bbbbbbbb-0000-4000-8000-00000000000b"


async def test_the_title_says_how_many_lines_were_not_read(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for path in FORKS.glob("2026-*.jsonl"):
        shutil.copy(path, src)
    [parent] = src.glob(f"*{PI_PARENT}.jsonl")
    with parent.open("a") as fh:
        fh.write("{not json at all\n")
    with Bucket.open(tmp_path / "bucket") as bucket:
        bucket.sync(sources={"pi": [src]})
        app = TraceApp(bucket)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            titles = {}
            for sid in (PI_PARENT, PI_FORK):
                screen.open_session(sid, focus=True)
                await settle(app, pilot)
                titles[sid] = str(screen.query_one("#session-title").render())
    assert "⚠ 1 line not read" in titles[PI_PARENT]
    assert "not read" not in titles[PI_FORK]
