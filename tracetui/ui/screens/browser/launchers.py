"""The browser's keys that open another screen or change the bucket: seal, redact, review, export,
replay, blame, evals, rate, remove, and the palettes of steps and of search. Each says in one line
why it cannot where the library cannot (a capsule, a dataset, a read-only bucket).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.command import CommandPalette
from textual.widgets import Input, Static, TabbedContent

from tracetui.bucket import Bucket
from tracetui.errors import TracetuiError
from tracetui.model import Step
from tracetui.safe_text import safe_line
from tracetui.ui import external
from tracetui.ui.commands import SearchCommands, StepCommands
from tracetui.ui.host import is_capsule, is_foreign
from tracetui.ui.screens.browser.base import BrowserBase
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Timeline
from tracetui.ui.widgets.trail_list import TrailList
from tracetui.ui.workers import call_back, thread_work
from tracetui.views.trail import PatchRow

if TYPE_CHECKING:
    from tracetui.redact import PlanStore  # the package itself is loaded when first used

# What a dataset says to them: its rows are exported already (redacted, reviewed), and it is shared.
_DATASET_READ_ONLY = "a dataset is read-only here: redact, seal and export from the bucket the session came from"


class LaunchersPart(BrowserBase):
    """The keys that open another screen or change the bucket."""

    def _said_read_only(self, capsule: str | None, other: str) -> bool:
        """Whether the library is read-only, having said so in one line: `capsule` for an opened
        capsule (None: `other` says it), a dataset's own words, `other` for the rest."""
        if not self.library.read_only:
            return False
        what = capsule if capsule is not None and is_capsule(self.library) else (
            _DATASET_READ_ONLY if self.library.kind == "dataset" else other)
        self.notify(what, severity="warning", markup=False)
        return True

    def _plan_store(self) -> PlanStore | None:
        """The library's plan store, for the redaction editor and the review; None once the reason
        there is none has been said."""
        from tracetui.redact import plan_store

        try:
            return plan_store(self.library)
        except TracetuiError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return None

    def action_seal(self) -> None:
        if self._said_read_only("this is a sealed capsule: it cannot be sealed again",
                                "this bucket is read-only: sealing needs its redaction plans written"):
            return
        if self.opened is None:
            self.notify("open a session first", severity="warning", markup=False)
            return
        if self.library.plans_dir is None:
            self.notify("sealing needs a bucket (its redaction plans)", severity="warning", markup=False)
            return
        self._when_whole("Seal", self._seal_whole)

    def _seal_whole(self) -> None:
        from tracetui.ui.screens.seal import SealScreen

        assert self.opened is not None
        steps = self.query_one(Timeline).seal_steps()
        self.app.push_screen(SealScreen(self.opened.session, steps, self.library, self.tracetui.repo))

    def action_redact(self) -> None:
        if self.opened is None:
            self.notify("open a session first", severity="warning", markup=False)
            return
        if self._said_read_only("this is a sealed capsule: its redactions are final",
                                "this bucket is read-only: redaction decisions cannot be saved"):
            return
        index = self.current_step()
        steps = self.opened.session.steps
        step_id = steps[index].id if index is not None and 0 <= index < len(steps) else None
        self._when_whole("Redact", lambda: self._redact_whole(step_id))

    def _redact_whole(self, step_id: str | None) -> None:
        from tracetui.ui.screens.redact_editor import RedactEditor

        assert self.opened is not None
        store = self._plan_store()
        if store is None:
            return
        self.app.push_screen(RedactEditor(self.opened.session, store, step_id=step_id))

    def action_review(self) -> None:
        """The undecided suggestions of the sessions the list shows, one row per value (the
        cross-session review: what an export from this list takes, decided before it)."""
        if self._said_read_only(None, "this library is read-only: redaction decisions cannot be saved"):
            return
        from tracetui.ui.screens.review import ReviewScreen

        store = self._plan_store()
        if store is None:
            return
        box = self.query_one("#filter", Input).value
        self.app.push_screen(ReviewScreen(self.library, store, self._query(), box.strip()))

    def action_export(self) -> None:
        if self.library.kind == "dataset":
            self.notify(_DATASET_READ_ONLY, severity="warning", markup=False)
            return
        if self.library.plans_dir is None:
            self.notify("exporting needs a bucket (its redaction plans)", severity="warning")
            return
        from tracetui.ui.screens.export import ExportScreen

        query = self._query()
        count = self.query_one(SessionList).count
        if self._list_settling is not None:  # the list shows its first rows only: the export takes all
            try:
                count = self.library.count_sessions(query)
            except TracetuiError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
        self.app.push_screen(ExportScreen(self.library, query, count, self.tracetui.repo))

    def action_replay(self) -> None:
        if not is_capsule(self.library):
            self.notify("replay works on an opened capsule (tracetui open FILE)", severity="warning", markup=False)
            return
        from tracetui.ui.screens.replay import ReplayScreen

        self.app.push_screen(ReplayScreen(self.library))

    def action_remove_session(self) -> None:
        if self.opened is None:
            self.notify("open the session to remove first", severity="warning")
            return
        if self.library.read_only:
            self.notify("this source is read-only: nothing to remove", severity="warning")
            return
        from tracetui.ui.screens.path_prompt import PathPrompt

        session = self.opened.session

        def answered(answer: str | None) -> None:
            if (answer or "").strip().lower() == "yes":
                self._remove(session.id)

        question = (f"Remove {session.agent} session {safe_line(session.id)} from the bucket? Its copies and rows "
                    "go; your agent's own log stays, and the session comes back if that log changes. Type yes:")  # fmt: skip
        self.app.push_screen(PathPrompt(question, "yes"), answered)

    @thread_work("remove")
    def _remove(self, session_id: str) -> None:
        try:
            self.library.remove(session_id)
        except TracetuiError as exc:
            self.app.call_from_thread(self.notify, f"not removed: {exc}", severity="error")
            return
        self.app.call_from_thread(self._removed, session_id)

    def _removed(self, session_id: str) -> None:
        if self.opened is not None and self.opened.session.id == session_id:
            self.opened = None
            self.query_one(Timeline).clear()
            self.query_one("#session-title", Static).update("no session open")
            self._offer_keys()
        self.set_pane_classes({"-hide-sessions": False})
        self.refresh_sessions()
        self.query_one(SessionList).focus()
        self.notify(f"removed {session_id[:12]} from the bucket")

    def action_rate(self) -> None:
        """Rate the open session, or the step under the timeline's cursor: good or bad, and a note."""
        if self.opened is None:
            self.notify("open a session to rate first", severity="warning")
            return
        if not isinstance(self.library, Bucket) or self.library.read_only:
            self.notify("ratings are kept in a bucket you can write to", severity="warning")
            return
        from tracetui.ui.screens.path_prompt import PathPrompt

        session = self.opened.session
        index = self.current_step() if isinstance(self.focused, Timeline) else None
        what = f"step {index} of the session" if index is not None else "the session"

        def answered(answer: str | None) -> None:
            verdict, _, note = (answer or "").strip().partition(" ")
            if verdict.lower() not in ("good", "bad"):
                if answer:
                    self.notify("a rating starts with good or bad", severity="warning")
                return
            self._rate(session.id, verdict.lower(), None if index is None else str(index), note.strip() or None)

        self.app.push_screen(PathPrompt(f"Rate {what}: good or bad, then a short note if you like:",
                                        "good it fixed the bug"), answered)  # fmt: skip

    @thread_work("rate")
    def _rate(self, session_id: str, verdict: str, step: str | None, note: str | None) -> None:
        assert isinstance(self.library, Bucket)
        try:
            rating = self.library.rate(session_id, verdict, step, note)
        except TracetuiError as exc:
            self.app.call_from_thread(self.notify, f"not rated: {exc}", severity="error", markup=False)
            return
        where = "the session" if rating.index is None else f"step {rating.index}"
        self.app.call_from_thread(self.notify, f"rated {where} {rating.verdict}", markup=False)
        if rating.step is None:
            self.app.call_from_thread(self.refresh_sessions, session_id)
        else:
            self.app.call_from_thread(self._step_rating_shown, session_id, rating.step, rating.verdict)

    def _step_rating_shown(self, session_id: str, step_id: str, verdict: str) -> None:
        self._step_rated.setdefault(session_id, {})[step_id] = verdict
        if self.opened is not None and self.opened.session.id == session_id:
            timeline = self.query_one(Timeline)
            timeline.rated[step_id] = verdict
            timeline.invalidate()

    def show_evals(self) -> None:
        """The Eval screen; a cohort chosen there is listed here, alone, until Escape."""
        from tracetui.ui.screens.evals import EvalScreen

        def chosen(picked: tuple[str, list[str]] | None) -> None:
            if picked is None:
                return
            self.cohort = picked
            self.set_pane_classes({"-hide-sessions": False})
            self.refresh_sessions()
            self.query_one(SessionList).focus()
            self.notify(safe_line(f"the {len(picked[1])} sessions of {picked[0]}; Escape in the list shows every session"),
                        markup=False)  # fmt: skip

        self.app.push_screen(EvalScreen(self.library, repo=self.tracetui.repo), chosen)

    def action_blame(self) -> None:
        """Blame the file the chosen step edited; in the trail pane, the file of the patch under the
        cursor."""
        trail = self.query_one(TrailList)
        if self.focused is trail and self.opened is not None:
            row = trail.lines[trail.cursor] if 0 <= trail.cursor < len(trail.lines) else None
            if isinstance(row, PatchRow) and row.step_index is not None:
                first = [] if is_foreign(self.library) else [row.path]
                index = row.step_index
                # A trail is worked out on the whole session only: its rows' steps are all here.
                self._when_whole("Blame", lambda: self._blame(self._step_at(index), first))
                return
        self._with_step("Blame", lambda step: self._blame(step, []))

    def _step_at(self, index: int) -> Step | None:
        steps = self.opened.session.steps if self.opened is not None else []
        return steps[index] if 0 <= index < len(steps) else None

    def _blame(self, step: Step | None, first: list[str]) -> None:
        if step is None or self.opened is None:
            return
        found = external.edit_target(step, self._edit_roots(step), first + self._edit_names(step))
        if isinstance(found, str):
            self.notify(found, severity="warning")
            return
        self.show_blame(str(found[0]), self.tracetui.repo)

    def action_trail_clone(self) -> None:
        """Ask for a clone of the open session's repository and judge its trail there, as `trail --repo`
        does: for a session whose logged folder is gone, or is not where this machine keeps the clone."""
        from tracetui.ui.screens.path_prompt import PathPrompt

        if self.opened is None:
            self.notify("open a session first", severity="warning", markup=False)
            return
        if is_foreign(self.library):
            self.notify("a capsule's or a dataset's trail is the one it carries, as it was judged",
                        severity="warning", markup=False)  # fmt: skip
            return
        session_id = self.opened.session.id

        def answered(answer: str | None) -> None:
            if answer and answer.strip():
                self._name_clone(session_id, answer.strip())

        self.app.push_screen(PathPrompt("A clone of this session's repository, to judge its trail in:",
                                        self.clones.get(session_id, "~/src/project")), answered)  # fmt: skip

    @thread_work("clone")
    def _name_clone(self, session_id: str, answer: str) -> None:
        # `~` only: no variables, no shell (the core opens the folder as a git repository, and its trail
        # says so where it is none). A worker: the folder may be on a slow or hung mount.
        folder = Path(answer).expanduser()
        if folder.is_dir():
            call_back(self, self._judge_in, session_id, str(folder))
        else:
            said = f"not a folder: {safe_line(str(folder))}"
            call_back(self, lambda: self.notify(said, severity="warning", markup=False))

    def _judge_in(self, session_id: str, folder: str) -> None:
        self.clones[session_id] = folder
        if self.opened is not None and self.opened.session.id == session_id:
            self.trail = None
            self._when_whole("Trail", lambda: self._trail_if_open(session_id))

    def _trail_if_open(self, session_id: str) -> None:
        if self.opened is not None and self.opened.session.id == session_id:
            self._compute_trail(self.opened.session)

    def ask_blame(self) -> None:
        """Ask for a file (and a revision after an @) and show its blame (the app's blame_file)."""
        from tracetui.ui.screens.blame import file_of
        from tracetui.ui.screens.path_prompt import PathPrompt

        def answered(answer: str | None) -> None:
            if answer:
                path, _, ref = answer.partition("@")
                self.show_blame(file_of(path.strip()), self.tracetui.repo, ref.strip() or "HEAD")

        self.app.push_screen(PathPrompt("The file to blame, and the revision after an @ (HEAD when none):",
                                        "path/to/file.py@HEAD"), answered)  # fmt: skip

    def show_blame(self, file: str, repo: str | None, ref: str = "HEAD") -> None:
        from tracetui.ui.screens.blame import BlameScreen

        if self.library.kind == "dataset":
            # Blame's line index is built from every session's edits, which a dataset does not carry.
            self.notify("blame needs a bucket: a dataset carries its sessions' patches, not their edits",
                        severity="warning", markup=False)  # fmt: skip
            return

        def chosen(target: tuple[str, str] | None) -> None:
            if target is not None:
                session, step = target
                self.query_one(TabbedContent).active = "ctx"  # what the model saw when it wrote the line
                self.open_session(session, step_id=step, focus=True)

        self.app.push_screen(BlameScreen(self.library, file, repo, ref), chosen)

    def ask_step(self) -> None:
        """The palette of the open session's steps, by number or text (the app's jump_step)."""
        if self.opened is None:
            self.app.notify("open a session first", severity="warning", markup=False)
            return
        self.query_one(Timeline).whole_head()  # a preview's steps, all of its head as before
        # The palette builds its providers from classes, so the open session rides on a subclass.
        StepProvider = type("StepProvider", (StepCommands,), {"session": self.opened.session, "browser": self})
        self.app.push_screen(CommandPalette(providers=[StepProvider], placeholder="step number or text…"))

    def ask_search(self) -> None:
        """The palette's full-text search over every session's steps (the app's search_steps)."""
        self.app.push_screen(CommandPalette(providers=[SearchCommands], placeholder="search every step…"))
