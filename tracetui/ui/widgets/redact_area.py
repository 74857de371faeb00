"""A read-only TextArea that paints redaction spans by their state.

Log text is untrusted, so what the TextArea holds is `safe_text` applied character by character;
`DisplayMap` keeps the two offset spaces aligned (a control character becomes one or more visible
characters, a tab four spaces), so a span found in the raw text lands on the same characters on
screen, and a selection on screen maps back to raw offsets.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from rich.style import Style
from textual.widgets import TextArea
from textual.widgets.text_area import Document, Selection, TextAreaTheme

from tracetui.safe_text import safe_text

# Span states -> how they look. "current" is drawn over whichever span the cursor is on.
STATE_STYLES = {
    "redact.auto": Style(color="black", bgcolor="#d08770"),
    "redact.accepted": Style(color="black", bgcolor="#bf616a"),
    "redact.manual": Style(color="black", bgcolor="#b48ead"),
    "redact.pending": Style(color="black", bgcolor="#ebcb8b"),
    "redact.rejected": Style(color="#a3be8c", underline=True),
    "redact.current": Style(reverse=True, bold=True),
}
THEME_NAME = "tracetui-redact"


class DisplayMap:
    """Offsets between a raw text and its safe, displayable form."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        shown = safe_text(raw)
        if shown == raw:
            self.text = raw
            self._starts: list[int] | None = None
            return
        # Rare path (the text holds control or invisible characters): map each one.
        starts: list[int] = []
        pieces: list[str] = []
        pos = 0
        for i, ch in enumerate(raw):
            starts.append(pos)
            # With the character before: a variation selector is kept only after one a reader sees.
            if i and not ch.isascii():
                piece = safe_text(raw[i - 1 : i + 1])[len(safe_text(raw[i - 1])) :]
            else:
                piece = safe_text(ch)
            pieces.append(piece)
            pos += len(piece)
        starts.append(pos)
        self.text = "".join(pieces)
        self._starts = starts

    def to_display(self, raw_offset: int) -> int:
        raw_offset = max(0, min(raw_offset, len(self.raw)))
        return raw_offset if self._starts is None else self._starts[raw_offset]

    def to_raw(self, display_offset: int) -> int:
        if self._starts is None:
            return max(0, min(display_offset, len(self.raw)))
        # The raw character whose display piece contains this offset.
        i = bisect.bisect_right(self._starts, display_offset) - 1
        return max(0, min(i, len(self.raw)))


@dataclass(slots=True)
class PaintedSpan:
    start: int  # display offsets
    end: int
    state: str  # a key of STATE_STYLES without the "redact." prefix


# TextArea's actions that change the text, and the sideways scrolling a wrapped text never needs.
_DOES_NOTHING = frozenset({
    "delete_left", "delete_word_left", "delete_right", "delete_word_right", "cut", "paste",
    "delete_to_start_of_line", "delete_to_end_of_line_or_delete_line", "delete_to_end_of_line",
    "delete_line", "undo", "redo", "scroll_left", "scroll_right", "page_left", "page_right",
})  # fmt: skip


class RedactArea(TextArea):
    """Read-only text with painted spans; the screen owns the data and calls `show`."""

    DEFAULT_CSS = """
    RedactArea { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        # Set before TextArea's constructor, which already builds the highlight map.
        self.map = DisplayMap("")
        self.painted: list[PaintedSpan] = []
        super().__init__("", read_only=True, soft_wrap=True, show_line_numbers=False, id=id, classes=classes)
        base = TextAreaTheme.get_builtin_theme("css")
        styles = dict(base.syntax_styles) if base is not None else {}
        styles.update(STATE_STYLES)
        self.register_theme(TextAreaTheme(name=THEME_NAME, syntax_styles=styles))
        self.theme = THEME_NAME

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The text is read-only and wrapped: TextArea's editing keys and its sideways scrolling do
        # nothing here, so neither the key help nor the footer offers them.
        if action in _DOES_NOTHING:
            return False
        return True

    def show(self, raw: str, spans: list[PaintedSpan]) -> None:
        """Replace the text (raw, untrusted) and its spans (raw offsets)."""
        self.map = DisplayMap(raw)
        self.painted = [PaintedSpan(self.map.to_display(s.start), self.map.to_display(s.end), s.state) for s in spans]
        self.load_text(self.map.text)  # rebuilds the highlight map

    def repaint(self, spans: list[PaintedSpan]) -> None:
        """New span states on the same text."""
        self.painted = [PaintedSpan(self.map.to_display(s.start), self.map.to_display(s.end), s.state) for s in spans]
        self._build_highlight_map()
        self.refresh()

    @property
    def _text_document(self) -> Document:
        doc = self.document
        assert isinstance(doc, Document)  # a TextArea without a syntax tree holds a plain Document
        return doc

    def select_raw(self, start: int, end: int) -> None:
        doc = self._text_document
        a = doc.get_location_from_index(self.map.to_display(start))
        b = doc.get_location_from_index(self.map.to_display(end))
        self.selection = Selection(a, b)
        self.scroll_cursor_visible(center=True)

    def raw_selection(self) -> tuple[int, int] | None:
        """The selection as raw offsets, or None when nothing is selected."""
        start, end = sorted(self.selection)
        if start == end:
            return None
        doc = self._text_document
        a = self.map.to_raw(doc.get_index_from_location(start))
        b_disp = doc.get_index_from_location(end)
        b = self.map.to_raw(b_disp - 1) + 1 if b_disp > 0 else 0
        return (a, b) if a < b else None

    def _build_highlight_map(self) -> None:
        # Replaces the syntax-tree highlighting: the "syntax" here is the redaction spans. Columns
        # are UTF-8 byte offsets within a line, as TextArea's renderer expects.
        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        if not self.painted:
            return
        doc = self._text_document
        for span in self.painted:
            if span.end <= span.start:
                continue
            (r0, c0), (r1, c1) = doc.get_location_from_index(span.start), doc.get_location_from_index(span.end)
            name = f"redact.{span.state}"
            for row in range(r0, r1 + 1):
                line = doc.get_line(row)
                a = c0 if row == r0 else 0
                b = c1 if row == r1 else len(line)
                if b <= a:
                    continue
                highlights[row].append((len(line[:a].encode()), len(line[:b].encode()), name))
