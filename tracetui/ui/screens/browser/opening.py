"""Opening a session in the browser: its first steps read in a worker (a preview, or a long
session's head), the rest read when it is opened or a key needs all of it (`_when_whole`), read
again when its log grows (`live`), and its two-line header (`views.session_header`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static, TabbedContent

from tracetui.errors import TracetuiError
from tracetui.library import Library
from tracetui.model import Session, SessionSummary
from tracetui.preview_head import HEAD_STEPS
from tracetui.safe_text import safe_line
from tracetui.ui.screens.browser.base import PREVIEW_TABS, BrowserBase
from tracetui.ui.screens.browser.messages import Failed, RestRead, SessionGrown, SessionReady
from tracetui.ui.screens.browser.opened import AfterWhole, Folds, Opened
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Head, Timeline
from tracetui.ui.workers import thread_work
from tracetui.views import fork
from tracetui.views.session_header import episode_of, session_header

# A preview reads this many of the session's steps at most (its first rows and first step are what it
# shows): a rest on a row of 50,000 steps costs what one of 500 does. The rest is read on opening.
# Where the bucket keeps a summary of that head, only the steps the preview draws are read.
PREVIEW_STEPS = HEAD_STEPS
OPENING_DELAY = 0.1  # seconds a session's read takes before the title says "opening…"
LIVE_SECONDS = 90.0  # the title says `live` this long after the open session last grew


class OpeningPart(BrowserBase):
    """A session read into the timeline, whole or its head first, and its header."""

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
        # Said only when the read takes a while: a read that answers sooner shows the session in the
        # frame that would have drawn "opening…" (one frame less for a rest on the list).
        if self._opening_timer is not None:
            self._opening_timer.stop()
        self._opening_timer = self._later(OPENING_DELAY, self._say_opening, "opening")
        # A long session's first steps first, the rest read after them (on_session_ready), as a
        # preview does: one of 1,000,000 steps opened with Enter showed nothing for 13 s. A step to go
        # to, or a fork's copy to reveal, may lie past them: then the whole is read before it shows.
        head_first = step_id is None and self._fork_child is None
        self._load_session(session_id, step_id, PREVIEW_STEPS if self._preview_open else None, head_first)

    def _say_opening(self) -> None:
        self.query_one("#session-title", Static).update("opening…", layout=False)

    @thread_work("open")
    def _load_session(self, session_id: str, step_id: str | None, head: int | None = None,
                      head_first: bool = False) -> None:
        facts = None
        try:
            summary = self.library.summary(session_id)  # first: a change after it is seen next time
            if head is not None:  # a preview: the steps it draws, where the library can tell which
                session, facts = self.library.session_preview(session_id, head)
            elif head_first and summary.steps > PREVIEW_STEPS:
                head = PREVIEW_STEPS
                session = self.library.session_head(session_id, head)
            else:
                session = self.library.session(session_id)
        except TracetuiError as exc:
            self.post_message(Failed(str(exc)))
            return
        opened = Opened.of(session, summary, library=self.library, head=facts)
        read = len(session.steps)
        opened.whole = head is None or read >= summary.steps or (facts is None and read < head)
        self.post_message(SessionReady(opened, step_id))

    def on_session_ready(self, message: SessionReady) -> None:
        opened = message.opened
        if opened.session.id != self._want_session:
            return
        if self._opening_timer is not None:
            self._opening_timer.stop()
        self.opened = opened
        self.context = None
        self.trail = None
        self._shown_for = {}
        self.live_until = 0.0
        session = opened.session
        timeline = self.query_one(Timeline)
        facts = opened.head
        head = Head(facts.steps, facts.window, self._whole_head) if facts is not None else None
        timeline.show(session, opened.shape, opened.rows, opened.markers, cursor=0, facts=opened.facts,
                      head=head)  # fmt: skip
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
        # The first step's panes in the frame that draws the timeline (not a rest later, in a frame
        # of their own): its cursor did not move by a key.
        self._offer_keys()
        self._show_step()
        if self._focus_after_open:
            self._list_aside()
            timeline.focus()
        self.previewing = True
        if not self._preview_open or self.query_one(TabbedContent).active not in PREVIEW_TABS:
            self.open_whole()

    def _whole_head(self) -> None:
        """The rest of a preview's head, read here on the UI thread (500 steps: about 8 ms) when the
        timeline is to draw or go past the rows it drew from the steps read (`Timeline._whole_head`),
        rarely: on a wheel over it, a taller timeline, or its focus before the whole session is in."""
        opened = self.opened
        if opened is None or opened.head is None:
            return
        timeline = self.query_one(Timeline)
        try:
            session = self.library.session_head(opened.session.id, opened.head.of)
        except TracetuiError as exc:
            self.notify(safe_line(str(exc)), severity="error", markup=False)
            session = opened.session  # what was read is what shows
        rest = Opened.of(session, opened.summary, self._folds(), self.library)
        # A head that is the whole session is whole, unless its whole read is under way: that read's
        # arrival is then what works out its trail (`_grown`).
        rest.whole = (self._rest_for != session.id and opened.summary is not None
                      and len(session.steps) >= opened.summary.steps)  # fmt: skip
        self.opened = rest
        timeline.fill(rest.session, rest.shape, rest.rows, rest.markers, rest.facts)

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
        self.query_one(Timeline).whole_head()
        for i, step in enumerate(self.opened.session.steps):
            if step.id == step_id or step.id.startswith(step_id):
                self.query_one(Timeline).reveal_step(i)
                return
        self.notify(f"no step {safe_line(step_id)} in this session", severity="warning", markup=False)

    def go_to_step(self, step_id: str) -> None:
        """A step chosen in the palette of the open session's steps: the timeline goes to it, with the keys."""
        self.jump_to_step(step_id)
        self.query_one(Timeline).focus()
