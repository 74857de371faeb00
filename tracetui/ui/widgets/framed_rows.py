"""A pane's new rows put in their box directly, not through Textual's per-line styling.

Textual styles each line a widget draws (`StylesCache.render_line`): it reads the border, outline,
padding, hatch, tint and opacity rules again and makes the box's edge styles anew, for every line.
A rest on a step draws 30 to 45 new rows of the detail pane, and that styling cost about 30 us a
row, more than the row's text. For a plain box (borders left and right; no padding, outline,
hatch, tint or opacity) a styled row is the left edge, the row padded to the content's width, and
the right edge: made so here once per draw, and handed to Textual's cache of styled lines, which
then only applies the app's line filters, as it does to every line. Any other box is Textual's
alone. tests/ui/test_framed_rows.py holds the rows equal to Textual's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual._border import get_box
from textual.color import Color
from textual.filter import ANSIToTruecolor
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style

if TYPE_CHECKING:
    from tracetui.ui.widgets.line_pass import LinePass

    _Base = LinePass
else:
    _Base = object  # a plain mixin: Textual takes default CSS from the first DOM-node base

# (left edge, right edge, the content's background, first row, end row, content width, width,
# the background Textual's line filters are given)
Frame = tuple[Segment, Segment, RichStyle, int, int, int, int, Color]


class FramedRows(_Base):
    """Listed before `LinePass`: the rows Textual would style are styled here first."""

    # The frame worked out last and what it was worked out for: the widget's styles and size. What
    # an ancestor's rules change (a background, an opacity) comes with a restyle, which drops it.
    _kept_frame: tuple[tuple, Frame | None] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        key = (self.styles._cache_key, self._styles_cache._width, self.outer_size)
        kept = self._kept_frame
        if kept is not None and kept[0] == key:
            frame = kept[1]
        else:
            frame = self._frame()
            self._kept_frame = (key, frame)
        if frame is not None:
            self._put_in_frame(crop, frame)
        return super().render_lines(crop)

    def _frame(self) -> Frame | None:
        """What `StylesCache.render_line` puts around a content row of this widget now; None where
        its box is not a plain one (Textual styles those rows itself)."""
        styles = self.styles
        (_, (right, right_color), _, (left, left_color)) = styles.border
        if not (left and right) or any(styles.padding) or any(edge for edge, _ in styles.outline):
            return None
        if styles.tint.a or styles.text_opacity != 1.0 or self.opacity != 1.0:
            return None
        if styles.has_rule("hatch") and styles.hatch != "none":
            return None
        lines = self._styles_cache
        width, height = self.outer_size
        if lines._width != width:
            return None  # Textual clears its lines for a new width before drawing: nothing put in stays
        base_background, background = self.background_colors
        inner, outer = lines.get_inner_outer(base_background, background)
        left_edge = get_box(left, inner, outer, Style(foreground=base_background + left_color))[1][0]
        right_edge = get_box(right, inner, outer, Style(foreground=base_background + right_color))[1][2]
        gutter = styles.gutter
        return (left_edge, right_edge, inner.rich_style, gutter.top, height - gutter.bottom,
                self.content_region.width, width, background)  # fmt: skip

    def _put_in_frame(self, crop: Region, frame: Frame) -> None:
        left, right, inner, top, end, content_width, width, background = frame
        lines = self._styles_cache
        cache, dirty = lines._cache, lines._dirty_lines
        wanted = [y for y in crop.line_range if top <= y < end and (y in dirty or y not in cache)]
        if not wanted:
            return
        rows = self.lines_of([y - top for y in wanted])
        filters = self.get_line_filters()
        truecolor = filters[0] if filters and isinstance(filters[0], ANSIToTruecolor) else None
        for y, row in zip(wanted, rows):
            strip = cache[y] = Strip([left, *row.adjust_cell_length(content_width, inner), right], width)
            dirty.discard(y)
            if truecolor is not None:
                _as_filtered(strip, truecolor, background)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._kept_frame = None


# Whether `ANSIToTruecolor` leaves a style as it is, by filter and background, then by style.
_UNCHANGED: dict[tuple[ANSIToTruecolor, Color], dict[RichStyle, bool]] = {}


def _as_filtered(strip: Strip, truecolor: ANSIToTruecolor, background: Color) -> None:
    """Give `strip` as its own `ANSIToTruecolor`-filtered strip where the filter changes none of its
    styles (the theme's colours are truecolor already: every row here but a rare ANSI-coloured one).
    Textual's `Strip.apply_filter` made each new row's every segment anew, then a strip of them, to
    hold the same segments (textual 8.2.8; tests/ui/test_framed_rows.py pins the cache it reads)."""
    key = (truecolor, background)
    known = _UNCHANGED.get(key)
    if known is None:
        if len(_UNCHANGED) > 64:  # themes and backgrounds come and go
            _UNCHANGED.clear()
        known = _UNCHANGED[key] = {}
    rich_background = background.rich_color
    for _, style, control in strip._segments:
        if control is not None:
            return
        if style is None:
            continue
        unchanged = known.get(style)
        if unchanged is None:
            if len(known) > 4096:
                known.clear()
            unchanged = known[style] = truecolor.truecolor_style(style, rich_background) is style
        if not unchanged:
            return
    strip._filter_cache[key] = strip
