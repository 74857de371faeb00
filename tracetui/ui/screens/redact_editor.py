"""The redaction review screen: walk the findings of one session, decide, add spans, preview.

`RedactEditor(session, plan_location)` where `plan_location` is a `PlanStore` (the bucket's
plans dir) or the path of the session's plan file. If the plan is missing or out of date the
session is scanned first, in a thread worker. Every change is saved at once (atomic write), so
quitting never loses a decision; `u` undoes the last change.

More in docs/internals/ui.md, `ui/screens/redact_editor.py`.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static, TextArea

from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.redact import (
    ACCEPTED,
    MANUAL,
    MANUAL_KIND,
    PERSON_NAME,
    REJECTED,
    Identity,
    Plan,
    PlanSpan,
    PlanStore,
    assign_placeholders,
    field_text,
    iter_fields,
    load_plan,
    remember_name,
    save_plan,
    scrub_text,
    stale_fields,
    value_group,
)
from tracetui.safe_text import safe_line, safe_text
from tracetui.ui import actions
from tracetui.ui.row_updates import RowUpdates
from tracetui.ui.widgets.key_footer import KeyFooter
from tracetui.ui.widgets.redact_area import PaintedSpan, RedactArea
from tracetui.ui.workers import call_back, thread_work

PAGE_LINES = 400  # lines per page of a long field
PAGE_CHARS = 40_000  # and characters, for fields that are one enormous line
UNDO_DEPTH = 100


def paginate(text: str, lines: int = PAGE_LINES, chars: int = PAGE_CHARS) -> list[int]:
    """Start offsets of the pages of `text`: at most `lines` lines and about `chars` characters."""
    starts = [0]
    pos, count, n = 0, 0, len(text)
    while True:
        nl = text.find("\n", pos)
        if nl < 0:
            nl = n
        count += 1
        # A line longer than a page is cut; otherwise pages end at line ends.
        while nl - starts[-1] > chars:
            starts.append(starts[-1] + chars)
            count = 1
        if nl >= n:
            break
        pos = nl + 1
        if count >= lines or pos - starts[-1] >= chars:
            starts.append(pos)
            count = 0
    return starts


def _state(span: PlanSpan) -> str:
    if span.decision == MANUAL:
        return "manual"
    if span.decision == ACCEPTED:
        return "accepted"
    if span.decision == REJECTED:
        return "rejected"
    if span.decision is None:
        return "pending"
    return "auto"


class RedactEditor(RowUpdates, Screen):
    """Review the redaction plan of one session."""

    CSS_PATH = "redact_editor.tcss"
    BINDINGS = actions.bindings("redact")

    def __init__(
        self,
        session: Session,
        plan_location: PlanStore | str | Path,
        identity: Identity | None = None,
        *,
        step_id: str | None = None,
        at: tuple[str | None, str, int] | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        self.session = session
        if isinstance(plan_location, PlanStore):
            self.store: PlanStore | None = plan_location
            self.plan_file = plan_location.path(session.id)
        else:
            self.store = None
            self.plan_file = Path(plan_location)
        self.identity = identity
        self.plan: Plan | None = None
        self.items: list[PlanSpan] = []  # the plan's spans in session order
        self.index = -1
        self.undo_stack: list[Plan] = []
        self._field: tuple[str | None, str] | None = None
        self._text = ""
        self._pages: list[int] = [0]
        self._page = 0
        self._order: dict[str | None, int] = {None: -1, **{s.id: i for i, s in enumerate(session.steps)}}
        self._start_step = step_id  # open here (the timeline's step) rather than at the first finding
        self._start_at = at  # or on this finding (step, field, start): the review's row
        # Every non-empty text field, in session order: what `.` and `,` walk, so any text can be
        # reviewed and marked by hand, not only text a detector flagged.
        self._fields = [(f.step, f.name) for f in iter_fields(session) if f.text]

    # --- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="redact-title", markup=False)
        with Vertical(id="redact-body"):
            yield Static(id="redact-where", markup=False)
            yield RedactArea(id="redact-text")
            yield TextArea("", read_only=True, soft_wrap=True, id="redact-preview")
        yield Static(id="redact-status", markup=False)
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        preview = self.query_one("#redact-preview")
        preview.display = False
        preview.border_title = "Preview: as it will be sealed"
        self.query_one(RedactArea).border_title = "Text (highlighted: findings)"
        self._set_status("Loading the redaction plan…")
        self._load_plan()

    @thread_work("redact-scan", exit_on_error=True)
    def _load_plan(self) -> None:
        # Runs off the UI thread: a scan of a big session takes seconds.
        from tracetui.redact import refresh_plan

        try:
            plan = load_plan(self.plan_file)
            if plan is None or stale_fields(self.session, plan):
                call_back(self, self._set_status, "Scanning the session for secrets…")
                location = self.store if self.store is not None else self.plan_file
                plan = refresh_plan(self.session, location, self.identity, progress=self._progress)
        except TracetuiError as exc:
            call_back(self, self._set_status, str(exc))
            return
        call_back(self, self._plan_ready, plan)

    def _progress(self, done: int, total: int) -> None:
        # Called from the scanning thread.
        if total:
            call_back(self, self._set_status, f"Scanning the session for secrets… {100 * done // total}%")

    def _plan_ready(self, plan: Plan) -> None:
        self.plan = plan
        self._reindex()
        # The first finding waiting for a decision (the timeline's step's own, if it has one), its
        # text in view and selected; then, as before, the step's first finding or its text.
        if self._start_at is not None:
            exact = [i for i, s in enumerate(self.items) if (s.step, s.field, s.start) == self._start_at]
            if exact:
                self._go(exact[0])
                self.call_after_refresh(self._select_current)
                return
        waiting = [i for i, s in enumerate(self.items) if s.pending]
        mine = [i for i in waiting if self.items[i].step == self._start_step] if self._start_step else []
        here = [i for i, s in enumerate(self.items) if s.step == self._start_step] if self._start_step else []
        if mine or waiting:
            self._go((mine or waiting)[0])
            self.call_after_refresh(self._select_current)  # once laid out, so the scroll reaches it
        elif here:
            self._go(here[0])
        elif self._start_step is not None and any(step == self._start_step for step, _ in self._fields):
            self._open_field(next(f for f in self._fields if f[0] == self._start_step))
        elif self.items:
            self._go(0)
        elif self._fields:
            self._open_field(self._fields[0])
        else:
            self._refresh_labels()

    def _open_field(self, where: tuple[str | None, str]) -> None:
        self._show_field(*where)
        self._show_page(0)
        self._refresh_labels()

    def _step_field(self, delta: int) -> None:
        if not self._fields:
            return
        at = self._fields.index(self._field) if self._field in self._fields else -1
        self._open_field(self._fields[max(0, min(len(self._fields) - 1, at + delta))])

    def action_next_field(self) -> None:
        self._step_field(1)

    def action_previous_field(self) -> None:
        self._step_field(-1)

    # --- state -----------------------------------------------------------------------------------
    def _reindex(self, keep: tuple | None = None) -> None:
        assert self.plan is not None
        self.items = sorted(self.plan.spans, key=lambda s: (self._order.get(s.step, 1 << 30), s.field, s.start, s.end))
        if keep is not None:
            for i, s in enumerate(self.items):
                if s.key == keep:
                    self.index = i
                    return
        self.index = min(max(self.index, 0), len(self.items) - 1) if self.items else -1

    @property
    def current(self) -> PlanSpan | None:
        return self.items[self.index] if 0 <= self.index < len(self.items) else None

    def _save(self) -> None:
        assert self.plan is not None
        try:
            save_plan(self.plan, self.plan_file)
        except OSError as exc:
            self.notify(f"Could not save the plan: {exc}", severity="error")

    def _change(self) -> None:
        """Call before every mutation: remember the plan for undo."""
        assert self.plan is not None
        self.undo_stack.append(self.plan.copy())
        del self.undo_stack[:-UNDO_DEPTH]

    def _after_change(self, keep: tuple | None = None) -> None:
        self._save()
        self._reindex(keep)
        self._paint()
        self._refresh_labels()

    # --- showing ---------------------------------------------------------------------------------
    def _go(self, index: int) -> None:
        if not self.items:
            return
        self.index = max(0, min(index, len(self.items) - 1))
        span = self.items[self.index]
        if self._field != (span.step, span.field):
            self._show_field(span.step, span.field)
        page = max(0, next((i for i in range(len(self._pages) - 1, -1, -1) if self._pages[i] <= span.start), 0))
        if page != self._page:
            self._show_page(page)
        else:
            self._paint()
        self._select_current()
        self._refresh_labels()

    def _show_field(self, step: str | None, name: str) -> None:
        self._field = (step, name)
        self._text = field_text(self.session, step, name) or ""
        self._pages = paginate(self._text)
        self._page = -1

    def _page_bounds(self) -> tuple[int, int]:
        start = self._pages[self._page]
        end = self._pages[self._page + 1] if self._page + 1 < len(self._pages) else len(self._text)
        return start, end

    def _show_page(self, page: int) -> None:
        self._page = page
        start, end = self._page_bounds()
        self.query_one(RedactArea).show(self._text[start:end], self._painted(start, end))
        self._update_preview()

    def _spans_here(self) -> list[PlanSpan]:
        if self._field is None:
            return []
        return [s for s in self.items if (s.step, s.field) == self._field]

    def _painted(self, start: int, end: int) -> list[PaintedSpan]:
        out = []
        current = self.current
        for s in self._spans_here():
            if s.end <= start or s.start >= end:
                continue
            a, b = max(s.start, start) - start, min(s.end, end) - start
            out.append(PaintedSpan(a, b, _state(s)))
            if current is not None and s.key == current.key:
                out.append(PaintedSpan(a, b, "current"))
        return out

    def _paint(self) -> None:
        if self._field is None or self._page < 0:
            return
        start, end = self._page_bounds()
        self.query_one(RedactArea).repaint(self._painted(start, end))
        self._update_preview()

    def _select_current(self) -> None:
        span = self.current
        if span is None or self._page < 0:
            return
        start, end = self._page_bounds()
        self.query_one(RedactArea).select_raw(max(span.start, start) - start, min(span.end, end) - start)

    def preview_text(self) -> str:
        """The current page as it will be sealed (decided spans replaced by placeholders)."""
        if self._field is None or self._page < 0:
            return ""
        start, end = self._page_bounds()
        spans = []
        for s in self._spans_here():
            if s.scrubbed and s.end > start and s.start < end:
                clipped = PlanSpan.from_dict(s.to_dict())
                clipped.start, clipped.end = max(s.start, start) - start, min(s.end, end) - start
                spans.append(clipped)
        return scrub_text(self._text[start:end], spans, keep_lines=".hunks[" in self._field[1])

    def _update_preview(self) -> None:
        preview = self.query_one("#redact-preview", TextArea)
        if preview.display:
            preview.load_text(safe_text(self.preview_text()))

    def _set_status(self, message: str) -> None:
        self.query_one("#redact-status", Static).update(Content(safe_line(message)))

    def _refresh_labels(self) -> None:
        plan = self.plan
        title = f"Redaction review · {self.session.agent} session {self.session.id[:12]}"
        if plan is not None:
            title += f" · {len(self.items)} spans · {self.left_text()}"
        self.query_one("#redact-title", Static).update(Content(safe_line(title)))
        where = ""
        if self._field is not None:
            step, name = self._field
            where = f"{'step ' + step if step else 'session'} · {name}"
            if len(self._pages) > 1:
                where += f" · page {self._page + 1}/{len(self._pages)}  ([ and ] to turn)"
        self.query_one("#redact-where", Static).update(Content(safe_line(where)))
        span = self.current
        if span is None:
            self._set_status(
                "No finding here. Select text and press m to scrub it; . and , move between fields."
                if plan is not None
                else ""
            )
            return
        decision = span.decision or "waiting"
        fate = f"→ {span.placeholder}" if span.scrubbed else "kept as is" if span.decision == REJECTED else ""
        same = len(self.plan.same_value(span)) - 1 if self.plan is not None else 0
        also = f" · same value in {same} more place{'' if same == 1 else 's'}" if same else ""
        self._set_status(
            f"{self.left_text()}  ·  {self.index + 1}/{len(self.items)}  {span.kind} · {span.tier} · "
            f"{span.detector} · {decision} {fate}{also}"
        )

    def left_text(self) -> str:
        """What is left to do, for the title and the status line."""
        if self.plan is None:
            return ""
        waiting = len(self.plan.pending())
        if not waiting:
            return "nothing left to decide"
        values = self.plan.decisions_left()
        return (f"{values} decision{'' if values == 1 else 's'} left "
                f"({waiting} finding{'' if waiting == 1 else 's'} waiting)")

    # --- actions ---------------------------------------------------------------------------------
    def action_next_finding(self) -> None:
        if self.items:
            self._go((self.index + 1) % len(self.items))

    def action_next_undecided(self) -> None:
        """The next finding waiting for a decision, after this one (wrapping round)."""
        n = len(self.items)
        for step in range(1, n + 1):
            i = (self.index + step) % n
            if self.items[i].pending:
                self._go(i)
                return
        if self.plan is not None:
            self.notify("Nothing left to decide: N walks every finding.")

    def action_previous_finding(self) -> None:
        if self.items:
            self._go((self.index - 1) % len(self.items))

    def _decide(self, decision: str) -> None:
        span = self.current
        if span is None or self.plan is None:
            return
        self._change()
        keep = span.key
        n = self.plan.decide_value(span, decision)  # one decision per value: every occurrence of it
        self._after_change(keep)
        if n > 1:
            verb = "Scrubbed" if decision == ACCEPTED else "Kept"
            self.notify(f"{verb} the same value in {n - 1} more place{'' if n == 2 else 's'}.")

    def action_accept(self) -> None:
        self._decide(ACCEPTED)

    def action_reject(self) -> None:
        self._decide(REJECTED)

    def _decide_kind(self, decision: str) -> None:
        """Decide the undecided findings of the current kind, after saying how many and asking."""
        span = self.current
        if span is None or self.plan is None:
            return
        targets = self.plan.bulk_targets(span.kind, decision)
        verb = "Accept (scrub)" if decision == ACCEPTED else "Reject (keep)"
        if not targets:
            self.notify(f"No finding of kind {span.kind} is left to {verb.split()[0].lower()}.")
            return
        yours = sum(1 for s in self.plan.spans if s.kind == span.kind and s.decision in (ACCEPTED, REJECTED, MANUAL))
        values = len({value_group(s) for s in targets})
        question = (
            f"{verb} {len(targets)} finding{'' if len(targets) == 1 else 's'} of kind {span.kind} "
            f"({values} distinct value{'' if values == 1 else 's'})?"
        )
        if yours:
            question += f"\n{yours} you decided already stay as you decided."
        keep = span.key

        def answered(yes: bool | None) -> None:
            if not yes or self.plan is None:
                return
            self._change()
            for target in targets:
                self.plan.decide(target, decision)
            self._after_change(keep)
            done = "Accepted" if decision == ACCEPTED else "Rejected"
            self.notify(f"{done} {len(targets)} finding(s) of kind {span.kind}.")

        from tracetui.ui.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(question), answered)

    def action_accept_kind(self) -> None:
        self._decide_kind(ACCEPTED)

    def action_reject_kind(self) -> None:
        self._decide_kind(REJECTED)

    def action_mark(self) -> None:
        """The selected text becomes a manual span."""
        if self.plan is None or self._field is None or self._page < 0:
            return
        selected = self.query_one(RedactArea).raw_selection()
        if selected is None:
            self.notify("Select some text first (shift+arrows or the mouse).", severity="warning")
            return
        start, _ = self._page_bounds()
        a, b = selected[0] + start, selected[1] + start
        if any(s.start == a and s.end == b for s in self._spans_here()):
            existing = next(s for s in self._spans_here() if s.start == a and s.end == b)
            if existing.scrubbed:
                return
        self._change()
        span = self.plan.add_manual(self._field[0], self._field[1], a, b, self._text)
        self._assign()
        self._after_change(span.key)

    def action_everywhere(self) -> None:
        """Scrub the current finding's value (or the selection) in every field of the session."""
        if self.plan is None or self._field is None or self._page < 0:
            return
        selected = self.query_one(RedactArea).raw_selection()
        span = self.current
        start, _ = self._page_bounds()
        if selected is not None:
            a, b = selected[0] + start, selected[1] + start
            kind = MANUAL_KIND
            if span is not None and (span.step, span.field) == self._field and (span.start, span.end) == (a, b):
                kind = span.kind
        elif span is not None and (span.step, span.field) == self._field:
            a, b, kind = span.start, span.end, span.kind
        else:
            return
        value = self._text[a:b]
        self._change()
        n = self.plan.scrub_everywhere(self.session, value, kind)
        self._assign()
        self._after_change((self._field[0], self._field[1], a, b))
        self.notify(f"Scrubbed {n} more place(s) holding the same text.")

    def action_remember_name(self) -> None:
        """The selected text (or the finding's) is a person's name: scrubbed in this session, and
        remembered, so every later review finds it (redact/people.py)."""
        if self.plan is None or self._field is None or self._page < 0:
            return
        selected = self.query_one(RedactArea).raw_selection()
        start, _ = self._page_bounds()
        span = self.current
        if selected is not None:
            a, b = selected[0] + start, selected[1] + start
        elif span is not None and (span.step, span.field) == self._field:
            a, b = span.start, span.end
        else:
            self.notify("Select the name first (shift+arrows or the mouse).", severity="warning")
            return
        name = self._text[a:b].strip()
        if not name or "\n" in name or len(name) > 80:
            self.notify("A name is one line of at most 80 characters.", severity="warning")
            return
        self._change()
        n = self.plan.scrub_everywhere(self.session, name, PERSON_NAME)
        self._assign()
        self._after_change((self._field[0], self._field[1], a, b))
        self._remember(name, n)

    @thread_work("remember-name")
    def _remember(self, name: str, scrubbed: int) -> None:
        try:
            remember_name(name)
        except OSError as exc:
            said = f"not remembered: {safe_line(str(exc))}"
            call_back(self, lambda: self.notify(said, severity="error"))
            return
        call_back(self, self.notify, f"Scrubbed {scrubbed} more place(s); the name is found in every review from now on.")

    def _assign(self) -> None:
        assert self.plan is not None
        assign_placeholders(self.plan, self.session)

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.notify("Nothing to undo.")
            return
        keep = self.current.key if self.current else None
        self.plan = self.undo_stack.pop()
        self._after_change(keep)

    def action_toggle_preview(self) -> None:
        preview = self.query_one("#redact-preview", TextArea)
        preview.display = not preview.display
        self._update_preview()

    def action_next_page(self) -> None:
        if self._field is not None and self._page + 1 < len(self._pages):
            self._show_page(self._page + 1)
            self._refresh_labels()

    def action_previous_page(self) -> None:
        if self._field is not None and self._page > 0:
            self._show_page(self._page - 1)
            self._refresh_labels()

    def action_close(self) -> None:
        self.app.pop_screen()

    @on(TextArea.SelectionChanged, "#redact-text")
    def _selection_changed(self, event: TextArea.SelectionChanged) -> None:
        start, end = sorted(event.selection)
        span = self.current
        if start == end or span is None or self._page < 0:
            return
        selected = self.query_one(RedactArea).raw_selection()
        page_start, _ = self._page_bounds()
        if selected is not None and (selected[0] + page_start, selected[1] + page_start) == (span.start, span.end):
            return  # the finding itself, selected by navigation
        self._set_status("Selection: press m to scrub it, e to scrub it everywhere.")


__all__ = ["RedactEditor", "paginate"]
