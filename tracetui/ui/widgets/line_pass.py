"""What every line of a Line API widget's draw shares, worked out once instead of once per line.

`Widget.rich_style` walks every ancestor's styles (a dozen nodes here) each time it is read, and the
scroll offset and the content region are properties worked out on each read; the detail pane and
the lists read all three for each line they draw, and at 160x48 that was over half of drawing the
detail pane on a rest. Textual restyles a widget (`notify_style_update`) whenever its own or an
ancestor's rules change (a class, focus, the theme): the kept style is dropped then, as the widgets'
kept lines already are. The offset and width are kept only for the length of one `render_lines`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget
else:
    # A plain mixin at run time: Textual takes a widget's default CSS from its first base that is a
    # DOM node, which must stay the scroll view.
    _Base = object


class LinePass(_Base):
    """`base_style`: `rich_style` kept until the next restyle; `line_place()`: the scroll offset and
    the content width, read once per draw."""

    _kept_style: Style | None = None
    _place: tuple[int, int, int] | None = None

    @property
    def base_style(self) -> Style:
        style = self._kept_style
        if style is None:
            style = self._kept_style = self.rich_style
        return style

    def line_place(self) -> tuple[int, int, int]:
        """(scroll x, scroll y, content width) of the draw under way (or of now, outside one)."""
        place = self._place
        if place is None:
            offset = self.scroll_offset
            place = (int(offset.x), int(offset.y), self.scrollable_content_region.width)
        return place

    def render_lines(self, crop: Region) -> list[Strip]:
        offset = self.scroll_offset
        self._place = (int(offset.x), int(offset.y), self.scrollable_content_region.width)
        try:
            return super().render_lines(crop)
        finally:
            self._place = None

    def lines_of(self, rows: Iterable[int]) -> list[Strip]:
        """`render_line` of each row outside a draw (a pane comparing its new rows with those on screen),
        with the place read once for them all, as a draw does."""
        if self._place is not None:
            return [self.render_line(y) for y in rows]
        self._place = self.line_place()
        try:
            return [self.render_line(y) for y in rows]
        finally:
            self._place = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._kept_style = None
