"""The diff and trail panes' blocks, drawn from the face-neutral `tracetui.views.trail` view.

`compute` runs in a worker. Where there is no trail (no repository) the panes still show what each
step's edits were, without a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tracetui.library import Library
from tracetui.model import Session, Step
from tracetui.ui.actions import BY_ID
from tracetui.ui.host import is_foreign
from tracetui.ui.step_blocks import edit_block
from tracetui.ui.widgets.text_view import Block
from tracetui.views.trail import (
    COPIED_HERE, PatchRow, PatchView, TrailView, counts_text, header_lines, patch_rows, trail_view,
)

__all__ = ["TrailResult", "compute", "counts_text", "step_diff_blocks"]

# The core's note names `trail --repo`; in the app, the palette command names a clone for the session.
APP_CLONE_HINT = f"; to judge them in a clone of its repository: the palette's \"{BY_ID['browser.trail_clone'].palette}\""


@dataclass(slots=True)
class TrailResult:
    """The face-neutral trail view and the blocks the trail pane draws from it."""

    view: TrailView
    header: list[str] = field(default_factory=list)  # what the trail comes to (`header_lines`)
    rows: list[PatchRow] = field(default_factory=list)  # every patch, final path first

    @property
    def counts(self) -> dict[str, int]:
        return self.view.counts

    @property
    def states(self) -> dict[str, str]:
        return self.view.states

    @property
    def patches(self) -> dict[str, list[PatchView]]:
        return self.view.patches

    @property
    def abandoned(self) -> int:
        return self.view.abandoned


def compute(
    session: Session, library: Library, repo: str | None, cache_dir: Path | None, clone: str | None = None
) -> TrailResult:
    from tracetui.trail import clone_hint, on_two_cores  # here: the trail's imports are not the app's launch's

    with on_two_cores():  # the user waits on this one answer: the patches judged on two processes
        view = trail_view(session, library, repo, cache_dir, clone)
    hint = clone_hint(session.id)
    if not is_foreign(library) and view.note.endswith(hint):  # the app names a clone its own way
        view.note = view.note[: -len(hint)] + APP_CLONE_HINT
    return TrailResult(view, header_lines(view), patch_rows(session, view))


def step_diff_blocks(step: Step, result: TrailResult | None) -> list[Block]:
    patches = result.patches.get(step.id) if result is not None else None
    if patches:
        blocks = []
        for p in patches:
            if p.copied and p.state is None:  # the parent's trail judges it
                blocks.append(Block(f"{p.path} · {p.evidence}", p.diff or "(no diff text)", "diff"))
                continue
            verdict = p.state or "no verdict"
            if p.commit:
                verdict += f" in {p.commit[:10]}"
            if p.evidence:
                verdict += f" ({p.evidence})"
            if p.reason:
                verdict += f": {p.reason}"
            if p.copied:
                verdict += f" · {COPIED_HERE}"
            blocks.append(Block(f"{p.path} · {verdict}", p.diff or "(no diff text)", "diff"))
        return blocks
    if step.edits:
        note = "" if result is None else "  (no verdict from the trail for this step)"
        return [Block("", f"edits as the log recorded them{note}", None, "$text-muted"),
                *(edit_block(e) for e in step.edits)]
    return [Block("", "this step changed no files", None, "$text-muted")]
