"""Export the sessions the list shows (its filter is the selection) as a dataset: the same core
`tracetui.export.export` the CLI runs, with the same review gate, in a worker with progress.

Donate (`tracetui donate`'s path in the app): the dry run first (what leaves, the decisions still
waiting), then the user's yes in a question that says it, then the raw export with its card and
receipt, checked; the dialog shows the `hf upload … --create-pr` command. Nothing is sent from here."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from tracetui.capsule import SealRefused
from tracetui.errors import TracetuiError
from tracetui.export import (
    DonateOptions,
    DonationPlan,
    ExportOptions,
    ExportProgress,
    Selection,
    donate,
    donation_plan,
    export,
)
from tracetui.library import Library
from tracetui.model import SessionFilter
from tracetui.safe_text import safe_line
from tracetui.ui import actions
from tracetui.ui.screens.confirm import ConfirmScreen
from tracetui.ui.widgets.cut_input import CutInput
from tracetui.ui.workers import call_back, thread_work

CHOICES = ("parquet", "raw", "atif", "agent-trace")  # html and md are one episode each: the CLI's --steps


class ExportScreen(ModalScreen[None]):
    CSS_PATH = "export.tcss"
    FORM = True  # letters are for typing (TraceApp.check_action)
    BINDINGS = actions.bindings("export")

    def __init__(self, library: Library, query: SessionFilter, count: int, repo: str | None = None) -> None:
        super().__init__()
        self.library = library
        self.selection = Selection.of(query)
        self.count = count
        self.repo = repo
        self._exporting = False
        self.upload: str | None = None  # the last donation's upload command

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static("Export as a dataset", id="export-title", markup=False)
            yield Static(f"the {self.count:,} session{'s' if self.count != 1 else ''} the list shows (its filter "
                         "chooses them), scrubbed under their redaction plans", id="export-what", markup=False)  # fmt: skip
            with RadioSet(id="export-format"):
                for i, name in enumerate(CHOICES):
                    yield RadioButton(name, value=i == 0, id=f"export-{name}")
            yield Checkbox("accept undecided suggestions", id="export-accept")
            # Outside any repository: the current folder is often the user's checkout.
            yield CutInput(str(user_data_path("tracetui") / "exports" / "tracetui-export"),
                           placeholder="the folder to write", id="export-dest")  # fmt: skip
            with Horizontal(id="export-donation"):
                yield Static("licence to donate under", id="export-license-label", markup=False)
                yield CutInput("cc-by-4.0", placeholder="a licence id", id="export-license")
            with Horizontal(id="export-buttons"):
                yield Button("Export", id="export-go", variant="primary")
                yield Button("Donate…", id="export-donate")
                yield Button("Close", id="export-close")
            yield Static("", id="export-status", markup=False)

    def on_mount(self) -> None:
        self.query_one("#export-dest", Input).focus()

    @on(Button.Pressed, "#export-close")
    def action_close(self) -> None:
        if not self._exporting:
            self.dismiss(None)

    @on(Button.Pressed, "#export-go")
    @on(Input.Submitted, "#export-dest")
    def action_export(self) -> None:
        if self._exporting:
            return
        pressed = self.query_one(RadioSet).pressed_button
        fmt = str(pressed.label) if pressed is not None else CHOICES[0]
        dest = self.query_one("#export-dest", Input).value.strip()
        if not dest:
            self._say("give the folder to write")
            return
        options = ExportOptions(fmt, accept_suggested=self.query_one("#export-accept", Checkbox).value, repo=self.repo)
        self._exporting = True
        self._say(f"exporting as {fmt}…")
        self._run(Path(dest).expanduser(), options)

    @thread_work("export")
    def _run(self, dest: Path, options: ExportOptions) -> None:
        def progress(p: ExportProgress) -> None:
            what = "reviewing" if p.phase == "review" else "writing"
            call_back(self, self._say, f"{what} {p.done}/{p.total}")

        try:
            report = export(self.library, dest, options, self.selection, progress)
        except TracetuiError as exc:  # SealRefused included: its message says what to decide
            text = str(exc)
            if isinstance(exc, SealRefused) and exc.findings:
                findings = exc.findings
                sessions = len({f.get("session") for f in findings})
                text += (f" ({len(findings)} in {sessions} session{'s' if sessions != 1 else ''}: review them "
                         "with r on each, or tick accept)")  # fmt: skip
            call_back(self, self._done, text, False)
            return
        text = (f"wrote {report.written}, unchanged {report.unchanged}, {report.files} files in {report.dest}"
                + (f"; {len(report.refused)} refused by the second gate" if report.refused else "")
                + (f"; {len(report.skipped)} skipped (first: {safe_line(report.skipped[0]['reason'])})" if report.skipped
                   else ""))  # fmt: skip
        call_back(self, self._done, text, not report.refused)

    # -- donate ---------------------------------------------------------------------------------

    def _donate_options(self) -> DonateOptions:
        return DonateOptions(self.query_one("#export-license", Input).value.strip() or "cc-by-4.0",
                             accept_suggested=self.query_one("#export-accept", Checkbox).value)  # fmt: skip

    @on(Button.Pressed, "#export-donate")
    def action_donate(self) -> None:
        if self._exporting:
            return
        dest = self.query_one("#export-dest", Input).value.strip()
        if not dest:
            self._say("give the folder to write")
            return
        self._exporting = True
        self._say("what would leave: reading the sessions…")
        self._plan(Path(dest).expanduser(), self._donate_options())

    @thread_work("export")
    def _plan(self, dest: Path, options: DonateOptions) -> None:
        try:
            planned = donation_plan(self.library, dest, options, self.selection)
        except TracetuiError as exc:
            call_back(self, self._done, str(exc), False)
            return
        call_back(self, self._ask, planned, options)

    def _ask(self, planned: DonationPlan, options: DonateOptions) -> None:
        """The dry run as the question: nothing is written without the user's yes."""
        if planned.decisions_left:
            self._done(f"{planned.undecided} suggestion(s) ({planned.decisions_left} distinct value(s)) wait "
                       "for a decision: review them (R on the list), or tick accept; nothing was written", False)  # fmt: skip
            return
        agents = ", ".join(f"{agent} {n}" for agent, n in planned.agents.items())
        question = (f"Donate {len(planned.sessions)} session(s) ({agents}) under the licence {planned.license}?\n\n"
                    f"Their logs, scrubbed under their redaction plans, with a dataset card and a receipt, are "
                    f"written into {planned.dest} and checked. Nothing is sent: the command that opens the "
                    "pull request is shown after.")  # fmt: skip

        def answered(yes: bool | None) -> None:
            if not yes:
                self._done("not confirmed: nothing was written", False)
                return
            self._say("donating…")
            self._give(planned.dest, options)

        self.app.push_screen(ConfirmScreen(question), answered)

    @thread_work("export")
    def _give(self, dest: Path, options: DonateOptions) -> None:
        def progress(p: ExportProgress) -> None:
            what = "reviewing" if p.phase == "review" else "writing"
            call_back(self, self._say, f"{what} {p.done}/{p.total}")

        try:
            donation = donate(self.library, dest, options, self.selection, progress)
        except TracetuiError as exc:
            call_back(self, self._done, str(exc), False)
            return
        report = donation.export
        checked = "check passed" if donation.check.ok else f"check FAILED ({len(donation.check.problems)} problems)"
        text = (f"donated {report.exported} session(s) into {report.dest} with its card and receipt; {checked}"
                + (f"; {len(report.refused)} refused by the second gate" if report.refused else ""))  # fmt: skip
        if donation.ok:
            text += f". To open the pull request: {donation.upload}"
        self.upload = donation.upload
        call_back(self, self._done, text, donation.ok)

    def _done(self, text: str, ok: bool) -> None:
        self._exporting = False
        self._say(text)
        self.query_one("#export-status").set_class(ok, "-ok").set_class(not ok, "-error")
        self.query_one("#export-status").scroll_visible()  # at 80x24 the dialog scrolls to what it says

    def _say(self, text: str) -> None:
        self.query_one("#export-status", Static).update(safe_line(text))
