"""Bisecting a capsule: which step made the user's check fail (or pass), and which patches suffice.

More in docs/internals/capsule.md, `capsule/bisect.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracetui.capsule.apply import apply_patch
from tracetui.capsule.archive import CapsuleError
from tracetui.capsule.clone import ObjectStore
from tracetui.capsule.gitcmd import is_commit_id, resolve_commit
from tracetui.capsule.limits import DEFAULT_LIMITS, CheckLimits
from tracetui.capsule.opened import OpenedCapsule
from tracetui.capsule.replay import (
    _AUTO,
    CHECK_TIMEOUT,
    FIXED,
    INCONCLUSIVE,
    NOT_A_COMMIT_ID,
    REPLAY_SECONDS,
    REPRODUCES,
    TIMED_OUT,
    Replay,
    replay_target,
    skip_patches,
    untold,
)
from tracetui.capsule.sandbox import Sandbox
from tracetui.errors import TracetuiError
from tracetui.model import StepKind

MAX_RUNS = 64  # check runs one bisect may spend (the search is logarithmic; ddmin is not)


@dataclass(slots=True)
class Probe:
    """One check run: which patches were applied (indexes into the capsule's trail) and its exit code."""

    patches: list[int]
    exit_code: int
    applied: bool  # False when a patch of the set did not apply (the probe says nothing)

    def to_dict(self) -> dict[str, Any]:
        return {"patches": self.patches, "exit": self.exit_code, "applied": self.applied}


@dataclass(slots=True)
class BisectResult:
    verdict: str
    reason: str
    first_step: str | None = None
    first_index: int | None = None
    minimal_patches: list[dict[str, Any]] = field(default_factory=list)  # {"step", "path"} each
    minimal: bool = False  # True when every patch of the set was shown to be needed
    prompt: str | None = None  # the user prompt that led to the first step
    context: dict[str, Any] | None = None  # {"tokens", "items", "compacted"} at the first step
    runs: list[Probe] = field(default_factory=list)
    sandbox: str | None = None
    not_applied: list[dict[str, Any]] = field(default_factory=list)  # left out of the search, with why

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "first_step": self.first_step,
            "first_index": self.first_index,
            "minimal_patches": self.minimal_patches,
            "minimal": self.minimal,
            "prompt": self.prompt,
            "context": self.context,
            "runs": [r.to_dict() for r in self.runs],
            "sandbox": self.sandbox,
            "not_applied": list(self.not_applied),
        }


class _Budget(Exception):
    pass


class _Untold(Exception):
    """A probe whose exit says nothing of the check (a limit, the sandbox, time): the bisect stops."""


