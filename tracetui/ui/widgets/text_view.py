"""A read-only text pane over any amount of text: it draws only the lines on screen.

Documents arrive as `Block`s (a title and a body, optionally code with a language). Bodies are
made safe with `safe_text` and kept as `Content` (never markup). Small documents are syntax
highlighted and soft-wrapped to the pane; big ones are shown unwrapped, a line clipped at
`MAX_LINE` characters, so a 10 MB single line costs no more than a short one.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from textual import events
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracetui.safe_text import clip, safe_line, safe_text
from tracetui.ui import actions

MAX_LINE = 4000  # characters of one line that are ever drawn
HIGHLIGHT_LIMIT = 200_000  # characters of code worth syntax highlighting
WRAP_LIMIT = 2_000_000  # characters up to which the document is soft-wrapped


@dataclass(slots=True)
class Block:
    title: str
    body: str
    language: str | None = None  # "json", "python", "diff", ... for highlighting
    style: str = ""  # a style for the whole body, e.g. "$text-muted"


class TextView(ScrollView, can_focus=True):
    BINDINGS = actions.bindings("text")

    DEFAULT_CSS = """
    TextView { overflow-x: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._source: list[Content] = []  # unwrapped lines
        self._lines: list[Content] = []  # lines as drawn (wrapped or not)
        self._size_chars = 0
        self.wrap = True
        self._strips: LRUCache[tuple[int, int, int], Strip] = LRUCache(1024)

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def plain_lines(self) -> list[str]:
        return [line.plain for line in self._lines]

    def show_blocks(self, blocks: list[Block]) -> None:
        self.show_lines(render_blocks(blocks))

    def show_lines(self, lines: list[Content]) -> None:
        self._source = lines
        self._size_chars = sum(len(line) for line in lines)
        self._relayout()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def _relayout(self) -> None:
        width = max(10, self.scrollable_content_region.width or self.size.width or 80)
        if self.wrap and self._size_chars <= WRAP_LIMIT:
            lines: list[Content] = []
            for line in self._source:
                if len(line) <= width:
                    lines.append(line)
                else:
                    lines.extend(line.wrap(width) or [line])
            self._lines = lines
            widest = width
        else:
            self._lines = self._source
            widest = max((line.cell_length for line in self._lines[:5000]), default=0)
        self._strips.clear()
        self.virtual_size = Size(widest, len(self._lines))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self._relayout()

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        x = int(self.scroll_offset.x)
        base = self.rich_style
        if not (0 <= index < len(self._lines)):
            return Strip.blank(width, base)
        key = (index, x, width)
        strip = self._strips.get(key)
        if strip is None:
            line = self._lines[index]
            parse = self.app.stylesheet.parse_style
            visual = self.visual_style
            segments = [
                Segment(text, style.rich_style)
                for text, style in line.render(visual, end="", parse_style=parse)
            ]
            strip = Strip(segments).crop_extend(x, x + width, base)
            self._strips[key] = strip
        return strip


def render_blocks(blocks: list[Block]) -> list[Content]:
    """Blocks as drawable lines: a title rule, then the safe, maybe highlighted body."""
    lines: list[Content] = []
    for block in blocks:
        if block.title:
            if lines:
                lines.append(Content(""))
            lines.append(Content.styled(f"── {safe_line(block.title)} ", "bold $accent"))
        lines.extend(body_lines(block.body, block.language, block.style))
    return lines


def body_lines(body: str, language: str | None = None, style: str = "") -> list[Content]:
    text = safe_text(body)
    if language == "diff":
        return [_diff_line(line) for line in text.split("\n")]
    if language and len(text) <= HIGHLIGHT_LIMIT:
        from textual.highlight import highlight

        try:
            return [_clip(line) for line in highlight(text, language=language).split("\n", allow_blank=True)]
        except Exception:  # a lexer failure must not cost the user the text
            pass
    return [Content.styled(clip(line, MAX_LINE), style) if style else Content(clip(line, MAX_LINE))
            for line in text.split("\n")]


def _clip(line: Content) -> Content:
    return line if len(line) <= MAX_LINE else line[:MAX_LINE] + Content.styled(" …(clipped)", "$text-muted")


def _diff_line(line: str) -> Content:
    line = clip(line, MAX_LINE)
    if line.startswith("+") and not line.startswith("+++"):
        return Content.styled(line, "$text-success")
    if line.startswith("-") and not line.startswith("---"):
        return Content.styled(line, "$text-error")
    if line.startswith("@@"):
        return Content.styled(line, "$text-accent")
    if line.startswith(("---", "+++", "diff ")):
        return Content.styled(line, "bold")
    return Content(line)
