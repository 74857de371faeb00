"""A scroll view's virtual size set without re-laying out the screen when nothing on it moves.

`virtual_size` is a layout reactive: setting it re-lays out the whole screen (about 30 ms with the
three panes up). A list or document of a new length only needs its scrollbars updated, unless a
scrollbar shows or hides (the room of the content changes): then Textual lays out as it always did.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.scroll_view import ScrollView


def set_virtual_size(view: ScrollView, size: Size) -> None:
    if size == view.virtual_size:
        return
    if not view.region:
        # Not on screen (a tab not shown): the layout that shows it reads the size then.
        view.set_reactive(ScrollView.virtual_size, size)
        return
    if not settled(view, size):
        view.virtual_size = size  # the layout it sets off sends the view its new room
        # That layout tells a scroll view nothing when its own size is unchanged, so the scrollbars
        # are decided here: a list filled in while hidden kept the scrollbar of what it held then.
        view._scroll_update(size)
        return
    view.set_reactive(ScrollView.virtual_size, size)
    view._scroll_update(size)


def settled(view: ScrollView, size: Size) -> bool:
    """Whether content of this size fits the view's room as it is: on screen, as wide as the room at
    most, and showing or hiding the vertical scrollbar as the content before did."""
    if view.show_horizontal_scrollbar or view.styles.overflow_y != "auto":
        return False
    vertical = size.height > view.container_size.height
    return vertical == view.show_vertical_scrollbar and size.width <= view.scrollable_content_region.width
