"""Replay an opened capsule from the app: its patches, one step at a time, on your own checkout.

More in docs/internals/ui.md, `ui/screens/replay.py`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Static

from tracetui.errors import TracetuiError
from tracetui.safe_text import safe_line, safe_text
from tracetui.ui import actions
from tracetui.ui.row_updates import RowUpdates
from tracetui.ui.widgets.cut_input import CutInput
from tracetui.ui.widgets.key_footer import KeyFooter
from tracetui.ui.widgets.text_view import Block, Document, Room, TextView
from tracetui.ui.workers import thread_work
from tracetui.views.format import step_name

OUTPUT_LINES = 30  # lines of the check's output shown


def step_blocks(step: Any, number: int, total: int, index_of: dict[str, int]) -> list[Block]:
    """One replayed step: a line per patch with its outcome, then each patch's diff."""
    name = step_name(index_of, step.step)  # the number every face shows; the log's id never
    ok = sum(1 for r in step.results if r.ok)
    many = len(step.patches)
    head = f"{name} ({number} of {total}): {ok} of {many} patch{'es' if many != 1 else ''} applied"
    blocks = [Block("", head, None, "$success" if step.ok else "$error")]
    for patch, result in zip(step.patches, step.results):
        path = str(patch.get("path"))
        if patch.get("move_to"):
            path += f" → {patch.get('move_to')}"
        outcome = "applied" if result.ok else f"did not apply: {result.reason}"
        diff = str(patch.get("diff") or "(no diff text)")
        blocks.append(Block(f"{path} · {patch.get('op')} · {outcome}", diff, "diff"))
    return blocks


def bisect_blocks(result: Any, fates: Sequence[dict[str, Any]], index_of: dict[str, int]) -> list[Block]:
    """A bisect's answer: the first step and its prompt, then the minimal patch set with each diff."""
    at = result.first_index if result.first_index is not None else result.first_step
    what = "fail" if result.verdict == "reproduces" else "pass"
    blocks = [Block("", f"first step: step {at} (your check starts to {what} after it)", None, "bold")]
    if result.prompt:
        blocks.append(Block("the prompt that led to it", result.prompt, None))
    if result.context:
        ctx = result.context
        items = ctx.get("items")
        summary = (f"{items} item{'' if items == 1 else 's'}, about {ctx.get('tokens')} tokens"
                   + (", after a compaction" if ctx.get("compacted") else ""))
        blocks.append(Block("", f"its context: {summary}", None, "$text-muted"))
    chosen = result.minimal_patches
    many = len(chosen)
    head = f"the minimal patch set: {_patches(many)}" + ("" if result.minimal else " (not reduced further)")
    blocks.append(Block("", head, None, "bold"))
    wanted = [(p.get("step"), p.get("path")) for p in chosen]
    for record in fates:
        key = (record.get("step"), record.get("path"))
        if key in wanted:
            wanted.remove(key)
            step = record.get("step")
            title = f"{record.get('path')} · {record.get('op')} · {step_name(index_of, step if isinstance(step, str) else None)}"
            blocks.append(Block(title, str(record.get("diff") or "(no diff text)"), "diff"))
    return blocks


def _prepared(blocks: list[Block], pane: Room) -> Document | None:
    """The applied steps' document, wrapped for the pane ahead: wrapping 8,000 steps' lines took the
    UI thread 30-130 ms when they arrived."""
    if not blocks:
        return None
    document = Document(blocks)
    document.prepare(pane)
    return document


def _patches(n: int) -> str:
    return f"{n} patch" if n == 1 else f"{n} patches"


def exit_text(code: int) -> str:
    from tracetui.capsule import TIMED_OUT

    if code == TIMED_OUT:
        return "timed out"
    return "passes (exit 0)" if code == 0 else f"fails (exit {code})"


def run_text(run: Any) -> str:
    """A check run as the user reads it: its exit, or why its exit says nothing (a limit, the sandbox)."""
    from tracetui.capsule import untold

    why = untold(run)
    return f"inconclusive: {why}" if why is not None and (run.limit or run.failure) else exit_text(run.exit_code)


class Opened(Message):
    def __init__(self, run: Any = None, error: str | None = None) -> None:
        super().__init__()
        self.run = run
        self.error = error


class Applied(Message):
    def __init__(self, steps: list[Any], error: str | None = None, document: Document | None = None) -> None:
        super().__init__()
        self.steps = steps
        self.error = error
        # The steps' lines and diffs, made and wrapped to the pane in the worker.
        self.document = document


