"""The browser's session list: the filter box read and the list queried in a worker (a screenful
first where a text filter is costly, then the whole answer and what it cost), its status line and
empty lines (`views.session_list`), a resting cursor previewing its row, and the keys that cycle
the order, agent and project.
"""

from __future__ import annotations

from textual import on
from textual.content import Content
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from tracetui.bucket import Bucket
from tracetui.errors import Stopped, TracetuiError
from tracetui.library import Library
from tracetui.model import SessionFilter
from tracetui.ui.cells import cut_start
from tracetui.ui.host import is_capsule
from tracetui.ui.query import ORDERS, with_filter
from tracetui.ui.screens.browser.base import BrowserBase
from tracetui.ui.screens.browser.messages import Failed, ListReady
from tracetui.ui.widgets.session_list import PAGE, SessionList, header_text
from tracetui.ui.widgets.timeline import Timeline
from tracetui.ui.workers import call_back, thread_work
from tracetui.views.session_list import empty_lines, listed_spending, status_line

FILTER_DELAY = 0.15  # seconds of typing quiet before the list is re-queried
SCREENFUL = 50  # rows a text filter shows first (at least: the list's height), before the whole answer
PREVIEW_DELAY = 0.25  # a highlighted session opens after this long


class SessionListPart(BrowserBase):
    """The session list, its filter and its status line."""

    def refresh_sessions(self, keep: str | None = None) -> None:
        self._list_generation += 1
        self._spent = ""  # counted again for the new list
        where = self._query()
        screenful = max(SCREENFUL, self.query_one(SessionList).size.height + 2)
        self._query_sessions(self._list_generation, where, self.order, keep, screenful)

    @thread_work("list")
    def _query_sessions(
        self, generation: int, where: SessionFilter, order: str, keep: str | None, screenful: int
    ) -> None:
        worker = get_current_worker()
        self._read_ratings()
        try:
            # A newer filter cancels this worker: the SQL it is running stops then, not at its end.
            with self.library.stopping(lambda: worker.is_cancelled):
                self._list_answer(generation, where, order, keep, screenful)
        except Stopped:
            return  # the newer filter's own worker answers
        except TracetuiError as exc:
            self.post_message(Failed(str(exc)))
            self.post_message(ListReady(generation, 0, [], keep, failed=str(exc)))

    def _list_answer(
        self, generation: int, where: SessionFilter, order: str, keep: str | None, screenful: int
    ) -> None:
        """What `_query_sessions` posts: the first screen where it is cheaper, then the whole answer."""
        worker = get_current_worker()
        if self.cohort is not None:  # the sessions of a cohort the Eval screen opened, newest first
            rows = [self.library.summary(sid) for sid in self.cohort[1]]
            rows.sort(key=lambda r: r.started or "", reverse=True)
            self.post_message(ListReady(generation, len(rows), rows, keep))
            return
        if where.text:
            # Every session a word is in grows with the bucket; a screenful of them, looked for
            # session by session in the list's order, does not: shown first, then the rest.
            head = self.library.first_sessions(where, limit=screenful, order=order)
            if head.count is not None:  # the whole answer was cheap: its count, and its first page
                first = head.rows
                if len(first) < min(head.count, PAGE):
                    first = self.library.list_sessions(where, limit=PAGE, offset=0, order=order)
                self._know_filters()
                self.post_message(ListReady(generation, head.count, first, keep))
                self._count_spent(generation, where)
                return
            if head.rows:  # none found so soon (a prefix alone): the list waits as it did, unflashed
                self.post_message(ListReady(generation, len(head.rows), head.rows, keep, settled=False))
            if worker.is_cancelled:  # a newer filter: its own worker answers
                return
        count = self.library.count_sessions(where)
        if worker.is_cancelled:
            return
        first = self.library.list_sessions(where, limit=PAGE, offset=0, order=order)
        self._know_filters()
        self.post_message(ListReady(generation, count, first, keep))
        self._count_spent(generation, where)

    def _know_filters(self) -> None:
        """The agents and projects `a` and `p` cycle through, read once (in the list's worker)."""
        if not self._agents:
            self._agents = list(self.library.agents())
            self._projects = list(self.library.projects())
            if self.library.kind == "dataset" and _machines(self.library):
                self.app.call_from_thread(self._show_machines)

    def forget_filters(self) -> None:
        """The agents and projects are read again with the next list (the sessions changed)."""
        self._agents = []
        self._projects = []

    def _show_machines(self) -> None:
        """A dataset that names its machines: the list gets their column (its header with it)."""
        sessions = self.query_one(SessionList)
        if not sessions.machines:
            sessions.machines = True
            sessions.refresh()
            width = sessions.scrollable_content_region.width
            self.query_one("#sessions-header", Static).update(header_text(width, True))

    @on(SessionList.ColumnsChanged)
    def _columns_changed(self, message: SessionList.ColumnsChanged) -> None:
        machines = self.query_one(SessionList).machines
        self.query_one("#sessions-header", Static).update(header_text(message.width, machines))

    def on_list_ready(self, message: ListReady) -> None:
        if message.generation != self._list_generation:
            return
        library, order = self.library, self.order
        where = self._query()

        held = message.first if self.cohort is not None else None  # a cohort's rows are all in hand

        def fetch(offset: int, limit: int) -> list:
            if held is not None:
                return held[offset : offset + limit]
            return library.list_sessions(where, limit=limit, offset=offset, order=order)

        sessions = self.query_one(SessionList)
        sessions.rated = self._rated
        cursor = 0
        # The list's cursor stays on the open session, or goes to the one being opened (the app
        # started on a session), so its highlight does not preview another over it. Over the first
        # rows of the same filter, it stays on the row the user moved it to.
        keep = message.cursor_id or self._want_session
        if self._list_settling == message.generation:
            under = sessions.summary(sessions.cursor) if sessions.count else None
            if under is not None and under.id != self._placed:
                keep = under.id  # moved by the user since
        self._list_settling = None if message.settled else message.generation
        if keep:
            for i, row in enumerate(message.first):
                if row.id == keep:
                    cursor = i
        self._placed = message.first[cursor].id if cursor < len(message.first) else None
        sessions.empty_lines = self._empty_lines(where, message.failed) if not message.count else []
        sessions.show(fetch, message.count, cursor, message.first)
        self._status()
        if message.count == 1 and self.opened is None and not self._want_session and is_capsule(self.library) \
                and not where.narrows():
            # A capsule is one episode: it opens on it, as a page opens on its text.
            self._list_aside()
            self.open_session(message.first[0].id, focus=True)

    def _empty_lines(self, where: SessionFilter, failed: str | None = None) -> list[str]:
        """What an empty list says: it could not be read, a filter matched nothing, or where the first
        sync looked."""
        room = max(12, self.query_one(SessionList).scrollable_content_region.width - 4)
        return empty_lines(where.narrows(), bool(self.tracetui.sync_status), self.tracetui.watched,
                           lambda folder: cut_start(folder, room), failed=failed, room=room)  # fmt: skip

    def _status(self, extra: str = "") -> None:
        line = status_line(self.query_one(SessionList).count, self._query(), settling=self._list_settling is not None,
                           order=self.order, read_only=self.library.read_only, spent=self._spent,
                           sync=self.tracetui.sync_status, extra=extra)  # fmt: skip
        self.query_one("#sessions-status", Static).update(Content(line))

    def _count_spent(self, generation: int, where: SessionFilter) -> None:
        """What the listed sessions cost in all (`views.session_list.listed_spending`). In the list's
        worker, once its answer is posted (a worker of its own beside it changed the rows a filter's
        first screen found)."""
        if get_current_worker().is_cancelled:
            return
        text = listed_spending(self.library, where)
        if text is not None:
            call_back(self, self._show_spent, generation, text)

    def _show_spent(self, generation: int, text: str) -> None:
        if generation == self._list_generation:
            self._spent = text
            self._status()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self.refresh_sessions())

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(SessionList).focus()

    @on(SessionList.Highlighted, "#sessions")
    def _session_highlighted(self, message: SessionList.Highlighted) -> None:
        row = self.query_one(SessionList).summary(message.index)
        if self._preview_timer is not None:
            # A row the cursor left, or came back from to the open session (the list's first rows,
            # then its whole answer), is not previewed.
            self._preview_timer.stop()
        if row is None or (self.opened and self.opened.session.id == row.id) or row.id == self._want_session:
            return
        # A method, not a lambda made for the row: Textual looks each new callable's signature up.
        self._preview_row = row.id
        self._preview_timer = self._later(PREVIEW_DELAY, self._preview_rested, "preview")

    def _preview_rested(self) -> None:
        self.open_session(self._preview_row, preview=True)

    @on(SessionList.Chosen, "#sessions")
    def _session_chosen(self, message: SessionList.Chosen) -> None:
        row = self.query_one(SessionList).summary(message.index)
        if row is None:
            return
        # Reading a session: the list steps aside so the timeline has the room (1, / or Escape from
        # the timeline bring it back; ctrl+b shows it beside the steps).
        self._list_aside()
        if self.opened and self.opened.session.id == row.id:
            self.open_whole()
            self.query_one(Timeline).focus()
        else:
            self.open_session(row.id, focus=True)

    def _read_ratings(self) -> None:
        """People's ratings of whole sessions, for the list's marks (in the list's worker)."""
        if not isinstance(self.library, Bucket):
            return
        try:
            found = self.library.ratings()
        except TracetuiError:
            found = []  # `doctor` says what is wrong with the file; the list goes on
        steps: dict[str, dict[str, str]] = {}
        for r in found:
            if r.step is not None:
                steps.setdefault(r.session, {})[r.step] = r.verdict
        self._rated = {r.session: r.verdict for r in found if r.step is None}
        self._step_rated = steps

    def action_cycle_order(self) -> None:
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]
        keep = self.opened.session.id if self.opened else None
        self.refresh_sessions(keep=keep)
        self.notify(f"sessions by {self.order}", timeout=1.5)

    def action_cycle_agent(self) -> None:
        self._cycle("agent", self._agents)

    def action_cycle_project(self) -> None:
        self._cycle("project", self._projects)

    def _cycle(self, key: str, values: list[str]) -> None:
        box = self.query_one("#filter", Input)
        current = getattr(self._query(), key)
        options = [None, *values]
        nxt = options[(options.index(current) + 1) % len(options)] if current in options else None
        box.value = with_filter(box.value, key, nxt)
        self.notify(f"{key}: {nxt or 'all'}", timeout=1.5, markup=False)
        if self.has_class("-hide-sessions"):
            # The list a session's reading hid is what the filter changes: show it, as `/` does (the
            # key filtered a list nobody could see, and at 80 columns only a toast said so).
            self.set_pane_classes({"-hide-sessions": False})
            self.query_one(SessionList).focus()


def _machines(library: Library) -> list[str]:
    """The machines a dataset names (imported here: the dataset package loads with its first use)."""
    from tracetui.dataset import DatasetLibrary

    return library.machines() if isinstance(library, DatasetLibrary) else []
