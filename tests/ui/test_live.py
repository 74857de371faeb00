"""Live: a running app follows the agents' folders and the bucket. A line an agent appends shows in
the open timeline within a second; a new log shows in the list within two; a sync another process
runs shows too. `tracetui watch` keeps the bucket in sync from the command line."""

from __future__ import annotations

import argparse
import shutil
import threading
import time
from pathlib import Path

import orjson
from support.narrow import present

from shared_data import FIXTURES

from tracetui.bucket import Bucket
from tracetui.model import SessionFilter
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Timeline

SIZE = (160, 45)
PI_ID = "7d1e5b3a-2c4f-4e8a-9b6d-0f1a2b3c4d5e"


def _pi_line(n: int, text: str) -> bytes:
    rec = {"type": "message", "id": f"live{n}", "parentId": "e2" if n == 0 else f"live{n - 1}",
           "timestamp": f"2026-01-06T09:01:{n:02d}.000Z",
           "message": {"role": "user", "content": [{"type": "text", "text": text}], "timestamp": 1767690060000 + n}}  # fmt: skip
    return orjson.dumps(rec) + b"\n"


def _sources(tmp_path: Path) -> dict[str, list[Path]]:
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "bucket", src)
    return {"claude": [src / "claude"], "pi": [src / "pi"]}


