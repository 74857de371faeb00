"""A text field whose placeholder, where the field is too narrow for it, ends in `…`.

Textual draws a placeholder as far as the field goes and stops, mid-word, with nothing to say more
was there: the replay screen's check field read `your own check command, e.g. pyt` at 80 columns
and the session filter `/ filter: words, agent:…, project:` beside the key help. Here it is cut
by `ui/cells.py`, as every row the app draws itself (docs/design.md, "The app").
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.highlighter import Highlighter
from rich.text import Text
from textual.strip import Strip
from textual.widgets import Input

from tracetui.safe_text import safe_chars
from tracetui.ui.cells import cut


class _Visible(Highlighter):
    """A field's value drawn with a visible character for each one that acts (Textual draws it as it is,
    and the app fills fields with a log's words: `p` puts the project, the log's folder, in the
    filter). One for one, so the cursor stays on its character; the value itself is kept."""

    def highlight(self, text: Text) -> None:
        shown = safe_chars(text.plain)
        if shown != text.plain:
            text.plain = shown


class CutInput(Input):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("highlighter", _Visible())
        super().__init__(*args, **kwargs)

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
