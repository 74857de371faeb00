"""A read-only text pane over any amount of text: it draws only the lines on screen.

Documents arrive as `Block`s (a title and a body, optionally code with a language). Bodies are
made safe with `safe_text` and kept as `Content` (never markup). Small documents are syntax
highlighted and soft-wrapped to the pane (a diff is not: its code scrolls sideways); big ones are shown unwrapped, a line clipped at
`MAX_LINE` characters, so a 10 MB single line costs no more than a short one.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any

from rich._wrap import divide_line
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.cache import LRUCache
from textual.content import Content, Span
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style

from tracetui.safe_text import clip, safe_line, safe_text
from tracetui.ui import actions
from tracetui.ui.cells import drawable
from tracetui.ui.widgets.framed_rows import FramedRows
from tracetui.ui.widgets.keys_here import KeysHere
from tracetui.ui.widgets.line_pass import LinePass
from tracetui.ui.widgets.scrolling import QuietScrollbars, set_virtual_size

MAX_LINE = 4000  # characters of one line that are ever drawn
HIGHLIGHT_LIMIT = 200_000  # characters of code worth syntax highlighting
WRAP_LIMIT = 2_000_000  # characters up to which the document is soft-wrapped


@dataclass(slots=True)
class Block:
    title: str
    body: str
    language: str | None = None  # "json", "python", "diff", ... for highlighting
    style: str = ""  # a style for the whole body, e.g. "$text-muted"


class TextView(KeysHere, FramedRows, LinePass, QuietScrollbars, ScrollView, can_focus=True):
    BINDINGS = actions.bindings("text")

    DEFAULT_CSS = """
    TextView { overflow-x: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._doc = Document([])
        self._layout = _Layout.plain(0)
        self._pieces: LRUCache[int, list[Content]] = LRUCache(256)  # a wrapped line's rows, by source line
        self.wrap = True
        self._strips: LRUCache[tuple[int, int, int], Strip] = LRUCache(1024)
        # The Rich style of each stack of span styles met on the pane's rows, for its visual style.
        self._styled: tuple[object, dict[tuple, RichStyle]] = (None, {})

    @property
    def document(self) -> Document:
        return self._doc

    @property
    def line_count(self) -> int:
        return self._layout.rows

    @property
    def _source(self) -> list[Content]:
        """Every line before soft-wrapping (all made: for tests and small documents)."""
        return [self._doc.line(i) for i in range(self._doc.count)]

    def plain_lines(self) -> list[str]:
        return [self._row(y).plain for y in range(self._layout.rows)]

    def show_blocks(self, blocks: list[Block]) -> None:
        self.show_document(Document(blocks))

    def show_lines(self, lines: list[Content]) -> None:
        self.show_document(Document.of_lines(lines))

    def show_document(self, document: Document) -> None:
        """Show a document; a document shown before (a step the cursor comes back to) keeps the lines
        and the soft-wrapping it made then. Only the rows that differ from the last document's are
        redrawn (a short step's blank rows, and the rows two steps share, stay on screen as they are)."""
        shown = self._on_screen()
        self._doc = document
        self._relayout(shown)
        self.scroll_to(0, 0, animate=False, immediate=True)

    def _on_screen(self) -> tuple[tuple, list[Strip]] | None:
        """The rows on screen as drawn and what else their drawing depends on; None where a new
        document redraws the pane whole anyway (scrolled, or not drawn yet)."""
        if self.scroll_offset != (0, 0) or not self.region or self._repaint_required:
            return None
        height = self.scrollable_content_region.height
        return self._look(), self.lines_of(range(height))

    def _look(self) -> tuple:
        # The bars are not in it: a bar that comes or goes changes the rows' room (the region) unless
        # its gutter is kept, and then the rows beneath it are drawn as they were.
        region = self.scrollable_content_region
        return (region.x, region.y, region.width, self.base_style)

    def pane(self) -> Room:
        """The room a document is wrapped to: the pane's width with no scrollbar, its height, and the
        columns a vertical scrollbar takes when the document needs one."""
        styles = self.styles
        bar = styles.scrollbar_size_vertical if styles.overflow_y in ("auto", "scroll") else 0
        always = styles.overflow_y == "scroll" or styles.scrollbar_gutter == "stable"
        return Room(self.size.width, self.size.height, bar, always)

    def _relayout(self, shown: tuple[tuple, list[Strip]] | None = None) -> None:
        """Lay the document out for the pane and redraw it: whole, or where `shown` (`_on_screen`) gives
        the rows on screen, only those that the new layout draws otherwise."""
        if self.wrap and self._doc.size_chars <= WRAP_LIMIT:
            self._layout = self._doc.fit(self.pane())
            widest = max(self._layout.width, self._layout.widest)
        else:
            self._layout = _Layout.plain(self._doc.count)
            widest = self._doc.widest()
        self._pieces.clear()
        self._strips.clear()
        set_virtual_size(self, Size(widest, self._layout.rows))
        if shown is None or shown[0] != self._look() or self.scroll_offset != (0, 0):
            self.refresh()
            return
        # The pane's box and width are as they were: a row drawn the same is left on screen.
        # Its new drawing is kept (`_strips`), for the rows redrawn.
        # A horizontal bar that came or went took or gave back the last row: the rows below the old
        # height are new.
        before = shown[1]
        height = self.scrollable_content_region.height
        rows = self.lines_of(range(height))
        changed = [y for y, row in enumerate(rows) if y >= len(before) or row != before[y]]
        width = max(self.virtual_size.width, self.size.width)
        for first, last in _runs(changed):
            self.refresh(Region(0, first, width, last - first + 1))

    def _row(self, y: int) -> Content:
        """The line drawn on row `y` of the document (a piece of a soft-wrapped line)."""
        index, piece = self._layout.locate(y)
        line = self._doc.line(index)
        if not self._layout.wraps(index):
            return line
        pieces = self._pieces.get(index)
        if pieces is None:
            width = self._layout.width
            cuts = self._layout.cuts.get(index)
            pieces = _cut(line, cuts, width) if cuts is not None else line.wrap(width) or [line]
            self._pieces[index] = pieces
        return pieces[min(piece, len(pieces) - 1)]

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._styled = (None, {})

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap
        self._relayout()

    def render_line(self, y: int) -> Strip:
        x, top, width = self.line_place()
        index = top + y
        base = self.base_style
        if not (0 <= index < self._layout.rows):
            return Strip.blank(width, base)
        key = (index, x, width)
        strip = self._strips.get(key)
        if strip is None:
            line = self._row(index)
            visual = self.visual_style
            if self._styled[0] is not visual:
                self._styled = (visual, {})
            parse = self.app.stylesheet.parse_style
            strip = Strip(_segments(line, visual, parse, self._styled[1])).crop_extend(x, x + width, base)
            self._strips[key] = strip
        return strip


def _segments(line: Content, visual: Style, parse: Callable[[str], Style], known: dict[tuple, RichStyle]
              ) -> list[Segment]:
    """`line` as `Content.render` draws it on `visual`, each segment with its Rich style. Content makes
    a new style for each stack of spans on each line, and Rich's style from it anew: a highlighted row
    shares its stacks with the rows before it, so their Rich styles are kept (`known`, by the stack's
    span styles) for as long as the pane's look stands."""
    spans = line.spans
    text = line.plain
    if not spans:
        return [Segment(text, visual.rich_style)]
    # Content.render's walk: the edges sorted by offset, entering before leaving, in span order.
    edges = [(0, False, 0)]
    edges.extend((span.start, False, index) for index, span in enumerate(spans, 1))
    edges.extend((span.end, True, index) for index, span in enumerate(spans, 1))
    edges.append((len(text), True, 0))
    edges.sort(key=itemgetter(0, 1))
    stack: list[int] = []
    segments: list[Segment] = []
    for (offset, leaving, index), (next_offset, _, _) in zip(edges, edges[1:]):
        if leaving:
            stack.remove(index)
        else:
            stack.append(index)
        if next_offset > offset:
            key = tuple(spans[i - 1].style if i else None for i in sorted(stack))
            rich = known.get(key)
            if rich is None:
                styles = [visual if style is None else parse(style) if isinstance(style, str) else style
                          for style in key]
                rich = known[key] = Style.combine(styles).rich_style
            segments.append(Segment(text[offset:next_offset], rich))
    return segments


def _runs(rows: list[int]) -> Iterator[tuple[int, int]]:
    """Consecutive rows as (first, last) runs."""
    start = prev = None
    for row in rows:
        if prev is not None and row == prev + 1:
            prev = row
            continue
        if start is not None and prev is not None:
            yield start, prev
        start = prev = row
    if start is not None and prev is not None:
        yield start, prev


def _cut(line: Content, cuts: list[int], width: int) -> list[Content]:
    """The rows `line.wrap(width)` makes, at the cuts `divide_line` found when the document was wrapped
    (`Document.wrapped`): each row but the last loses its trailing space, and none is wider than `width`."""
    rows = line.expand_tabs().divide(cuts)
    last = len(rows) - 1
    return [
        (row if i == last else row.rstrip()).truncate(width).rstrip_end(width) for i, row in enumerate(rows)
    ]


def _wrap_width(width: int) -> int:
    return max(10, width or 80)


@dataclass(frozen=True, slots=True)
class Room:
    """Where a document is drawn: `width` and `height` with no scrollbar, `bar` the columns the
    vertical scrollbar takes when it shows, `always` when it (or its gutter) shows whatever the length."""

    width: int
    height: int
    bar: int = 0
    always: bool = False


@dataclass(slots=True)
class _Layout:
    """Where each source line of a document lands among the drawn rows at one width."""

    rows: int
    width: int = 0
    starts: list[int] | None = None  # the first row of each source line; None: one row each
    widest: int = 0  # the widest line left unwrapped (a diff's code): the pane scrolls sideways to it
    # Where each wrapped source line is cut, found once when the rows are counted and used again to
    # draw them: wrapping a line twice cost about 0.7 ms a rest down a long session.
    cuts: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def plain(cls, count: int) -> _Layout:
        return cls(count)

    def locate(self, row: int) -> tuple[int, int]:
        """(source line, which of its rows) for a drawn row."""
        if self.starts is None:
            return row, 0
        index = bisect_right(self.starts, row) - 1
        return index, row - self.starts[index]

    def wraps(self, index: int) -> bool:
        if self.starts is None:
            return False
        end = self.starts[index + 1] if index + 1 < len(self.starts) else self.rows
        return end - self.starts[index] > 1


class Document:
    """Blocks as lines that are only made (highlighted, styled, clipped) when first drawn.

    A step's 50,000-character file read costs its first screen when the cursor rests on it, not
    the highlighting of the whole file; the lines made stay with the document, so a step the cursor
    comes back to is drawn from them. The lines are the ones `render_blocks` makes, one for one.
    """

    def __init__(self, blocks: list[Block]) -> None:
        parts: list[_Lines] = []
        first = True
        for block in blocks:
            if block.title:
                heading = [Content.styled(f"── {safe_line(block.title)} ", "bold $accent")]
                parts.append(_Given(heading if first else [Content(""), *heading]))
                first = False
            body = _body(block.body, block.language, block.style)
            if body.count:
                parts.append(body)
                first = False
        self._parts = parts
        self._firsts: list[int] = []
        count = 0
        for part in parts:
            self._firsts.append(count)
            count += part.count
        self.count = count
        self.size_chars = sum(part.size_chars for part in parts)
        self._wrapped: dict[int, _Layout] = {}  # by width
        # A diff's widest line is measured here, where the document is made (a worker, for big
        # steps and a replay's patches): the UI thread then lays out 72,000 lines without it.
        for part in parts:
            if not part.wraps and self.size_chars <= WRAP_LIMIT:
                part.widest()

    @classmethod
    def of_lines(cls, lines: list[Content]) -> Document:
        doc = cls([])
        doc._parts, doc._firsts = [_Given(lines)], [0]
        doc.count, doc.size_chars = len(lines), sum(len(line) for line in lines)
        return doc

    def _part(self, index: int) -> tuple[_Lines, int]:
        at = bisect_right(self._firsts, index) - 1
        return self._parts[at], index - self._firsts[at]

    def line(self, index: int) -> Content:
        part, i = self._part(index)
        return part.line(i)

    def plain(self, index: int) -> str:
        part, i = self._part(index)
        return part.plain(i)

    def widest(self) -> int:
        return max((cell_len(self.plain(i)) for i in range(min(self.count, 5000))), default=0)

    def prepare(self, room: Room) -> None:
        """Do ahead (in a worker) what showing the document in a pane (`TextView.pane()`) first needs:
        the soft wrapping and the lines of the first screen."""
        layout = self.fit(room) if self.size_chars <= WRAP_LIMIT else _Layout.plain(self.count)
        last = layout.locate(max(0, min(layout.rows, room.height) - 1))[0] if layout.rows else -1
        for index in range(last + 1):
            self.line(index)

    def fit(self, room: Room) -> _Layout:
        """The soft wrapping for a room: at its whole width when the document fits its height, else at
        the width the vertical scrollbar leaves. Wrapping at the room the pane had before the document
        came would be a column too wide whenever this document brings the scrollbar and the last did not."""
        if room.always:
            return self.wrapped(_wrap_width(room.width - room.bar))
        if not room.bar:
            return self.wrapped(_wrap_width(room.width))
        narrow = self.wrapped(_wrap_width(room.width - room.bar))
        if narrow.rows <= room.height:
            return self.wrapped(_wrap_width(room.width))  # no scrollbar: the whole width
        # More rows than the pane at the narrower width; at the whole width it may still fit (then
        # no scrollbar shows), which only a document of fewer source lines than the pane can do.
        if self.count <= room.height:
            wide = self.wrapped(_wrap_width(room.width))
            if wide.rows <= room.height:
                return wide
        return narrow

    def wrapped(self, width: int) -> _Layout:
        """The rows at `width` with soft-wrapping: measured on the lines' text (highlighting never
        moves a line break), remembered for the last widths."""
        known = self._wrapped.get(width)
        if known is not None:
            return known
        starts: list[int] = []
        cuts: dict[int, list[int]] = {}
        row = 0
        wraps = False
        widest = 0
        for part, first in zip(self._parts, self._firsts):
            if not part.wraps:  # code keeps its lines: it scrolls sideways, never wraps
                starts.extend(range(row, row + part.count))
                row += part.count
                widest = max(widest, part.widest())
                continue
            for i in range(part.count):
                starts.append(row)
                text = part.plain(i)
                # Cells, not characters: a line of CJK or emoji is up to twice as wide as it is long.
                if len(text) <= width and (text.isascii() or cell_len(text) <= width):
                    row += 1
                    continue
                # The cuts `Content.wrap` finds (a line is one line of `Content`, its tabs expanded and
                # control codes dropped: printable text has neither); a line break left in a given line
                # is Textual's to wrap, when the row is drawn.
                plain = text if text.isprintable() else Content(text).expand_tabs().plain
                if "\n" in plain:
                    row += len(Content(text).wrap(width)) or 1
                    wraps = True
                    continue
                at = _divide(plain, width)
                cuts[first + i] = at
                row += len(at) + 1
                wraps = True
        if len(self._wrapped) >= 4:
            self._wrapped.clear()
        layout = self._wrapped[width] = _Layout(row, width, starts if wraps else None, widest, cuts)
        return layout


def _divide(text: str, width: int) -> list[int]:
    """Where `divide_line(text, width, fold=True)` cuts `text`, found a row at a time where it can be:
    in printable ASCII with no word wider than a row, a row ends before the first word whose last
    letter lies past its width. Rich looks at every word (the first step of a session, a long prompt,
    took a sixth of a preview's main thread). Anything else is Rich's."""
    if not (text.isascii() and text.isprintable()):
        return divide_line(text, width, fold=True)
    words = text.split()
    lead = len(text) - len(text.lstrip(" "))
    if not words or lead + len(words[0]) > width or max(map(len, words)) > width:
        return divide_line(text, width, fold=True)  # a word folded over rows (or none at all)
    cuts: list[int] = []
    start, end = 0, len(text)
    while start + width < end:
        past = start + width  # the first column past the row
        if text[past] == " ":  # every word ending by then fits: the next one starts the row
            found = _LETTER.search(text, past)
            if found is None:
                break
            start = found.start()
        else:  # the word running past the row starts it (no word is wider than a row)
            start = text.rfind(" ", start, past) + 1
        cuts.append(start)
    return cuts


_LETTER = re.compile(r"[^ ]")


class _Lines:
    """A run of a document's lines: how many, their text, and each line made on demand."""

    count = 0
    size_chars = 0
    wraps = True  # soft-wrapped to the pane; False: a diff's lines, which scroll sideways instead

    def line(self, index: int) -> Content:
        raise NotImplementedError

    def plain(self, index: int) -> str:
        raise NotImplementedError

    def widest(self) -> int:
        """The widest line in cells, measured once: the same at every width the pane tries."""
        known = getattr(self, "_widest", None)
        if known is None:
            texts = (self.plain(i) for i in range(self.count))
            known = max((len(t) if t.isascii() else cell_len(t) for t in texts), default=0)
            self._widest = known
        return known


class _Given(_Lines):
    def __init__(self, lines: list[Content]) -> None:
        self._lines = lines
        self.count = len(lines)
        self.size_chars = sum(len(line) for line in lines)

    def line(self, index: int) -> Content:
        return self._lines[index]

    def plain(self, index: int) -> str:
        return self._lines[index].plain


class _Plain(_Lines):
    """Text lines clipped at MAX_LINE, in one style (or none), or coloured as a diff."""

    def __init__(self, text: str, style: str, diff: bool) -> None:
        self._raw = text.split("\n")
        self._texts = [clip(line, MAX_LINE) for line in self._raw]
        self._style = style
        self._diff = diff
        self.wraps = not diff  # a diff is code: a wrapped line reads as two, its +/- column broken
        self._made: dict[int, Content] = {}
        self.count = len(self._texts)
        self.size_chars = sum(len(line) for line in self._texts)

    def line(self, index: int) -> Content:
        made = self._made.get(index)
        if made is None:
            text = self._texts[index]
            if self._diff:
                made = _diff_line(self._raw[index])
            else:
                made = Content.styled(text, self._style) if self._style else Content(text)
            self._made[index] = made
        return made

    def plain(self, index: int) -> str:
        return self._texts[index]


class _Highlighted(_Lines):
    """Code highlighted as far down as it has been drawn: the lexer runs on from where it stopped
    when a line further down is wanted. The lines are `textual.highlight.highlight`'s, one for one."""

    def __init__(self, text: str, language: str) -> None:
        code = "\n".join(text.splitlines())
        self._code = code
        self._texts = code.split("\n")
        self._starts: list[int] = []
        at = 0
        for line in self._texts:
            self._starts.append(at)
            at += len(line) + 1
        self._spans: list[list[Span]] = [[] for _ in self._texts]
        self._made: dict[int, Content] = {}
        self._language = language
        self._tokens: Iterator[tuple[Any, str]] | None = None
        self._started = False
        self._pos = 0  # where the next token starts, in the code
        self._line = 0  # the line the next token starts on
        self.count = len(self._texts)
        self.size_chars = sum(len(self.plain(i)) for i in range(self.count))

    def plain(self, index: int) -> str:
        text = self._texts[index]
        return text if len(text) <= MAX_LINE else text[:MAX_LINE] + CLIPPED

    def line(self, index: int) -> Content:
        made = self._made.get(index)
        if made is None:
            self._lex_through(index)
            text = self._texts[index]
            spans = self._spans[index]
            if text:
                spans = [Span(0, len(text), "$text"), *spans]
            made = _clip(Content(text, spans))
            self._made[index] = made
            self._spans[index] = []
        return made

    def _lex_through(self, index: int) -> None:
        """Run the lexer until every token of line `index` is in."""
        if not self._started:
            self._started = True
            self._tokens = _tokens(self._code, self._language)
        # Imported with the first code drawn, as pygments is (`_tokens`): the app's start draws none.
        from textual.highlight import HighlightTheme

        styles = HighlightTheme.STYLES
        starts, spans, last = self._starts, self._spans, len(self._texts) - 1
        while self._tokens is not None and (index >= last or self._pos <= starts[index + 1] - 1):
            try:
                token_type, value = next(self._tokens)
            except StopIteration:
                self._tokens = None
                break
            except Exception:  # a lexer failure must not cost the user the text: the rest is plain
                self._tokens = None
                break
            start = self._pos
            end = start + len(value)
            self._pos = end
            style = None
            while token_type is not None:
                style = styles.get(token_type)
                if style:
                    break
                token_type = token_type.parent
            line = self._line
            while line < last and starts[line + 1] <= start:
                line += 1
            self._line = line
            if not style or end <= start:
                continue
            # A token may run over line ends (a string, a comment): each line gets its own part.
            while True:
                first = starts[line]
                stop = first + len(self._texts[line])
                lo, hi = max(start, first) - first, min(end, stop) - first
                if hi > lo:
                    spans[line].append(Span(lo, hi, style))
                if line >= last or starts[line + 1] >= end:
                    break
                line += 1


def _tokens(code: str, language: str) -> Iterator[tuple[Any, str]]:
    return iter(_lexer(language).get_tokens(code))


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    """The language's lexer, made once: Pygments looks a name up through every lexer it knows (a
    twentieth of a rest down a session of code), and a lexer keeps no state between texts."""
    from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped]
    from pygments.util import ClassNotFound  # type: ignore[import-untyped]

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=True, tabsize=8)
    except ClassNotFound:
        return get_lexer_by_name("text", stripnl=False, ensurenl=True, tabsize=8)


def _body(body: str, language: str | None, style: str) -> _Lines:
    # Drawn as every terminal draws it at the width Rich counts (`cells.drawable`): an emoji's
    # variation selector moved the pane's right border a cell in tmux and xterm.
    text = drawable(safe_text(body))
    if language == "diff":
        return _Plain(text, "", True)
    if language and len(text) <= HIGHLIGHT_LIMIT:
        return _Highlighted(text, language)
    return _Plain(text, style, False)


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
    text = drawable(safe_text(body))
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


CLIPPED = " …(clipped)"


def _clip(line: Content) -> Content:
    return line if len(line) <= MAX_LINE else line[:MAX_LINE] + Content.styled(CLIPPED, "$text-muted")


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
