"""What every part of the browser shares: its state, its library and app, the step chosen and the
filter read; and, for the type checker, what the parts ask of each other (each part is a mixin of
`BrowserBase`; `BrowserScreen` is all of them). No part imports another: they meet here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.cache import LRUCache
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input

from tracetui.ctx import Context
from tracetui.library import Library
from tracetui.model import Session, SessionFilter, Step
from tracetui.ui import trail_view
from tracetui.ui.host import Host
from tracetui.ui.query import parse_query
from tracetui.ui.row_updates import RowUpdates
from tracetui.ui.screens.browser.opened import AfterWhole, Opened
from tracetui.ui.widgets.text_view import Document
from tracetui.ui.widgets.timeline import Timeline

DETAILS_KEPT = 64  # steps whose detail documents are kept (the cursor often goes back and forth)
# The tabs a preview draws without the session's trail (the diff and trail tabs show it).
PREVIEW_TABS = ("detail", "ctx")
# Each tab of the right pane and the widget in it that takes the keys.
TAB_VIEWS = {"detail": "#detail-view", "ctx": "#ctx-list", "diff": "#diff-view", "trail": "#trail-list"}
# The screen's classes read only by the rules of browser.tcss that size or hide the three panes
# (tests/ui/test_browsing_restyle.py holds the rules to it): a change restyles the screen and those.
PANE_CLASSES = frozenset({"-browsing", "-hide-sessions", "-code-tab", "-zoom"})
PANES = ("#left", "#middle", "#right")


class BrowserBase(RowUpdates, Screen):
    """The browser's state and what its parts share; the parts (`BrowserScreen`'s mixins) fill it in."""

    def __init__(self, library: Library | None = None) -> None:
        super().__init__()
        # A screen of its own library (a capsule opened from the palette) over the app's; None: the app's.
        self._library = library
        self.opened: Opened | None = None
        self.context: Context | None = None
        self.trail: trail_view.TrailResult | None = None
        self.clones: dict[str, str] = {}  # a session's clone named in the app (`trail_clone`), by session id
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
        self._step_shown: tuple[str, int, int] | None = None  # the step the panes last followed
        self._opening_timer: Timer | None = None
        self._last_move = 0.0  # time.monotonic() of the timeline's last cursor move
        self.detail_refreshes = 0  # how often the detail pane was given a step (the tests count them)
        self.reloads_asked = 0  # live: how often the open session was checked, and how often read again
        self.reloads_read = 0
        # Detail documents by (session, its step count, step index): lines made once stay made.
        self._details: LRUCache[tuple[str, int, int], Document] = LRUCache(DETAILS_KEPT)
        self._detail_wanted: tuple[str, int, int] | None = None
        self._preview_timer: Timer | None = None
        self._preview_row = ""  # the session the preview's timer opens
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

    def current_step(self) -> int | None:
        if self.opened is None:
            return None
        return self.query_one(Timeline).step_index()

    def _list_aside(self) -> None:
        """The list steps aside for the steps: hidden, and no longer the focused pane it widens for
        (`-browsing`), in one restyle: the focus that follows then changes no class."""
        self.set_pane_classes({"-hide-sessions": True, "-browsing": False})

    def set_pane_classes(self, on: dict[str, bool]) -> None:
        """Sets (True) or clears (False) classes of `PANE_CLASSES`, restyling the screen and its three
        panes: a class change on the screen restyles every widget in it (Textual's update_styles walks
        the subtree: the footer's keys, the tabs, each pane's rows and their component classes), 30-50 ms
        for what only the panes' widths and display read."""
        assert PANE_CLASSES.issuperset(on), on
        if all((name in self.classes) == wanted for name, wanted in on.items()):
            return
        for name, wanted in on.items():
            self.set_class(wanted, name, update=False)
        self.app.stylesheet.update_nodes([self, *(self.query_one(pane) for pane in PANES)], animate=True)

    def _later(self, delay: float, callback: Callable[[], None], name: str) -> Timer:
        """`self.set_timer(delay, callback)` but for the callback's way: the timer calls it itself, where
        `set_timer` wraps it to be called next on the screen's queue. That way cost each rest (the
        timeline's step, the list's preview and its "opening…") two new partials, each looked up with
        `inspect.signature`, a message and an idle of the screen's. The timer's task runs in the screen's
        context, as its queue would; the screen stops it on closing, as it stops its own."""
        timer = Timer(self, delay, name=name, callback=callback, repeat=0)
        timer._start()
        self._timers.add(timer)
        return timer

    def _query(self) -> SessionFilter:
        """The filter box read; `machine:` and `user:` are filters only over a dataset."""
        return parse_query(self.query_one("#filter", Input).value, machines=self.library.kind == "dataset")

    if TYPE_CHECKING:  # each defined by one part, called by others

        def open_session(self, session_id: str, step_id: str | None = None, focus: bool = False,
                         preview: bool = False) -> None: ...  # fmt: skip

        def open_whole(self) -> None: ...

        def refresh_sessions(self, keep: str | None = None) -> None: ...

        def _title(self, session: Session) -> None: ...

        def jump_to_step(self, step_id: str) -> None: ...

        def _when_whole(self, what: str, then: Callable[[], None]) -> None: ...

        def _with_step(self, what: str, then: Callable[[Step], None]) -> None: ...

        def _compute_trail(self, session: Session) -> None: ...

        def _refresh_tab(self, tab: str | None, index: int) -> None: ...

        def _show_step(self) -> None: ...

        def _offer_keys(self) -> None: ...

        def _edit_roots(self, step: Step) -> list[str | None]: ...

        def _edit_names(self, step: Step) -> list[str]: ...
