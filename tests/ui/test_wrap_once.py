"""A soft-wrapped line is wrapped once: the cuts found when the document's rows are counted
(`Document.wrapped`) are the ones its rows are drawn at, and the rows are those `Content.wrap` makes."""

from __future__ import annotations

import pytest
from textual.content import Content

from tracetui.ui.widgets.text_view import Block, Document, TextView

WORDS = "the quick brown fox jumps over the lazy dog " * 6
BLOCKS = [
    Block("prose", "\n".join([
        WORDS,
        WORDS.rstrip(),
        "x" * 190,  # one word longer than the row: folded
        "trailing spaces    " * 9 + "      ",
        "中文字符的提示词" * 12,  # two cells a character
        "e\u0301" * 120,  # a combining mark after each letter
        "\tif x:\t\treturn a tab-indented line that runs on and on and on past the edge of the pane",
        "short",
        "",
    ])),
    Block("code", "def f():\n    return '" + "y " * 80 + "'  # a comment\n" + "z" * 130, "python"),
    Block("muted", "a muted line " * 14, style="$text-muted"),
    Block("clipped", "w " * 2500),  # over MAX_LINE: clipped, then wrapped
    Block("diff", "+" + "d" * 150 + "\n-gone\n same", "diff"),  # scrolls sideways: never wrapped
]


@pytest.mark.parametrize("width", [10, 23, 40, 79, 118])
def test_rows_drawn_at_the_counted_cuts_are_those_content_wrap_makes(width):
    doc = Document(BLOCKS)
    layout = doc.wrapped(width)
    view = TextView()
    view._doc, view._layout = doc, layout
    drawn = [view._row(y) for y in range(layout.rows)]
    expected: list[Content] = []
    for index in range(doc.count):
        line = doc.line(index)
        expected.extend(line.wrap(width) or [line] if layout.wraps(index) else [line])
    assert [row.plain for row in drawn] == [row.plain for row in expected]
    assert drawn == expected  # the styles too


def test_drawing_a_wrapped_document_wraps_no_line_again(monkeypatch):
    doc = Document(BLOCKS)
    layout = doc.wrapped(40)
    assert layout.starts is not None  # some lines do wrap
    calls = []
    wrap = Content.wrap

    def counted(self, *args, **kwargs):
        calls.append(self.plain)
        return wrap(self, *args, **kwargs)

    monkeypatch.setattr(Content, "wrap", counted)
    view = TextView()
    view._doc, view._layout = doc, layout
    for y in range(layout.rows):
        view._row(y)
    assert calls == []