def bisect(
    capsule: OpenedCapsule,
    repo: str | Path,
    check: str,
    *,
    timeout: float = CHECK_TIMEOUT,
    trust: bool = False,
    sandbox: Sandbox | None = _AUTO,
    max_runs: int = MAX_RUNS,
    opened: Callable[[Replay], None] | None = None,
    progress: Callable[[str, int], None] | None = None,
    limits: CheckLimits = DEFAULT_LIMITS,
    seconds: float = REPLAY_SECONDS,
    skip: Collection[str] = (),
) -> BisectResult:
    """`opened(run)` is called with each probe's replay as it opens (a caller on another thread can
    close it, which stops its check; raising there ends the bisect); `progress(phase, runs)` after each
    check run, with the phase ("ends", "search", "reduce") and the runs so far. Every probe together
    ends within `seconds`, and a probe that hits a limit, cannot start its sandbox or runs out of time
    stops the bisect: guessing its result would name the wrong step."""
    deadline = time.monotonic() + seconds
    root = replay_target(repo, check)
    skipped = skip_patches(capsule, skip)
    if not capsule.base:
        return BisectResult(INCONCLUSIVE, "the capsule records no base commit")
    if not is_commit_id(capsule.base):
        return BisectResult(INCONCLUSIVE, NOT_A_COMMIT_ID)
    base = resolve_commit(root, capsule.base)
    if base is None:
        return BisectResult(INCONCLUSIVE, f"the base commit {capsule.base[:12]} is not in {root} (fetch it first)")
    patches = list(capsule.fates)
    order: list[str] = []
    for record in patches:
        step = str(record.get("step"))
        if not order or order[-1] != step:
            order.append(step)
    result = BisectResult(INCONCLUSIVE, "")
    phase = "ends"

    def run(chosen: list[int]) -> Probe:
        if len(result.runs) >= max_runs:
            raise _Budget
        if time.monotonic() >= deadline:
            raise _Untold(f"the bisect did not finish in {seconds:g} s")
        with Replay(capsule, root, base, sandbox=sandbox, trust=trust, store=store, limits=limits,
                    deadline=deadline) as replay:  # fmt: skip
            if opened is not None:
                opened(replay)
            result.sandbox = replay.confinement
            assert replay.worktree is not None
            applied = all(apply_patch(replay.worktree, patches[i], deadline) is None for i in chosen)
            code = TIMED_OUT
            if applied:
                checked = replay.run_check(check, timeout)
                if (why := untold(checked, limits, timeout)) is not None:
                    raise _Untold(why)
                code = checked.exit_code
        probe = Probe(chosen, code, applied)
        result.runs.append(probe)
        if progress is not None:
            progress(phase, len(result.runs))
        return probe

    usable: set[int] = set()  # the patches that apply in the capsule's order, less the skipped

    def upto(k: int) -> list[int]:  # the usable patches of the first k steps
        steps = set(order[:k])
        return [i for i, r in enumerate(patches) if str(r.get("step")) in steps and i in usable]

    store = ObjectStore(root, [base])
    try:
        store.__enter__()
        # One pass without a check says which patches apply; the search goes over those alone, as the
        # replay's partial verdict does (a shell step's file the log never showed fails its patch).
        with Replay(capsule, root, base, sandbox=sandbox, trust=trust, store=store, limits=limits,
                    deadline=deadline, skip=skipped) as dry:  # fmt: skip
            dry.apply_all()
            outcomes = [r for s in dry.steps for r in s.results]
        usable.update(i for i, r in enumerate(outcomes) if r.ok)
        result.not_applied = [r.to_dict() for r in outcomes if not r.ok]
        if patches and not usable:
            result.reason = "none of the capsule's patches apply at the base commit"
            return result
        before, after = run([]), run(upto(len(order)))
        if not after.applied:
            result.reason = "the capsule's patches that applied once do not apply again (a replay that is not repeatable)"
            return result
        if before.exit_code == TIMED_OUT or after.exit_code == TIMED_OUT:
            result.reason = f"the check did not finish in {timeout:g} s"
            return result
        if (before.exit_code == 0) == (after.exit_code == 0):
            state = "passes" if before.exit_code == 0 else "fails"
            result.reason = f"the check {state} both without the patches and with all of them: nothing to bisect"
            return result
        result.verdict = REPRODUCES if before.exit_code == 0 else FIXED
        wanted = after.exit_code == 0  # the result the first step brings about

        def gives(chosen: list[int]) -> bool:
            probe = run(chosen)
            return probe.applied and probe.exit_code != TIMED_OUT and (probe.exit_code == 0) == wanted

        phase = "search"
        lo, hi = 1, len(order)  # the first k whose prefix gives the result lies in [lo, hi]
        while lo < hi:
            mid = (lo + hi) // 2
            if gives(upto(mid)):
                hi = mid
            else:
                lo = mid + 1
        first = order[lo - 1]
        result.first_step = first
        first_step = next((s for s in capsule.steps if s.id == first), None)
        result.first_index = first_step.index if first_step is not None else None
        result.prompt = _prompt_before(capsule, first)
        result.context = _context_summary(capsule, first)
        phase = "reduce"
        chosen, result.minimal = _ddmin(upto(lo), gives)
    except _Budget:
        result.reason = f"stopped after {max_runs} check runs"
        return result
    except (_Untold, CapsuleError) as exc:  # a probe that tells nothing; the check refused; git failed
        result.verdict = INCONCLUSIVE
        result.reason = str(exc)
        return result
    finally:
        store.close()
    result.minimal_patches = [{"step": patches[i].get("step"), "path": patches[i].get("path")} for i in chosen]
    what = "fail" if result.verdict == REPRODUCES else "pass"
    result.reason = (
        f"the check starts to {what} after step {result.first_index if result.first_index is not None else first}; "
        f"{len(chosen)} patch{'' if len(chosen) == 1 else 'es'} of the episode suffice"
        + ("" if result.minimal else " (not reduced further: out of runs)")
        + (f" (partial: {len(result.not_applied)} patches left out, not applied)" if result.not_applied else "")
    )
    return result


def _ddmin(items: list[int], gives: Any) -> tuple[list[int], bool]:
    """A smallest subset of `items` (order kept) for which `gives` holds; (subset, reached 1-minimal)."""
    current = list(items)
    n = 2
    try:
        while len(current) >= 2:
            size = max(1, len(current) // n)
            chunks = [current[i : i + size] for i in range(0, len(current), size)]
            reduced = False
            for chunk in chunks:
                if gives(chunk):
                    current, n, reduced = chunk, 2, True
                    break
            if not reduced:
                for chunk in chunks:
                    rest = [i for i in current if i not in chunk]
                    if rest and gives(rest):
                        current, n, reduced = rest, max(n - 1, 2), True
                        break
            if not reduced:
                if n >= len(current):
                    break
                n = min(len(current), n * 2)
    except _Budget:
        return current, False
    return current, True


def _prompt_before(capsule: OpenedCapsule, step_id: str) -> str | None:
    steps = capsule.steps
    at = next((i for i, s in enumerate(steps) if s.id == step_id), None)
    if at is None:
        return None
    for s in reversed(steps[: at + 1]):
        if s.kind == StepKind.USER and s.text.strip():
            return s.text
    return None


def _context_summary(capsule: OpenedCapsule, step_id: str) -> dict[str, Any] | None:
    try:
        ctx = capsule.context(step_id)
    except TracetuiError:  # no context recorded for it
        return None
    return {"tokens": ctx["tokens"], "items": len(ctx["items"]), "compacted": ctx["compacted"]}
