"""`export --check` reads a page by the writer's own templates (`page.TITLE`, `page.SESSION`, ...,
`check_views.pages._page_shapes`): on every page the writer makes of the demo's sessions, html and md, full
and compact, the check reads no word that is not the log's (the writer's record of the log's text on
the page, `Rendered.log_text`), and every line of the page's own shape is one it knows, so a change to
a template shows here and not as a flag on a machine named like one of its words."""

from __future__ import annotations

import re

import pytest
from support.demo_library import module_demo
from support.rendered_pages import pages_made

from tracetui.export import ExportOptions, export
from tracetui.export.check_views import html_view, md_view
from tracetui.selection import Selection

_WORD = re.compile(rb"[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from module_demo(tmp_path_factory, "page-words")


@pytest.mark.parametrize("compact", [False, True])
@pytest.mark.parametrize("kind", ["html", "md"])
def test_the_check_reads_only_the_log_s_words_on_a_page(demo, monkeypatch, kind, compact):
    root, bucket = demo
    made = pages_made(monkeypatch)
    view = html_view if kind == "html" else md_view
    sessions = [s.id for s in bucket.list_sessions()]
    assert len(sessions) >= 3
    for n, sid in enumerate(sessions):
        dest = root / f"{kind}-{compact}-{n}"
        export(bucket, dest, ExportOptions(kind, accept_suggested=True, compact=compact), Selection(sessions=(sid,)))
    assert len(made) >= len(sessions)
    for rendered in made:
        log = set(_WORD.findall(rendered.log_text))
        read = set(_WORD.findall(view(rendered.page)))
        assert read - log == set(), (read - log, rendered.page.decode()[:2000])
        # and it reads every word of the log's (the writer's record holds a diff's markup too)
        assert log - read <= {b"span", b"class", b"add", b"del"}, log - read
