"""The sessions pane: every session, newest first, fetched a page at a time in a worker.

Only the pages under the viewport are ever asked for, so 100k sessions cost what one screenful
costs; rows whose page has not arrived yet draw as a dim placeholder for a moment.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len, set_cell_size
from rich.style import Style as RichStyle
from textual import work
from textual.cache import LRUCache
from textual.message import Message

from tracetui.model import SessionSummary
from tracetui.safe_text import safe_line
from tracetui.views.format import human_tokens
from tracetui.ui.widgets.virtual_list import Part, VirtualList

PAGE = 200
Fetch = Callable[[int, int], list[SessionSummary]]  # (offset, limit) -> rows

AGENT_LABEL = {"claude": "claude", "codex": "codex", "pi": "pi"}


class SessionList(VirtualList):
    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {
        "session-list--when",
        "session-list--claude",
        "session-list--codex",
        "session-list--pi",
        "session-list--project",
        "session-list--number",
        "session-list--note",
    }

    DEFAULT_CSS = """
    SessionList > .session-list--when { color: $text-muted; }
    SessionList > .session-list--claude { color: $warning; }
    SessionList > .session-list--codex { color: $success; }
    SessionList > .session-list--pi { color: $secondary; }
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

    @work(thread=True, group="session-pages")
    def _load(self, generation: int, page: int, fetch: Fetch) -> None:
        rows = fetch(page * PAGE, PAGE)
        self.post_message(self.PageLoaded(generation, page, rows))

    def on_session_list_page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pages[message.offset] = message.rows
        self.invalidate()
        self.post_message(self.Highlighted(self, self.cursor))

    def render_row(self, index: int, width: int, is_cursor: bool) -> list[Part]:
        row = self.summary(index)
        if row is None:
            return [("  …", self.part_style("virtual-list--dim"))]
        return session_row(self, row, width)


def session_row(widget: VirtualList, row: SessionSummary, width: int) -> list[Part]:
    """when · agent · project · title … steps · tokens, dropping columns as the pane narrows."""
    style = widget.part_style
    when = (row.started or "")[5:16].replace("T", " ")  # MM-DD HH:MM; the year rarely helps
    agent = AGENT_LABEL.get(row.agent, row.agent)
    project = safe_line(row.project or "-")
    title = safe_line(row.title or "(no prompt)")
    parts: list[Part] = []
    if width >= 40:
        parts.append((f" {when:<11} ", style("session-list--when")))
    parts.append((f"{agent:<6} ", _agent_style(widget, row.agent)))
    if width >= 64:
        parts.append((f"{set_cell_size(project, 14)} ", style("session-list--project")))
    tail: list[Part] = []
    if width >= 56:
        tail.append((f" {row.steps:>5}", style("session-list--number")))
    if width >= 70:
        tail.append((f" {human_tokens(row.tokens.total):>6} ", style("session-list--number")))
    if row.note:  # shown from the bucket's history, or not updated: the detail pane says why
        parts.append(("⚠ ", style("session-list--note")))
    used = sum(cell_len(t) for t, _ in parts) + sum(cell_len(t) for t, _ in tail)
    room = max(0, width - used)
    parts.append((set_cell_size(title[: room + 1], room), None))
    parts.extend(tail)
    return parts


def _agent_style(widget: VirtualList, agent: str) -> RichStyle:
    name = f"session-list--{agent}"
    if name in widget.COMPONENT_CLASSES:
        return widget.part_style(name)
    return RichStyle()
