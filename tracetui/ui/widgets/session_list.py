"""The sessions pane: every session, newest first, fetched a page at a time in a worker.

Only the pages under the viewport are ever asked for, so 100k sessions cost what one screenful
costs; rows whose page has not arrived yet draw as a dim placeholder for a moment.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.cells import cell_len, set_cell_size
from rich.style import Style as RichStyle
from textual.cache import LRUCache
from textual.message import Message

from tracetui.model import SessionSummary
from tracetui.ui.cells import line as one_line
from tracetui.views.format import human_tokens, listed_cost
from tracetui.ui.widgets.virtual_list import Part, VirtualList
from tracetui.ui.workers import thread_work

PAGE = 200
AGENT_WIDTH = 8  # the longest agent name, opencode
MACHINE_WIDTH = 10  # a dataset's machine column: its id's start, enough to tell a team's apart
Fetch = Callable[[int, int], list[SessionSummary]]  # (offset, limit) -> rows



class SessionList(VirtualList):
    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {
        "session-list--when",
        "session-list--claude",
        "session-list--codex",
        "session-list--pi",
        "session-list--gemini",
        "session-list--copilot",
        "session-list--opencode",
        "session-list--project",
        "session-list--number",
        "session-list--note",
    }

    DEFAULT_CSS = """
    SessionList > .session-list--when { color: $text-muted; }
    SessionList > .session-list--claude { color: $warning; }
    SessionList > .session-list--codex { color: $success; }
    SessionList > .session-list--pi { color: $secondary; }
    SessionList > .session-list--gemini { color: $primary; }
    SessionList > .session-list--copilot { color: $text; }
    SessionList > .session-list--opencode { color: $error; }
    SessionList > .session-list--project { color: $accent; }
    SessionList > .session-list--number { color: $text-muted; }
    SessionList > .session-list--note { color: $warning; text-style: bold; }
    """

    class PageLoaded(Message):
        def __init__(self, generation: int, offset: int, rows: list[SessionSummary]) -> None:
            super().__init__()
            self.generation = generation
            self.offset = offset
            self.rows = rows

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._fetch: Fetch | None = None
        self._pages: LRUCache[int, list[SessionSummary]] = LRUCache(64)
        self._asked: set[int] = set()
        self._generation = 0
        self._header_width = -1  # the width the header's columns were last told of
        self.machines = False  # a dataset that names machines: a column for them
        self.rated: dict[str, str] = {}  # session id -> a person's rating of it, good or bad

    def show(self, fetch: Fetch, count: int, cursor: int = 0, first_page: list[SessionSummary] | None = None) -> None:
        """Show a new result set: `count` rows, read through `fetch` as they come into view."""
        self._generation += 1
        self._fetch = fetch
        self._pages.clear()
        self._asked.clear()
        if first_page is not None:
            self._pages[0] = first_page
            self._asked.add(0)
        self.set_count(count, cursor)

    def summary(self, index: int) -> SessionSummary | None:
        page = self._pages.get(index // PAGE)
        if page is None:
            self._ask(index // PAGE)
            return None
        offset = index % PAGE
        return page[offset] if offset < len(page) else None

    def _ask(self, page: int) -> None:
        if page in self._asked or self._fetch is None:
            return
        self._asked.add(page)
        self._load(self._generation, page, self._fetch)

    @thread_work("session-pages", exclusive=False, exit_on_error=True)
    def _load(self, generation: int, page: int, fetch: Fetch) -> None:
        rows = fetch(page * PAGE, PAGE)
        self.post_message(self.PageLoaded(generation, page, rows))

    def on_session_list_page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pages[message.offset] = message.rows
        self.invalidate()
        self.post_highlighted(self.cursor)

    class ColumnsChanged(Message):
        """The list's width changed: the header above it shows these columns (`header_text`)."""

        def __init__(self, width: int) -> None:
            super().__init__()
            self.width = width

    def on_resize(self, event) -> None:
        self._columns_at(self.scrollable_content_region.width)

    def _columns_at(self, width: int) -> None:
        if width != self._header_width:
            self._header_width = width
            self.post_message(self.ColumnsChanged(width))

    def render_row(self, index: int, width: int, is_cursor: bool) -> list[Part]:
        # The rows' width, where the header learns it too: opening the key help (f1) beside the list
        # narrows it with no Resize in a real terminal, and the header kept the wide columns
        # ("when agent project") over rows that had dropped them.
        self._columns_at(width)
        row = self.summary(index)
        if row is None:
            return [("  …", self.part_style("virtual-list--dim"))]
        return session_row(self, row, width, self.rated.get(row.id))


