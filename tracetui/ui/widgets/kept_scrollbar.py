"""A scrollbar that hands back its last drawing while it would draw the same.

Textual draws a scrollbar through the generic path of a renderable: 43 one-cell rows cost 3.5 ms,
and a list that scrolls by a row redraws its scrollbar though the thumb moved by a fraction of an
eighth of a cell (on a list of 1,300 rows, three scrolls in four draw the same bar). The bar's
segments are worked out first (cheap: one per row), and with the widget's size, the crop, its
backgrounds, opacity and the app's line filters they say whether the last drawing still stands.
Where only some rows of a vertical bar changed (a thumb moved or grew), those rows alone are drawn.
"""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip


class KeptScrollBar(ScrollBar):
    _kept: tuple[tuple, list[Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        look = self._look(crop)
        kept = self._kept
        if look is not None and kept is not None and kept[0] == look:
            return kept[1]
        strips = None if look is None or kept is None else self._redrawn(crop, kept, look)
        if strips is None:
            strips = super().render_lines(crop)
        self._kept = None if look is None else (look, strips)
        return strips

    def _redrawn(self, crop: Region, kept: tuple[tuple, list[Strip]], look: tuple) -> list[Strip] | None:
        """The kept drawing with the rows whose segment changed drawn again; None where more than the
        segments changed, or on a horizontal bar (each of its rows shows every segment)."""
        (old, *rest), strips = kept
        new = look[0]
        if not self.vertical or tuple(rest) != look[1:] or len(old) != len(new):
            return None
        changed = [y for y in crop.line_range if old[y] != new[y]]
        if not changed:
            return None
        # Textual's cache of this bar's rows still holds the unchanged ones: only the changed span is
        # marked to draw, and the rows outside it are taken from the kept drawing.
        first, last = changed[0], changed[-1]
        span = super().render_lines(Region(crop.x, first, crop.width, last - first + 1))
        return strips[: first - crop.y] + span + strips[last - crop.y + 1 :]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._kept = None

    def _look(self, crop: Region) -> tuple | None:
        """What the drawing of `crop` depends on; None where the bar is not Textual's usual one."""
        bar = self.render()
        if type(bar) is not ScrollBarRender:
            return None
        width, height = self.size
        style = bar.style
        if not isinstance(style, Style):
            return None
        segments = bar.render_bar(
            size=height if bar.vertical else width,
            window_size=bar.window_size,
            virtual_size=bar.virtual_size,
            position=bar.position,
            vertical=bar.vertical,
            thickness=width if bar.vertical else height,
            back_color=style.bgcolor or Color.parse("#555555"),  # Textual's own fallbacks
            bar_color=style.color or Color.parse("bright_magenta"),
        )
        filters = tuple(id(f) for f in self.get_line_filters())
        return (tuple(segments.segments), crop, self.size, self.background_colors, self.opacity, filters)
