"""The main screen: sessions | timeline | step detail, context, diff and trail.

The screen only moves data between the core and the widgets. Everything that reads the disk or
walks a whole session runs in a thread worker; the UI thread only draws what is on screen. Its
parts are mixins by concern (list, opening, panes, step tools, launchers); this holds the layout,
the focus and the keys that move between panes.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static, TabbedContent, TabPane

from tracetui.safe_text import safe_line
from tracetui.ui import actions
from tracetui.ui.host import is_capsule, is_foreign
from tracetui.ui.screens.browser.base import TAB_VIEWS
from tracetui.ui.screens.browser.launchers import LaunchersPart
from tracetui.ui.screens.browser.listing import SessionListPart
from tracetui.ui.screens.browser.messages import Failed
from tracetui.ui.screens.browser.opening import OpeningPart
from tracetui.ui.screens.browser.panes import PanesPart
from tracetui.ui.screens.browser.step_tools import StepToolsPart
from tracetui.ui.widgets.ctx_list import CtxList
from tracetui.ui.widgets.cut_input import CutInput
from tracetui.ui.widgets.key_footer import KeyFooter
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.timeline import Timeline
from tracetui.ui.widgets.trail_list import TrailList

# The filter's terms, kind: first after words (the search's, which a user would not guess): whole in
# the 74 cells the field has at 80 columns, cut with … (CutInput) in a narrower pane.
FILTER_PLACEHOLDER = "/ filter: words, kind:context|KIND|all, agent:…, project:…"
# What only a bucket can do: decide redactions, seal, export, take a session out.
_BUCKET_ONLY = frozenset({"redact", "seal", "review", "export", "remove_session"})


class BrowserScreen(SessionListPart, OpeningPart, PanesPart, StepToolsPart, LaunchersPart):
    CSS_PATH = "browser.tcss"

    BINDINGS = actions.bindings("browser")

    def compose(self) -> ComposeResult:
        # The classes the first frame has (the terminal's width, the list focused), set before the
        # panes exist: set once they are mounted, each restyled every widget again (30 ms apiece).
        self._layout_classes(self.app.size.width)
        self.add_class("-browsing")
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
        self.set_pane_classes({"-browsing": browsing})
        if not browsing:
            self.open_whole()  # the steps or a tab of the previewed session: it is being read

    def on_resize(self, event) -> None:
        self._layout_for(event.size.width)
        if self.opened is not None:  # the header's price per kept line shows only where it fits whole
            self.call_after_refresh(self._title, self.opened.session)

    def _layout_for(self, width: int) -> None:
        self._layout_classes(width)
        self.refresh_bindings()  # the keys on offer follow the panes on show

    def _layout_classes(self, width: int) -> None:
        # Three columns when there is room, two when not, one pane at a time on a small terminal.
        self.set_class(width >= 140, "-wide")
        self.set_class(90 <= width < 140, "-medium")
        self.set_class(width < 90, "-narrow")

    def on_failed(self, message: Failed) -> None:
        self.notify(safe_line(message.text), severity="error", markup=False)

    def action_focus_filter(self) -> None:
        self.set_pane_classes({"-hide-sessions": False})
        self.query_one("#filter", Input).focus()

    def action_focus_pane(self, pane: str) -> None:
        if pane == "sessions":
            self.set_pane_classes({"-hide-sessions": False})
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
        self.set_pane_classes({"-hide-sessions": not self.has_class("-hide-sessions")})
        self.refresh_bindings()
        if self.has_class("-hide-sessions") and self.focused is not None and self.focused.id in ("sessions", "filter"):
            self.query_one(Timeline).focus()

    def action_toggle_zoom(self) -> None:
        self.set_pane_classes({"-zoom": not self.has_class("-zoom")})

    def action_refresh(self) -> None:
        """Sync now (where the app syncs) and read the list and the open session again."""
        self.tracetui.sync_now()
        self.refresh_sessions(keep=self.opened.session.id if self.opened else None)
        self.refresh_open_session()

    async def action_timeline_cmd(self, action: str) -> None:
        """A timeline action run from the palette, whatever has the focus."""
        await self.query_one(Timeline).run_action(action)

    def action_clear_marks(self) -> None:
        self.query_one(Timeline).clear_marks()

    def action_back(self) -> None:
        if self.has_class("-zoom"):
            self.set_pane_classes({"-zoom": False})
            return
        focused = self.focused
        if isinstance(focused, Input):
            # Escape in the filter clears it and gives the keys back to the list (one press, not two).
            focused.value = ""
            self.query_one(SessionList).focus()
        elif focused is not None and "#" + (focused.id or "") in TAB_VIEWS.values():
            self.query_one(Timeline).focus()
        elif isinstance(focused, Timeline):
            self.set_pane_classes({"-hide-sessions": False})
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
