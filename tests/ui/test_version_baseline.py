"""The app lists again whatever changed after its list was first read, however slowly the UI thread
got to ask the library's version: a dataset's prices worked out while the screen mounted stayed
unshown (tests/ui/test_dataset_app_prices.py failed so in full runs on a loaded machine)."""

from __future__ import annotations

import threading
import time

from pilot_steps import settle

from tracetui.library import MemoryLibrary
from tracetui.model import Session, Step, StepKind
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList


def _session(sid: str, hour: int) -> Session:
    when = f"2026-01-01T{hour:02d}:00:00Z"
    steps = [Step("u", 0, StepKind.USER, "user", f"hello {sid}", timestamp=when)]
    return Session(sid, "claude", f"{sid}.jsonl", cwd="/p", title=sid, started=when, steps=steps)


class GrowsAfterFirstList(MemoryLibrary):
    """Rows that grow as soon as the first list has been read (a background read adding rows), on a
    machine where the UI thread, once the browser is up, only asks the version after that."""

    def __init__(self, first: list[Session], grown: list[Session]) -> None:
        super().__init__(first)
        self._grown = MemoryLibrary(grown)
        self._version = 1
        self.listed = threading.Event()
        self.app: TraceApp | None = None

    def list_sessions(self, *args, **kwargs):
        rows = super().list_sessions(*args, **kwargs)
        if not self.listed.is_set():
            self._sessions, self._summaries, self._by_id = (
                self._grown._sessions, self._grown._summaries, self._grown._by_id)  # fmt: skip
            self._version = 2
            self.listed.set()
        return rows

    def version(self) -> int | None:
        app = self.app
        browser_up = app is not None and any(isinstance(s, BrowserScreen) for s in app.screen_stack)
        if browser_up and threading.current_thread() is threading.main_thread():
            self.listed.wait(10)
        return self._version


async def test_rows_that_change_while_the_first_list_is_read_are_shown():
    first = [_session("old", 9)]
    library = GrowsAfterFirstList(first, [*first, _session("new", 10)])
    app = TraceApp(library)
    library.app = app
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        sessions = app.screen.query_one(SessionList)
        deadline = time.monotonic() + 60  # a limit, not a wait: loaded CI
        while sessions.count < 2 and time.monotonic() < deadline:
            await pilot.pause(0.2)  # the app asks the version every LIVE_POLL_SECONDS
        assert library.listed.is_set()
        shown = [sessions.summary(i) for i in range(sessions.count)]
        assert [row.id for row in shown if row is not None] == ["new", "old"]
