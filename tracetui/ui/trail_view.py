"""The bridge between `tracetui.trail` and the diff and trail panes.

It runs in a worker: it asks the trail layer for the session's patches and their fate in git,
and turns them into what the panes draw. Where there is no trail (no repository, or a build
without the trail layer) the panes still show what each step's edits were, without a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracetui.model import Session, Step
from tracetui.ui.step_blocks import _edit_block
from tracetui.ui.widgets.text_view import Block

STATE_ORDER = ("lost", "reverted", "transformed", "uncommitted", "alive", "unknown")  # worst first


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


def compute(session: Session, library: Any, repo: str | None, cache_dir: Any) -> TrailResult:
    result = TrailResult()
    try:
        fates, note, diff_of = _fates(session, library, repo, cache_dir)
    except Exception as exc:  # the trail is a bonus: its failure must not cost the timeline
        fates, note, diff_of = [], f"no trail: {exc}", None
    result.note = note
    off_path = {s.id for s in session.steps if not s.active}
    for fate in fates:
        patch = getattr(fate, "patch", fate)
        step_id = _get(patch, "step", "step_id")
        if step_id is None:
            continue
        state = _get(fate, "state")
        kept, changed = _get(fate, "kept"), _get(fate, "changed")
        dropped = _get(fate, "dropped", "removed")
        evidence = ", ".join(f"{n} {label}" for n, label in ((kept, "kept"), (changed, "changed"), (dropped, "dropped"))
                             if isinstance(n, int))
        reason = _get(fate, "reason")
        if isinstance(reason, str) and reason:
            evidence = f"{evidence}; {reason}" if evidence else reason
        diff = _get(patch, "diff") if isinstance(patch, dict) else ""  # a capsule's trail rows carry it
        diff = diff if isinstance(diff, str) else ""
        if not diff and diff_of is not None and not isinstance(patch, dict):
            try:
                diff = diff_of(patch)
            except Exception:
                diff = ""
        view = PatchView(str(_get(patch, "path") or "?"), state, _get(fate, "commit"), evidence, diff)
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


def _fates(session: Session, library: Any, repo: str | None, cache_dir: Any):
    from_capsule = getattr(library, "fates", None)
    if from_capsule is not None and getattr(library, "read_only", False):
        fates = from_capsule(session.id) if callable(from_capsule) else from_capsule
        return list(fates or []), "as sealed in the capsule", _diff_function()
    try:
        from tracetui.trail import trail
    except ImportError:
        return [], "the trail layer is not in this build", None
    kwargs: dict[str, Any] = {}
    if repo:
        kwargs["repo"] = repo
    if cache_dir is not None:
        kwargs["cache_dir"] = cache_dir
    found = trail(session, **kwargs)
    return list(getattr(found, "fates", []) or []), str(getattr(found, "note", "") or ""), _diff_function()


def _diff_function():
    try:
        from tracetui.trail import unified_diff
    except ImportError:
        return None
    return unified_diff


def _get(obj: Any, *names: str) -> Any:
    for name in names:
        if isinstance(obj, dict):
            if name in obj:
                return obj[name]
        elif hasattr(obj, name):
            return getattr(obj, name)
    return None


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
            rows.append(f"step {step.index if step else '?':>5}  {(p.state or '-'):<12} {(p.commit or '')[:8]:<8}  {p.path}"
                        + (f"  ({p.evidence})" if p.evidence else ""))
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
                *(_edit_block(e) for e in step.edits)]
    return [Block("", "this step changed no files", None, "$text-muted")]