def when_text(started: str | None, this_year: str | None = None) -> str:
    """`MM-DD HH:MM` for this year's sessions, `YYYY-MM-DD` for older ones (the time matters less)."""
    stamp = started or ""
    year = this_year or time.strftime("%Y")
    if len(stamp) >= 10 and stamp[:4] != year:
        return stamp[:10]
    return stamp[5:16].replace("T", " ")


def columns(width: int, machines: bool = False) -> list[tuple[str, int]]:
    """The list's columns at this width and how wide each is (0: takes the room left)."""
    cols: list[tuple[str, int]] = []
    if width >= 40:
        cols.append(("when", 13))
    cols.append(("agent", AGENT_WIDTH + 1))
    if machines and width >= 48:
        cols.append(("machine", MACHINE_WIDTH + 1))
    if width >= 64:
        cols.append(("project", 15))
    cols.append(("title", 0))
    if width >= 56:
        cols.append(("steps", 6))
    if width >= 70:
        cols.append(("tokens", 8))
    if width >= 90:
        cols.append(("cost", 9))
    return cols


def header_text(width: int, machines: bool = False) -> str:
    """The column headers, aligned with `session_row` at the same width."""
    cols = columns(width, machines)
    fixed = sum(w for _, w in cols)
    out = ""
    for name, w in cols:
        if name == "title":
            out += set_cell_size(name, max(0, width - fixed))
        elif name == "steps":
            out += f" {name:>{w - 1}}"
        elif name == "tokens":
            out += f" {name:>{w - 2}} "
        elif name == "cost":
            out += f"{name:>{w - 1}} "
        else:
            out += set_cell_size((" " if name == "when" else "") + name, w)
    return out.rstrip()


RATED = {"good": "✓ ", "bad": "✗ "}  # a person's rating of the session, before its title


def session_row(widget: VirtualList, row: SessionSummary, width: int, rated: str | None = None) -> list[Part]:
    """when · agent · project · title … steps · tokens, dropping columns as the pane narrows."""
    style = widget.part_style
    when = when_text(row.started)
    agent = row.agent[:AGENT_WIDTH]  # the registry's names: claude, codex, pi, gemini, copilot, opencode
    project = row.project or "-"
    title = row.title or "(no prompt)"
    if row.subagent_of:  # a subagent's own log: its title (and F) name the session that ran it
        title = f"↳ {title}"
    parts: list[Part] = []
    if width >= 40:
        parts.append((f" {when:<11} ", style("session-list--when")))
    parts.append((f"{agent:<{AGENT_WIDTH}} ", _agent_style(widget, row.agent)))
    if getattr(widget, "machines", False) and width >= 48:
        # A dataset's word for where the session ran (and whose, `user@machine`): data like the title,
        # cut and made safe alike.
        who = f"{row.user}@{row.machine or '-'}" if row.user else row.machine or "-"
        parts.append((f"{one_line(who, MACHINE_WIDTH)} ", style("session-list--project")))
    if width >= 64:
        parts.append((f"{one_line(project, 14)} ", style("session-list--project")))
    tail: list[Part] = []
    if width >= 56:
        tail.append((f" {row.steps:>5}", style("session-list--number")))
    if width >= 70:
        tail.append((f" {human_tokens(row.tokens.total):>6} ", style("session-list--number")))
    if width >= 90:
        cost = "-"
        if row.cost_usd is not None:  # `*`: the agent's own figure, which the header spells "as logged"
            cost = listed_cost(row.cost_usd, row.cost_lower_bound, row.cost_logged)
        tail.append((f"{cost:>8} ", style("session-list--number")))
    if row.note:  # shown from the bucket's history, or not updated: the detail pane says why
        parts.append(("⚠ ", style("session-list--note")))
    if rated in RATED:
        parts.append((RATED[rated], style("session-list--note" if rated == "bad" else "session-list--number")))
    used = sum(cell_len(t) for t, _ in parts) + sum(cell_len(t) for t, _ in tail)
    room = max(0, width - used)
    parts.append((one_line(title, room), None))
    parts.extend(tail)
    return parts


def _agent_style(widget: VirtualList, agent: str) -> RichStyle:
    name = f"session-list--{agent}"
    if name in widget.COMPONENT_CLASSES:
        return widget.part_style(name)
    return RichStyle()
