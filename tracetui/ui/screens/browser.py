"""The main screen: sessions | timeline | step detail, context, diff and trail.

The screen only moves data between the core and the widgets. Everything that reads the disk or
walks a whole session runs in a thread worker; the UI thread only draws what is on screen.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from rich.cells import cell_len
from textual import on
from textual.cache import LRUCache
from textual.app import ComposeResult, SuspendNotSupported
from textual.command import CommandPalette
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from tracetui import collector
from tracetui.bucket import Bucket
from tracetui.ctx import Context, ContextIndex
from tracetui.errors import Stopped, TracetuiError
from tracetui.library import Library
from tracetui.model import Session, SessionSummary, Step
from tracetui.safe_text import safe_copy, safe_line, safe_text
from tracetui.ui import actions, external, trail_view
from tracetui.ui.cells import cut_start
from tracetui.ui.commands import SearchCommands, StepCommands
from tracetui.ui.host import Host, is_capsule, is_foreign
from tracetui.ui.query import ORDERS, Query, parse_query, with_filter
from tracetui.ui.step_blocks import step_blocks
from tracetui.ui.widgets.ctx_list import CtxList
from tracetui.ui.widgets.cut_input import CutInput
from tracetui.ui.widgets.key_footer import KeyFooter
from tracetui.ui.widgets.session_list import PAGE, SessionList, header_text
from tracetui.ui.widgets.text_view import Block, Document, Room, TextView
from tracetui.ui.widgets.timeline import Facts, Timeline, facts_of
from tracetui.ui.widgets.trail_list import TrailList
from tracetui.views import fork
from tracetui.views.context_total import context_total
from tracetui.views.format import step_text
from tracetui.views.session_header import episode_of, session_header
from tracetui.views.session_list import empty_lines, listed_spending, status_line
from tracetui.views.session_shape import Marker, Shape, build_rows, shape_of
from tracetui.views.trail import PatchRow
from tracetui.ui.workers import call_back, thread_work

Folds = tuple[frozenset[str], bool]  # the subagents unfolded, and whether abandoned branches show

# The filter's terms, kind: first after words (the search's, which a user would not guess): whole in
# the 74 cells the field has at 80 columns, cut with … (CutInput) in a narrower pane.
FILTER_PLACEHOLDER = "/ filter: words, kind:context|KIND|all, agent:…, project:…"
FILTER_DELAY = 0.15  # seconds of typing quiet before the list is re-queried
ROW_OBJECTS = 3  # about how many objects the collector tracks for a timeline row
SCREENFUL = 50  # rows a text filter shows first (at least: the list's height), before the whole answer
STEP_DELAY = 0.04  # the detail panes follow the cursor once it rests this long
# While a key repeats (moves closer together than REPEAT_GAP) the rest the panes wait for stretches
# to half again the gap between moves, up to REPEAT_DELAY, so a held key's auto-repeat (25-33 a
# second on Linux and Windows: 30-40 ms apart, as long as the plain wait) never refreshes them on
# the way. Slower repeats (macOS's default) rest at each move; each rest is cheap.
REPEAT_GAP = 0.05
REPEAT_DELAY = 0.25
BIG_STEP = 20_000  # characters of a step's blocks above which its detail is made in a worker
DETAILS_KEPT = 64  # steps whose detail documents are kept (the cursor often goes back and forth)
PREVIEW_DELAY = 0.25  # a highlighted session opens after this long
# A preview reads this many of the session's steps at most (its first rows and first step are what it
# shows): a rest on a row of 50,000 steps costs what one of 500 does. The rest is read on opening.
PREVIEW_STEPS = 500
# The tabs a preview draws without the session's trail (the diff and trail tabs show it).
PREVIEW_TABS = ("detail", "ctx")
# Each tab of the right pane and the widget in it that takes the keys.
TAB_VIEWS = {"detail": "#detail-view", "ctx": "#ctx-list", "diff": "#diff-view", "trail": "#trail-list"}
LIVE_SECONDS = 90.0  # the title says `live` this long after the open session last grew


@dataclass(slots=True)
class Opened:
    session: Session
    shape: Shape
    rows: list[int]
    markers: list[Marker]
    ctx: ContextIndex
    # The library's row for the session when it was read (None where it has none): a change of the
    # library that leaves it equal left the session as it is shown.
    summary: SessionSummary | None = None
    folds: Folds = (frozenset(), False)  # the timeline's folds the rows were built with
    parent: str | None = None  # a fork's or subagent's parent, when the library holds it (the parent key)
    whole: bool = True  # False: a preview's first steps only (`Library.session_head`)
    # The steps that spawned a subagent the library holds (the subagent key), by step id.
    spawners: frozenset[str] = frozenset()
    facts: Facts | None = None  # the timeline's facts of every step (made here, off the UI thread)

    @classmethod
    def of(cls, session: Session, summary: SessionSummary | None = None, folds: Folds = (frozenset(), False),
           library: Library | None = None) -> Opened:
        """A session made ready to show (in a worker: it walks the whole session), its rows built with
        the timeline's folds (unfolded subagents, abandoned branches shown)."""
        with collector.paused():  # as the bucket reads a session: a full collection freezes the UI thread
            shape = shape_of(session)
            rows, markers = build_rows(session, shape, set(folds[0]), folds[1])
            contexts = ContextIndex(session)
            facts = facts_of(session)
            collector.keep_out(len(rows) * ROW_OBJECTS)
        parent = fork.parent_held(library, session) if library is not None else None
        spawners = fork.spawners_held(library, session) if library is not None else frozenset()
        return cls(session, shape, rows, markers, contexts, summary, folds, parent, spawners=spawners,
                   facts=facts)


class SessionReady(Message):
    def __init__(self, opened: Opened, step_id: str | None) -> None:
        super().__init__()
        self.opened = opened
        self.step_id = step_id


class SessionGrown(Message):
    """The open session, read again after its log grew (`live`)."""

    def __init__(self, opened: Opened, live: bool = True) -> None:
        super().__init__()
        self.opened = opened
        self.live = live


