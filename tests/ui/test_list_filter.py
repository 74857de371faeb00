"""The session list's text filter shows its first screen of matches at once, from work bounded by the
screen, and fills in the rest and the count in its worker, which the next keystroke's filter replaces;
a rest on a long session's row reads only the steps its preview shows."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.narrow import on_screen, present
from textual.widgets import Input

from tracetui.bucket import Bucket
from tracetui.model import EVERY, SessionFilter
from tracetui.preview_head import WINDOW
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import PREVIEW_STEPS, SCREENFUL, BrowserScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import settle

SIZE = (160, 45)
MANY = SCREENFUL + 25  # sessions that say "so": more than a screen
LONG = PREVIEW_STEPS + 300  # steps of the one long session


def _log(sid: str, n: int, said: str, extra: int = 0) -> bytes:
    stamp = f"2026-04-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z"
    base = {"sessionId": sid, "timestamp": stamp, "cwd": f"/home/dev/p{n % 4}"}
    records: list[dict[str, Any]] = [
        {"type": "user", "uuid": f"u{n}", "parentUuid": None, "message": {"role": "user", "content": f"task {n}"}},
        {"type": "assistant", "uuid": f"a{n}", "parentUuid": f"u{n}",
         "message": {"role": "assistant", "id": f"m{n}", "model": "claude-sonnet-4-5",
                     "content": [{"type": "text", "text": said}]}},
    ]  # fmt: skip
    parent = f"a{n}"
    for i in range(extra):
        records.append({"type": "user", "uuid": f"x{n}-{i}", "parentUuid": parent,
                        "message": {"role": "user", "content": f"and then step {i}"}})  # fmt: skip
        parent = f"x{n}-{i}"
    return b"".join(orjson.dumps(base | r) + b"\n" for r in records)


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("many")
    src = root / "claude" / "-home-dev-p"
    src.mkdir(parents=True)
    for n in range(MANY + 10):
        sid = str(uuid.UUID(int=n + 1, version=4))
        said = "so it goes" if n < MANY else "nothing here"
        (src / f"{sid}.jsonl").write_bytes(_log(sid, n, said, LONG if n == 0 else 0))
    with Bucket.open(root / "bucket") as b:
        b.sync({"claude": [root / "claude"]})
    return root / "bucket"


class Gate:
    """Holds a text filter's whole count until released: what a big bucket's slow count looks like."""

    def __init__(self, bucket: Bucket, times: int = 1) -> None:
        self.open = threading.Event()
        self.held = 0
        self._times = times
        self._real = bucket.count_sessions
        bucket.count_sessions = self.count  # type: ignore[method-assign]

    def count(self, where: SessionFilter = EVERY) -> int:
        if where.text and self.held < self._times:
            self.held += 1
            assert self.open.wait(20)
        return self._real(where)


async def _until(pilot, check, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, "the app never got there"
        await pilot.pause(0.05)


def _status(screen: BrowserScreen) -> str:
    return str(screen.query_one("#sessions-status").render())


@pytest.fixture
def big_bucket_budget(monkeypatch):
    """The whole answer never done within first_sessions' budget: what a bucket of many GB is like."""
    monkeypatch.setattr("tracetui.bucket.core.HEAD_BUDGET", 0)


