"""A new document compares its rows with those on screen without working out the pane's place (its
scroll offset and content region, each a walk of the pane's styles) once for every row."""

from __future__ import annotations

from textual.app import App
from textual.content import Content

from tracetui.ui.widgets.text_view import TextView


class _Pane(App):
    def compose(self):
        yield TextView(id="view")


async def test_showing_a_document_reads_the_panes_place_a_few_times_not_once_a_row(monkeypatch):
    app = _Pane()
    async with app.run_test(size=(80, 30)) as pilot:
        view = app.query_one(TextView)
        view.show_lines([Content(f"first {i}") for i in range(20)])
        await pilot.pause()
        reads = 0
        region = TextView.scrollable_content_region.fget  # type: ignore[attr-defined]

        def counted(self):
            nonlocal reads
            reads += 1
            return region(self)

        monkeypatch.setattr(TextView, "scrollable_content_region", property(counted))
        view.show_lines([Content(f"second {i}") for i in range(20)])
        height = view.scrollable_content_region.height
        # Both documents' rows were compared (the pane redrawn only where they differ) ...
        assert view._strips and height >= 20
        # ... with the place read for the whole comparison, not for each of its 2 x 30 rows.
        assert reads <= 8, reads
        await pilot.pause()
        assert [view.render_line(y).text.rstrip() for y in range(2)] == ["second 0", "second 1"]
