"""The bridge between `tracetui.trail` and the diff and trail panes.

It runs in a worker: it asks the trail layer for the session's patches and their fate in git
(or takes them as an opened capsule sealed them), and turns them into what the panes draw. Where
there is no trail (no repository) the panes still show what each step's edits were, without a
verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracetui.library import Library
from tracetui.model import Session, Step
from tracetui.ui.step_blocks import edit_block
from tracetui.ui.widgets.text_view import Block

STATE_ORDER = ("lost", "reverted", "transformed", "uncommitted", "alive", "unknown")  # worst first
EVIDENCE = ("kept", "changed", "dropped")  # a fate's line counts, in the order they are shown


@dataclass(slots=True)
class PatchView:
    path: str
    state: str | None
    commit: str | None
    evidence: str
    diff: str


@dataclass(slots=True)
class TrailResult:
    states: dict[str, str] = field(default_factory=dict)  # step id -> worst state of its patches
    patches: dict[str, list[PatchView]] = field(default_factory=dict)  # step id -> its patches
    counts: dict[str, int] = field(default_factory=dict)  # patches on the session's final path
    abandoned: int = 0  # patches made on branches the session rewound away from
    note: str = ""
    summary_blocks: list[Block] = field(default_factory=list)


def compute(session: Session, library: Library, repo: str | None, cache_dir: Any) -> TrailResult:
    result = TrailResult()
    try:
        rows, result.note = _rows(session, library, repo, cache_dir)
    except Exception as exc:  # the trail is a bonus: its failure must not cost the timeline
        rows, result.note = [], f"no trail: {exc}"
    off_path = {s.id for s in session.steps if not s.active}
    for row in rows:
        step_id, state = row.get("step"), row.get("state")
        if step_id is None:
            continue
        counts = ", ".join(f"{row[k]} {k}" for k in EVIDENCE if isinstance(row.get(k), int))
        reason = row.get("reason") if isinstance(row.get("reason"), str) else ""
        evidence = "; ".join(part for part in (counts, reason) if part)
        diff = row.get("diff") if isinstance(row.get("diff"), str) else ""
        view = PatchView(str(row.get("path") or "?"), state, row.get("commit"), evidence, diff)
        result.patches.setdefault(step_id, []).append(view)
        if step_id in off_path:
            # Usually "lost": true, but it would drown what happened on the path the user kept.
            result.abandoned += 1
        elif state:
            result.counts[state] = result.counts.get(state, 0) + 1
        if state:
            prior = result.states.get(step_id)
            if prior is None or _rank(state) < _rank(prior):
                result.states[step_id] = state
    result.summary_blocks = summary_blocks(session, result)
    return result


def _rows(
    session: Session, library: Library, repo: str | None, cache_dir: Any
) -> tuple[list[dict[str, Any]], str]:
    """Every patch of the session in one row shape (step, path, state, commit, kept, changed,
    dropped, reason, diff), and a note on how it was judged.

    An opened capsule carries these rows as they were sealed; otherwise the trail layer judges
    the patches now, against `repo` (or the repository of the session's cwd).
    """
    sealed = library.fates  # only an opened capsule has them
    if sealed is not None:
        return list(sealed), "as sealed in the capsule"
    from tracetui.trail import trail, unified_diff

    found = trail(session, repo=repo or None, cache_dir=cache_dir)
    return [{**f.to_dict(), "diff": unified_diff(f.patch)} for f in found.fates], found.note or ""


def _rank(state: str) -> int:
    return STATE_ORDER.index(state) if state in STATE_ORDER else len(STATE_ORDER)


def counts_text(counts: dict[str, int]) -> str:
    return " ".join(f"{counts[s]} {s}" for s in STATE_ORDER if counts.get(s))


def summary_blocks(session: Session, result: TrailResult) -> list[Block]:
    lines = []
    total = sum(result.counts.values())
    if total:
        lines.append(f"{total} patch{'es' if total != 1 else ''}: {counts_text(result.counts)}")
    else:
        lines.append("no patches with a verdict")
    if result.abandoned:
        lines.append(f"{result.abandoned} more on abandoned branches, listed last")
    if result.note:
        lines.append(result.note)
    blocks = [Block("trail", "\n".join(lines))]
    steps = {s.id: s for s in session.steps}
    kept: list[str] = []
    abandoned: list[str] = []
    for step_id in sorted(result.patches, key=lambda sid: steps[sid].index if sid in steps else 0):
        step = steps.get(step_id)
        rows = kept if step is None or step.active else abandoned
        for p in result.patches[step_id]:
            where = step.index if step else "?"
            line = f"step {where:>5}  {(p.state or '-'):<12} {(p.commit or '')[:8]:<8}  {p.path}"
            rows.append(line + (f"  ({p.evidence})" if p.evidence else ""))
    if kept:
        blocks.append(Block("patches", "\n".join(kept)))
    if abandoned:
        blocks.append(Block("patches on abandoned branches", "\n".join(abandoned)))
    return blocks


def step_diff_blocks(step: Step, result: TrailResult | None) -> list[Block]:
    patches = result.patches.get(step.id) if result is not None else None
    if patches:
        blocks = []
        for p in patches:
            verdict = p.state or "no verdict"
            if p.commit:
                verdict += f" in {p.commit[:10]}"
            if p.evidence:
                verdict += f" ({p.evidence})"
            blocks.append(Block(f"{p.path} · {verdict}", p.diff or "(no diff text)", "diff"))
        return blocks
    if step.edits:
        note = "" if result is None else "  (no verdict from the trail for this step)"
        return [Block("", f"edits as the log recorded them{note}", None, "$text-muted"),
                *(edit_block(e) for e in step.edits)]
    return [Block("", "this step changed no files", None, "$text-muted")]
