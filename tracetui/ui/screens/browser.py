"""The main screen: sessions | timeline | step detail, context, diff and trail.

The screen only moves data between the core and the widgets. Everything that reads the disk or
walks a whole session runs in a thread worker; the UI thread only draws what is on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, TabbedContent, TabPane

from tracetui.ctx import Context, ContextIndex
from tracetui.errors import TracetuiError
from tracetui.library import Library

if TYPE_CHECKING:
    from tracetui.ui.app import TraceApp
from tracetui.model import Session
from tracetui.safe_text import safe_line
from tracetui.ui import trail_view
from tracetui.ui.query import parse_query, with_filter
from tracetui.ui.step_blocks import step_blocks
from tracetui.views.format import human_tokens
from tracetui.views.session_shape import Marker, Shape, build_rows, shape_of
from tracetui.ui.widgets.ctx_list import CtxList
from tracetui.ui.widgets.session_list import PAGE, SessionList
from tracetui.ui.widgets.text_view import Block, TextView
from tracetui.ui.widgets.timeline import Timeline

FILTER_DELAY = 0.15  # seconds of typing quiet before the list is re-queried
STEP_DELAY = 0.04  # the detail panes follow the cursor once it rests this long
PREVIEW_DELAY = 0.25  # a highlighted session opens after this long


@dataclass(slots=True)
class Opened:
    session: Session
    shape: Shape
    rows: list[int]
    markers: list[Marker]
    ctx: ContextIndex


class SessionReady(Message):
    def __init__(self, opened: Opened, step_id: str | None) -> None:
        super().__init__()
        self.opened = opened
        self.step_id = step_id


class ListReady(Message):
    def __init__(self, generation: int, count: int, first: list, cursor_id: str | None) -> None:
        super().__init__()
        self.generation = generation
        self.count = count
        self.first = first
        self.cursor_id = cursor_id


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

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", tooltip="Filter sessions: words, agent:NAME, project:NAME"),
        Binding("1", "focus_pane('sessions')", "Sessions", show=False),
        Binding("2", "focus_pane('timeline')", "Timeline", show=False),
        Binding("3", "focus_pane('detail')", "Detail", show=False),
        Binding("d", "tab('detail')", "Detail", tooltip="The chosen step in full"),
        Binding("c", "tab('ctx')", "Context", tooltip="What the model could see at this step"),
        Binding("f", "tab('diff')", "Diff", tooltip="What this step changed, and whether it survived"),
        Binding("t", "tab('trail')", "Trail", tooltip="Every patch of the session and its fate in git"),
        Binding("a", "cycle_agent", "Agent", tooltip="Filter by agent (cycles)"),
        Binding("p", "cycle_project", "Project", show=False, tooltip="Filter by project (cycles)"),
        Binding("ctrl+b", "toggle_sessions", "Sessions pane", show=False),
        Binding("z", "toggle_zoom", "Zoom", show=False, tooltip="Give the focused pane the whole screen"),
        Binding("r", "redact", "Redact", tooltip="Review the redactions of this session before sealing it"),
        Binding("R", "review", "Review all", show=False, tooltip="Undecided redactions of every session, by value"),
        Binding("s", "seal", "Seal", tooltip="Seal the open session, or the steps marked with m, as a capsule"),
        Binding("y", "replay", "Replay", tooltip="Apply this capsule's patches on your checkout, step by step"),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.opened: Opened | None = None
        self.context: Context | None = None
        self.trail: trail_view.TrailResult | None = None
        self._list_generation = 0
        self._filter_timer: Timer | None = None
        self._step_timer: Timer | None = None
        self._preview_timer: Timer | None = None
        self._want_session: str | None = None
        self._focus_after_open = False
        self._agents: list[str] = []
        self._projects: list[str] = []
        self._shown_for: dict[str, int] = {}  # tab -> step index it last drew

    @property
    def tracetui(self) -> TraceApp:
        """The app this screen runs in, with its own attributes (library, repo, caches) typed."""
        from tracetui.ui.app import TraceApp

        assert isinstance(self.app, TraceApp)
        return self.app

    @property
    def library(self) -> Library:
        return self.tracetui.library

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield Input(placeholder="filter: words  agent:codex  project:NAME", id="filter")
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
                    yield TextView(id="trail-view")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._layout_for(self.size.width)
        self.query_one(SessionList).focus()
        self.refresh_sessions()

    def on_descendant_focus(self, event) -> None:
        # The sessions pane widens while it has focus (every column fits) and gives the room
        # back to the steps once a session is being read.
        left = self.query_one("#left")
        self.set_class(left in event.widget.ancestors_with_self, "-browsing")

    def on_resize(self, event) -> None:
        self._layout_for(event.size.width)

    def _layout_for(self, width: int) -> None:
        # Three columns when there is room, two when not, one pane at a time on a small terminal.
        self.set_class(width >= 140, "-wide")
        self.set_class(90 <= width < 140, "-medium")
        self.set_class(width < 90, "-narrow")

    # -- the session list -----------------------------------------------------------------------
    def refresh_sessions(self, keep: str | None = None) -> None:
        self._list_generation += 1
        query = parse_query(self.query_one("#filter", Input).value)
        self._query_sessions(self._list_generation, query.as_kwargs(), keep)

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def _query_sessions(self, generation: int, filters: dict, keep: str | None) -> None:
        try:
            count = self.library.count_sessions(**filters)
            first = self.library.list_sessions(**filters, limit=PAGE, offset=0)
            if not self._agents:
                self._agents = list(self.library.agents())
                self._projects = list(self.library.projects())
        except TracetuiError as exc:
            self.post_message(Failed(str(exc)))
            count, first = 0, []
        self.post_message(ListReady(generation, count, first, keep))

    def on_list_ready(self, message: ListReady) -> None:
        if message.generation != self._list_generation:
            return
        library = self.library
        query = parse_query(self.query_one("#filter", Input).value)

        def fetch(offset: int, limit: int) -> list:
            return library.list_sessions(**query.as_kwargs(), limit=limit, offset=offset)

        cursor = 0
        if message.cursor_id:
            for i, row in enumerate(message.first):
                if row.id == message.cursor_id:
                    cursor = i
        self.query_one(SessionList).show(fetch, message.count, cursor, message.first)
        self._status()

    def _status(self, extra: str = "") -> None:
        count = self.query_one(SessionList).count
        query = parse_query(self.query_one("#filter", Input).value)
        bits = [f"{count:,} session{'s' if count != 1 else ''}"]
        if query.agent:
            bits.append(f"agent {query.agent}")
        if query.project:
            bits.append(f"project {query.project}")
        if self.library.read_only:
            bits.append("read-only")
        sync = self.tracetui.sync_status
        if sync:
            bits.append(sync)
        if extra:
            bits.append(extra)
        self.query_one("#sessions-status", Static).update(Content(safe_line(" · ".join(bits))))

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
        if row is None or (self.opened and self.opened.session.id == row.id):
            return
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DELAY, lambda: self.open_session(row.id))

    @on(SessionList.Chosen, "#sessions")
    def _session_chosen(self, message: SessionList.Chosen) -> None:
        row = self.query_one(SessionList).summary(message.index)
        if row is None:
            return
        if self.has_class("-narrow"):
            self.add_class("-hide-sessions")
        if self.opened and self.opened.session.id == row.id:
            self.query_one(Timeline).focus()
        else:
            self.open_session(row.id, focus=True)

    # -- opening a session ----------------------------------------------------------------------
    def open_session(self, session_id: str, step_id: str | None = None, focus: bool = False) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._want_session = session_id
        self._focus_after_open = focus
        self.query_one("#session-title", Static).update("opening…")
        self._load_session(session_id, step_id)

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def _load_session(self, session_id: str, step_id: str | None) -> None:
        try:
            session = self.library.session(session_id)
        except TracetuiError as exc:
            self.post_message(Failed(str(exc)))
            return
        shape = shape_of(session)
        rows, markers = build_rows(session, shape, set(), False)
        self.post_message(SessionReady(Opened(session, shape, rows, markers, ContextIndex(session)), step_id))

    def on_session_ready(self, message: SessionReady) -> None:
        opened = message.opened
        if opened.session.id != self._want_session:
            return
        self.opened = opened
        self.context = None
        self.trail = None
        self._shown_for = {}
        session = opened.session
        timeline = self.query_one(Timeline)
        timeline.show(session, opened.shape, opened.rows, opened.markers, cursor=0)
        self._title(session)
        sessions = self.query_one(SessionList)
        row = sessions.summary(sessions.cursor)
        if row is not None and row.id == session.id and row.note:
            # Shown from the bucket's history, or not updated: say why once, as it opens.
            self.notify(row.note, severity="warning", timeout=8)
        if message.step_id:
            self.jump_to_step(message.step_id)
        if self._focus_after_open:
            timeline.focus()
        self._compute_trail(session)

    def _title(self, session: Session) -> None:
        tokens = human_tokens(session.tokens.total)
        title = safe_line(session.title or "(no prompt)")
        states = ""
        if self.trail is not None and self.trail.counts:
            states = " · " + trail_view.counts_text(self.trail.counts)
        # Content, not a markup string: titles and project names come from the logs.
        self.query_one("#session-title", Static).update(Content(
            f"{session.agent} · {safe_line(session.project or '-')} · {len(session.steps)} steps · "
            f"{tokens} tokens{states}\n{title}"
        ))

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
        self._step_timer = self.set_timer(STEP_DELAY, self._show_step)

    @on(Timeline.Chosen, "#timeline")
    def _step_chosen(self) -> None:
        self._show_step()
        tabs = self.query_one(TabbedContent)
        view = {"detail": "#detail-view", "ctx": "#ctx-list", "diff": "#diff-view", "trail": "#trail-view"}
        self.query_one(view.get(tabs.active, "#detail-view")).focus()

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
            self.query_one("#detail-view", TextView).show_blocks(step_blocks(session, self.opened.shape, index))
        elif tab == "diff":
            self._show_diff(index)
        elif tab == "ctx":
            step_id = session.steps[index].id
            if self.context is None or self.context.step_id != step_id:
                self._compute_context(session.id, step_id)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        index = self.current_step()
        if index is not None and self.opened is not None:
            self._refresh_tab(event.pane.id, index)

    # -- context --------------------------------------------------------------------------------
    def _compute_context(self, session_id: str, step_id: str) -> None:
        assert self.opened is not None
        self.query_one("#ctx-total", Static).update("working out the context…")
        self._context_worker(self.opened.ctx, session_id, step_id)

    @work(thread=True, exclusive=True, group="ctx", exit_on_error=False)
    def _context_worker(self, index: ContextIndex, session_id: str, step_id: str) -> None:
        try:
            context = index.at(step_id)
            self.post_message(ContextReady(session_id, step_id, context, None))
        except Exception as exc:  # a malformed session must not take the pane down
            self.post_message(ContextReady(session_id, step_id, None, f"no context: {exc}"))

    def on_context_ready(self, message: ContextReady) -> None:
        if self.opened is None or message.session_id != self.opened.session.id:
            return
        self.context = message.context
        total = self.query_one("#ctx-total", Static)
        ctx_list = self.query_one(CtxList)
        if message.context is None:
            total.update(Content(safe_line(message.error or "no context")))
            ctx_list.show(None)
            return
        ctx = message.context
        note = " · after a compaction" if ctx.compacted else ""
        total.update(f"≈ {human_tokens(ctx.tokens)} tokens · {len(ctx.items)} items{note} (chars/4)")
        ctx_list.show(ctx, self.opened.session)

    @on(CtxList.Chosen, "#ctx-list")
    def _ctx_chosen(self, message: CtxList.Chosen) -> None:
        if self.context is not None:
            self.jump_to_step(self.context.items[message.index].step_id)
            self.query_one(Timeline).focus()

    # -- trail ----------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="trail", exit_on_error=False)
    def _compute_trail(self, session: Session) -> None:
        result = trail_view.compute(session, self.library, self.tracetui.repo, self.tracetui.cache_dir)
        self.post_message(TrailReady(session.id, result))

    def on_trail_ready(self, message: TrailReady) -> None:
        if self.opened is None or message.session_id != self.opened.session.id:
            return
        self.trail = message.result
        self.query_one(Timeline).set_states(message.result.states)
        self.query_one("#trail-view", TextView).show_blocks(message.result.summary_blocks)
        self._title(self.opened.session)
        index = self.current_step()
        if index is not None:
            self._shown_for.pop("diff", None)
            if self.query_one(TabbedContent).active == "diff":
                self._refresh_tab("diff", index)

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
        view = {"detail": "#detail-view", "ctx": "#ctx-list", "diff": "#diff-view", "trail": "#trail-view"}
        self.query_one(view.get(tabs.active or "detail", "#detail-view")).focus()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_toggle_sessions(self) -> None:
        self.toggle_class("-hide-sessions")
        if self.has_class("-hide-sessions") and self.focused is not None and self.focused.id in ("sessions", "filter"):
            self.query_one(Timeline).focus()

    def action_toggle_zoom(self) -> None:
        self.toggle_class("-zoom")

    def action_cycle_agent(self) -> None:
        self._cycle("agent", self._agents)

    def action_cycle_project(self) -> None:
        self._cycle("project", self._projects)

    def _cycle(self, key: str, values: list[str]) -> None:
        box = self.query_one("#filter", Input)
        current = getattr(parse_query(box.value), key)
        options = [None, *values]
        nxt = options[(options.index(current) + 1) % len(options)] if current in options else None
        box.value = with_filter(box.value, key, nxt)
        self.notify(f"{key}: {nxt or 'all'}", timeout=1.5, markup=False)

    def action_toggle_branches_cmd(self) -> None:
        self.query_one(Timeline).action_toggle_branches()

    def action_switch_branch_cmd(self) -> None:
        self.query_one(Timeline).action_switch_branch()

    def action_mark_step(self) -> None:
        self.query_one(Timeline).action_toggle_mark()

    def action_clear_marks(self) -> None:
        self.query_one(Timeline).clear_marks()

    def action_back(self) -> None:
        if self.has_class("-zoom"):
            self.remove_class("-zoom")
            return
        focused = self.focused
        if isinstance(focused, Input) and focused.value:
            focused.value = ""
        elif focused is not None and focused.id in ("detail-view", "ctx-list", "diff-view", "trail-view"):
            self.query_one(Timeline).focus()
        elif isinstance(focused, Timeline):
            self.remove_class("-hide-sessions")
            self.query_one(SessionList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Replay is only for an opened capsule; elsewhere the key is not offered at all.
        if action == "replay":
            return is_capsule(self.library)
        return True

    def action_seal(self) -> None:
        if self.library.read_only:
            what = "this is a sealed capsule: it cannot be sealed again" if is_capsule(self.library) else (
                "this bucket is read-only: sealing needs its redaction plans written")
            self.notify(what, severity="warning", markup=False)
            return
        if self.opened is None:
            self.notify("open a session first", severity="warning", markup=False)
            return
        if self.library.plans_dir is None:
            self.notify("sealing needs a bucket (its redaction plans)", severity="warning", markup=False)
            return
        from tracetui.ui.screens.seal import SealScreen

        steps = self.query_one(Timeline).seal_steps()
        self.app.push_screen(SealScreen(self.opened.session, steps, self.library, self.tracetui.repo))

    def action_replay(self) -> None:
        if not is_capsule(self.library):
            self.notify("replay works on an opened capsule (tracetui open FILE)", severity="warning", markup=False)
            return
        from tracetui.ui.screens.replay import ReplayScreen

        self.app.push_screen(ReplayScreen(self.library))

    def action_review(self) -> None:
        """Every session's undecided suggestions, one row per value (the cross-session review)."""
        if self.library.read_only:
            self.notify("this library is read-only: redaction decisions cannot be saved", severity="warning",
                        markup=False)
            return
        from tracetui.redact import plan_store
        from tracetui.ui.screens.review import ReviewScreen

        try:
            store = plan_store(self.library)
        except TracetuiError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.app.push_screen(ReviewScreen(self.library, store))

    def action_redact(self) -> None:
        if self.opened is None:
            self.notify("open a session first", severity="warning", markup=False)
            return
        if self.library.read_only:
            what = "this is a sealed capsule: its redactions are final" if is_capsule(self.library) else (
                "this bucket is read-only: redaction decisions cannot be saved")
            self.notify(what, severity="warning", markup=False)
            return
        index = self.current_step()
        steps = self.opened.session.steps
        step_id = steps[index].id if index is not None and 0 <= index < len(steps) else None
        from tracetui.redact import plan_store
        from tracetui.ui.screens.redact_editor import RedactEditor

        try:
            store = plan_store(self.library)
        except TracetuiError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.app.push_screen(RedactEditor(self.opened.session, store, step_id=step_id))


def is_capsule(library: Library) -> bool:
    """An opened capsule (read-only, with a manifest), as opposed to a bucket."""
    return library.manifest is not None
