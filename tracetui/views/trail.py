"""The trail as a face shows it: each step's worst state, each patch in one row shape, the counts on
the session's final path, and the patches of abandoned branches kept apart.

An opened capsule carries its rows as they were sealed, a dataset as they were exported
(`Library.recorded_trail`); otherwise the trail layer
judges the patches now. Either way the faces get the same `TrailView`, so the app's trail pane and
`tracetui trail` count alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracetui.library import Library
from tracetui.line_cost import LineCost, line_cost, of_rows
from tracetui.model import Session
from tracetui.sources.common.coerce import as_str, opt_str
from tracetui.views.fork import copies_judged_here
from tracetui.views.format import line_cost_text

# Worst first: a step whose patches fared differently shows the worst of them.
STATE_ORDER = ("lost", "reverted", "transformed", "uncommitted", "alive", "unknown")
EVIDENCE = ("kept", "changed", "dropped")  # a fate's line counts, in the order they are shown


@dataclass(slots=True)
class PatchView:
    path: str
    state: str | None
    commit: str | None
    evidence: str
    diff: str
    copied: bool = False  # a fork's copy of its parent's patch: shown with its step, never counted
    reason: str = ""  # why the state is what it is where the trail says (why it is unknown)


# What a fork's copy of its parent's patch says where a verdict would be: the parent's trail judges
# it (judged again in the fork it would be counted twice, and as the fork's work).
COPIED = "copied from the parent session, whose trail judges it"
# What a judged copy says beside its verdict: its parent is not in the bucket (`fork.copies_judged_here`).
COPIED_HERE = "copied from the parent session, which is not in the bucket: judged here, not counted"


@dataclass(slots=True)
class TrailView:
    states: dict[str, str] = field(default_factory=dict)  # step id -> worst state of its patches
    patches: dict[str, list[PatchView]] = field(default_factory=dict)  # step id -> its patches
    counts: dict[str, int] = field(default_factory=dict)  # patches on the session's final path
    abandoned: int = 0  # patches made on branches the session rewound away from
    copied: int = 0  # a fork's copies of its parent's patches: left out of the rows and the counts
    copies_judged: bool = False  # the copies carry verdicts, listed apart (the parent is not in the bucket)
    note: str = ""
    # What the session spent per surviving line and on thrown-away patches (line_cost.py), by these fates.
    line_cost: LineCost | None = None


def abandoned_steps(session: Session) -> set[str]:
    """The steps on branches the session rewound away from: their patches are counted apart."""
    return {s.id for s in session.steps if not s.active}


def trail_view(
    session: Session, library: Library, repo: str | None, cache_dir: Path | None, clone: str | None = None
) -> TrailView:
    view = TrailView(copies_judged=copies_judged_here(library, session))
    try:
        rows, view.note = _rows(session, library, repo, cache_dir, view.copies_judged, clone)
    except Exception as exc:  # the trail is a bonus: its failure must not cost the timeline
        rows, view.note = [], f"no trail: {exc}"
    return from_rows(session, rows, view)


def from_rows(session: Session, rows: Sequence[dict[str, Any]], view: TrailView | None = None) -> TrailView:
    """Fold fate rows (`Fate.to_dict()` shape, or a capsule's sealed ones) into a view. A fork's copies
    get their verdicts only where `view.copies_judged`; they are never counted."""
    view = view if view is not None else TrailView()
    off_path = abandoned_steps(session)
    copies = {s.id for s in session.steps if s.copied}
    for row in rows:
        step_id, state = row.get("step"), row.get("state")
        if not isinstance(step_id, str):
            continue
        if step_id in copies and not view.copies_judged:
            # The parent's work, not the fork's: its diff stays with its step, with no verdict.
            diff = as_str(row.get("diff")) or ""
            copy = PatchView(str(row.get("path") or "?"), None, None, COPIED, diff, copied=True)
            view.patches.setdefault(step_id, []).append(copy)
            view.copied += 1
            continue
        state = state if isinstance(state, str) else None
        patch = _patch(row, state, copied=step_id in copies)
        view.patches.setdefault(step_id, []).append(patch)
        if patch.copied:
            view.copied += 1  # the parent's work, judged here: a verdict on its step, never a count
        elif step_id in off_path:
            # Usually "lost": true, but it would drown what happened on the path the user kept.
            view.abandoned += 1
        elif state:
            view.counts[state] = view.counts.get(state, 0) + 1
        if state:
            prior = view.states.get(step_id)
            if prior is None or rank(state) < rank(prior):
                view.states[step_id] = state
    view.line_cost = line_cost(session, of_rows(r for r in rows if r.get("step") not in copies))
    return view


def _patch(row: dict[str, Any], state: str | None, copied: bool) -> PatchView:
    numbers = [row[k] for k in EVIDENCE if isinstance(row.get(k), int)]
    evidence = ", ".join(f"{row[k]} {k}" for k in EVIDENCE if isinstance(row.get(k), int))
    reason = as_str(row.get("reason")) or ""
    if reason and state == "unknown" and not any(numbers):
        evidence = ""  # nothing was looked for: the reason says why, the zero counts nothing
    diff = as_str(row.get("diff")) or ""
    return PatchView(str(row.get("path") or "?"), state, opt_str(row.get("commit")), evidence, diff, copied, reason)


def _rows(
    session: Session, library: Library, repo: str | None, cache_dir: Path | None, copies_judged: bool,
    clone: str | None = None,
) -> tuple[Sequence[dict[str, Any]], str]:
    recorded = library.recorded_trail(session.id)  # a capsule's as sealed, a dataset's as exported
    if recorded is not None:
        return recorded.rows, recorded.note  # a capsule's read as folded: no second copy of every patch
    from tracetui.trail import given_clone, trail, unified_diff

    # A clone named for this session is its repository, as `trail --repo` takes it; the app's --repo is
    # one clone for every session, taken only where it is the session's own.
    where, aside = (clone, "") if clone else given_clone(session, repo)
    # A fork's copies are judged only where its parent is not in the bucket (`copies_judged_here`).
    found = trail(session, repo=where, cache_dir=cache_dir, own_only=not copies_judged)
    note = aside + (found.note or ("judged where it ran" if aside else ""))
    return [{**f.to_dict(), "diff": unified_diff(f.patch)} for f in found.fates], note


def rank(state: str) -> int:
    return STATE_ORDER.index(state) if state in STATE_ORDER else len(STATE_ORDER)


def copies_line(copied: int, judged: bool = False) -> str:
    """What a fork's trail says of the patches it copied from its parent: left out (the parent's trail
    judges them), or, where the bucket lacks the parent, judged here and listed last, not counted."""
    one = copied == 1
    if judged:
        return (f"{copied} patch{'' if one else 'es'} copied from the parent session, which is not in the "
                f"bucket: judged here, listed last, not counted")  # fmt: skip
    if one:
        return "1 patch copied from the parent session is left out: the parent's trail judges it"
    return f"{copied} patches copied from the parent session are left out: the parent's trail judges them"


def counts_text(counts: dict[str, int]) -> str:
    return " ".join(f"{counts[s]} {s}" for s in STATE_ORDER if counts.get(s))


def header_lines(view: TrailView) -> list[str]:
    """What the trail comes to: the final path's counts, then the abandoned patches and the note."""
    total = sum(view.counts.values())
    lines = [f"{total} patch{'es' if total != 1 else ''}: {counts_text(view.counts)}" if total
             else "no patches with a verdict"]  # fmt: skip
    if view.line_cost is not None and view.line_cost.decided:  # the header above says it only where it fits
        lines.append(line_cost_text(view.line_cost))
    if view.abandoned:
        lines.append(f"{view.abandoned} more on abandoned branches, listed last")
    if view.copied:
        lines.append(copies_line(view.copied, view.copies_judged))
    if view.note:
        lines.append(view.note)
    return lines