PROGRESS_SECONDS = 0.5  # how often an Apply all says how far it is (the capsule itself is imported late)


class Applying(Message):
    """How far an Apply all has come (steps applied, steps), sent about twice a second while it runs."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class Checked(Message):
    def __init__(self, command: str, check: Any = None, error: str | None = None) -> None:
        super().__init__()
        self.command = command
        self.check = check
        self.error = error


class Judged(Message):
    def __init__(self, result: Any = None, error: str | None = None) -> None:
        super().__init__()
        self.result = result
        self.error = error


class Bisected(Message):
    def __init__(self, result: Any = None, error: str | None = None) -> None:
        super().__init__()
        self.result = result
        self.error = error


class BisectProgress(Message):
    def __init__(self, phase: str, runs: int) -> None:
        super().__init__()
        self.phase = phase
        self.runs = runs


_PHASES = {
    "ends": "your check without the patches and with all of them",
    "search": "searching for the first step",
    "reduce": "reducing to the fewest patches",
}


STEP_ROW_WIDTH = 150  # the step row's full-size buttons, with 40 cells for the check command


class ReplayScreen(RowUpdates, Screen):
    """Step through the patches of `capsule` (an OpenedCapsule) on a checkout of your own."""

    CSS_PATH = "replay.tcss"
    FORM = True  # single letters are for typing here (TraceApp.check_action)
    BINDINGS = actions.bindings("replay")

    def __init__(self, capsule: Any, repo: str | Path | None = None) -> None:
        super().__init__()
        self.capsule = capsule
        self.default_repo = str(repo if repo is not None else Path.cwd())
        self.run: Any = None  # the open capsule.Replay
        self.check: Any = None  # the last CheckRun
        self.applied_steps: list[Any] = []
        self._lock = threading.Lock()
        self._shut = False
        self._applying = False
        self._checking = False
        self._judging = False
        self._verdict_run: Any = None  # the replay the verdict is using, for close_replay
        self.verdict: Any = None  # the last ReplayResult
        self._bisecting = False
        self._bisect_run: Any = None  # the replay of the bisect's current probe, for close_replay
        self.bisected: Any = None  # the last BisectResult
        self.check_timeout = 600.0  # seconds, as `tracetui replay --timeout` defaults
        self._index_of = {s.id: s.index for s in capsule.steps}
        from tracetui.capsule import find_sandbox

        self.sandbox = find_sandbox()  # None: checks run only when the user trusts the capsule

    def compose(self) -> ComposeResult:
        yield Static(id="replay-title", markup=False)
        with Horizontal(id="replay-repo-row"):
            yield CutInput(
                self.default_repo, placeholder="your checkout of the capsule's repository", id="replay-repo"
            )
            yield Button("Start", id="replay-start", variant="primary")
        yield Static("Give the path of your checkout and press Start.", id="replay-status", markup=False)
        yield TextView(id="replay-diff")
        with Horizontal(id="replay-step-row"):
            yield Button("Apply next", id="replay-next", disabled=True)
            yield Button("Apply all", id="replay-all", disabled=True)
            yield CutInput(
                placeholder="your own check command, e.g. pytest -x tests/test_cart.py", id="replay-check"
            )
            yield Button("Run check", id="replay-run", disabled=True)
            yield CutInput("HEAD", placeholder="ref", id="replay-ref")
            yield Button("Verdict", id="replay-judge")
            yield Button("Bisect", id="replay-bisect")
        if self.sandbox is None:
            from tracetui.capsule import trusted_bound

            # What a trusted check can still do to tracetui here, as the CLI says it (README, Safety).
            yield Checkbox("no sandbox here (install bubblewrap): trust this capsule and run my check unconfined,"
                           + trusted_bound(), id="replay-trust")  # fmt: skip
        yield Static("", id="replay-verdict", markup=False)
        yield KeyFooter(compact=True)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """Below STEP_ROW_WIDTH the step row's buttons and fields are drawn compact (no borders), in
        two lines (replay.tcss): the check command beside the Apply buttons, with the rest of the
        room. At 80 columns their full size ran past the edge and Verdict and Bisect were off the
        screen; in one compact line the check command had 12 cells, at 120 columns 14."""
        narrow = 0 < width < STEP_ROW_WIDTH
        self.set_class(narrow, "-narrow")
        for widget in self.query("#replay-step-row Button, #replay-step-row Input"):
            if isinstance(widget, (Button, Input)):
                widget.compact = narrow

    def on_mount(self) -> None:
        self._fit(self.app.size.width)
        cap = self.capsule
        steps = cap.manifest.get("steps", {})
        base = safe_line(cap.base[:12]) if cap.base else "unknown"
        self.query_one("#replay-title", Static).update(Content(
            f"Replay · {safe_line(str(cap.manifest.get('agent', '')))} "
            f"session {safe_line(str(cap.manifest.get('session', {}).get('id', '')))[:12]} · "
            f"steps {steps.get('first')}–{steps.get('last')} · {len(cap.fates)} patches · base {base}"
        ))
        where = (f"your check runs in a {self.sandbox.name} sandbox: its clone and the toolchain, nothing else of yours"
                 if self.sandbox is not None else
                 "this machine has no sandbox: your check runs the capsule's code only if you trust it")  # fmt: skip
        hint = Block("", f"the patches show here as they are applied · {where}", None, "$text-muted")
        self.query_one(TextView).show_blocks([hint])
        self.query_one("#replay-repo", Input).focus()  # where the user types first

    # -- state ----------------------------------------------------------------------------------
    @property
    def remaining(self) -> int:
        if self.run is None:
            return 0
        return len(self.run.steps) - len(self.applied_steps)

    def _status(self, text: str | None = None) -> None:
        if text is None:
            run = self.run
            if run is None:
                text = "not started"
            else:
                total = len(run.steps)
                done = len(self.applied_steps)
                text = (f"clone at {run.commit[:12]} · {done} of {total} steps applied · "
                        f"{_patches(run.applied)} applied, {run.failed} did not apply")
                if self.remaining == 0:
                    text += " · every step is applied"
        self.query_one("#replay-status", Static).update(Content(safe_line(text)))
        started = self.run is not None
        self.query_one("#replay-next", Button).disabled = not started or self.remaining == 0
        self.query_one("#replay-all", Button).disabled = not started or self.remaining == 0
        self.query_one("#replay-run", Button).disabled = not started
        self.query_one("#replay-start", Button).disabled = started

    # -- start ----------------------------------------------------------------------------------
    @on(Button.Pressed, "#replay-start")
    @on(Input.Submitted, "#replay-repo")
    def action_start(self) -> None:
        if self.run is not None:
            return
        repo = self.query_one("#replay-repo", Input).value.strip()
        if not repo:
            self._status("give the path of your checkout")
            return
        self.query_one("#replay-start", Button).disabled = True
        self._status("Making a clone at the capsule's base commit…")
        self._open_worker(repo)

    @thread_work("replay-open")
    def _open_worker(self, repo: str) -> None:
        from tracetui.capsule import open_replay

        with self._lock:
            try:
                run = open_replay(self.capsule, Path(repo).expanduser(), trust=self.trusted)
            except TracetuiError as exc:
                self.post_message(Opened(error=str(exc)))
                return
            except Exception as exc:  # git missing, a permission: say so, keep the screen
                self.post_message(Opened(error=f"cannot start the replay: {exc}"))
                return
            if self._shut:  # the screen went away while git was working
                run.close()
                return
            self.run = run
        self.post_message(Opened(run))

    @property
    def trusted(self) -> bool:
        if self.sandbox is not None:
            return False  # trust never turns a sandbox off
        return self.query_one("#replay-trust", Checkbox).value

    @on(Checkbox.Changed, "#replay-trust")
    def _trust_changed(self, event: Checkbox.Changed) -> None:
        if self.run is not None:
            self.run.trust = event.value

    def on_opened(self, message: Opened) -> None:
        if message.error:
            self.query_one("#replay-start", Button).disabled = False
            self._status(message.error)
            return
        self._status()
        self.query_one("#replay-next", Button).focus()

    # -- applying -------------------------------------------------------------------------------
    @on(Button.Pressed, "#replay-next")
    def action_apply_next(self) -> None:
        self._apply(False)

    @on(Button.Pressed, "#replay-all")
    def action_apply_all(self) -> None:
        self._apply(True)

    def _apply(self, every: bool) -> None:
        if self.run is None:
            self.notify("press Start first", severity="warning", markup=False)
            return
        if self.remaining == 0:
            self.notify("every step is applied", markup=False)
            return
        if self._applying:
            return
        # The buttons stay enabled (a disabled button would hand the focus to the check box,
        # which would then swallow the next `n`); a flag keeps a second press out instead.
        self._applying = True
        self._apply_worker(every, self.query_one(TextView).pane())

    @thread_work("replay-apply", exclusive=False)
    def _apply_worker(self, every: bool, pane: Room) -> None:
        # The blocks, their document and its wrapping for the pane are made here, not when the steps
        # arrive: a capsule of 20,000 tiny patches held the UI thread 0.7 s making them.
        done: list[Any] = []
        blocks: list[Block] = []
        said = time.monotonic()
        with self._lock:
            try:
                while (run := self.run) is not None:
                    step = run.apply_next()
                    if step is None:
                        break
                    done.append(step)
                    blocks.extend(step_blocks(step, run.position, len(run.steps), self._index_of))
                    if not every:
                        break
                    if time.monotonic() - said >= PROGRESS_SECONDS:  # closing the screen stops the loop
                        said = time.monotonic()
                        self.post_message(Applying(run.position, len(run.steps)))
            except TracetuiError as exc:
                self.post_message(Applied(done, str(exc), _prepared(blocks, pane)))
                return
        self.post_message(Applied(done, document=_prepared(blocks, pane)))

    def on_applying(self, message: Applying) -> None:
        if self._applying and self.run is not None:
            done, total = message.done, message.total
            self._status(f"applying: {done:,} of {total:,} steps · closing the screen stops it")

    def on_applied(self, message: Applied) -> None:
        self._applying = False
        self.applied_steps.extend(message.steps)
        if message.error:
            self.notify(safe_line(message.error), severity="error", markup=False)
        if message.document is not None:
            self.query_one(TextView).show_document(message.document)
        self._status()

    # -- the check ------------------------------------------------------------------------------
    @on(Button.Pressed, "#replay-run")
    @on(Input.Submitted, "#replay-check")
    def action_run_check(self) -> None:
        command = self.query_one("#replay-check", Input).value.strip()
        if self.run is None:
            self.notify("press Start first", severity="warning", markup=False)
            return
        if not command:
            self._say("type your check command first")
            return
        if self._checking:
            return
        self._checking = True
        self._say(f"running: {command}")
        self._check_worker(command)

    @thread_work("replay-check", exclusive=False)
    def _check_worker(self, command: str) -> None:
        with self._lock:
            if self.run is None:
                return
            run = self.run
            try:
                if run.worktree is None:
                    raise TracetuiError("the replay clone is not open")
                check = run.run_check(command, self.check_timeout)
            except (TracetuiError, OSError) as exc:
                self.post_message(Checked(command, error=str(exc)))
                return
        self.post_message(Checked(command, check))

    def on_checked(self, message: Checked) -> None:
        self._checking = False
        if message.error:
            self._say(f"the check could not run: {message.error}", "-error")
            return
        self.check = message.check
        applied = len(self.applied_steps)
        total = len(self.run.steps) if self.run is not None else 0
        verdict = run_text(message.check)
        tail = safe_text(message.check.output).rstrip("\n").split("\n")[-OUTPUT_LINES:]
        head = f"check {verdict} after {applied} of {total} steps: {message.command}"
        good = message.check.exit_code == 0 and message.check.tells
        self._say(head, "-ok" if good else "-error", tail if any(tail) else [])

    # -- the verdict ----------------------------------------------------------------------------
    @on(Button.Pressed, "#replay-judge")
    @on(Input.Submitted, "#replay-ref")
    def action_verdict(self) -> None:
        repo = self.query_one("#replay-repo", Input).value.strip()
        command = self.query_one("#replay-check", Input).value.strip()
        ref = self.query_one("#replay-ref", Input).value.strip() or "HEAD"
        if not repo or not command:
            self._say("give your checkout and your check command first")
            return
        if self._judging:
            return
        self._judging = True
        self._say(f"judging: {command} at the base commit, then at {ref}…")
        self._verdict_worker(repo, command, ref)

    @thread_work("replay-verdict", exclusive=False)
    def _verdict_worker(self, repo: str, command: str, ref: str) -> None:
        import tracetui.capsule as capsule_api

        def opened(run: Any) -> None:
            if self._shut:
                raise TracetuiError("the replay was closed")
            self._verdict_run = run

        with self._lock:  # git commands on one repository, one at a time
            try:
                path = Path(repo).expanduser()
                result = capsule_api.replay(self.capsule, path, command, ref, self.check_timeout, opened=opened,
                                trust=self.trusted)
            except TracetuiError as exc:
                self.post_message(Judged(error=str(exc)))
                return
            except Exception as exc:  # git missing, a permission: say so, keep the screen
                self.post_message(Judged(error=f"cannot judge: {exc}"))
                return
            finally:
                self._verdict_run = None
        self.post_message(Judged(result))

    def on_judged(self, message: Judged) -> None:
        from tracetui.capsule import FIXED, REPRODUCES

        self._judging = False
        if message.error:
            self._say(f"no verdict: {message.error}", "-error")
            return
        result = self.verdict = message.result
        runs = []
        for name, run in (("base", result.base_check), ("ref", result.target_check)):
            if run is not None and (name == "base" or run is not result.base_check):
                runs.append(safe_line(f"  at {name} {run.commit[:12]}: check {run_text(run)}"))
        classes = {REPRODUCES: "-error", FIXED: "-ok"}.get(result.verdict, "")
        self._say(f"verdict: {result.verdict} · {result.reason}", classes, runs)

    # -- bisect -------------------------------------------------------------------------------------
    @on(Button.Pressed, "#replay-bisect")
    def action_bisect(self) -> None:
        repo = self.query_one("#replay-repo", Input).value.strip()
        command = self.query_one("#replay-check", Input).value.strip()
        if not repo or not command:
            self._say("give your checkout and your check command first")
            return
        if self._bisecting:
            return
        self._bisecting = True
        self._say(f"bisecting: {command} · {_PHASES['ends']}…")
        self._bisect_worker(repo, command)

    @thread_work("replay-bisect", exclusive=False)
    def _bisect_worker(self, repo: str, command: str) -> None:
        import tracetui.capsule as capsule_api

        def opened(run: Any) -> None:
            if self._shut:
                raise TracetuiError("the replay was closed")
            self._bisect_run = run

        def progress(phase: str, runs: int) -> None:
            self.post_message(BisectProgress(phase, runs))

        with self._lock:  # git commands on one repository, one at a time
            try:
                result = capsule_api.bisect(self.capsule, Path(repo).expanduser(), command,
                                            timeout=self.check_timeout, trust=self.trusted, opened=opened,
                                            progress=progress)
            except TracetuiError as exc:
                self.post_message(Bisected(error=str(exc)))
                return
            except Exception as exc:  # git missing, a permission: say so, keep the screen
                self.post_message(Bisected(error=f"cannot bisect: {exc}"))
                return
            finally:
                self._bisect_run = None
        self.post_message(Bisected(result))

    def on_bisect_progress(self, message: BisectProgress) -> None:
        if self._bisecting:
            runs = f"{message.runs} check run{'' if message.runs == 1 else 's'}"
            self._say(f"bisecting · {_PHASES.get(message.phase, message.phase)} · {runs} so far…")

    def on_bisected(self, message: Bisected) -> None:
        from tracetui.capsule import FIXED, REPRODUCES

        self._bisecting = False
        if message.error:
            self._say(f"no bisect: {message.error}", "-error")
            return
        result = self.bisected = message.result
        runs = len(result.runs)
        classes = {REPRODUCES: "-error", FIXED: "-ok"}.get(result.verdict, "")
        plural = "" if runs == 1 else "s"
        self._say(f"bisect: {result.verdict} · {result.reason} · {runs} check run{plural}", classes)
        if result.first_step is None:
            return
        self.query_one(TextView).show_blocks(bisect_blocks(result, self.capsule.fates, self._index_of))

    def _say(self, head: str, classes: str = "", more: list[str] | None = None) -> None:
        """The line under the check box: its head (one line, made safe) and lines already safe."""
        box = self.query_one("#replay-verdict", Static)
        box.set_classes(classes)
        box.update(Content("\n".join([safe_line(head), *(more or [])])))

    # -- closing --------------------------------------------------------------------------------
    def action_close(self) -> None:
        applied = len(self.applied_steps)
        if not applied:
            self._leave()
            return
        from tracetui.ui.screens.confirm import ConfirmScreen

        # Leaving throws the applied steps away with the clone: a question that waits for the answer
        # (a status line asking to press Escape again expired while the user read it).
        def answered(yes: bool | None) -> None:
            if yes:
                self._leave()

        plural = "" if applied == 1 else "s"
        self.app.push_screen(ConfirmScreen(f"Close the replay and discard the {applied} applied step{plural}? "
                                           "Its clone is removed."), answered)  # fmt: skip

    def _leave(self) -> None:
        self.close_replay()
        self.app.pop_screen()

    def close_replay(self) -> None:
        """Remove the clone (safe to call more than once, and from app exit)."""
        self._shut = True
        run, self.run = self.run, None
        if run is not None:
            run.close()  # also stops a check still running: it must not outlive its clone
        for other in (self._verdict_run, self._bisect_run):
            if other is not None:
                other.close()  # its check stops; the next probe of a bisect sees _shut and ends

    def on_unmount(self) -> None:
        self.close_replay()
