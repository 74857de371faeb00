"""The detail pane's two shortcuts give what they stand in for: the cuts of a soft-wrapped line
(`_divide`, Rich's `divide_line` a row at a time) and a row's segments (`_segments`, `Content.render`
with the Rich style of each stack of spans kept)."""

from __future__ import annotations

import random

import pytest
from rich._wrap import divide_line
from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.content import Content, Span
from textual.style import Style

from tracetui.ui.widgets.text_view import Block, Document, TextView, _divide, _segments

PIECES = ["a", "bb", "word", "longerword", " ", "  ", "     ", ".", "-", "x" * 30,
          "é", "日本", "\u00a0", "\t"]


def _lines(count: int) -> list[str]:
    rnd = random.Random(41)
    lines = ["", " ", " " * 50, "  leading spaces then words " * 5, "ends in spaces " * 8 + "      "]
    for _ in range(count):
        lines.append("".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 90))))
    return lines


@pytest.mark.parametrize("width", [1, 4, 9, 10, 23, 40, 79, 118, 157])
def test_cuts_are_rich_ones(width):
    for line in _lines(1500):
        assert _divide(line, width) == divide_line(line, width, fold=True), (line, width)


def test_a_word_exactly_a_row_wide_and_one_a_letter_wider():
    for text in ["abcd efgh ijkl", "abcd  efgh", "abcde fg", " abcd ef", "ab cd ef gh ij kl mn"]:
        for width in range(1, 12):
            assert _divide(text, width) == divide_line(text, width, fold=True), (text, width)


class _Pane(App):
    def compose(self) -> ComposeResult:
        yield TextView()


async def test_segments_are_content_renders():
    lines = [Content(""), Content("plain"), Content.styled("muted", "$text-muted"),
             Content("nested", [Span(0, 6, "$text"), Span(1, 4, "bold"), Span(2, 3, Style(italic=True))]),
             Content("over lap", [Span(0, 5, "red"), Span(3, 8, "$accent"), Span(3, 8, "underline")])]
    code = "def f(x):\n    return {'a': [1, 2.5, None]}  # note\n" * 3
    doc = Document([Block("code", code, "python"), Block("json", '{"k": [1, "two", true]}', "json"),
                    Block("diff", "+added\n-gone\n@@ -1 +1 @@", "diff")])
    lines += [doc.line(i) for i in range(doc.count)]
    app = _Pane()
    async with app.run_test():
        view = app.query_one(TextView)
        visual, parse = view.visual_style, app.stylesheet.parse_style
        known: dict = {}
        for _ in range(2):  # the second time from the styles kept
            for line in lines:
                expected = [Segment(text, style.rich_style)
                            for text, style in line.render(visual, end="", parse_style=parse)]
                assert _segments(line, visual, parse, known) == expected, line
