"""A text field whose placeholder, where the field is too narrow for it, ends in `…`.

Textual draws a placeholder as far as the field goes and stops, mid-word, with nothing to say more
was there: the replay screen's check field read `your own check command, e.g. pyt` at 80 columns
and the session filter `/ filter: words, agent:…, project:` beside the key help. Here it is cut
by `ui/cells.py`, as every row the app draws itself (docs/design.md, "The app").
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.strip import Strip
from textual.widgets import Input

from tracetui.ui.cells import cut


class CutInput(Input):
    def render_line(self, y: int) -> Strip:
        full = self.placeholder
        room = self.scrollable_content_region.width
        if y != 0 or self.value or not full or cell_len(full) <= room:
            return super().render_line(y)
        # Drawn cut, kept whole: set without a refresh (the field is being drawn) and put back.
        self.set_reactive(Input.placeholder, cut(full, room))
        try:
            return super().render_line(y)
        finally:
            self.set_reactive(Input.placeholder, full)
