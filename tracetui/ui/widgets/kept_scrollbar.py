"""A scrollbar that hands back its last drawing while it would draw the same.

Textual draws a scrollbar through the generic path of a renderable (43 one-cell rows: 3.5 ms), even
when its thumb moved by a fraction of an eighth of a cell. The bar's segments, size, crop,
backgrounds, opacity and line filters say whether the last drawing still stands; a vertical bar's
rows are also kept by segment, so a thumb that moved is put together from rows drawn before. More in
docs/internals/ui.md (`ui/widgets/kept_scrollbar.py`).
"""

from __future__ import annotations

from functools import lru_cache

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip


class KeptScrollBar(ScrollBar):
    _kept: tuple[tuple, list[Strip]] | None = None
    # A vertical bar's rows by segment, for each of the last looks' rests (`_rest`) they were drawn
    # with: the detail pane's bar is a row shorter while a step's horizontal bar shows, and rests
    # go back and forth between the two.
    _rows: dict[tuple, dict[Segment, Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        look = self._look(crop)
        kept = self._kept
        if look is not None and kept is not None and kept[0] == look:
            return kept[1]
        strips = None if look is None else self._from_rows(crop, look)
        if strips is None and look is not None and kept is not None:
            strips = self._redrawn(crop, kept, look)
        if strips is None:
            strips = super().render_lines(crop)
        if look is not None:
            self._learn(crop, look, strips)
        self._kept = None if look is None else (look, strips)
        return strips

    def _from_rows(self, crop: Region, look: tuple) -> list[Strip] | None:
        """The bar put together from rows drawn before; None where one of its segments was not."""
        known = None if self._rows is None or not self.vertical else self._rows.get(_rest(look))
        if known is None:
            return None
        segments = look[0]
        try:
            return [known[segments[y]] for y in crop.line_range]
        except KeyError:
            return None

    def _learn(self, crop: Region, look: tuple, strips: list[Strip]) -> None:
        if not self.vertical:
            return
        rest = _rest(look)
        rows = self._rows
        if rows is None:
            rows = self._rows = {}
        known = rows.get(rest)
        if known is None:
            if len(rows) >= LOOKS_KEPT:
                rows.pop(next(iter(rows)))
            known = rows[rest] = {}
        segments = look[0]
        for y, strip in zip(crop.line_range, strips):
            known.setdefault(segments[y], strip)

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
        self._rows = None

    def _look(self, crop: Region) -> tuple | None:
        """What the drawing of `crop` depends on; None where the bar is not Textual's usual one."""
        bar = self.render()
        if type(bar) is not ScrollBarRender:
            return None
        width, height = self.size
        style = bar.style
        if not isinstance(style, Style):
            return None
        segments = _bar_segments(
            height if bar.vertical else width,
            bar.window_size,
            bar.virtual_size,
            bar.position,
            bar.vertical,
            width if bar.vertical else height,
            style.bgcolor or _BACK,
            style.color or _BAR,
        )
        filters = tuple(id(f) for f in self.get_line_filters())
        return (segments, crop, self.size, self.background_colors, self.opacity, filters)


LOOKS_KEPT = 4
_BACK, _BAR = Color.parse("#555555"), Color.parse("bright_magenta")  # Textual's own fallbacks


@lru_cache(maxsize=512)
def _bar_segments(size: int, window_size: int, virtual_size: int, position: float, vertical: bool,
                  thickness: int, back: Color, bar: Color) -> tuple[Segment, ...]:
    """Textual's segments of a bar, kept by what makes them: each drawing makes every one of its styles
    anew (a third of a rest's time in the bar), and a detail pane's rests bring back the same bars."""
    made = ScrollBarRender.render_bar(size=size, window_size=window_size, virtual_size=virtual_size,
                                      position=position, vertical=vertical, thickness=thickness,
                                      back_color=back, bar_color=bar)
    return tuple(made.segments)


def _rest(look: tuple) -> tuple:
    """What a vertical bar's row depends on besides its segment: the look without the segments and
    the crop's rows (its columns stay)."""
    _, crop, *rest = look
    return (crop.x, crop.width, *rest)
