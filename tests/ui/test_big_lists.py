"""The session list fetches pages as they come into view: 100k rows never exist at once."""

from __future__ import annotations

import contextlib

from tracetui.errors import NotFound, TracetuiError
from tracetui.model import SessionSummary, Spent, Tokens
from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.session_list import SessionList


class ManyRows:
    """100k listing rows made on demand; records which pages were asked for."""

    read_only = True
    kind = "sessions"
    # The Library capabilities it has none of (tracetui.library.Library).
    root = plans_dir = cache_dir = manifest = fates = None
    notices: list[str] = []

    def __init__(self, n: int) -> None:
        self.n = n
        self.asked: list[tuple[int, int | None]] = []
        self.spent_asked = 0

    def list_sessions(self, where=None, *, limit=None, offset=0, order="date"):
        if where is not None and where.include_hidden:
            # Every session listed at once (the spending total did it before it was an aggregate,
            # `spent` below): 100k rows made, never what a list of 100k should do.
            raise TracetuiError("no listing of every synthetic row")
        self.asked.append((offset, limit))
        end = self.n if limit is None else min(self.n, offset + limit)
        return [SessionSummary(f"id{i}", "codex", "p", None, f"row {i}", "2026-01-02T03:04:05Z", None, i, 0, 0,
                               Tokens(), [], "") for i in range(offset, end)]

    def count_sessions(self, where=None):
        return self.n

    def spent(self, where=None):
        """The list's spending total (`views.session_list.listed_spending`): one aggregate."""
        self.spent_asked += 1
        return Spent(self.n, 1234.5, 0, False)

    def stopping(self, stop):
        return contextlib.nullcontext()

    def version(self):
        return None

    def loading(self):
        return None

    def is_whole(self):
        return True

    # A rest on a row previews it (a worker, once the cursor has rested): these rows have no steps to
    # show, and a library says so as it would of a session it cannot read, which the preview reports.
    def summary(self, id_or_prefix):
        raise NotFound(f"no session {id_or_prefix}")

    def session(self, id_or_prefix):
        raise NotFound(f"no session {id_or_prefix}")

    def search(self, query, limit=50):
        return []

    def projects(self):
        return ["p"]

    def agents(self):
        return ["codex"]


async def test_end_of_100k_rows_loads_only_the_pages_in_view():
    library = ManyRows(100_000)
    app = TraceApp(library)  # type: ignore[arg-type]  # a partial Library: what a list reads
    async with app.run_test(size=(150, 40)) as pilot:
        for _ in range(2):
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
        sessions = app.screen.query_one(SessionList)
        assert sessions.count == 100_000
        await pilot.press("end")
        for _ in range(2):
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
        assert sessions.cursor == 99_999
        assert "row 99999" in sessions.render_line(sessions.size.height - 1).text
        assert all(limit == 200 for _, limit in library.asked)  # never the whole list
        assert {offset for offset, _ in library.asked} <= {0, 99_800}
        # The spending total came from the library's aggregate, with no listing of every row.
        assert library.spent_asked
        assert "$1,234.50 in all" in str(app.screen.query_one("#sessions-status").render())
