"""The chosen step handed on: to the user's pager, editor and clipboard, to its agent to resume
from, and to its relatives (the session a fork or subagent came from, the subagent a call spawned),
each on the session read whole. The keys for relatives are offered only where the library holds them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

from textual.app import SuspendNotSupported

from tracetui.errors import TracetuiError
from tracetui.model import Step
from tracetui.safe_text import clip, safe_copy, safe_line, safe_text
from tracetui.ui import external, trail_view
from tracetui.ui.host import is_capsule, is_foreign
from tracetui.ui.screens.browser.base import BrowserBase
from tracetui.ui.step_blocks import step_blocks
from tracetui.ui.workers import call_back, thread_work
from tracetui.views import fork
from tracetui.views.format import step_text


class StepToolsPart(BrowserBase):
    """The chosen step handed to the user's tools, its agent and its relatives."""

    def _with_step(self, what: str, then: Callable[[Step], None]) -> None:
        """Run `then` on the step chosen now, in the session read whole (`_when_whole`)."""
        index = self.current_step()
        if self.opened is None or index is None:
            self.notify("open a session and choose a step first", severity="warning")
            return
        step_id = self.opened.session.steps[index].id

        def chosen() -> None:
            # By its id: the step asked for, wherever the cursor went while the session was read.
            step = self.opened.session.step(step_id) if self.opened is not None else None
            if step is not None:
                then(step)

        self._when_whole(what, chosen)

    def action_pager(self) -> None:
        self._with_step("Pager", self._page)

    def _page(self, step: Step) -> None:
        assert self.opened is not None
        blocks = step_blocks(self.opened.session, self.opened.shape, step.index)
        text = "\n\n".join(f"── {b.title}\n{b.body}" if b.title else b.body for b in blocks)
        self._run_outside(external.pager_command(os.environ), safe_text(text).encode())

    def action_editor(self) -> None:
        self._with_step("Editor", self._edit)

    def _edit(self, step: Step) -> None:
        found = external.edit_target(step, self._edit_roots(step), self._edit_names(step))
        if isinstance(found, str):
            self.notify(found, severity="warning")
            return
        path, line = found
        self._run_outside(external.editor_command(os.environ, path, line), None)

    def _run_outside(self, command: list[str], stdin: bytes | None) -> None:
        """Run a program of the user's on the terminal, the app suspended until it exits."""
        try:
            with self.app.suspend():
                subprocess.run(command, input=stdin, check=False)
        except SuspendNotSupported:
            self.notify("this terminal cannot hand the screen to another program", severity="warning")
        except OSError as exc:
            self.notify(f"could not run {command[0]}: {exc.strerror or exc}", severity="error")

    def action_copy(self, what: str = "step") -> None:
        """Copy the step's text, its id or its diff to the clipboard (OSC 52: the terminal's own)."""
        self._with_step("Copy", lambda step: self._copy(step, what))

    def _copy(self, step: Step, what: str) -> None:
        if what == "id":
            text = step.id
        elif what == "diff":
            blocks = trail_view.step_diff_blocks(step, self.trail)
            text = "\n".join(b.body for b in blocks if b.language == "diff")
            if not text:
                self.notify("this step has no diff", severity="warning")
                return
        else:
            text = step_text(step)
        size = len(safe_copy(text).encode("utf-8"))
        if size > external.COPY_LIMIT:
            self.notify(f"the step's {what} is {size / 1e6:.1f} MB, over the {external.COPY_LIMIT >> 20} MB "
                        "a copy sends: P opens it in your pager", severity="warning")  # fmt: skip
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"copied the step's {what} ({len(text):,} characters)", timeout=2)

    def action_resume_here(self) -> None:
        """Write the open session up to the chosen step as a new session of its agent (the source log
        and the bucket stay as they are); show the command that continues it, and copy it."""
        if is_capsule(self.library):  # its logged cwd is the reporter's: the clone must be named
            self.notify("a capsule's session continues in the clone it was replayed into: `tracetui resume ID "
                        "--step N --from CAPSULE --cwd CLONE`", severity="warning", markup=False)
            return
        if is_foreign(self.library):  # a dataset's: another machine's folder, as a capsule's
            self.notify("a dataset's session names another machine's working folder: resume it from the bucket "
                        "it came from, on its machine", severity="warning", markup=False)
            return
        self._with_step("Resume", lambda step: self._resume(self.opened.session.id if self.opened else "", step.index))

    @thread_work("resume")
    def _resume(self, session_id: str, number: int) -> None:
        import tracetui.resume as resume_api

        try:
            done = resume_api.continue_at(self.library, session_id, number)
        except TracetuiError as exc:
            call_back(self, self._not_resumed, str(exc))
            return
        call_back(self, self._resumed, done.command, done.path, [n for n, _ in done.unshown], done.model)

    def _not_resumed(self, why: str) -> None:
        self.notify(f"not resumed: {safe_line(why)}", severity="error", markup=False)

    def _resumed(self, command: str, path: str, unshown: list[int], model: str | None) -> None:
        self.app.copy_to_clipboard(command)  # the app's copy makes every control visible (safe_copy)
        # What the model will read and the agent shows as no message: a log could hide an order there.
        hidden = ""
        if unshown:
            numbers = ", ".join(f"#{n}" for n in unshown[:12]) + (" ..." if len(unshown) > 12 else "")
            hidden = f"\nread by the model, shown by the agent as no message: steps {numbers}; look at them first"
        if model is not None:  # OpenCode continues on the model the history names, not the user's default
            hidden += f"\nit continues on {safe_line(clip(model, 120))}: add `-m PROVIDER/MODEL` to choose"
        self.notify(f"{safe_line(command)}\ncopied; the session is {safe_line(path)}{hidden}", title="Resume",
                    markup=False, timeout=20, severity="warning" if unshown or model else "information")

    def _edit_roots(self, step: Step) -> list[str | None]:
        """The folders a step's edited file may be opened in: the logged folder and the repository
        (its top too: the trail's names are relative to it). A capsule's folder is a stranger's word
        (it could name the user's ~/.ssh): only `--repo`."""
        assert self.opened is not None
        from tracetui.trail import open_clone

        repo = self.tracetui.repo
        roots = [repo] if is_foreign(self.library) else [step.cwd or self.opened.session.cwd, repo]
        for folder in list(roots):
            try:
                roots.append(open_clone(folder).workdir if folder and os.path.isdir(folder) else None)
            except (TracetuiError, OSError, ValueError):
                continue
        return roots

    def _edit_names(self, step: Step) -> list[str]:
        """The step's file as the log names it, then as the trail found it in the repository here."""
        names = [e.move_to or e.path for e in step.edits[:1]]
        # A capsule's paths are repo-relative already, and its sealed trail rows a stranger's word.
        if self.trail is not None and not is_foreign(self.library):
            names += [p.path for p in self.trail.patches.get(step.id, [])]
        return names

    def _offer_keys(self) -> None:
        """The parent key is offered for a fork or subagent whose parent the library holds, the subagent
        key on a step that spawned one the library holds; the footer is made again only when that
        changes (a rest on the list or the timeline must not lay out the screen)."""
        offered = self.opened is not None and self.opened.parent is not None
        child = self._on_spawner()
        if (offered, child) != (self._fork_key_offered, self._child_key_offered):
            self._fork_key_offered, self._child_key_offered = offered, child
            self.refresh_bindings()

    def _on_spawner(self) -> bool:
        """Whether the chosen step spawned a subagent the library holds."""
        index = self.current_step()
        if self.opened is None or index is None or not 0 <= index < len(self.opened.session.steps):
            return False
        return self.opened.session.steps[index].id in self.opened.spawners

    def action_fork_parent(self) -> None:
        """Open the session the open fork was copied from, at the step where the fork was made, or the
        one that spawned the open subagent, at its spawning call."""
        if self.opened is None or self.opened.parent is None:
            session = self.opened.session if self.opened is not None else None
            self.notify(fork.no_parent_line(session), severity="warning", markup=False)
            return
        self._when_whole("Parent", self._open_parent)  # where its copy ends may lie past a preview's head

    def _open_parent(self) -> None:
        if self.opened is None or self.opened.parent is None:
            return
        self._fork_child = self.opened.session
        self.open_session(self.opened.parent, focus=True)

    def action_spawned_child(self) -> None:
        """Open the subagent session the chosen step spawned (the other way from the parent key)."""
        self._with_step("Subagent", self._open_child)

    def _open_child(self, step: Step) -> None:
        child = fork.spawned_child(step)
        if child is None:
            self.notify("the chosen step spawned no subagent with a log of its own", severity="warning",
                        markup=False)
            return
        if fork.held(self.library, child) is None:
            self.notify(f"its subagent {safe_line(fork.short_id(child))} is not in the bucket",
                        severity="warning", markup=False)
            return
        self.open_session(child, focus=True)