@dataclass(slots=True, frozen=True)
class PatchRow:
    """One patch as a row of the trail: where it comes from (its step) and what became of it."""

    step_id: str
    step_index: int | None  # None: the step is not in the session (a capsule's range)
    path: str
    state: str | None
    commit: str | None
    evidence: str
    abandoned: bool  # made on a branch the session rewound away from
    reason: str = ""  # why the state is unknown, where the trail says: shown as a note under the row
    copied: bool = False  # a fork's copy, judged here (its parent is not in the bucket): listed last

    def text(self) -> str:
        where = self.step_index if self.step_index is not None else "?"
        line = f"step {where:>5}  {(self.state or '-'):<12} {(self.commit or '')[:8]:<8}  {self.path}"
        line += f"  ({self.evidence})" if self.evidence else ""
        return line + (f"  why: {self.reason}" if self.reason else "")


def patch_rows(session: Session, view: TrailView) -> list[PatchRow]:
    """Every patch in step order, those on the final path first, then those of abandoned branches, then a
    fork's copies where they were judged here (`copies_judged_here`)."""
    steps = {s.id: s for s in session.steps}
    rows: list[PatchRow] = []
    for step_id in sorted(view.patches, key=lambda sid: steps[sid].index if sid in steps else 0):
        step = steps.get(step_id)
        for p in view.patches[step_id]:
            if p.copied and p.state is None:
                continue  # the parent's trail judges it
            rows.append(PatchRow(step_id, step.index if step else None, p.path, p.state, p.commit, p.evidence,
                                 step is not None and not step.active, p.reason, p.copied))  # fmt: skip
    own = [r for r in rows if not r.copied]
    return [r for r in own if not r.abandoned] + [r for r in own if r.abandoned] + [r for r in rows if r.copied]
