"""The app's filter box and its review (R) on hostile filters: FTS5 syntax, NUL, 100 KB, `kind:` odd
values and the calendar's first and last days. The list answers (perhaps with nothing), the app keeps
running, and no notice quotes SQLite."""

from __future__ import annotations

import shutil

import pytest
from textual.widgets import Input

from pilot_steps import settle
from shared_data import FIXTURES

from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList

FILTERS = [
    "until:9999-12-31",
    "since:0001-01-01",
    "since:0999-05-05",
    "todo\x00file",
    '"unterminated NEAR( kind:* ^fix',
    "kind:,,, {said}:x",
    "a" * 100_000,
    "%_" * 40_000,
]


@pytest.fixture
def bucket(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(FIXTURES / "codex" / "current.jsonl", src / "rollout-2025-10-01T09-00-00-0199aaaa.jsonl")
    with Bucket.open(tmp_path / "b") as b:
        b.sync({"codex": [src]})
        yield b


def _notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_hostile_filters_and_their_review_keep_the_app_running(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        for box in FILTERS:
            screen.query_one("#filter", Input).value = box
            await settle(app, pilot, 2)
            assert app.is_running, box[:40]
            await app.run_action("screen.review")
            await settle(app, pilot, 2)
            assert app.is_running, box[:40]
            if app.screen is not screen:
                await pilot.press("escape")
                await settle(app, pilot, 1)
            said = " ".join(_notices(app)).lower()
            assert not any(w in said for w in ("sqlite", "could not be read", "error")), said[:300]
        screen.query_one("#filter", Input).value = "todo\x00file"
        await settle(app, pilot, 2)
        assert screen.query_one("#sessions", SessionList).summary(0) is not None  # a NUL parts words, as a space does