async def _until(pilot, condition, seconds: float) -> float:
    """Wait (driving the app) until `condition()` holds; returns how long it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s")
        await pilot.pause(0.05)
    return time.monotonic() - start


async def test_the_open_timeline_grows_and_new_logs_appear_while_agents_write(tmp_path):
    sources = _sources(tmp_path)
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync(sources)

    def sync(progress) -> str:
        report = bucket.sync(sources)
        return f"synced: {report.new} new"

    folders = [p for paths in sources.values() for p in paths]
    app = TraceApp(bucket, sync=sync, watch=folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        await _until(pilot, lambda: app.screen.query_one(SessionList).count == 2, 5)
        screen.open_session(PI_ID, focus=True)
        await _until(pilot, lambda: screen.opened is not None and present(screen.opened).session.id == PI_ID, 5)
        await pilot.pause(0.5)  # the first sync and its watcher have settled
        timeline = screen.query_one(Timeline)
        before = len(present(screen.opened).session.steps)
        timeline.move_to(timeline.count - 1)  # at the end: the cursor follows new steps
        log = next((sources["pi"][0]).glob("*.jsonl"))
        with open(log, "ab") as fh:
            fh.write(_pi_line(0, "one more thing"))
        took = await _until(pilot, lambda: len(present(screen.opened).session.steps) == before + 1, 3)
        assert took < 1.5, took  # under a second from write to screen, with slack for a loaded machine
        assert timeline.step_index() == before  # the cursor followed the new step
        assert "live" in str(screen.query_one("#session-title").render())
        # a torn last line waits for its end
        with open(log, "ab") as fh:
            fh.write(_pi_line(1, "half")[:40])
        await pilot.pause(0.8)
        assert len(present(screen.opened).session.steps) == before + 1
        # a new log shows in the list
        new = log.with_name(log.name.replace("7d1e5b3a", "8e2f6c4b"))
        new.write_bytes(log.read_bytes().replace(PI_ID.encode(), PI_ID.replace("7d1e5b3a", "8e2f6c4b").encode()))
        took = await _until(pilot, lambda: screen.query_one(SessionList).count == 3, 4)
        assert took < 2.5, took
    bucket.close()


async def test_a_sync_in_another_process_shows_in_the_running_app(tmp_path):
    sources = _sources(tmp_path)
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"claude": sources["claude"]})
    app = TraceApp(bucket)  # no sync of its own, no watcher: only the bucket's version tells
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.screen.query_one(SessionList).count == 1, 5)
        with Bucket.open(tmp_path / "bucket") as other:  # another connection, as another process has
            other.sync(sources)
        await _until(pilot, lambda: app.screen.query_one(SessionList).count == 2, 2)
    bucket.close()


def test_watch_syncs_each_change_until_stopped(tmp_path, capsys):
    from tracetui.cli.watch import run_watch

    sources = _sources(tmp_path)
    stop = threading.Event()
    args = argparse.Namespace(bucket=str(tmp_path / "bucket"), source=[f"pi={sources['pi'][0]}"])
    done: list[int] = []
    worker = threading.Thread(target=lambda: done.append(run_watch(args, stop)))
    worker.start()
    try:
        # Limits, not waits (each ends when what it waits for is seen): a loaded CI machine took over 10 s
        # for the watcher's first sync and this change's together.
        deadline = time.monotonic() + 60
        while "watching" not in capsys.readouterr().err and time.monotonic() < deadline:
            time.sleep(0.05)
        log = next(sources["pi"][0].glob("*.jsonl"))
        with open(log, "ab") as fh:
            fh.write(_pi_line(0, "from the agent"))
        deadline = time.monotonic() + 60
        found = False
        while time.monotonic() < deadline and not found:
            time.sleep(0.1)
            with Bucket.open(tmp_path / "bucket") as bucket:
                found = bucket.count_sessions(SessionFilter(text="agent")) >= 1 and any(
                    s.text == "from the agent" for s in bucket.session(PI_ID).steps
                )
        assert found
    finally:
        stop.set()
        worker.join(10)
    assert done == [0]


async def test_f5_syncs_now_and_reads_the_list_again(tmp_path):
    sources = _sources(tmp_path)
    bucket = Bucket.open(tmp_path / "bucket")
    calls: list[int] = []

    def sync(progress) -> str:
        calls.append(1)
        report = bucket.sync(sources)
        return f"synced: {report.new} new"

    app = TraceApp(bucket, sync=sync)  # no watcher: only the key syncs after the first
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.screen.query_one(SessionList).count == 2, 15)
        first = len(calls)
        await pilot.press("f5")
        await _until(pilot, lambda: len(calls) == first + 1, 10)
    bucket.close()


async def test_a_bucket_change_that_leaves_the_open_session_as_it_is_does_not_read_it_again(tmp_path, monkeypatch):
    sources = _sources(tmp_path)
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"pi": sources["pi"]})
    app = TraceApp(bucket)  # no sync of its own: the other connection's commits are the changes
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        await _until(pilot, lambda: screen.query_one(SessionList).count == 1, 5)
        screen.open_session(PI_ID, focus=True)
        await _until(pilot, lambda: screen.opened is not None and present(screen.opened).session.id == PI_ID, 5)
        opened = present(screen.opened)
        with Bucket.open(tmp_path / "bucket") as other:
            other.sync(sources)  # the Claude session comes in; the Pi one is untouched
        await _until(pilot, lambda: screen.query_one(SessionList).count == 2, 3)
        await _until(pilot, lambda: screen.reloads_asked >= 1, 3)
        await app.workers.wait_for_complete()
        assert screen.reloads_read == 0
        assert screen.opened is opened

        # It grows: read again, and the rows the worker built are the timeline's (built once).
        built: list[int] = []
        import tracetui.ui.widgets.timeline as timeline_module

        real = timeline_module.build_rows

        def counted(*a, **k):
            built.append(1)
            return real(*a, **k)

        monkeypatch.setattr(timeline_module, "build_rows", counted)
        before = len(opened.session.steps)
        log = next(sources["pi"][0].glob("*.jsonl"))
        with open(log, "ab") as fh:
            fh.write(_pi_line(0, "one more thing"))
        with Bucket.open(tmp_path / "bucket") as other:
            other.sync(sources)
        await _until(pilot, lambda: len(present(screen.opened).session.steps) == before + 1, 3)
        assert screen.reloads_read == 1
        assert built == []
        assert screen.query_one(Timeline).count == len(present(screen.opened).rows)
    bucket.close()


async def test_the_app_tells_its_sync_which_logs_changed(tmp_path):
    """The watcher's paths reach the sync, which then reads only those logs' sessions; F5 is whole."""
    sources = _sources(tmp_path)
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync(sources)
    asked: list[set[str] | None] = []
    done: list[int] = []  # syncs that returned: the bucket is closed only once none is running

    def sync(progress, paths: set[str] | None = None) -> str:
        asked.append(None if paths is None else set(paths))
        report = bucket.sync(sources, paths=paths)
        done.append(len(asked))
        return f"synced: {report.new} new, {report.updated} updated"

    folders = [p for paths in sources.values() for p in paths]
    app = TraceApp(bucket, sync=sync, watch=folders)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        await _until(pilot, lambda: app.screen.query_one(SessionList).count == 2 and asked, 5)
        screen.open_session(PI_ID, focus=True)
        await _until(pilot, lambda: screen.opened is not None and present(screen.opened).session.id == PI_ID, 5)
        # The first syncs are whole: the app's start, and one once the watch is made (folder_watch's
        # first answer, within a second). A line written before the second had begun was read by it,
        # whole, and no sync was ever told its path (seen on a loaded machine): both are waited for.
        await _until(pilot, lambda: len(done) >= 2, 10)
        assert asked == [None, None]
        before = len(present(screen.opened).session.steps)
        log = next((sources["pi"][0]).glob("*.jsonl"))
        with open(log, "ab") as fh:
            fh.write(_pi_line(0, "scoped to this log"))
        # What is checked is which paths reach the sync, not how soon (the live reload's time has tests of
        # its own): waits long enough for a watcher on two cores busy with the rest of the suite.
        await _until(pilot, lambda: len(present(screen.opened).session.steps) == before + 1, 10)
        assert str(log) in set().union(*[a for a in asked[1:] if a is not None])
        app.sync_now()
        await _until(pilot, lambda: asked[-1] is None and len(asked) >= 3, 10)
        # Closing the bucket under a sync still writing crashed SQLite (a segfault that took the
        # whole xdist worker down): wait for every sync asked for to return.
        await _until(pilot, lambda: len(done) == len(asked), 20)
    bucket.close()


async def test_a_sync_running_when_the_app_closes_stops_at_its_next_report(tmp_path):
    """Quitting during a long sync returned at once, but the process then waited at exit for the
    sync's thread (asyncio joins it): a cold sync of a big home held the terminal for a minute."""
    import asyncio

    started, stopped = threading.Event(), []

    def long_sync(progress) -> str:
        started.set()
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:  # a sync of many files, reporting after each
                progress("syncing 1/1000 files")
                time.sleep(0.02)
        except Exception as exc:
            stopped.append(type(exc).__name__)
            raise
        return "synced: never"

    bucket = Bucket.open(tmp_path / "bucket")
    app = TraceApp(bucket, sync=long_sync)
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, started.is_set, 5)
        await pilot.press("q")
    closed = time.monotonic()
    while not stopped and time.monotonic() - closed < 3:
        await asyncio.sleep(0.05)
    assert stopped == ["Stopped"]
