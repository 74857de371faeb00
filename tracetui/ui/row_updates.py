"""A screen whose partial updates draw only the rows they change.

For an update of part of the screen (a list's cursor moving two rows), Textual's compositor draws
every widget whose clip meets the changed area, and each of them whole: at 160x48 a cursor step in
the timeline drew its 45 rows, the footer, the title, the right pane's box and every container
behind them, and kept two rows of it. This compositor asks each widget only for its rows inside the
changed area. A widget whose part of each changed region a widget in front covers is not asked at
all (a pane's scrollbars redrawn over its rows). A widget drawn in a frame is not drawn again for
the repaint it asked for before. A full update (a new screen, a resize) is Textual's, unchanged.
The measures: docs/internals/ui.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from textual import events, messages
from textual._compositor import ChopsUpdate, Compositor, CompositorMap, MapGeometry
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

# Stands for a row above the changed area: the compositor skips every row it does not write, so
# this is never drawn.
_UNDRAWN = Strip([])


Drawn = list[tuple[int, int, int, int]]  # the columns (from, to) and rows (from, to) widgets in front drew


class RowCompositor(Compositor):
    # The changed regions of the partial update under way (their union is its crop).
    _regions: list[Region] | None = None

    def render_partial_update(self) -> ChopsUpdate | None:
        self._regions = list(self._dirty_regions)
        try:
            update = super().render_partial_update()
        finally:
            self._regions = None
        return None if update is None else CursorChops(update.chops, update.spans, update.chop_ends)

    def _get_renders(self, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if crop is None:
            yield from super()._get_renders(crop)
            return
        regions = self._regions or [crop]
        drawn: Drawn = []
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            if not shown or not crop.overlaps(shown):
                continue
            wanted_rows = _rows_to_draw(shown, regions, drawn)
            if wanted_rows is None:
                continue
            first, last = wanted_rows
            drawn.append((shown.x, shown.right, first, last))
            wanted = Region(shown.x - region.x, first - region.y, shown.width, last - first)
            rows = widget.render_lines(wanted)
            # The caller pairs strips with the rows of `shown` from its top, and stops at the last strip.
            yield region, clip, [_UNDRAWN] * (first - shown.y) + rows


    def rearrange_bars(self, view: Widget) -> tuple[set[Widget], set[Widget], set[Widget]] | None:
        """Place a scroll view's scrollbars anew where only they came or went: what a layout of the
        screen would change (the bars' entries, the room of the view's rows), without arranging every
        widget again. (hidden, shown, resized) scrollbars; None where the view is not placed or is a
        container."""
        maps = [m for m in (None if self._full_map_invalidated else self._full_map, self._visible_map)
                if m is not None]  # fmt: skip
        if view.is_container or not maps or any(view not in m for m in maps):
            return None
        bars = {view._vertical_scrollbar, view._horizontal_scrollbar, view._scrollbar_corner}
        before: set[Widget] = set()
        after: set[Widget] = set()
        resized: set[Widget] = set()
        for m in maps:
            made = _placed(view, m[view], bars)
            before |= {w for w in m if w in bars}
            after |= {w for w, _ in made} - {view}
            resized |= {w for w, g in made if w in m and m[w].region.size != g.region.size}
            changed = _with(m, view, bars, made)
            # The bars' old and new places are drawn again; the view redraws its own rows that changed
            # (a layout would redraw it whole, as the room of its rows changed with a horizontal bar).
            moved = {(w, g) for w, g in changed.items() ^ m.items() if w is not view}
            self._dirty_regions.update(
                region for region in (g.clip.intersection(g.region) for _, g in moved) if region
            )
            m.clear()
            m.update(changed)
        self._cuts = self._layers = self._layers_visible = self._visible_widgets = None
        return before - after, after - before, resized


def _placed(view: Widget, geometry: MapGeometry, bars: set) -> list[tuple[Widget, MapGeometry]]:
    """The view's scrollbars and the view, placed as `Compositor._arrange_root` places a scroll view
    that is not a container (Textual 8.2.8; tests/ui/test_row_updates.py holds the two alike)."""
    region, order, clip, _, container_size, virtual_region, dock_gutter = geometry
    room = region.shrink(view.styles.gutter)
    placed = []
    if (view.show_vertical_scrollbar or view.show_horizontal_scrollbar) and (
        view.styles.scrollbar_visibility == "visible"
    ):
        placed = [(bar, MapGeometry(place, order, clip, container_size, container_size, place, dock_gutter))
                  for bar, place in view._arrange_scrollbars(room)]  # fmt: skip
    rows = room if view.loading else view._get_scrollable_region(room)
    return [*placed, (view, geometry._replace(virtual_size=rows.reset_offset.size))]


def _with(map: CompositorMap, view: Widget, bars: set, placed: list) -> CompositorMap:
    """`map` with the view's old scrollbars out and `placed` where the view was (a layout puts a view's
    bars just before it, which keeps them in front of it)."""
    new: CompositorMap = {}
    for widget, geometry in map.items():
        if widget in bars:
            continue
        if widget is view:
            new.update(placed)
        else:
            new[widget] = geometry
    return new


def _rows_to_draw(shown: Region, regions: list[Region], drawn: Drawn) -> tuple[int, int] | None:
    """The rows (from, to) a widget showing in `shown` draws for the changed `regions`: those of each
    region's part in it that no one widget in front already drew; None where there is no such part.

    The compositor cuts each row at every widget's edges and keeps, for each piece, the first
    widget's (the front's). A widget in front spanning a part's rows and columns fills every piece
    the update writes there: a piece that starts outside its columns ends at its edge, outside the
    part. The rows between two parts are drawn too (the compositor pairs the strips with rows)."""
    first = last = -1
    for changed in regions:
        part = changed.intersection(shown)
        if not part:
            continue
        left, right, top, bottom = part.x, part.right, part.y, part.bottom
        if any(x <= left and right <= end and above <= top and bottom <= below
               for x, end, above, below in drawn):
            continue
        if first < 0 or top < first:
            first = top
        if bottom > last:
            last = bottom
    return None if first < 0 else (first, last)


class CursorChops(ChopsUpdate):
    """Textual's partial update, written with the cursor moves made as Rich makes them but without a
    `Control` for each (two or three objects a piece, 160 pieces a rest: a twentieth of its time)."""

    def render_segments(self, console: Console) -> str:
        # Textual 8.2.8's `ChopsUpdate.render_segments` but for `move_to`; tests/ui/test_row_updates.py
        # holds the two to the same bytes.
        sequences: list[str] = []
        append = sequences.append
        chops = self.chops
        chop_ends = self.chop_ends
        last_y = self.spans[-1][0]
        for y, x1, x2 in self.spans:
            line = chops[y]
            ends = chop_ends[y]
            for end, (x, strip) in zip(ends, line.items()):
                if strip is None or x > x2 or end <= x1:
                    continue
                if not (x2 > x >= x1 and end <= x2):
                    strip = strip.crop(0, min(end, x2) - x)
                append(f"\x1b[{y + 1};{x + 1}H")
                append(strip.render(console))
            if y != last_y:
                append("\n")
        return "".join(sequences)


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

    def rearrange_bars(self, view: Widget) -> bool:
        """Show a scroll view's new scrollbars without laying out the screen (about 2 ms a rest on a
        step whose text brings or hides a bar); False where a layout is due anyway or the view is not
        placed (the caller lets Textual lay out)."""
        if self._layout_required or self._layout_widgets or not self.is_current:
            return False
        compositor = self._compositor
        assert isinstance(compositor, RowCompositor)
        moved = compositor.rearrange_bars(view)
        if moved is None:
            return False
        _, shown, resized = moved
        # What Textual's layout then does for each widget placed (here only the view and its bars). It
        # sends a bar that goes no Hide (its hidden widgets are those it arranged, never a bar).
        for widget, (region, _, _, virtual_size, container_size, *_) in compositor.layers:
            if widget is view or widget in shown or widget in resized:
                # Without the layout a bar's new virtual size would ask for (a bar has nothing to lay out).
                widget._size_updated(region.size, virtual_size, container_size, layout=False)
                if widget in shown or widget in resized:
                    widget.post_message(events.Resize(region.size, virtual_size, container_size))
        for widget in shown:
            widget.post_message(events.Show())
        # The bars placed repaint (their sizes changed): drawn in the view's frame, not one of their own.
        self._dirty_widgets.update({view} | shown | resized)
        self.check_idle()
        return True

    def _on_timer_update(self) -> None:
        # A widget marked dirty here directly (`rearrange_bars`) may have its refresh still to pass on
        # from its own queue, or its Update waiting in this screen's: its rows are drawn in this frame,
        # and that Update made a frame of its own that drew them again or nothing (a third of the rests
        # in the timeline). A refresh asked while the frame is drawn marks the widget again.
        self._join_repaints_on_their_way()
        for widget in self._dirty_widgets:
            widget._repaint_required = False
        super()._on_timer_update()

    def _join_repaints_on_their_way(self) -> None:
        """Draw in this frame the widgets on screen with a repaint asked (regions still to draw) whose
        Update this screen has not handled yet: it comes from the widget's own queue a turn or two after
        the refresh, and a screen marked dirty directly (`rearrange_bars`) drew its frame before it. A
        preview from the session list (the timeline, the title and the detail pane refreshed in one
        handler) drew a third of its rests in two frames so. Left to their Updates where anything else
        is due first (a layout, a scroll, a restyle)."""
        dirty = self._dirty_widgets
        if not dirty or self._layout_required or self._scroll_required or self._repaint_required:
            return
        for widget in self._compositor.visible_widgets:
            if (widget._repaint_regions and widget is not self
                    and not (widget._layout_required or widget._scroll_required
                             or widget._refresh_styles_required)):  # fmt: skip
                dirty.add(widget)

    async def _on_update(self, message: messages.Update) -> None:
        # Textual's `Screen._on_update` (8.2.8) but for two things: a widget with nothing left to draw
        # (a frame since it asked drew its rows, see above) is not marked; and no Prompt is posted to
        # make this queue idle: it idles as soon as it is empty after this message (a message and a
        # turn of the loop for each widget refreshed).
        message.stop()
        message.prevent_default()
        widget = message.widget
        assert isinstance(widget, Widget)
        if not widget._repaint_regions and widget in self._compositor.visible_widgets:
            return
        if self in self._compositor:
            self._dirty_widgets.add(widget)