class RestRead(Message):
    """A previewed session read whole (its steps past the preview's head), or why it was not."""

    def __init__(self, session_id: str, opened: Opened | None, error: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self.opened = opened
        self.error = error


@dataclass(slots=True)
class AfterWhole:
    """What a key asked of a session still being read whole: done once the read is in."""

    session_id: str
    what: str  # the key's label, for what the app says meanwhile ("Seal")
    then: Callable[[], None]


class ListReady(Message):
    """Rows for the session list. `settled` False: the first rows a text filter surely keeps, found by
    bounded work (`Library.first_sessions`); the whole answer and its count follow from the same
    worker, unless a newer filter cancels it."""

    def __init__(
        self, generation: int, count: int, first: list, cursor_id: str | None, settled: bool = True
    ) -> None:
        super().__init__()
        self.generation = generation
        self.count = count
        self.first = first
        self.cursor_id = cursor_id
        self.settled = settled


class DetailReady(Message):
    def __init__(self, key: tuple[str, int, int], document: Document) -> None:
        super().__init__()
        self.key = key
        self.document = document


class ContextReady(Message):
    def __init__(self, session_id: str, step_id: str, context: Context | None, error: str | None) -> None:
        super().__init__()
        self.session_id = session_id
        self.step_id = step_id
        self.context = context
        self.error = error


class TrailReady(Message):
    def __init__(self, session_id: str, result: trail_view.TrailResult) -> None:
        super().__init__()
        self.session_id = session_id
        self.result = result


class Failed(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class BrowserScreen(Screen):
    CSS_PATH = "browser.tcss"

    BINDINGS = actions.bindings("browser")

    def __init__(self, library: Library | None = None) -> None:
        super().__init__()
        # A screen of its own library (a capsule opened from the palette) over the app's; None: the app's.
        self._library = library
        self.opened: Opened | None = None
        self.context: Context | None = None
        self.trail: trail_view.TrailResult | None = None
        self._list_generation = 0
        # (what it is, its session ids): the cohort the Eval screen opened, listed alone until Escape.
        self.cohort: tuple[str, list[str]] | None = None
        self._rated: dict[str, str] = {}  # session id -> a person's rating of it (the list's marks)
        self._step_rated: dict[str, dict[str, str]] = {}  # session id -> {step id: rating} (the timeline's)
        self._list_settling: int | None = None  # the list generation whose first rows show, the rest to come
        self._spent = ""  # what the listed sessions cost in all (tracetui.spending), once counted
        self._placed: str | None = None  # the session the list's cursor was put on with those first rows
        self._filter_timer: Timer | None = None
        self._step_timer: Timer | None = None
        self._last_move = 0.0  # time.monotonic() of the timeline's last cursor move
        self.detail_refreshes = 0  # how often the detail pane was given a step (the tests count them)
        self.reloads_asked = 0  # live: how often the open session was checked, and how often read again
        self.reloads_read = 0
        # Detail documents by (session, its step count, step index): lines made once stay made.
        self._details: LRUCache[tuple[str, int, int], Document] = LRUCache(DETAILS_KEPT)
        self._detail_wanted: tuple[str, int, int] | None = None
        self._preview_timer: Timer | None = None
        self._want_session: str | None = None
        self._focus_after_open = False
        self._preview_open = False  # the session wanted is only a preview of the row the list rests on
        self._fork_child: Session | None = None  # the fork or subagent whose parent is opening, to land there
        self._fork_key_offered = False
        self._child_key_offered = False
        self._rest_for: str | None = None  # the session whose whole read is under way
        self._after_whole: AfterWhole | None = None  # what a key asked while it is read
        # A preview (the list's cursor resting on a row) shows the session's first rows and first step;
        # its trail (the costly part: every patch of the session) waits until the session is opened.
        self.previewing = False
        self._agents: list[str] = []
        self._projects: list[str] = []
        self._shown_for: dict[str, int] = {}  # tab -> step index it last drew
        self.live_until = 0.0  # time.monotonic() until which the open session counts as live
        self.order = "date"  # the session list's order (query.ORDERS)

    @property
    def tracetui(self) -> Host:
        """The app this screen runs in, with its own attributes (library, repo, caches) typed."""
        return cast(Host, self.app)

    @property
    def library(self) -> Library:
        return self._library if self._library is not None else self.tracetui.library

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield CutInput(placeholder=FILTER_PLACEHOLDER, id="filter")
                yield Static("", id="sessions-header", markup=False)
                yield SessionList(id="sessions")
                yield Static("", id="sessions-status")
            with Vertical(id="middle"):
                yield Static("no session open", id="session-title")
                yield Timeline(id="timeline")
            with TabbedContent(id="right", initial="detail"):
                with TabPane("Detail", id="detail"):
                    yield TextView(id="detail-view")
                with TabPane("Context", id="ctx"):
                    yield Static("", id="ctx-total")
                    yield CtxList(id="ctx-list")
                with TabPane("Diff", id="diff"):
                    yield TextView(id="diff-view")
                with TabPane("Trail", id="trail"):
                    yield TrailList(id="trail-list")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self._layout_for(self.size.width)
        self.query_one(SessionList).focus()
        self.refresh_sessions()

    def on_descendant_focus(self, event) -> None:
        # The sessions pane widens while it has focus (every column fits) and gives the room
        # back to the steps once a session is being read.
        left = self.query_one("#left")
        browsing = left in event.widget.ancestors_with_self
        self.set_class(browsing, "-browsing")
        if not browsing:
            self.open_whole()  # the steps or a tab of the previewed session: it is being read

    def on_resize(self, event) -> None:
        self._layout_for(event.size.width)
        if self.opened is not None:  # the header's price per kept line shows only where it fits whole
            self.call_after_refresh(self._title, self.opened.session)

    def _layout_for(self, width: int) -> None:
        # Three columns when there is room, two when not, one pane at a time on a small terminal.
        self.set_class(width >= 140, "-wide")
        self.set_class(90 <= width < 140, "-medium")
        self.set_class(width < 90, "-narrow")
        self.refresh_bindings()  # the keys on offer follow the panes on show

    # -- the session list -----------------------------------------------------------------------
    def _query(self) -> Query:
        """The filter box read; `machine:` and `user:` are filters only over a dataset."""
        return parse_query(self.query_one("#filter", Input).value, machines=self.library.kind == "dataset")

    def refresh_sessions(self, keep: str | None = None) -> None:
        self._list_generation += 1
        self._spent = ""  # counted again for the new list
        query = self._query()
        screenful = max(SCREENFUL, self.query_one(SessionList).size.height + 2)
        self._query_sessions(self._list_generation, query, self.order, keep, screenful)

    @thread_work("list")
    def _query_sessions(
        self, generation: int, query: Query, order: str, keep: str | None, screenful: int
    ) -> None:
        filters = query.as_kwargs()
        worker = get_current_worker()
        self._read_ratings()
        try:
            # A newer filter cancels this worker: the SQL it is running stops then, not at its end.
            with self.library.stopping(lambda: worker.is_cancelled):
                self._list_answer(generation, query, order, keep, screenful, filters)
        except Stopped:
            return  # the newer filter's own worker answers
        except TracetuiError as exc:
            self.post_message(Failed(str(exc)))
            self.post_message(ListReady(generation, 0, [], keep))

    def _list_answer(
        self, generation: int, query: Query, order: str, keep: str | None, screenful: int, filters: dict
    ) -> None:
        """What `_query_sessions` posts: the first screen where it is cheaper, then the whole answer."""
        worker = get_current_worker()
        if self.cohort is not None:  # the sessions of a cohort the Eval screen opened, newest first
            rows = [self.library.summary(sid) for sid in self.cohort[1]]
            rows.sort(key=lambda r: r.started or "", reverse=True)
            self.post_message(ListReady(generation, len(rows), rows, keep))
            return
        if query.text:
            # Every session a word is in grows with the bucket; a screenful of them, looked for
            # session by session in the list's order, does not: shown first, then the rest.
            head = self.library.first_sessions(**filters, limit=screenful, order=order)
            if head.count is not None:  # the whole answer was cheap: its count, and its first page
                first = head.rows
                if len(first) < min(head.count, PAGE):
                    first = self.library.list_sessions(**filters, limit=PAGE, offset=0, order=order)
                self._know_filters()
                self.post_message(ListReady(generation, head.count, first, keep))
                self._count_spent(generation, query)
                return
            if head.rows:  # none found so soon (a prefix alone): the list waits as it did, unflashed
                self.post_message(ListReady(generation, len(head.rows), head.rows, keep, settled=False))
            if worker.is_cancelled:  # a newer filter: its own worker answers
                return
        count = self.library.count_sessions(**filters)
        if worker.is_cancelled:
            return
        first = self.library.list_sessions(**filters, limit=PAGE, offset=0, order=order)
        self._know_filters()
        self.post_message(ListReady(generation, count, first, keep))
        self._count_spent(generation, query)

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
        query = self._query()

        held = message.first if self.cohort is not None else None  # a cohort's rows are all in hand

        def fetch(offset: int, limit: int) -> list:
            if held is not None:
                return held[offset : offset + limit]
            return library.list_sessions(**query.as_kwargs(), limit=limit, offset=offset, order=order)

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
        sessions.empty_lines = self._empty_lines(query) if not message.count else []
        sessions.show(fetch, message.count, cursor, message.first)
        self._status()
        if message.count == 1 and self.opened is None and not self._want_session and is_capsule(self.library) \
                and not any(query.as_kwargs().values()):
            # A capsule is one episode: it opens on it, as a page opens on its text.
            self.add_class("-hide-sessions")
            self.open_session(message.first[0].id, focus=True)

    def _empty_lines(self, query: Query) -> list[str]:
        """What an empty list says: a filter matched nothing, or where the first sync looked."""
        room = max(12, self.query_one(SessionList).scrollable_content_region.width - 4)
        return empty_lines(any(query.as_kwargs().values()), bool(self.tracetui.sync_status), self.tracetui.watched,
                           lambda folder: cut_start(folder, room))  # fmt: skip

    def _status(self, extra: str = "") -> None:
        line = status_line(self.query_one(SessionList).count, self._query(), settling=self._list_settling is not None,
                           order=self.order, read_only=self.library.read_only, spent=self._spent,
                           sync=self.tracetui.sync_status, extra=extra)  # fmt: skip
        self.query_one("#sessions-status", Static).update(Content(line))

    def _count_spent(self, generation: int, query: Query) -> None:
        """What the listed sessions cost in all (`views.session_list.listed_spending`). In the list's
        worker, once its answer is posted (a worker of its own beside it changed the rows a filter's
        first screen found)."""
        if get_current_worker().is_cancelled:
            return
        text = listed_spending(self.library, query)
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
        self._preview_timer = self.set_timer(PREVIEW_DELAY, lambda: self.open_session(row.id, preview=True))

    @on(SessionList.Chosen, "#sessions")
    def _session_chosen(self, message: SessionList.Chosen) -> None:
        row = self.query_one(SessionList).summary(message.index)
        if row is None:
            return
        # Reading a session: the list steps aside so the timeline has the room (1, / or Escape from
        # the timeline bring it back; ctrl+b shows it beside the steps).
        self.add_class("-hide-sessions")
        if self.opened and self.opened.session.id == row.id:
            self.open_whole()
            self.query_one(Timeline).focus()
        else:
            self.open_session(row.id, focus=True)

    # -- opening a session ----------------------------------------------------------------------
    def open_session(self, session_id: str, step_id: str | None = None, focus: bool = False,
                     preview: bool = False) -> None:
        """Read a session into the timeline; `preview`: the list's cursor rests on its row, and only
        what the preview shows is worked out (its trail waits for `open_whole`)."""
        if self._preview_timer is not None:
            self._preview_timer.stop()
        asked, self._after_whole, self._rest_for = self._after_whole, None, None
        if asked is not None:  # another session is shown now: what the key asked of the last one is off
            self.notify(f"{asked.what}: not done, another session was opened", timeout=3, markup=False)
        self._want_session = session_id
        self._focus_after_open = focus
        self._preview_open = preview and not focus
        self.query_one("#session-title", Static).update("opening…", layout=False)
        # A long session's first steps first, the rest read after them (on_session_ready), as a
        # preview does: one of 1,000,000 steps opened with Enter showed nothing for 13 s. A step to go
        # to, or a fork's copy to reveal, may lie past them: then the whole is read before it shows.
        head_first = step_id is None and self._fork_child is None
        self._load_session(session_id, step_id, PREVIEW_STEPS if self._preview_open else None, head_first)

    @thread_work("open")
    def _load_session(self, session_id: str, step_id: str | None, head: int | None = None,
                      head_first: bool = False) -> None:
        try:
            summary = self.library.summary(session_id)  # first: a change after it is seen next time
            if head is None and head_first and summary.steps > PREVIEW_STEPS:
                head = PREVIEW_STEPS
            if head is None:
                session = self.library.session(session_id)
            else:
                session = self.library.session_head(session_id, head)
        except TracetuiError as exc:
            self.post_message(Failed(str(exc)))
            return
        opened = Opened.of(session, summary, library=self.library)
        opened.whole = head is None or len(session.steps) < head or len(session.steps) >= summary.steps
        self.post_message(SessionReady(opened, step_id))

    def on_session_ready(self, message: SessionReady) -> None:
        opened = message.opened
        if opened.session.id != self._want_session:
            return
        self.opened = opened
        self.context = None
        self.trail = None
        self._shown_for = {}
        self.live_until = 0.0
        session = opened.session
        timeline = self.query_one(Timeline)
        timeline.show(session, opened.shape, opened.rows, opened.markers, cursor=0, facts=opened.facts)
        timeline.rated = dict(self._step_rated.get(session.id, {}))
        self._title(session)
        sessions = self.query_one(SessionList)
        row = sessions.summary(sessions.cursor)
        if row is not None and row.id == session.id and row.note:
            # Shown from the bucket's history, or not updated: say why once, as it opens.
            self.notify(row.note, severity="warning", timeout=8)
        if message.step_id:
            self.jump_to_step(message.step_id)
        fork_of, self._fork_child = self._fork_child, None
        if fork_of is not None and fork.parent_of(fork_of) == session.id:
            timeline.reveal_step(fork.parent_point(session, fork_of))
        self._offer_keys()
        if self._focus_after_open:
            self.add_class("-hide-sessions")
            timeline.focus()
        self.previewing = True
        if not self._preview_open or self.query_one(TabbedContent).active not in PREVIEW_TABS:
            self.open_whole()

    def open_whole(self) -> None:
        """The previewed session becomes the one being read: the rest of its steps are read (a
        preview read its first ones) and its trail is worked out."""
        if self.opened is not None and self.previewing:
            self.previewing = False
            if self.opened.whole:
                self._compute_trail(self.opened.session)
            else:
                self._read_whole()

    def _folds(self) -> Folds:
        timeline = self.query_one(Timeline)
        return frozenset(timeline.expanded), timeline.show_branches

    def _read_whole(self) -> None:
        """Read the rest of the open session in a worker, unless that read is under way already."""
        assert self.opened is not None
        session_id = self.opened.session.id
        if self._rest_for == session_id:
            return
        self._rest_for = session_id
        self._read_rest(self.library, session_id, self.opened.summary, self._folds())

    @thread_work("whole")
    def _read_rest(self, library: Library, session_id: str, summary: SessionSummary | None, folds: Folds) -> None:
        try:
            session = library.session(session_id)
        except TracetuiError as exc:
            self.post_message(RestRead(session_id, None, str(exc)))
            return
        self.post_message(RestRead(session_id, Opened.of(session, summary, folds, library)))

    def _when_whole(self, what: str, then: Callable[[], None]) -> None:
        """Run `then` on the open session read whole: what acts on the session (seal, redact, a step
        handed to the user's tools) takes all of it, not a preview's first steps. Their rest is read
        in a worker (200 ms of the UI thread at 50,000 steps), the title saying so meanwhile, and
        `then` runs once it is in: once, however often the key is pressed meanwhile, and only while
        this screen and this session are still on show."""
        opened = self.opened
        if opened is None:
            return
        if opened.whole:
            self.open_whole()
            then()
            return
        if self._after_whole is not None:
            self.notify(f"still reading the session for {self._after_whole.what}…", timeout=2, markup=False)
            return
        self._after_whole = AfterWhole(opened.session.id, what, then)
        self.previewing = False
        self._read_whole()
        self._title(opened.session)
        self.notify(f"{what}: reading the whole session first…", timeout=2, markup=False)

    def on_rest_read(self, message: RestRead) -> None:
        if message.session_id != self._rest_for:
            return  # a session left since: another is shown, its own read under way or done
        self._rest_for = None
        asked, self._after_whole = self._after_whole, None
        if message.opened is None:
            self.notify(safe_line(message.error or "the session was not read"), severity="error", markup=False)
            if asked is not None:
                self.notify(f"{asked.what}: not done, the session was not read whole", severity="warning",
                            markup=False)  # fmt: skip
        else:
            self._grown(message.opened, live=False)
        if self.opened is not None:
            self._title(self.opened.session)
        if asked is None or message.opened is None or self.opened is None or not self.opened.whole:
            return
        if asked.session_id != self.opened.session.id:
            return
        if not self.is_active:
            # Another screen came over this one meanwhile: nothing is pushed over it unasked.
            self.notify(f"{asked.what}: not done, another screen is open; the session is read, ask again",
                        timeout=4, markup=False)  # fmt: skip
            return
        asked.then()

    def refresh_open_session(self) -> None:
        """Read the open session again if the bucket's change touched it; the timeline grows in place."""
        if self.opened is not None:
            timeline = self.query_one(Timeline)
            folds = (frozenset(timeline.expanded), timeline.show_branches)
            self._reload_session(self.opened.session.id, self.opened.summary, folds)

    @thread_work("reload")
    def _reload_session(self, session_id: str, seen: SessionSummary | None, folds: Folds) -> None:
        self.reloads_asked += 1
        try:
            # The row first, and the session only when the row moved: another session's sync (or a
            # sync that found nothing) costs one indexed row, not a read of this one.
            summary = self.library.summary(session_id)
            if seen is not None and summary == seen:
                return
            session = self.library.session(session_id)
        except TracetuiError:
            return  # removed or unreadable meanwhile: the view keeps what it shows
        self.reloads_read += 1
        self.post_message(SessionGrown(Opened.of(session, summary, folds, self.library)))

    def on_session_grown(self, message: SessionGrown) -> None:
        self._grown(message.opened, message.live)

    def _grown(self, opened: Opened, live: bool) -> None:
        current = self.opened
        if current is None or opened.session.id != current.session.id:
            return
        rest = not current.whole  # a preview's head, read whole now
        if len(opened.session.steps) == len(current.session.steps) and opened.session.ended == current.session.ended:
            current.summary = opened.summary  # read again, the same: the next change compares with this
            current.whole = True
            if rest and not self.previewing:
                self._compute_trail(current.session)
            return
        self.opened = opened
        self.context = None
        self._shown_for = {}
        if live:
            self.live_until = time.monotonic() + LIVE_SECONDS
        timeline = self.query_one(Timeline)
        # The worker built the rows with the folds of the time; the timeline builds them only when
        # the user folded or unfolded something meanwhile.
        same = opened.folds == (frozenset(timeline.expanded), timeline.show_branches)
        rows = (opened.rows, opened.markers) if same else None
        timeline.grow(opened.session, opened.shape, rows, follow=live, facts=opened.facts)
        self._title(opened.session)
        self._offer_keys()
        if not self.previewing:
            self._compute_trail(opened.session)
        index = self.current_step()
        if index is not None:
            self._refresh_tab(self.query_one(TabbedContent).active or "detail", index)

    def _title(self, session: Session) -> None:
        opened = self.opened
        sessions = self.query_one(SessionList)
        row = sessions.summary(sessions.cursor)
        if (row is None or row.id != session.id) and opened is not None and opened.summary is not None:
            row = opened.summary  # opened from elsewhere (a search, blame): its own row's price
        steps = len(session.steps)
        if opened is not None and not opened.whole and opened.summary is not None:
            steps = max(steps, opened.summary.steps)  # a preview read the first ones only
        asked = self._after_whole
        header = session_header(
            session,
            parent_held=opened is not None and opened.session is session and opened.parent is not None,
            trail=self.trail.view if self.trail is not None else None,
            row=row,
            steps=steps,
            episode=episode_of(self.library),
            live=time.monotonic() < self.live_until,
            reading_for=asked.what if asked is not None and asked.session_id == session.id else None,
        )
        shown = self.query_one("#session-title", Static)
        text = header.text(lambda first: cell_len(first) <= shown.size.width)
        # Content, not a markup string: titles and project names come from the logs.
        shown.update(Content(text), layout=False)  # two fixed lines: nothing moves

    def jump_to_step(self, step_id: str) -> None:
        if self.opened is None:
            return
        for i, step in enumerate(self.opened.session.steps):
            if step.id == step_id or step.id.startswith(step_id):
                self.query_one(Timeline).reveal_step(i)
                return
        self.notify(f"no step {safe_line(step_id)} in this session", severity="warning", markup=False)

    # -- the chosen step ------------------------------------------------------------------------
    @on(Timeline.Highlighted, "#timeline")
    def _step_highlighted(self) -> None:
        if self._step_timer is not None:
            self._step_timer.stop()
        now = time.monotonic()
        gap, self._last_move = now - self._last_move, now
        delay = STEP_DELAY if gap > REPEAT_GAP else min(REPEAT_DELAY, max(STEP_DELAY, gap * 1.5))
        self._step_timer = self.set_timer(delay, self._show_step)

    @on(Timeline.Chosen, "#timeline")
    def _step_chosen(self) -> None:
        self._show_step()
        tabs = self.query_one(TabbedContent)
        self.query_one(TAB_VIEWS.get(tabs.active, "#detail-view")).focus()

    def current_step(self) -> int | None:
        if self.opened is None:
            return None
        return self.query_one(Timeline).step_index()

    def _show_step(self) -> None:
        index = self.current_step()
        detail = self.query_one("#detail-view", TextView)
        if index is None or self.opened is None:
            detail.show_blocks([Block("", "no step chosen", None, "$text-muted")])
            return
        self._offer_keys()  # the subagent key follows the step
        # Only the pane on show is redrawn; the others catch up when their tab is opened.
        self._shown_for = {}
        self._refresh_tab(self.query_one(TabbedContent).active, index)

    def _refresh_tab(self, tab: str | None, index: int) -> None:
        assert self.opened is not None
        if tab is None or self._shown_for.get(tab) == index:
            return
        self._shown_for[tab or ""] = index
        session = self.opened.session
        if tab == "detail":
            self._show_detail(index)
        elif tab == "diff":
            self._show_diff(index)
        elif tab == "ctx":
            step_id = session.steps[index].id
            if self.context is None or self.context.step_id != step_id:
                self._compute_context(session.id, step_id)

    def _show_detail(self, index: int) -> None:
        """The step's detail: from the documents kept, made here when small, in a worker when big."""
        assert self.opened is not None
        session = self.opened.session
        view = self.query_one("#detail-view", TextView)
        key = (session.id, len(session.steps), index)
        self._detail_wanted = key
        self.detail_refreshes += 1
        document = self._details.get(key)
        if document is None:
            blocks = step_blocks(session, self.opened.shape, index)
            if sum(len(block.body) for block in blocks) > BIG_STEP:
                self._make_detail(key, blocks, view.pane())
                return
            document = Document(blocks)
            self._details[key] = document
        view.show_document(document)

    @thread_work("detail")
    def _make_detail(self, key: tuple[str, int, int], blocks: list[Block], pane: Room) -> None:
        # Off the UI thread: keys keep moving the cursor while a big step is made ready. A newer rest
        # cancels this one; what it made is dropped unless it is still the step wanted.
        from textual.worker import get_current_worker

        document = Document(blocks)
        if get_current_worker().is_cancelled:
            return
        document.prepare(pane)
        if not get_current_worker().is_cancelled:
            self.post_message(DetailReady(key, document))

    def on_detail_ready(self, message: DetailReady) -> None:
        self._details[message.key] = message.document
        if message.key == self._detail_wanted:
            self.query_one("#detail-view", TextView).show_document(message.document)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # Code and the trail's columns want the room: on a medium screen reading a session, the Diff
        # and Trail tabs take more of it from the steps (browser.tcss, `-code-tab`).
        self.set_class(event.pane.id in ("diff", "trail"), "-code-tab")
        if event.pane.id not in PREVIEW_TABS:
            self.open_whole()
        index = self.current_step()
        if index is not None and self.opened is not None:
            self._refresh_tab(event.pane.id, index)

    # -- context --------------------------------------------------------------------------------
    def _compute_context(self, session_id: str, step_id: str) -> None:
        assert self.opened is not None
        self.query_one("#ctx-total", Static).update("working out the context…")
        self._context_worker(self.opened.ctx, session_id, step_id)

    @thread_work("ctx")
    def _context_worker(self, index: ContextIndex, session_id: str, step_id: str) -> None:
        try:
            context = index.at(step_id)
            self.post_message(ContextReady(session_id, step_id, context, None))
        except Exception as exc:  # a malformed session must not take the pane down
            self.post_message(ContextReady(session_id, step_id, None, f"no context: {exc}"))

    def on_context_ready(self, message: ContextReady) -> None:
        if self.opened is None or message.session_id != self.opened.session.id:
            return
        index = self.current_step()
        if index is not None and self.opened.session.steps[index].id != message.step_id:
            return  # the cursor has moved on: the worker for its step is on the way
        self.context = message.context
        total = self.query_one("#ctx-total", Static)
        ctx_list = self.query_one(CtxList)
        if message.context is None:
            total.update(Content(safe_line(message.error or "no context")))
            ctx_list.show(None)
            return
        ctx = message.context
        text = context_total(ctx, self.opened.session, message.step_id)
        total.update(text)
        ctx_list.show(ctx, self.opened.session)

    @on(CtxList.Chosen, "#ctx-list")
    def _ctx_chosen(self, message: CtxList.Chosen) -> None:
        if self.context is not None:
            self.jump_to_step(self.context.items[message.index].step_id)
            self.query_one(Timeline).focus()

    # -- trail ----------------------------------------------------------------------------------
    @thread_work("trail")
    def _compute_trail(self, session: Session) -> None:
        result = trail_view.compute(session, self.library, self.tracetui.repo, self.tracetui.cache_dir)
        self.post_message(TrailReady(session.id, result))

    def on_trail_ready(self, message: TrailReady) -> None:
        if self.opened is None or message.session_id != self.opened.session.id:
            return
        self.trail = message.result
        self.query_one(Timeline).set_states(message.result.states)
        self.query_one(TrailList).show(message.result.header, message.result.rows)
        self._title(self.opened.session)
        index = self.current_step()
        if index is not None:
            self._shown_for.pop("diff", None)
            if self.query_one(TabbedContent).active == "diff":
                self._refresh_tab("diff", index)

    @on(TrailList.PatchChosen)
    def _patch_chosen(self, message: TrailList.PatchChosen) -> None:
        """Enter on a patch of the trail: its step in the timeline, with the step's diff."""
        if self.opened is None:
            return
        self.jump_to_step(message.row.step_id)
        self.query_one(TabbedContent).active = "diff"
        self.query_one(Timeline).focus()

    def _show_diff(self, index: int) -> None:
        assert self.opened is not None
        step = self.opened.session.steps[index]
        blocks = trail_view.step_diff_blocks(step, self.trail)
        self.query_one("#diff-view", TextView).show_blocks(blocks)

    # -- misc -----------------------------------------------------------------------------------
    def on_failed(self, message: Failed) -> None:
        self.notify(safe_line(message.text), severity="error", markup=False)

    def action_focus_filter(self) -> None:
        self.remove_class("-hide-sessions")
        self.query_one("#filter", Input).focus()

    def action_focus_pane(self, pane: str) -> None:
        if pane == "sessions":
            self.remove_class("-hide-sessions")
            self.query_one(SessionList).focus()
        elif pane == "timeline":
            self.query_one(Timeline).focus()
        else:
            self._focus_tab_view()

    def _focus_tab_view(self) -> None:
        tabs = self.query_one(TabbedContent)
        self.query_one(TAB_VIEWS.get(tabs.active or "detail", "#detail-view")).focus()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_toggle_sessions(self) -> None:
        self.toggle_class("-hide-sessions")
        self.refresh_bindings()
        if self.has_class("-hide-sessions") and self.focused is not None and self.focused.id in ("sessions", "filter"):
            self.query_one(Timeline).focus()

    def action_toggle_zoom(self) -> None:
        self.toggle_class("-zoom")

    def action_refresh(self) -> None:
        """Sync now (where the app syncs) and read the list and the open session again."""
        self.tracetui.sync_now()
        self.refresh_sessions(keep=self.opened.session.id if self.opened else None)
        self.refresh_open_session()

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
            self.remove_class("-hide-sessions")
            self.query_one(SessionList).focus()

    async def action_timeline_cmd(self, action: str) -> None:
        """A timeline action run from the palette, whatever has the focus."""
        await self.query_one(Timeline).run_action(action)

    def action_clear_marks(self) -> None:
        self.query_one(Timeline).clear_marks()

    def action_back(self) -> None:
        if self.has_class("-zoom"):
            self.remove_class("-zoom")
            return
        focused = self.focused
        if isinstance(focused, Input):
            # Escape in the filter clears it and gives the keys back to the list (one press, not two).
            focused.value = ""
            self.query_one(SessionList).focus()
        elif focused is not None and "#" + (focused.id or "") in TAB_VIEWS.values():
            self.query_one(Timeline).focus()
        elif isinstance(focused, Timeline):
            self.remove_class("-hide-sessions")
            self.query_one(SessionList).focus()
        elif self.cohort is not None:  # out of a cohort the Eval screen opened: every session again
            self.cohort = None
            self.refresh_sessions()
            self._status()
        elif is_capsule(self.library):
            self.action_close_capsule()  # the top of a capsule: back is out of it

    def action_close_capsule(self) -> None:
        """Close the capsule: back to the bucket it was opened over, else (`tracetui open`) the app ends."""
        if self._library is not None:
            self.app.pop_screen()
        else:
            self.app.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Replay is only for an opened capsule; elsewhere the key is not offered at all.
        if action in ("replay", "close_capsule"):
            return is_capsule(self.library)
        if action == "fork_parent":  # only for a fork or subagent whose parent the library holds
            return self.opened is not None and self.opened.parent is not None
        if action == "tab" and self.has_class("-narrow") and not self.has_class("-hide-sessions"):
            return False  # the list fills a narrow screen: the tabs are not there to switch
        return True

    def footer_hides(self, action: str) -> bool:
        """Keys the footer leaves out here though they run (and say why they do nothing): a sealed
        capsule's redactions are final and it is nobody's bucket; the subagent key shows on a call
        that spawned a subagent the library holds."""
        if action == "spawned_child":
            return not self._on_spawner()
        return action in _BUCKET_ONLY and is_foreign(self.library)

    def action_seal(self) -> None:
        if self.library.read_only:
            what = "this is a sealed capsule: it cannot be sealed again" if is_capsule(self.library) else (
                _DATASET_READ_ONLY if self.library.kind == "dataset" else
                "this bucket is read-only: sealing needs its redaction plans written")
            self.notify(what, severity="warning", markup=False)
            return
        if self.opened is None:
            self.notify("open a session first", severity="warning", markup=False)
            return
        if self.library.plans_dir is None:
            self.notify("sealing needs a bucket (its redaction plans)", severity="warning", markup=False)
            return
        self._when_whole("Seal", self._seal_whole)

    def _seal_whole(self) -> None:
        from tracetui.ui.screens.seal import SealScreen

        assert self.opened is not None
        steps = self.query_one(Timeline).seal_steps()
        self.app.push_screen(SealScreen(self.opened.session, steps, self.library, self.tracetui.repo))

    def _offer_keys(self) -> None:
        """The parent key is offered for a fork or subagent whose parent the library holds, the subagent
        key on a step that spawned one the library holds; the footer is made again only when that
        changes (a rest on the list or the timeline must not lay out the screen)."""
        offered = self.opened is not None and self.opened.parent is not None
        child = self._on_spawner()
        if (offered, child) != (self._fork_key_offered, self._child_key_offered):
            self._fork_key_offered, self._child_key_offered = offered, child
            self.refresh_bindings()

    def _on_spawner(self) -> bool:
        """Whether the chosen step spawned a subagent the library holds."""
        index = self.current_step()
        if self.opened is None or index is None or not 0 <= index < len(self.opened.session.steps):
            return False
        return self.opened.session.steps[index].id in self.opened.spawners

    def action_fork_parent(self) -> None:
        """Open the session the open fork was copied from, at the step where the fork was made, or the
        one that spawned the open subagent, at its spawning call."""
        if self.opened is None or self.opened.parent is None:
            session = self.opened.session if self.opened is not None else None
            self.notify(fork.no_parent_line(session), severity="warning", markup=False)
            return
        self._when_whole("Parent", self._open_parent)  # where its copy ends may lie past a preview's head

    def _open_parent(self) -> None:
        if self.opened is None or self.opened.parent is None:
            return
        self._fork_child = self.opened.session
        self.open_session(self.opened.parent, focus=True)

    def action_spawned_child(self) -> None:
        """Open the subagent session the chosen step spawned (the other way from the parent key)."""
        self._with_step("Subagent", self._open_child)

    def _open_child(self, step: Step) -> None:
        child = fork.spawned_child(step)
        if child is None:
            self.notify("the chosen step spawned no subagent with a log of its own", severity="warning",
                        markup=False)
            return
        if fork.held(self.library, child) is None:
            self.notify(f"its subagent {safe_line(fork.short_id(child))} is not in the bucket",
                        severity="warning", markup=False)
            return
        self.open_session(child, focus=True)

    def action_resume_here(self) -> None:
        """Write the open session up to the chosen step as a new session of its agent (the source log
        and the bucket stay as they are); show the command that continues it, and copy it."""
        if is_capsule(self.library):  # its logged cwd is the reporter's: the clone must be named
            self.notify("a capsule's session continues in the clone it was replayed into: `tracetui resume ID "
                        "--step N --from CAPSULE --cwd CLONE`", severity="warning", markup=False)
            return
        self._with_step("Resume", lambda step: self._resume(self.opened.session.id if self.opened else "", step.index))

    @thread_work("resume")
    def _resume(self, session_id: str, number: int) -> None:
        import tracetui.resume as resume_api

        try:
            done = resume_api.continue_at(self.library, session_id, number)
        except TracetuiError as exc:
            call_back(self, self._not_resumed, str(exc))
            return
        call_back(self, self._resumed, done.command, done.path)

    def _not_resumed(self, why: str) -> None:
        self.notify(f"not resumed: {safe_line(why)}", severity="error", markup=False)

    def _resumed(self, command: str, path: str) -> None:
        self.app.copy_to_clipboard(command)  # the app's copy makes every control visible (safe_copy)
        self.notify(f"{safe_line(command)}\ncopied; the session is {safe_line(path)}", title="Resume",
                    markup=False, timeout=20)

    def action_blame(self) -> None:
        """Blame the file the chosen step edited; in the trail pane, the file of the patch under the
        cursor."""
        trail = self.query_one(TrailList)
        if self.focused is trail and self.opened is not None:
            row = trail.lines[trail.cursor] if 0 <= trail.cursor < len(trail.lines) else None
            if isinstance(row, PatchRow) and row.step_index is not None:
                first = [] if is_foreign(self.library) else [row.path]
                index = row.step_index
                # A trail is worked out on the whole session only: its rows' steps are all here.
                self._when_whole("Blame", lambda: self._blame(self._step_at(index), first))
                return
        self._with_step("Blame", lambda step: self._blame(step, []))

    def _step_at(self, index: int) -> Step | None:
        steps = self.opened.session.steps if self.opened is not None else []
        return steps[index] if 0 <= index < len(steps) else None

    def _blame(self, step: Step | None, first: list[str]) -> None:
        if step is None or self.opened is None:
            return
        found = external.edit_target(step, self._edit_roots(step), first + self._edit_names(step))
        if isinstance(found, str):
            self.notify(found, severity="warning")
            return
        self.show_blame(str(found[0]), self.tracetui.repo)

    def _edit_roots(self, step: Step) -> list[str | None]:
        """The folders a step's edited file may be opened in: the logged folder and the repository
        (its top too: the trail's names are relative to it). A capsule's folder is a stranger's word
        (it could name the user's ~/.ssh): only `--repo`."""
        assert self.opened is not None
        from tracetui.trail import open_clone

        repo = self.tracetui.repo
        roots = [repo] if is_foreign(self.library) else [step.cwd or self.opened.session.cwd, repo]
        for folder in list(roots):
            try:
                roots.append(open_clone(folder).workdir if folder and os.path.isdir(folder) else None)
            except (TracetuiError, OSError, ValueError):
                continue
        return roots

    def _edit_names(self, step: Step) -> list[str]:
        """The step's file as the log names it, then as the trail found it in the repository here."""
        names = [e.move_to or e.path for e in step.edits[:1]]
        # A capsule's paths are repo-relative already, and its sealed trail rows a stranger's word.
        if self.trail is not None and not is_foreign(self.library):
            names += [p.path for p in self.trail.patches.get(step.id, [])]
        return names

    def ask_step(self) -> None:
        """The palette of the open session's steps, by number or text (the app's jump_step)."""
        if self.opened is None:
            self.app.notify("open a session first", severity="warning", markup=False)
            return
        # The palette builds its providers from classes, so the open session rides on a subclass.
        StepProvider = type("StepProvider", (StepCommands,), {"session": self.opened.session, "browser": self})
        self.app.push_screen(CommandPalette(providers=[StepProvider], placeholder="step number or text…"))

    def ask_search(self) -> None:
        """The palette's full-text search over every session's steps (the app's search_steps)."""
        self.app.push_screen(CommandPalette(providers=[SearchCommands], placeholder="search every step…"))

    def ask_blame(self) -> None:
        """Ask for a file (and a revision after an @) and show its blame (the app's blame_file)."""
        from tracetui.ui.screens.blame import file_of
        from tracetui.ui.screens.path_prompt import PathPrompt

        def answered(answer: str | None) -> None:
            if answer:
                path, _, ref = answer.partition("@")
                self.show_blame(file_of(path.strip()), self.tracetui.repo, ref.strip() or "HEAD")

        self.app.push_screen(PathPrompt("The file to blame, and the revision after an @ (HEAD when none):",
                                        "path/to/file.py@HEAD"), answered)  # fmt: skip

    def show_blame(self, file: str, repo: str | None, ref: str = "HEAD") -> None:
        from tracetui.ui.screens.blame import BlameScreen

        if self.library.kind == "dataset":
            # Blame's line index is built from every session's edits, which a dataset does not carry.
            self.notify("blame needs a bucket: a dataset carries its sessions' patches, not their edits",
                        severity="warning", markup=False)  # fmt: skip
            return

        def chosen(target: tuple[str, str] | None) -> None:
            if target is not None:
                session, step = target
                self.query_one(TabbedContent).active = "ctx"  # what the model saw when it wrote the line
                self.open_session(session, step_id=step, focus=True)

        self.app.push_screen(BlameScreen(self.library, file, repo, ref), chosen)

    # -- evals and ratings -----------------------------------------------------------------------
    def show_evals(self) -> None:
        """The Eval screen; a cohort chosen there is listed here, alone, until Escape."""
        from tracetui.ui.screens.evals import EvalScreen

        def chosen(picked: tuple[str, list[str]] | None) -> None:
            if picked is None:
                return
            self.cohort = picked
            self.remove_class("-hide-sessions")
            self.refresh_sessions()
            self.query_one(SessionList).focus()
            self.notify(safe_line(f"the {len(picked[1])} sessions of {picked[0]}; Escape in the list shows every session"),
                        markup=False)  # fmt: skip

        self.app.push_screen(EvalScreen(self.library), chosen)

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

    def action_rate(self) -> None:
        """Rate the open session, or the step under the timeline's cursor: good or bad, and a note."""
        if self.opened is None:
            self.notify("open a session to rate first", severity="warning")
            return
        if not isinstance(self.library, Bucket) or self.library.read_only:
            self.notify("ratings are kept in a bucket you can write to", severity="warning")
            return
        from tracetui.ui.screens.path_prompt import PathPrompt

        session = self.opened.session
        index = self.current_step() if isinstance(self.focused, Timeline) else None
        what = f"step {index} of the session" if index is not None else "the session"

        def answered(answer: str | None) -> None:
            verdict, _, note = (answer or "").strip().partition(" ")
            if verdict.lower() not in ("good", "bad"):
                if answer:
                    self.notify("a rating starts with good or bad", severity="warning")
                return
            self._rate(session.id, verdict.lower(), None if index is None else str(index), note.strip() or None)

        self.app.push_screen(PathPrompt(f"Rate {what}: good or bad, then a short note if you like:",
                                        "good it fixed the bug"), answered)  # fmt: skip

    @thread_work("rate")
    def _rate(self, session_id: str, verdict: str, step: str | None, note: str | None) -> None:
        assert isinstance(self.library, Bucket)
        try:
            rating = self.library.rate(session_id, verdict, step, note)
        except TracetuiError as exc:
            self.app.call_from_thread(self.notify, f"not rated: {exc}", severity="error", markup=False)
            return
        where = "the session" if rating.index is None else f"step {rating.index}"
        self.app.call_from_thread(self.notify, f"rated {where} {rating.verdict}", markup=False)
        if rating.step is None:
            self.app.call_from_thread(self.refresh_sessions, session_id)
        else:
            self.app.call_from_thread(self._step_rating_shown, session_id, rating.step, rating.verdict)

    def _step_rating_shown(self, session_id: str, step_id: str, verdict: str) -> None:
        self._step_rated.setdefault(session_id, {})[step_id] = verdict
        if self.opened is not None and self.opened.session.id == session_id:
            timeline = self.query_one(Timeline)
            timeline.rated[step_id] = verdict
            timeline.invalidate()

    def action_remove_session(self) -> None:
        if self.opened is None:
            self.notify("open the session to remove first", severity="warning")
            return
        if self.library.read_only:
            self.notify("this source is read-only: nothing to remove", severity="warning")
            return
        from tracetui.ui.screens.path_prompt import PathPrompt

        session = self.opened.session

        def answered(answer: str | None) -> None:
            if (answer or "").strip().lower() == "yes":
                self._remove(session.id)

        question = (f"Remove {session.agent} session {safe_line(session.id)} from the bucket? Its copies and rows "
                    "go; your agent's own log stays, and the session comes back if that log changes. Type yes:")  # fmt: skip
        self.app.push_screen(PathPrompt(question, "yes"), answered)

    @thread_work("remove")
    def _remove(self, session_id: str) -> None:
        try:
            self.library.remove(session_id)
        except TracetuiError as exc:
            self.app.call_from_thread(self.notify, f"not removed: {exc}", severity="error")
            return
        self.app.call_from_thread(self._removed, session_id)

    def _removed(self, session_id: str) -> None:
        if self.opened is not None and self.opened.session.id == session_id:
            self.opened = None
            self.query_one(Timeline).clear()
            self.query_one("#session-title", Static).update("no session open")
            self._offer_keys()
        self.remove_class("-hide-sessions")
        self.refresh_sessions()
        self.query_one(SessionList).focus()
        self.notify(f"removed {session_id[:12]} from the bucket")

    def action_export(self) -> None:
        if self.library.kind == "dataset":
            self.notify(_DATASET_READ_ONLY, severity="warning", markup=False)
            return
        if self.library.plans_dir is None:
            self.notify("exporting needs a bucket (its redaction plans)", severity="warning")
            return
        from tracetui.ui.screens.export import ExportScreen

        query = self._query()
        count = self.query_one(SessionList).count
        if self._list_settling is not None:  # the list shows its first rows only: the export takes all
            try:
                count = self.library.count_sessions(**query.as_kwargs())
            except TracetuiError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
        self.app.push_screen(ExportScreen(self.library, query, count, self.tracetui.repo))

    def action_replay(self) -> None:
        if not is_capsule(self.library):
            self.notify("replay works on an opened capsule (tracetui open FILE)", severity="warning", markup=False)
            return
        from tracetui.ui.screens.replay import ReplayScreen

        self.app.push_screen(ReplayScreen(self.library))

    # -- the step, handed to the user's tools -------------------------------------------------------
    def _with_step(self, what: str, then: Callable[[Step], None]) -> None:
        """Run `then` on the step chosen now, in the session read whole (`_when_whole`)."""
        index = self.current_step()
        if self.opened is None or index is None:
            self.notify("open a session and choose a step first", severity="warning")
            return
        step_id = self.opened.session.steps[index].id

        def chosen() -> None:
            # By its id: the step asked for, wherever the cursor went while the session was read.
            step = self.opened.session.step(step_id) if self.opened is not None else None
            if step is not None:
                then(step)

        self._when_whole(what, chosen)

    def action_pager(self) -> None:
        self._with_step("Pager", self._page)

    def _page(self, step: Step) -> None:
        assert self.opened is not None
        blocks = step_blocks(self.opened.session, self.opened.shape, step.index)
        text = "\n\n".join(f"── {b.title}\n{b.body}" if b.title else b.body for b in blocks)
        self._run_outside(external.pager_command(os.environ), safe_text(text).encode())

    def action_editor(self) -> None:
        self._with_step("Editor", self._edit)

    def _edit(self, step: Step) -> None:
        found = external.edit_target(step, self._edit_roots(step), self._edit_names(step))
        if isinstance(found, str):
            self.notify(found, severity="warning")
            return
        path, line = found
        self._run_outside(external.editor_command(os.environ, path, line), None)

    def _run_outside(self, command: list[str], stdin: bytes | None) -> None:
        """Run a program of the user's on the terminal, the app suspended until it exits."""
        try:
            with self.app.suspend():
                subprocess.run(command, input=stdin, check=False)
        except SuspendNotSupported:
            self.notify("this terminal cannot hand the screen to another program", severity="warning")
        except OSError as exc:
            self.notify(f"could not run {command[0]}: {exc.strerror or exc}", severity="error")

    def action_copy(self, what: str = "step") -> None:
        """Copy the step's text, its id or its diff to the clipboard (OSC 52: the terminal's own)."""
        self._with_step("Copy", lambda step: self._copy(step, what))

    def _copy(self, step: Step, what: str) -> None:
        if what == "id":
            text = step.id
        elif what == "diff":
            blocks = trail_view.step_diff_blocks(step, self.trail)
            text = "\n".join(b.body for b in blocks if b.language == "diff")
            if not text:
                self.notify("this step has no diff", severity="warning")
                return
        else:
            text = step_text(step)
        size = len(safe_copy(text).encode("utf-8"))
        if size > external.COPY_LIMIT:
            self.notify(f"the step's {what} is {size / 1e6:.1f} MB, over the {external.COPY_LIMIT >> 20} MB "
                        "a copy sends: P opens it in your pager", severity="warning")  # fmt: skip
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"copied the step's {what} ({len(text):,} characters)", timeout=2)

    def action_review(self) -> None:
        """The undecided suggestions of the sessions the list shows, one row per value (the
        cross-session review: what an export from this list takes, decided before it)."""
        if self.library.read_only:
            what = _DATASET_READ_ONLY if self.library.kind == "dataset" else (
                "this library is read-only: redaction decisions cannot be saved")
            self.notify(what, severity="warning", markup=False)
            return
        from tracetui.redact import plan_store
        from tracetui.ui.screens.review import ReviewScreen

        try:
            store = plan_store(self.library)
        except TracetuiError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        box = self.query_one("#filter", Input).value
        self.app.push_screen(ReviewScreen(self.library, store, self._query(), box.strip()))

    def action_redact(self) -> None:
        if self.opened is None:
            self.notify("open a session first", severity="warning", markup=False)
            return
        if self.library.read_only:
            what = "this is a sealed capsule: its redactions are final" if is_capsule(self.library) else (
                _DATASET_READ_ONLY if self.library.kind == "dataset" else
                "this bucket is read-only: redaction decisions cannot be saved")
            self.notify(what, severity="warning", markup=False)
            return
        index = self.current_step()
        steps = self.opened.session.steps
        step_id = steps[index].id if index is not None and 0 <= index < len(steps) else None
        self._when_whole("Redact", lambda: self._redact_whole(step_id))

    def _redact_whole(self, step_id: str | None) -> None:
        from tracetui.redact import plan_store
        from tracetui.ui.screens.redact_editor import RedactEditor

        assert self.opened is not None
        try:
            store = plan_store(self.library)
        except TracetuiError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.app.push_screen(RedactEditor(self.opened.session, store, step_id=step_id))


# What only a bucket can do: decide redactions, seal, export, take a session out.
_BUCKET_ONLY = frozenset({"redact", "seal", "review", "export", "remove_session"})
# What a dataset says to them: its rows are exported already (redacted, reviewed), and it is shared.
_DATASET_READ_ONLY = "a dataset is read-only here: redact, seal and export from the bucket the session came from"


def _machines(library: Library) -> list[str]:
    """The machines a dataset names (imported here: the dataset package loads with its first use)."""
    from tracetui.dataset import DatasetLibrary

    return library.machines() if isinstance(library, DatasetLibrary) else []
