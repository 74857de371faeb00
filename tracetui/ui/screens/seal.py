"""The seal dialog: turn the open session (or the marked step range) into a capsule file.

What it shows comes from the core: the session's redaction plan (refreshed in a worker, since a
scan takes seconds on a big session), how much of it the episode touches, and `capsule.seal`'s
answer. A refusal lists where the undecided findings are (step, field, kind, tier), never a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from tracetui import settings
from tracetui.capsule import SealBase, SealScope, finding_line, seal_base, seal_scope
from tracetui.errors import TracetuiError
from tracetui.library import Library
from tracetui.model import Session
from tracetui.safe_text import safe_line
from tracetui.ui import actions
from tracetui.ui.widgets.cut_input import CutInput
from tracetui.ui.workers import thread_work
from tracetui.views.format import capsule_name

MAX_LISTED = 40  # refusal rows shown; the rest are counted


@dataclass(slots=True)
class PlanState:
    """The plan, and what it means for this episode (tracetui.capsule.SealScope)."""

    plan: Any
    scope: SealScope

    @property
    def sure(self) -> int:
        return self.scope.sure

    @property
    def undecided(self) -> list[dict[str, Any]]:
        return self.scope.undecided


def default_output(session: Session, steps: tuple[int, int] | None, folder: Path | None = None) -> Path:
    """`<folder>/<session-id-prefix>-<a>-<b>.capsule`, the whole session's ends without a range; the
    folder is the user's capsules folder (settings.capsules_dir), outside any working tree."""
    a, b = steps if steps is not None else (session.steps[0].index, session.steps[-1].index)
    return (folder or settings.capsules_dir()) / capsule_name(session.id, a, b)


def plan_state(session: Session, plan: Any, steps: tuple[int, int] | None) -> PlanState:
    """Sure and undecided findings in what the capsule would carry: the episode and its context."""
    return PlanState(plan, seal_scope(session, plan, steps))


def finding_rows(findings: list[dict[str, Any]], limit: int = MAX_LISTED) -> list[str]:
    """One line per finding: where it is and what kind, never its value."""
    rows = [finding_line(f) for f in findings[:limit]]
    if len(findings) > limit:
        rows.append(f"… and {len(findings) - limit} more")
    return rows


def _s(n: int) -> str:
    return "" if n == 1 else "s"


class PlanReady(Message):
    def __init__(self, state: PlanState | None, error: str | None) -> None:
        super().__init__()
        self.state = state
        self.error = error


