"""The browser's panes for the chosen step: the timeline's cursor followed once it rests, the
detail (made in a worker when big, and kept), the context at the step, the session's trail and the
step's diff. Only the tab on show is drawn; the others catch up when opened.
"""

from __future__ import annotations

import time

from textual import on
from textual.content import Content
from textual.widgets import Static, TabbedContent

from tracetui.ctx import ContextIndex
from tracetui.model import Session
from tracetui.safe_text import safe_line
from tracetui.ui import trail_view
from tracetui.ui.screens.browser.base import PREVIEW_TABS, TAB_VIEWS, BrowserBase
from tracetui.ui.screens.browser.messages import ContextReady, DetailReady, TrailReady
from tracetui.ui.step_blocks import step_blocks
from tracetui.ui.widgets.ctx_list import CtxList
from tracetui.ui.widgets.text_view import Block, Document, Room, TextView
from tracetui.ui.widgets.timeline import Timeline
from tracetui.ui.widgets.trail_list import TrailList
from tracetui.ui.workers import thread_work
from tracetui.views.context_total import context_total

STEP_DELAY = 0.04  # the detail panes follow the cursor once it rests this long
# While a key repeats (moves closer together than REPEAT_GAP) the rest the panes wait for stretches
# to half again the gap between moves, up to REPEAT_DELAY, so a held key's auto-repeat (25-33 a
# second on Linux and Windows: 30-40 ms apart, as long as the plain wait) never refreshes them on
# the way. Slower repeats (macOS's default) rest at each move; each rest is cheap.
REPEAT_GAP = 0.05
REPEAT_DELAY = 0.25
BIG_STEP = 20_000  # characters of a step's blocks above which its detail is made in a worker


class PanesPart(BrowserBase):
    """The chosen step's detail, context, trail and diff."""

    @on(Timeline.Highlighted, "#timeline")
    def _step_highlighted(self) -> None:
        if self._step_timer is not None:
            self._step_timer.stop()
        if self._step_shown is not None and self._step_shown == self._step_key():
            return  # the panes show this step already (a session just shown drew its first step)
        now = time.monotonic()
        gap, self._last_move = now - self._last_move, now
        delay = STEP_DELAY if gap > REPEAT_GAP else min(REPEAT_DELAY, max(STEP_DELAY, gap * 1.5))
        self._step_timer = self._later(delay, self._show_step, "step rest")

    @on(Timeline.Chosen, "#timeline")
    def _step_chosen(self) -> None:
        self._show_step()
        tabs = self.query_one(TabbedContent)
        self.query_one(TAB_VIEWS.get(tabs.active, "#detail-view")).focus()

    def _step_key(self) -> tuple[str, int, int] | None:
        """The step the panes follow: (session, its step count, step index)."""
        index = self.current_step()
        if index is None or self.opened is None:
            return None
        return self.opened.session.id, len(self.opened.session.steps), index

    def _show_step(self) -> None:
        index = self.current_step()
        detail = self.query_one("#detail-view", TextView)
        self._step_shown = self._step_key()
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
        self.set_pane_classes({"-code-tab": event.pane.id in ("diff", "trail")})
        if event.pane.id not in PREVIEW_TABS:
            self.open_whole()
        index = self.current_step()
        if index is not None and self.opened is not None:
            self._refresh_tab(event.pane.id, index)

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

    @thread_work("trail")
    def _compute_trail(self, session: Session) -> None:
        clone = self.clones.get(session.id)
        result = trail_view.compute(session, self.library, self.tracetui.repo, self.tracetui.cache_dir, clone)
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