async def test_typing_a_filter_shows_the_first_matches_then_the_count_settles(many, big_bucket_budget):
    bucket = Bucket.open(many)
    whole = [r.id for r in bucket.list_sessions(SessionFilter(text="so"))]
    assert len(whole) == MANY
    gate = Gate(bucket)
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.screen.query_one(SessionList).count == MANY + 10)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        sessions = screen.query_one(SessionList)
        await pilot.press("slash", "s", "o")
        # The first screen, while the count is held: the answer's own first rows, in its order.
        await _until(pilot, lambda: sessions.count == SCREENFUL)
        # The count runs in its own worker, which may reach the bucket just after the first rows show.
        await _until(pilot, lambda: gate.held == 1)
        assert sessions.count == SCREENFUL
        assert [present(sessions.summary(i)).id for i in range(SCREENFUL)] == whole[:SCREENFUL]
        assert "so far, counting" in _status(screen)
        # An export from here takes every session the filter keeps, and says so.
        screen.action_export()
        await pilot.pause(0.1)
        from tracetui.ui.screens.export import ExportScreen

        assert isinstance(app.screen, ExportScreen) and app.screen.count == MANY
        app.pop_screen()
        await pilot.pause(0.1)
        sessions.move_to(3)  # the user reads the first rows meanwhile: the cursor stays on its session
        chosen = present(sessions.summary(3)).id
        gate.open.set()
        await _until(pilot, lambda: sessions.count == MANY)
        assert present(sessions.summary(sessions.cursor)).id == chosen
        await settle(app, pilot)
        assert sessions.count == MANY and _status(screen).startswith(f"{MANY} sessions")
        assert [present(sessions.summary(i)).id for i in range(PAGE_SHOWN)] == whole[:PAGE_SHOWN]
        assert "counting" not in _status(screen)
    bucket.close()


PAGE_SHOWN = MANY  # every row of the answer is in the list's first page


async def test_a_filter_whose_whole_answer_is_cheap_shows_it_at_once_with_its_count(many, monkeypatch):
    monkeypatch.setattr("tracetui.bucket.core.HEAD_BUDGET", 5.0)  # however loaded the machine
    bucket = Bucket.open(many)
    gate = Gate(bucket)  # never opened: the count is not asked for
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = on_screen(app, BrowserScreen)
        sessions = screen.query_one(SessionList)
        await pilot.press("slash", "s", "o")
        await settle(app, pilot)
        assert gate.held == 0 and sessions.count == MANY
        whole = bucket.list_sessions(SessionFilter(text="so"))
        assert [present(sessions.summary(i)).id for i in range(MANY)] == [r.id for r in whole]
        assert _status(screen).startswith(f"{MANY} sessions")
    bucket.close()


async def test_a_newer_keystroke_wins_over_the_answer_still_being_counted(many, big_bucket_budget):
    bucket = Bucket.open(many)
    gate = Gate(bucket)
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.screen.query_one(SessionList).count == MANY + 10)
        screen = on_screen(app, BrowserScreen)
        sessions = screen.query_one(SessionList)
        await pilot.press("slash", "s", "o")
        await _until(pilot, lambda: gate.held == 1)  # "so": its first screen shown, its count held
        await pilot.press("backspace", "backspace", *"nothing")
        await _until(pilot, lambda: sessions.count == 10)  # the newer filter's own answer, whole
        gate.open.set()  # the older worker's count comes in late: it must not replace the list
        await settle(app, pilot)
        assert sessions.count == 10
        nothing = bucket.list_sessions(SessionFilter(text="nothing"))
        assert {present(sessions.summary(i)).id for i in range(10)} == {r.id for r in nothing}
        assert _status(screen).startswith("10 sessions")
    bucket.close()


async def test_a_rest_on_a_long_session_reads_its_first_steps_and_opening_reads_the_rest(many, monkeypatch):
    bucket = Bucket.open(many)
    long_id = str(uuid.UUID(int=1, version=4))
    wholes: list[str] = []
    real = bucket.session

    def reading(sid: str):
        wholes.append(sid)
        return real(sid)

    monkeypatch.setattr(bucket, "session", reading)
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        sessions = screen.query_one(SessionList)
        row = next(i for i in range(sessions.count) if present(sessions.summary(i)).id == long_id)
        sessions.cursor = row
        await settle(app, pilot)
        opened = screen.opened
        assert opened is not None and opened.session.id == long_id and screen.previewing
        assert not opened.whole and len(opened.session.steps) == WINDOW  # what the preview draws
        assert screen.query_one(Timeline).count == PREVIEW_STEPS  # of its head's rows (`preview_head`)
        assert long_id not in wholes  # the preview read no more than its head
        assert f"{LONG + 2} steps" in str(screen.query_one("#session-title").render())
        await pilot.press("enter")
        await settle(app, pilot)
        assert wholes == [long_id]
        assert present(screen.opened).whole and len(present(screen.opened).session.steps) == LONG + 2
        assert not screen.previewing and screen.trail is not None
        assert screen.query_one(Timeline).has_focus
    bucket.close()


