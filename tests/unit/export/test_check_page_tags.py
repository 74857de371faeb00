"""The HTML page's tags that say which part a text is in (`page.TAG_*`, `page.DOCTYPE`) and the line
states a diff's badge is coloured for (`page.BADGED`, of `labels.LINE_STATES`) are the writer's, and
`export --check` reads a page by them (`check_views.pages._html_text`): it spelled `h1`, `summary`,
`p class="meta"` and `span class="badge` again, and the writer the four coloured states, so a change
to one side would have shown up as a flag on a machine named like a word, or as a place the check did
not read. Here the tags are changed on the writer's side alone, and the check still reads every word of
the log's on each demo page, and no other."""

from __future__ import annotations

import re

import pytest
from support.demo_library import module_demo
from support.rendered_pages import pages_made

from tracetui.export import ExportOptions, check_views, export
from tracetui.export import page as page_module
from tracetui.export.check_views import pages
from tracetui.export.labels import LINE_STATES
from tracetui.selection import Selection

_WORD = re.compile(rb"[A-Za-z]{2,}")
# Every tag the check tells a part by, renamed: none of these names is on a page the writer makes.
RENAMED = {
    "TAG_HEADING": "h2",
    "TAG_SUMMARY": "summary",  # a `<details>` needs its summary: kept, with the others moved
    "TAG_META": 'p class="about"',
    "TAG_BADGE": 'span class="fate {state}"',
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from module_demo(tmp_path_factory, "page-tags")


@pytest.fixture
def shapes_again():
    pages._page_shapes.cache_clear()
    yield
    pages._page_shapes.cache_clear()


@pytest.mark.parametrize("compact", [False, True])
def test_the_check_reads_a_page_by_the_writer_s_tags(demo, monkeypatch, shapes_again, compact):
    root, bucket = demo
    for name, tag in RENAMED.items():
        monkeypatch.setattr(page_module, name, tag)
    made = pages_made(monkeypatch)
    for n, s in enumerate(bucket.list_sessions()):
        options = ExportOptions("html", accept_suggested=True, compact=compact)
        export(bucket, root / f"{compact}-{n}", options, Selection(sessions=(s.id,)))
    assert len(made) >= 3
    pages = b"".join(r.page for r in made)
    assert b"<h2>" in pages and b'<p class="about">' in pages and b'<span class="fate ' in pages
    assert b"<h1>" not in pages and b'class="meta"' not in pages and b'class="badge' not in pages
    for rendered in made:
        log = set(_WORD.findall(rendered.log_text))
        read = set(_WORD.findall(check_views.html_view(rendered.page)))
        assert read - log == set(), (read - log, rendered.page.decode()[:2000])
        assert log - read <= {b"span", b"class", b"add", b"del"}, log - read


def test_a_badge_is_coloured_for_the_line_states_the_style_colours():
    assert set(page_module.BADGED) < set(LINE_STATES) and page_module.BADGED
    for state in LINE_STATES:
        html = page_module._Html()
        html.diff("src/x.py", state, None, "+a")
        (badge,) = re.findall(r'<span class="badge ([a-z]*)">', html.parts[0])
        coloured = f".{state}{{" in page_module._STYLE
        assert badge == (state if coloured else ""), (state, badge)
