"""A key that acts on the whole session (seal, redact, the pager…) pressed on a preview (the session's
first steps, `Bucket.session_head`) reads the rest in a worker, not on the UI thread: the app keeps
taking keys meanwhile, the title says what it waits for, a second press neither reads again nor acts
twice, and what was asked is done once the session is in, on all of it, unless the user has gone
elsewhere meanwhile."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.narrow import on_screen, present

from tracetui.bucket import Bucket
from tracetui.model import Session
from tracetui.preview_head import WINDOW
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import PREVIEW_STEPS, BrowserScreen
from tracetui.ui.screens.redact_editor import RedactEditor
from tracetui.ui.screens.review import ReviewScreen
from tracetui.ui.screens.seal import SealScreen
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import settle

SIZE = (160, 45)
LONG = PREVIEW_STEPS + 300  # the long session's steps past its first two
LONG_ID = str(uuid.UUID(int=1, version=4))
SHORT_ID = str(uuid.UUID(int=2, version=4))


def _log(sid: str, day: int, extra: int) -> bytes:
    base = {"sessionId": sid, "timestamp": f"2026-04-{day:02d}T10:00:00Z", "cwd": "/home/dev/p"}
    records: list[dict[str, Any]] = [
        {"type": "user", "uuid": "u", "parentUuid": None, "message": {"role": "user", "content": "the task"}},
        {"type": "assistant", "uuid": "a", "parentUuid": "u",
         "message": {"role": "assistant", "id": "m", "model": "claude-sonnet-4-5",
                     "content": [{"type": "text", "text": "on it"}]}},
    ]  # fmt: skip
    parent = "a"
    for i in range(extra):
        records.append({"type": "user", "uuid": f"x{i}", "parentUuid": parent,
                        "message": {"role": "user", "content": f"and then step {i}"}})  # fmt: skip
        parent = f"x{i}"
    return b"".join(orjson.dumps(base | r) + b"\n" for r in records)


@pytest.fixture(scope="module")
def long_bucket(tmp_path_factory) -> Path:
    """A long session (the newest: the one the app previews first) and a short one, synced once."""
    root = tmp_path_factory.mktemp("long")
    src = root / "claude" / "-home-dev-p"
    src.mkdir(parents=True)
    (src / f"{LONG_ID}.jsonl").write_bytes(_log(LONG_ID, 20, LONG))
    (src / f"{SHORT_ID}.jsonl").write_bytes(_log(SHORT_ID, 10, 3))
    with Bucket.open(root / "bucket") as b:
        b.sync({"claude": [root / "claude"]})
    return root / "bucket"


class SlowRead:
    """Holds every whole read of a session (`Library.session`) until released: a session of 50,000
    steps read on a slow disk. Counts the reads."""

    def __init__(self, bucket: Bucket) -> None:
        self.open = threading.Event()
        self.reads: list[str] = []
        self._real = bucket.session
        bucket.session = self.session  # type: ignore[method-assign]

    def session(self, id_or_prefix: str) -> Session:
        self.reads.append(id_or_prefix)
        self.open.wait(5)  # on the UI thread this froze the app (and the test) this long
        return self._real(id_or_prefix)


@pytest.fixture
def bucket(long_bucket, tmp_path):
    b = Bucket.open(shutil.copytree(long_bucket, tmp_path / "bucket"))
    yield b
    b.close()


async def _until(pilot, check, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, "the app never got there"
        await pilot.pause(0.05)


async def _previewing(app, pilot) -> BrowserScreen:
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, BrowserScreen)
    assert screen.opened is not None and present(screen.opened).session.id == LONG_ID
    assert screen.previewing and not present(screen.opened).whole
    # The head's rows, drawn from the steps its summary says they need (`preview_head`).
    assert screen.query_one(Timeline).count == PREVIEW_STEPS
    assert len(present(screen.opened).session.steps) == WINDOW
    return screen


def _title(screen: BrowserScreen) -> str:
    return str(screen.query_one("#session-title").render())


def _said(app, words: str) -> bool:
    return any(words in n.message for n in app._notifications)


@pytest.mark.parametrize("key, kind", [("s", SealScreen), ("r", RedactEditor)])
async def test_a_key_on_a_preview_reads_the_session_in_a_worker_once_and_acts_on_all_of_it(bucket, key, kind):
    slow = SlowRead(bucket)
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _previewing(app, pilot)
        await pilot.press(key)
        await _until(pilot, lambda: slow.reads == [LONG_ID])
        label = "Seal" if key == "s" else "Redact"
        assert f"reading every step for {label}…" in _title(screen)
        await pilot.press(key)  # again, while the read waits: no second read, no second screen
        assert _said(app, f"still reading the session for {label}")
        theme = app.theme
        await pilot.press("ctrl+t")  # the app takes keys meanwhile
        assert app.theme != theme
        assert app.screen is screen
        slow.open.set()
        await _until(pilot, lambda: isinstance(app.screen, kind))
        await settle(app, pilot)
        assert slow.reads == [LONG_ID]
        assert [type(s) for s in app.screen_stack].count(kind) == 1
        assert len(on_screen(app, kind).session.steps) == LONG + 2  # the whole session, not the preview's head
        assert present(screen.opened).whole and "reading every step" not in _title(screen)
        assert screen.trail is not None  # read whole, the session's trail is worked out too


async def test_the_pager_shows_the_step_chosen_when_asked_while_the_session_was_being_read(bucket, monkeypatch):
    slow = SlowRead(bucket)
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _previewing(app, pilot)
        paged: list[bytes] = []
        monkeypatch.setattr(screen, "_run_outside", lambda command, stdin: paged.append(stdin))
        timeline = screen.query_one(Timeline)
        timeline.focus()  # into the session: its rest is being read from here on
        await _until(pilot, lambda: slow.reads == [LONG_ID])
        await pilot.press("down", "down", "down")  # the keys move the cursor while it reads
        index = timeline.step_index()
        assert index is not None and index > 0
        wanted = present(screen.opened).session.steps[index].text
        later = present(screen.opened).session.steps[index + 1].text
        await pilot.press("P")
        assert paged == [] and "reading every step for Pager…" in _title(screen)
        await pilot.press("down", "P")  # moved on and asked again: still the one read, the one step
        slow.open.set()
        await _until(pilot, lambda: present(screen.opened).whole)
        await settle(app, pilot)
        assert slow.reads == [LONG_ID]
        assert len(paged) == 1 and wanted in paged[0].decode() and later not in paged[0].decode()
        assert len(present(screen.opened).session.steps) == LONG + 2


async def test_a_screen_opened_over_the_browser_while_it_reads_gets_nothing_pushed_over_it(bucket):
    slow = SlowRead(bucket)
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _previewing(app, pilot)
        await pilot.press("s")
        await _until(pilot, lambda: slow.reads == [LONG_ID])
        await pilot.press("R")  # the review across sessions, over the browser
        await _until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        slow.open.set()
        await _until(pilot, lambda: present(screen.opened).whole)
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert not any(isinstance(s, SealScreen) for s in app.screen_stack)
        assert _said(app, "Seal: not done, another screen is open")
        assert len(present(screen.opened).session.steps) == LONG + 2


async def test_another_session_opened_while_it_reads_drops_what_was_asked_of_the_first(bucket):
    slow = SlowRead(bucket)
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _previewing(app, pilot)
        await pilot.press("s")
        await _until(pilot, lambda: slow.reads == [LONG_ID])
        screen.open_session(SHORT_ID, focus=True)
        await _until(pilot, lambda: SHORT_ID in slow.reads)  # opened whole: its own read, held too
        slow.open.set()
        await settle(app, pilot)
        assert screen.opened is not None and present(screen.opened).session.id == SHORT_ID
        assert app.screen is screen and not any(isinstance(s, SealScreen) for s in app.screen_stack)
        assert _said(app, "Seal: not done, another session was opened")
        assert "reading every step" not in _title(screen)

