"""A cursor list that draws only the rows on screen (the Line API), for lists of any length.

DataTable, ListView and OptionList cost O(rows) to fill and some O(row) per key; this costs
O(visible rows). Subclasses say how many rows there are and how to draw one; drawn rows are kept
in an LRU cache keyed by (row, is-cursor, width) and dropped when the data or the theme changes.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.cache import LRUCache
from textual.dom import NoScreen
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Part = tuple[str, RichStyle | None]
SIDEWAYS = frozenset({"scroll_left", "scroll_right", "page_left", "page_right"})

from tracetui.ui import actions
from tracetui.ui.cells import cut
from tracetui.ui.widgets.framed_rows import FramedRows
from tracetui.ui.widgets.keys_here import KeysHere
from tracetui.ui.widgets.line_pass import LinePass
from tracetui.ui.widgets.scrolling import QuietScrollbars, set_virtual_size


class VirtualList(KeysHere, FramedRows, LinePass, QuietScrollbars, ScrollView, can_focus=True):
    BINDINGS = actions.bindings("list")

    COMPONENT_CLASSES = {"virtual-list--cursor", "virtual-list--dim"}

    DEFAULT_CSS = """
    VirtualList { overflow-x: hidden; }
    VirtualList > .virtual-list--cursor { background: $accent 25%; }
    VirtualList:focus > .virtual-list--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    VirtualList > .virtual-list--dim { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    class _RowMessage(Message):
        """A row of this list, by index (subclassed: the handler name comes from the subclass)."""

        def __init__(self, sender: VirtualList, index: int) -> None:
            super().__init__()
            self.list = sender
            self.index = index

        @property
        def control(self) -> VirtualList:
            return self.list

    class Highlighted(_RowMessage):
        """The cursor moved to a row."""

    class Chosen(_RowMessage):
        """A row was opened (enter or click)."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.empty_lines: list[str] = []  # drawn while the list has no rows
        self.count = 0
        self._strips: LRUCache[tuple[int, bool, int], Strip] = LRUCache(2048)
        # The same rows once Textual has styled them (the pane's border and padding added), by the
        # same keys: a scroll marks every row of the list to be styled again, though each only moved.
        self._styled: LRUCache[tuple[int, bool, int], Strip] = LRUCache(512)
        # Component styles by (name, partial), kept as the drawn rows are: each read walks a dozen
        # ancestors' styles, half of drawing a row.
        self._parts: dict[tuple[str, bool], RichStyle] = {}

    # -- for subclasses -------------------------------------------------------------------------
    def render_row(self, index: int, width: int, is_cursor: bool) -> list[Part]:
        raise NotImplementedError

    # -- data -----------------------------------------------------------------------------------
    def set_count(self, count: int, cursor: int = 0) -> None:
        self.count = count
        self._forget_rows()
        # A list of another length re-lays out the screen only when its scrollbar comes or goes.
        set_virtual_size(self, Size(self.scrollable_content_region.width or self.size.width, count))
        cursor = max(0, min(cursor, count - 1)) if count else 0
        self.set_reactive(VirtualList.cursor, cursor)
        self._follow(cursor, center=True)
        self.refresh()
        if count:
            self.post_highlighted(cursor)

    def invalidate(self) -> None:
        """Forget every drawn row (data under them changed) and redraw."""
        self._forget_rows()
        self.refresh()

    def invalidate_row(self, index: int) -> None:
        for kept in (self._strips, self._styled):
            for key in [k for k in kept.keys() if k[0] == index]:
                kept.discard(key)
        self.refresh_line(index - int(self.scroll_offset.y))

    def _forget_rows(self) -> None:
        self._strips.clear()
        self._styled.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_rows()
        self._parts.clear()

    def on_resize(self, event: events.Resize) -> None:
        self._forget_rows()
        self.virtual_size = Size(self.scrollable_content_region.width, self.count)

    # -- drawing --------------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # Textual keeps each styled line of the widget by its place on screen until the line is
        # marked dirty; rows styled before are handed back to it by row instead (`_styled`).
        lines = self._styles_cache
        rows = self._styled_rows(crop)
        for y, key in rows:
            if lines.is_dirty(y) or y not in lines._cache:
                strip = self._styled.get(key)
                if strip is not None:
                    lines._cache[y] = strip
                    lines._dirty_lines.discard(y)
        strips = super().render_lines(crop)
        for y, key in rows:
            self._styled[key] = lines._cache[y]
        return strips

    def _styled_rows(self, crop: Region) -> list[tuple[int, tuple[int, bool, int]]]:
        """(line of the widget, key of the row drawn there) for the lines of `crop` that show a row."""
        top = self.styles.gutter.top
        first = int(self.scroll_offset.y) - top
        width = self.scrollable_content_region.width
        height = self.scrollable_content_region.height
        cursor, count = self.cursor, self.count
        return [(y, (first + y, first + y == cursor, width)) for y in crop.line_range
                if top <= y < top + height and 0 <= first + y < count]

    def render_line(self, y: int) -> Strip:
        _, top, width = self.line_place()
        index = top + y
        base = self.base_style
        if index >= self.count or index < 0:
            if not self.count and 0 < y <= len(self.empty_lines):
                # An empty list says why (the first run, a filter that matched nothing).
                text = cut(self.empty_lines[y - 1], width - 1)
                dim = base + self.part_style("virtual-list--dim")
                return Strip([Segment(" " + text, dim)]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        is_cursor = index == self.cursor
        key = (index, is_cursor, width)
        strip = self._strips.get(key)
        if strip is None:
            parts = self.render_row(index, width, is_cursor)
            line_style = base + self._component("virtual-list--cursor", False) if is_cursor else base
            segments = [Segment(text, line_style + style if style else line_style) for text, style in parts]
            strip = Strip(segments).adjust_cell_length(width, line_style)
            self._strips[key] = strip
        return strip

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Textual's scroll view binds left/right and ctrl+page up/down to sideways scrolling; a list
        # never scrolls sideways, so those keys (listed in the key help) would do nothing.
        if action in SIDEWAYS and self.styles.overflow_x == "hidden":
            return False
        return True

    def part_style(self, name: str) -> RichStyle:
        """A component's style for one part of a row: only what its own rule sets. The full style
        carries the pane's background, which painted over the cursor's on every styled part."""
        return self._component(name, True)

    def _component(self, name: str, partial: bool) -> RichStyle:
        style = self._parts.get((name, partial))
        if style is None:
            style = self._parts[name, partial] = self.get_component_rich_style(name, partial=partial)
        return style

    # -- cursor ---------------------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        self.refresh_line(old - top)
        self.refresh_line(new - top)
        self._follow(new)
        self.post_highlighted(new)

    def post_highlighted(self, index: int) -> None:
        """`Highlighted` posted to the screen, where the panes that follow a list's cursor listen, and
        stopped there. Bubbling, it climbed through the queue of each container between (two in the
        browser) and then the app's: a turn of the loop, a dispatch and an idle each, on every key."""
        message = self.Highlighted(self, index)
        try:
            screen = self.screen
        except NoScreen:
            self.post_message(message)  # not on a screen yet: bubbles up once it is
            return
        message.stop()  # no node above the screen listens
        screen.post_message(message)

    def _follow(self, index: int, center: bool = False) -> None:
        height = self.scrollable_content_region.height or self.size.height
        if height <= 0:
            return
        top = int(self.scroll_offset.y)
        if center and not (top <= index < top + height):
            self.scroll_to(y=max(0, index - height // 2), animate=False, immediate=True)
        elif index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        if self.count:
            self.cursor = max(0, min(index, self.count - 1))

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up_rows(self) -> None:
        self.move_to(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def action_page_down_rows(self) -> None:
        self.move_to(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.count - 1)

    def action_choose(self) -> None:
        if self.count:
            self.post_message(self.Chosen(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)  # inside the border and padding
        if offset is None:
            return
        index = int(self.scroll_offset.y) + offset.y
        if 0 <= index < self.count:
            again = index == self.cursor or event.chain > 1
            self.cursor = index
            if again:  # a second click acts like enter (open, fold, show a branch)
                self.action_choose()
