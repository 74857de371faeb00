"""Review across sessions: every value still waiting for a decision, once, whatever number of
sessions it waits in (`tracetui.redact.review`); `a` scrubs it everywhere, `x` keeps it.

The review is opened in a thread worker by the same core call `tracetui review` makes
(`redact.open_review`: plans brought up to date, a session to each core); each decision is saved to
every plan it touches at once. Values are never shown: a row names the
kind, a masked hint of the value, how many findings and sessions, and where the first one is; Enter
opens the redaction editor there, where the text around it can be read.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tracetui.errors import TracetuiError
from tracetui.library import Library
from tracetui.model import Session, SessionFilter
from tracetui.redact import (
    ACCEPTED, REJECTED, CrossReview, Occurrence, PlanSpan, PlanStore, ValueGroup, open_review,
)  # fmt: skip
from tracetui.safe_text import safe_line
from tracetui.ui import actions
from tracetui.ui.row_updates import RowUpdates
from tracetui.ui.widgets.key_footer import KeyFooter
from tracetui.ui.workers import call_back, thread_work


SHOWN = 300  # value groups in the table at once: a DataTable row costs 0.35-0.6 ms to add
COLUMNS = ("kind", "looks like", "findings", "sessions", "first place")


class ReviewScreen(RowUpdates, Screen):
    """The undecided suggestions of the sessions the list shows (its filter: what an export from the
    same list takes; every session when it has none), grouped by value."""

    DEFAULT_CSS = """
    ReviewScreen #review-table { height: 1fr; }
    ReviewScreen #review-title, ReviewScreen #review-status {
        height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;  /* a cut shows as … */
    }
    """
    BINDINGS = actions.bindings("review")

    def __init__(self, library: Library, store: PlanStore, query: SessionFilter | None = None, shown: str = "") -> None:
        super().__init__()
        self.library = library
        self.store = store
        self.listed = query or SessionFilter()  # the list's filter (not `query`: a DOM method)
        self.shown = shown  # the filter box as the user typed it, for the title
        self.review: CrossReview | None = None  # once the worker has opened it
        self.groups: list[ValueGroup] = []  # the table's, biggest first (the review's, as last shown)
        self._editing: str | None = None  # the session whose editor Enter opened

    def compose(self) -> ComposeResult:
        title = "Review across sessions" + (f" · the list's filter: {safe_line(self.shown)}" if self.shown else "")
        yield Static(title, id="review-title", markup=False)
        yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
        yield Static("Scanning the sessions…", id="review-status", markup=False)
        yield KeyFooter(compact=True)  # as every screen's: the palette hint only where there is room

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self._load()

    @thread_work("review-scan", exit_on_error=True)
    def _load(self) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            call_back(self, self._status, f"Scanned {done} of {total} sessions…" if done else
                      f"Scanning {total} session(s)…")  # fmt: skip

        try:
            # Every core scans, a session each; the screen's close (Textual cancels this worker) stops
            # them. The groups are made here too, not on the UI thread: 100,000 values took 2 s.
            review = open_review(self.library, self.listed, store=self.store, progress=progress,
                                 cancelled=lambda: worker.is_cancelled)  # fmt: skip
        except TracetuiError as exc:
            call_back(self, self._status, str(exc))
            return
        if review is not None:  # None: cancelled
            call_back(self, self._loaded, review)

    @property
    def sessions(self) -> int:
        """How many sessions the review scanned."""
        return len(self.review.sessions) if self.review is not None else 0

    def _loaded(self, review: CrossReview) -> None:
        self.review = review
        self.groups = list(review.groups)
        self._fill()

    def _fill(self, keep: int = 0) -> None:
        """The table of the first SHOWN groups (the biggest): 100,000 distinct values in the table held
        the UI thread for 10 s when the screen opened. The rest come up as these are decided; the
        status says how many."""
        table = self.query_one(DataTable)
        rows = [(g.id, _cells(g)) for g in self.groups[:SHOWN]]
        # The columns' widths are given, not left to the table: it measures rows added from another
        # queue's callback (a worker's, after a scan) only after it has painted them, and its painted
        # lines then keep their headers' widths ("emai", "s•••@gmail") until the cursor moves.
        table.clear(columns=True)
        for i, label in enumerate(COLUMNS):
            table.add_column(label, width=max([cell_len(label), *(cell_len(cells[i]) for _, cells in rows)]))
        for key, cells in rows:
            # Text cells, not strings: DataTable reads a string as markup, and field names come from logs.
            table.add_row(*(Text(c) for c in cells), key=key)
        if self.groups:
            table.move_cursor(row=min(keep, len(self.groups) - 1, SHOWN - 1))
        self._status(self.left_text())

    def _drop(self, group: ValueGroup, row: int) -> None:
        """A decided group leaves the table, and the next biggest comes in at its foot: filling the
        table again after each decision held the UI thread for half a second at a thousand rows."""
        table = self.query_one(DataTable)
        self.groups = [g for g in self.groups if g is not group]
        if group.id not in table.rows:
            self._fill(row)
            return
        table.remove_row(group.id)
        if len(self.groups) >= SHOWN:
            cells = _cells(self.groups[SHOWN - 1])
            if any(cell_len(cell) > column.width for cell, column in zip(cells, table.ordered_columns)):
                self._fill(row)  # wider than its column: measure them all again
                return
            table.add_row(*(Text(c) for c in cells), key=self.groups[SHOWN - 1].id)
        if self.groups:
            table.move_cursor(row=min(row, len(self.groups) - 1, SHOWN - 1))
        self._status(self.left_text())

    def left_text(self) -> str:
        n = len(self.groups)
        if not n:
            return f"{self.sessions} session(s): nothing left to decide"
        findings = sum(len(g.occurrences) for g in self.groups)
        shown = f", the {SHOWN:,} biggest shown" if n > SHOWN else ""
        return (f"{self.sessions} session(s): {n} decision{'' if n == 1 else 's'} left{shown} "
                f"({findings} finding{'' if findings == 1 else 's'} waiting) · a accept, x reject")

    def _status(self, message: str) -> None:
        self.query_one("#review-status", Static).update(Content(safe_line(message)))

    @property
    def current(self) -> ValueGroup | None:
        row = self.query_one(DataTable).cursor_row
        return self.groups[row] if 0 <= row < len(self.groups) else None

    def action_decide(self, decision: str) -> None:
        group = self.current
        if group is None:
            return
        verb = "Accept (scrub)" if decision == ACCEPTED else "Reject (keep)"
        n, s = len(group.occurrences), len(group.sessions)
        question = (f"{verb} this {group.kind} value: {n} finding{'' if n == 1 else 's'} "
                    f"in {s} session{'' if s == 1 else 's'}?")
        row = self.query_one(DataTable).cursor_row

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            if self.review is None:
                return
            try:
                self.review.decide([(group, decision if decision in (ACCEPTED, REJECTED) else REJECTED)])
            except OSError as exc:
                self.notify(f"Could not save a plan: {exc}", severity="error", markup=False)
            # Only this value's findings were decided: the other groups stand as they are (grouping
            # every finding again took seconds at 100,000 values).
            self._drop(group, row)

        from tracetui.ui.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(question), answered)

    def action_open_place(self) -> None:
        """The session's redaction editor on this value's first place: the text around a value is
        what a decision rests on, and the editor shows it (and decides more than this value)."""
        group = self.current
        if group is None:
            return
        self._read_place(group.occurrences[0])

    @thread_work("review-place", exclusive=True)
    def _read_place(self, first: Occurrence) -> None:
        # The review keeps no session (a bucket's worth would not fit): the one to edit is read again.
        try:
            session = self.library.session(first.session)
        except TracetuiError as exc:
            call_back(self, self._status, str(exc))
            return
        call_back(self, self._edit, session, first.span)

    def _edit(self, session: Session, span: PlanSpan) -> None:
        from tracetui.ui.screens.redact_editor import RedactEditor

        self._editing = session.id
        at = (span.step, span.field, span.start)
        self.app.push_screen(RedactEditor(session, self.store, step_id=span.step, at=at))

    def on_screen_resume(self) -> None:
        # Back from the editor: its decisions are in the store; take that session's plan again.
        sid, self._editing = self._editing, None
        if sid is None or self.review is None:
            return
        try:
            if not self.review.take_plan(sid):
                return
        except TracetuiError as exc:
            self._status(str(exc))
            return
        self.groups = list(self.review.groups)
        self._fill(self.query_one(DataTable).cursor_row)

    def action_close(self) -> None:
        self.app.pop_screen()


def _cells(group: ValueGroup) -> tuple[str, ...]:
    """A group's row, one line each: kinds, hints and places come from logs."""
    found, sessions = str(len(group.occurrences)), str(len(group.sessions))
    return (safe_line(group.kind), safe_line(group.hint), found, sessions, safe_line(group.first_place))