async def test_sealing_from_a_preview_takes_the_whole_session(many):
    bucket = Bucket.open(many)
    long_id = str(uuid.UUID(int=1, version=4))
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        sessions = screen.query_one(SessionList)
        sessions.cursor = next(i for i in range(sessions.count) if present(sessions.summary(i)).id == long_id)
        await settle(app, pilot)
        assert screen.opened is not None and not present(screen.opened).whole
        screen.action_seal()
        await settle(app, pilot)
        from tracetui.ui.screens.seal import SealScreen

        assert isinstance(app.screen, SealScreen)
        assert len(app.screen.session.steps) == LONG + 2
    bucket.close()


async def test_the_open_session_keeps_the_list_s_cursor_when_the_whole_answer_comes(many, big_bucket_budget):
    bucket = Bucket.open(many)
    far = [r.id for r in bucket.list_sessions(SessionFilter(text="so"))][SCREENFUL + 5]  # not in the first screen
    gate = Gate(bucket)
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        sessions = screen.query_one(SessionList)
        screen.open_session(far)
        await settle(app, pilot)
        assert screen.opened is not None and present(screen.opened).session.id == far
        screen.query_one("#filter", Input).value = "so"
        await _until(pilot, lambda: sessions.count == SCREENFUL)  # its first screen: the open one not in it
        gate.open.set()
        await _until(pilot, lambda: sessions.count == MANY)
        assert present(sessions.summary(sessions.cursor)).id == far
        # settle fires a rest pending on the list: the first screen's row 0 is not previewed.
        await settle(app, pilot)
        assert present(screen.opened).session.id == far
    bucket.close()


async def test_a_kind_the_filter_does_not_know_is_said_beside_the_count(demo):
    """`kind:bogus` names no kind of step: `search` refuses it; the list filters on the rest of the
    words and says so in its status line, not silently."""
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"kind:bogus", "enter")
        await settle(app, pilot)
        status = str(app.screen.query_one("#sessions-status").render())
        assert "no step kind starts with 'bogus' (kind: takes user," in status
        await pilot.press("slash", "ctrl+u", *"kind:user", "enter")
        await settle(app, pilot)
        assert "no step kind" not in str(app.screen.query_one("#sessions-status").render())


async def test_a_superseded_count_stops_where_it_is_and_the_newer_filter_s_answer_stands(many, big_bucket_budget):
    from tracetui.bucket import core

    bucket = Bucket.open(many)
    real = bucket.count_sessions
    began, ended = threading.Event(), threading.Event()
    outcome: list[Any] = []

    @core._healing
    def endless(self) -> int:
        # What a bucket of many GB is like: a count SQLite is still working on minutes later.
        sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000000000) SELECT count(*) FROM c"
        return self._conn().execute(sql).fetchone()[0]

    def count(where: SessionFilter = EVERY) -> int:
        if where.text != "so":
            return real(where)
        began.set()
        started = time.monotonic()
        try:
            return endless(bucket)
        except BaseException as exc:
            outcome.append(exc)
            raise
        finally:
            outcome.append(time.monotonic() - started)
            ended.set()

    bucket.count_sessions = count  # type: ignore[method-assign]
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.screen.query_one(SessionList).count == MANY + 10)
        screen = on_screen(app, BrowserScreen)
        sessions = screen.query_one(SessionList)
        await pilot.press("slash", "s", "o")
        await _until(pilot, lambda: began.is_set() and sessions.count == SCREENFUL)
        assert "so far, counting" in _status(screen)
        await pilot.press("backspace", "backspace", *"nothing")
        await _until(pilot, lambda: ended.is_set(), seconds=10)  # stopped, not run to its end
        from tracetui.errors import Stopped

        assert isinstance(outcome[0], Stopped) and outcome[1] < 10
        await _until(pilot, lambda: sessions.count == 10)
        await settle(app, pilot)
        assert _status(screen).startswith("10 sessions") and "counting" not in _status(screen)
        nothing = bucket.list_sessions(SessionFilter(text="nothing"))
        assert {present(sessions.summary(i)).id for i in range(10)} == {r.id for r in nothing}
    bucket.close()
