"""A scroll view's virtual size set without re-laying out the screen when nothing on it moves.

`virtual_size` is a layout reactive: setting it re-lays out the whole screen (about 30 ms with the
three panes up). A list or document of a new length only needs its scrollbars updated. Where a
scrollbar shows or hides, a screen of row updates (`row_updates.RowUpdates`) places the view's bars
anew without arranging every widget; elsewhere Textual lays out as it always did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar

from tracetui.ui.widgets.kept_scrollbar import KeptScrollBar


def set_virtual_size(view: ScrollView, size: Size) -> None:
    if size == view.virtual_size:
        return
    if not view.region:
        # Not on screen (a tab not shown): the layout that shows it reads the size then.
        view.set_reactive(ScrollView.virtual_size, size)
        return
    if not settled(view, size):
        if _bars_moved(view, size):
            return
        view.virtual_size = size  # the layout it sets off sends the view its new room
        # That layout tells a scroll view nothing when its own size is unchanged, so the scrollbars
        # are decided here: a list filled in while hidden kept the scrollbar of what it held then.
        view._scroll_update(size)
        return
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)


def settled(view: ScrollView, size: Size) -> bool:
    """Whether content of this size leaves the view's scrollbars as they are (so the room of its
    content, and every other widget's place, stays as it is)."""
    return view.is_scrollable and bool(view.container_size) and _bars(view, size) == (
        view.show_horizontal_scrollbar, view.show_vertical_scrollbar
    )


def _bars_moved(view: ScrollView, size: Size) -> bool:
    """Content of `size` given to a view whose scrollbars it brings or hides, and the bars placed by the
    screen without a layout; False (nothing changed) where the screen cannot do that now."""
    rearrange = getattr(view.screen, "rearrange_bars", None)
    screen = view.screen
    if rearrange is None or view.is_container or screen._layout_required or screen._layout_widgets:
        return False
    if view._layout_required or not view.container_size:
        return False  # a layout is on its way: it will place the bars
    view.set_reactive(ScrollView.virtual_size, size)
    horizontal, vertical = _bars(view, size)
    # What Textual's `_refresh_scrollbars` sets, without the layouts its reactives and `display` ask for.
    view.set_reactive(ScrollView.show_horizontal_scrollbar, horizontal)
    view.set_reactive(ScrollView.show_vertical_scrollbar, vertical)
    bars = [(view._horizontal_scrollbar, horizontal), (view._vertical_scrollbar, vertical)]
    if horizontal:
        bars[0] = (view.horizontal_scrollbar, True)  # made when first shown, as Textual makes it
    if vertical:
        bars[1] = (view.vertical_scrollbar, True)
    for bar, shows in bars:
        if bar is not None and bar.styles.set_rule("display", "block" if shows else "none"):
            bar._nodes.updated()
    if not rearrange(view):
        view.refresh(layout=True)  # a layout then places them as Textual does
    view._scroll_update(size)
    return True


def _bars(view: ScrollView, size: Size) -> tuple[bool, bool]:
    """The (horizontal, vertical) scrollbars Textual's `_refresh_scrollbars` would show for content
    of `size`, worked out without showing them (tests/ui/test_set_virtual_size.py holds the two alike)."""
    styles = view.styles
    across, down = styles.overflow_x, styles.overflow_y
    width, height = view.container_size
    horizontal = across == "scroll" or (across == "auto" and size.width > width)
    vertical = down == "scroll" or (down == "auto" and size.height > height)
    if not (across == "auto" and down == "auto" and (horizontal, vertical) in view._scrollbar_changes):
        # One bar takes room from the other direction.
        if across == "auto" and vertical and not horizontal:
            horizontal = size.width > width - styles.scrollbar_size_vertical
        if down == "auto" and horizontal and not vertical:
            vertical = size.height > height - styles.scrollbar_size_horizontal
    return horizontal, vertical


if TYPE_CHECKING:
    _Base = ScrollView
else:
    _Base = object  # a plain mixin: Textual takes default CSS from the first DOM-node base


class QuietScrollbars(_Base):
    """A scroll view whose scrollbars repaint only when what they show changes.

    Textual's `_scroll_update` repaints both scrollbars whenever it runs: on every layout of the
    screen (each scroll view's `_size_updated`, even one whose size did not change) and on every
    new length set here. A 43-row scrollbar costs about 2 ms to draw, and a rest that brings or hides
    the detail pane's scrollbar drew the timeline's and the pane's again for nothing. The scrollbars'
    sizes and position are reactives that repaint them when they change, so the explicit repaint
    is left out; the rest is Textual's, as it is.
    """

    # Textual's two properties, making a `KeptScrollBar` (tests/ui/test_kept_scrollbar.py holds them
    # to Textual's own).
    @property
    def vertical_scrollbar(self) -> ScrollBar:
        if self._vertical_scrollbar is not None:
            return self._vertical_scrollbar
        self._vertical_scrollbar = scroll_bar = KeptScrollBar(
            vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
        )
        self._vertical_scrollbar.display = False
        self.app._start_widget(self, scroll_bar)
        return scroll_bar

    @property
    def horizontal_scrollbar(self) -> ScrollBar:
        if self._horizontal_scrollbar is not None:
            return self._horizontal_scrollbar
        self._horizontal_scrollbar = scroll_bar = KeptScrollBar(
            vertical=False, name="horizontal", thickness=self.scrollbar_size_horizontal
        )
        self._horizontal_scrollbar.display = False
        self.app._start_widget(self, scroll_bar)
        return scroll_bar

    def _scroll_update(self, virtual_size: Size) -> None:
        self._refresh_scrollbars()
        width, height = self.container_size
        if self.show_vertical_scrollbar and self.styles.scrollbar_size_vertical:
            self.vertical_scrollbar.window_virtual_size = virtual_size.height
            self.vertical_scrollbar.window_size = height - self.scrollbar_size_horizontal
        if self.show_horizontal_scrollbar and self.styles.scrollbar_size_horizontal:
            self.horizontal_scrollbar.window_virtual_size = virtual_size.width
            self.horizontal_scrollbar.window_size = width - self.scrollbar_size_vertical
        self.scroll_x = self.validate_scroll_x(self.scroll_x)
        self.scroll_y = self.validate_scroll_y(self.scroll_y)
