"""A screen whose partial updates draw only the rows they change.

For an update of part of the screen (a list's cursor moving two rows), Textual's compositor draws
every widget whose clip meets the changed area, and each of them whole: at 160x48 a cursor step in
the timeline drew its 45 rows, the footer, the title, the right pane's box and every container
behind them (2.9 ms of a key's 5.4 ms in the app), and kept two rows of it. This compositor asks
each widget only for its rows inside the changed area; the rows outside it were never written to
the terminal. A full update (a new screen, a resize) is Textual's, unchanged. The measures:
docs/internals/ui.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

# Stands for a row above the changed area: the compositor skips every row it does not write, so
# this is never drawn.
_UNDRAWN = Strip([])


Drawn = list[tuple[int, int, int, int]]  # the columns (from, to) and rows (from, to) widgets in front drew


class RowCompositor(Compositor):
    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if crop is None:
            yield from super()._get_renders(crop)
            return
        top, bottom = crop.y, crop.bottom
        drawn: Drawn = []
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            if not shown or not crop.overlaps(shown):
                continue
            first, last = max(shown.y, top), min(shown.bottom, bottom)
            if _hidden(shown, crop, first, last, drawn):
                continue
            drawn.append((shown.x, shown.right, first, last))
            wanted = Region(shown.x - region.x, first - region.y, shown.width, last - first)
            rows = widget.render_lines(wanted)
            # The caller pairs strips with the rows of `shown` from its top, and stops at the last strip.
            yield region, clip, [_UNDRAWN] * (first - shown.y) + rows


def _hidden(shown: Region, crop: Region, first: int, last: int, drawn: Drawn) -> bool:
    """Whether a widget in front already drew every piece of this one the update writes.

    The compositor cuts each row at every widget's edges and keeps, for each piece, the first
    widget's (the front's). A widget in front spanning these rows and the columns this widget has
    inside the changed area fills every piece the update writes there: a piece that starts outside
    its columns ends at its edge, outside the changed area."""
    left, right = max(shown.x, crop.x), min(shown.right, crop.right)
    return any(x <= left and right <= end and above <= first and last <= below
               for x, end, above, below in drawn)


if TYPE_CHECKING:
    from textual.screen import Screen

    _Base = Screen
else:
    _Base = object  # a plain mixin: Textual takes default CSS from the first DOM-node base


class RowUpdates(_Base):
    """A screen that composes with `RowCompositor` (listed before Textual's screen class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compositor = RowCompositor()