class PlanProgress(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class BaseReady(Message):
    def __init__(self, base: SealBase | None, error: str | None) -> None:
        super().__init__()
        self.base = base
        self.error = error


class SealDone(Message):
    def __init__(
        self,
        result: Any = None,
        error: str | None = None,
        findings: list | None = None,
        how: list | None = None,
    ) -> None:
        super().__init__()
        self.result = result
        self.error = error
        self.findings = findings
        self.how = how  # the commands that decide what stopped the seal


class SealScreen(ModalScreen[None]):
    """Seal `session` (steps `steps`, indexes with both ends included; None: all) from `library`."""

    CSS_PATH = "seal.tcss"
    FORM = True  # single letters are for typing here (TraceApp.check_action)
    BINDINGS = actions.bindings("seal")

    def __init__(
        self, session: Session, steps: tuple[int, int] | None, library: Library, repo: str | None = None
    ) -> None:
        super().__init__()
        self.session = session
        self.steps = steps
        self.library = library
        self.repo = repo
        self.state: PlanState | None = None
        self.result: Any = None  # the last SealResult
        self.refused: list[dict[str, Any]] = []
        self.busy = False
        self.base: SealBase | None = None  # the repository and base commit the seal will stamp

    def compose(self) -> ComposeResult:
        with Vertical(id="seal-dialog"):
            yield Static("Seal a capsule", id="seal-title", markup=False)
            yield Static(id="seal-session", markup=False)
            yield Static("Loading the redaction plan…", id="seal-plan", markup=False)
            yield Static("base commit: looking…", id="seal-base", markup=False)
            with Horizontal(id="seal-options"):
                yield Checkbox("accept undecided suggestions", id="seal-accept")
                yield Button("Review redactions…", id="seal-review")
            yield Label("Write the capsule to:")
            yield CutInput(str(default_output(self.session, self.steps)), id="seal-out")
            yield Static("", id="seal-out-note", markup=False)
            with Horizontal(id="seal-buttons"):
                yield Button("Seal", id="seal-go", variant="primary", disabled=True)
                yield Button("Close", id="seal-close")
            with VerticalScroll(id="seal-result-box"):
                yield Static("", id="seal-result", markup=False)
            yield Static("esc close · ctrl+s seal · ctrl+r review redactions", id="seal-keys", markup=False)

    def on_resize(self, event) -> None:
        self.set_class(event.size.height < 32, "-short")

    def on_mount(self) -> None:
        self.set_class(self.size.height < 32, "-short")
        s = self.session
        a, b = self.steps if self.steps is not None else (s.steps[0].index, s.steps[-1].index)
        whole = " (the whole session)" if self.steps is None else ""
        count = sum(1 for st in s.steps if a <= st.index <= b)
        self.query_one("#seal-result-box").display = False  # until there is something to say
        self._note_output()
        # The path is what a user types first: focus there (on the checkbox, the letters typed went
        # nowhere and the capsule went to the default path), its text selected so typing replaces it.
        self.query_one("#seal-out", Input).focus()
        self._base_worker()
        self.query_one("#seal-session", Static).update(Content(
            f"{s.agent} session {safe_line(s.id)}\n"
            f"{safe_line(s.title or '(no prompt)')[:100]}\n"
            f"steps {a}–{b}{whole}: {count} of {len(s.steps)}"
        ))

    @on(Input.Changed, "#seal-out")
    def _out_changed(self) -> None:
        self._note_output()

    def _note_output(self) -> None:
        text = self.query_one("#seal-out", Input).value.strip()
        path = Path(text).expanduser() if text else None
        note = ""
        if path is not None and path.is_dir():
            note = "that is a folder: give a file name"
        elif path is not None and path.exists():
            note = "that file exists: sealing replaces it"
        elif path is not None and not path.parent.is_dir() and path.parent != settings.capsules_dir():
            note = "its folder does not exist"  # the capsules folder is made when the first seal goes there
        box = self.query_one("#seal-out-note", Static)
        box.update(Content(note))
        box.display = bool(note)  # no empty line in the dialog when all is well

    def on_screen_resume(self) -> None:
        # First showing, and again after the redaction editor closes: decisions may have changed.
        self._refresh_plan()

    # -- the base commit ------------------------------------------------------------------------
    @thread_work("seal-base")
    def _base_worker(self) -> None:
        try:
            self.post_message(BaseReady(seal_base(self.session, self.steps, self.repo), None))
        except TracetuiError as exc:
            self.post_message(BaseReady(None, str(exc)))
        except Exception as exc:  # git failing must leave the dialog usable
            self.post_message(BaseReady(None, f"the base commit is not known: {exc}"))

    def on_base_ready(self, message: BaseReady) -> None:
        self.base = message.base
        box = self.query_one("#seal-base", Static)
        if message.base is None:
            box.update(Content(safe_line(message.error or "the base commit is not known")))
            return
        base = message.base
        commit = base.commit[:12] if base.commit else "none"
        lines = [safe_line(f"base commit: {commit} ({base.note})")]
        if base.repo is not None:
            lines.append(safe_line(f"in {base.repo}"))
        box.update(Content("\n".join(lines)))

    # -- the plan -------------------------------------------------------------------------------
    def _refresh_plan(self) -> None:
        self.state = None
        self.query_one("#seal-go", Button).disabled = True
        self.query_one("#seal-plan", Static).update(Content("Scanning the session for secrets…"))
        self._plan_worker()

    @thread_work("seal-plan")
    def _plan_worker(self) -> None:
        from tracetui.redact import session_plan

        def progress(done: int, total: int) -> None:
            if total:
                self.post_message(PlanProgress(f"Scanning the session for secrets… {100 * done // total}%"))

        try:
            plan = session_plan(self.library, self.session, progress=progress).plan
            self.post_message(PlanReady(plan_state(self.session, plan, self.steps), None))
        except TracetuiError as exc:
            self.post_message(PlanReady(None, str(exc)))
        except Exception as exc:  # a scan failing must leave the dialog usable
            self.post_message(PlanReady(None, f"the scan failed: {exc}"))

    def on_plan_progress(self, message: PlanProgress) -> None:
        if self.state is None:
            self.query_one("#seal-plan", Static).update(Content(safe_line(message.text)))

    def on_plan_ready(self, message: PlanReady) -> None:
        box = self.query_one("#seal-plan", Static)
        if message.state is None:
            box.update(Content(safe_line(message.error or "no plan")))
            return
        self.state = message.state
        self._show_plan()
        self.query_one("#seal-go", Button).disabled = self.busy

    def _show_plan(self) -> None:
        state = self.state
        if state is None:
            return
        pending = len(state.undecided)
        accept = self.query_one("#seal-accept", Checkbox).value
        lines = [f"{state.sure} sure finding{_s(state.sure)} will be scrubbed"]
        if pending and accept:
            lines.append(f"{pending} undecided suggestion{_s(pending)} will be scrubbed too (accepted)")
        elif pending:
            lines.append(f"{pending} suggestion{_s(pending)} undecided: review them, or accept them below")
        else:
            lines.append("no suggestion waits for a decision")
        self.query_one("#seal-plan", Static).update(Content("\n".join(lines)))

    @on(Checkbox.Changed, "#seal-accept")
    def _accept_changed(self) -> None:
        self._show_plan()

    # -- actions --------------------------------------------------------------------------------
    @on(Button.Pressed, "#seal-review")
    def action_review(self) -> None:
        from tracetui.redact import plan_store
        from tracetui.ui.screens.redact_editor import RedactEditor

        try:
            store = plan_store(self.library)
        except TracetuiError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.app.push_screen(RedactEditor(self.session, store))

    @on(Button.Pressed, "#seal-close")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#seal-go")
    @on(Input.Submitted, "#seal-out")
    def action_seal(self) -> None:
        if self.busy or self.state is None:
            return
        text = self.query_one("#seal-out", Input).value.strip()
        if not text:
            self._show_result(Content("give a file to write the capsule to"), "-error")
            return
        out = Path(text).expanduser()
        if out.is_dir():
            self._show_result(Content(safe_line(f"{out} is a folder; give a file name")), "-error")
            return
        self.busy = True
        self.query_one("#seal-go", Button).disabled = True
        self._show_result(Content("Sealing…"), "")
        self._seal_worker(self.state.plan, out, self.query_one("#seal-accept", Checkbox).value, self.base)

    @thread_work("seal")
    def _seal_worker(self, plan: Any, out: Path, accept: bool, base: SealBase | None) -> None:
        import tracetui.capsule as capsule_api
        from tracetui.capsule import SealOrder, SealRefused

        try:
            # The repository the dialog showed, never the app's --repo for a session of another one.
            repo = (base or seal_base(self.session, self.steps, self.repo)).repo
            if out.parent == settings.capsules_dir():
                out.parent.mkdir(parents=True, exist_ok=True)
            order = SealOrder(out=out, steps=self.steps, repo=repo, accept_suggested=accept)
            result = capsule_api.seal_in(self.library, self.session, order, plan)
        except SealRefused as exc:
            from tracetui.capsule import decide_commands

            steps = f"{self.steps[0]}:{self.steps[1]}" if self.steps is not None else None
            how = decide_commands(self.session.id, steps, exc.kinds)
            self.post_message(SealDone(error=str(exc), findings=exc.findings, how=how))
            return
        except TracetuiError as exc:
            self.post_message(SealDone(error=str(exc)))
            return
        except Exception as exc:  # nothing was written; say why and keep the dialog
            self.post_message(SealDone(error=f"sealing failed: {exc}"))
            return
        self.post_message(SealDone(result=result))

    def on_seal_done(self, message: SealDone) -> None:
        self.busy = False
        self.query_one("#seal-go", Button).disabled = self.state is None
        if message.result is not None:
            r = message.result
            self.result, self.refused = r, []
            text = (f"Sealed {r.steps} steps and {r.patches} patches.\n"
                    f"capsule id {r.capsule_id}\n{safe_line(str(r.path))}")
            self._show_result(Content(text), "-ok")
            self._note_output()
            note = f"sealed capsule {r.capsule_id[:16]} → {safe_line(str(r.path))}"
            self.notify(note, timeout=8, markup=False)
            return
        self.result = None
        self.refused = list(message.findings or [])
        lines = [safe_line(message.error or "sealing failed")]
        if self.refused:
            lines.append("Nothing was written. Where (values are never shown):")
            lines.extend("  " + row for row in finding_rows(self.refused))
            lines.extend("  " + row for row in (message.how or [])[:MAX_LISTED])
        self._show_result(Content("\n".join(lines)), "-error")
        self.notify(safe_line(message.error or "sealing failed"), severity="error", timeout=6, markup=False)

    def _show_result(self, content: Content, cls: str) -> None:
        self.query_one("#seal-result-box").display = True
        box = self.query_one("#seal-result", Static)
        box.set_classes(cls)
        box.update(content)
