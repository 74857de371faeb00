"""Bisecting a capsule: which step made the user's check fail (or pass), and which patches suffice.

More in docs/internals/capsule.md, `capsule/bisect.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import partial
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
    patches = capsule.fates  # each record read from the trail's bytes when a probe applies it
    order = _step_order(patches)
    result = BisectResult(INCONCLUSIVE, "")
    settings = _Settings(
        check, timeout=timeout, trust=trust, sandbox=sandbox, max_runs=max_runs, opened=opened,
        progress=progress, limits=limits, seconds=seconds, deadline=deadline,
    )  # fmt: skip
    store = ObjectStore(root, [base])
    probes = _Probes(capsule, root, base, store, settings, result, patches, order)
    try:
        store.__enter__()
        chosen = _search(probes, skipped)
        if chosen is None:
            return result
    except _Budget:
        result.reason = f"stopped after {max_runs} check runs"
        return result
    except (_Untold, CapsuleError) as exc:  # a probe that tells nothing; the check refused; git failed
        result.verdict = INCONCLUSIVE
        result.reason = str(exc)
        return result
    finally:
        store.close()
    _conclude(result, patches, chosen)
    return result


def _step_order(patches: Sequence[dict[str, Any]]) -> list[str]:
    """The ids of the steps that hold patches, in the capsule's order."""
    order: list[str] = []
    for record in patches:
        step = str(record.get("step"))
        if not order or order[-1] != step:
            order.append(step)
    return order


@dataclass(frozen=True, slots=True)
class _Settings:
    """How each probe of a bisect runs, as `bisect()` was asked; `deadline` is time.monotonic()'s."""

    check: str
    timeout: float
    trust: bool
    sandbox: Sandbox | None
    max_runs: int
    opened: Callable[[Replay], None] | None
    progress: Callable[[str, int], None] | None
    limits: CheckLimits
    seconds: float
    deadline: float


@dataclass(slots=True)
class _Probes:
    """The check runs of one bisect, each a fresh replay at the base with some of the patches applied."""

    capsule: OpenedCapsule
    root: Path
    base: str
    store: ObjectStore
    settings: _Settings
    result: BisectResult  # its `runs` are the probes so far
    patches: Sequence[dict[str, Any]]
    order: list[str]  # the ids of the steps that hold patches
    # The patches that apply in the capsule's order, less the skipped.
    usable: set[int] = field(default_factory=set)
    phase: str = "ends"

    def run(self, chosen: list[int]) -> Probe:
        s, result = self.settings, self.result
        if len(result.runs) >= s.max_runs:
            raise _Budget
        if time.monotonic() >= s.deadline:
            raise _Untold(f"the bisect did not finish in {s.seconds:g} s")
        with Replay(self.capsule, self.root, self.base, sandbox=s.sandbox, trust=s.trust, store=self.store,
                    limits=s.limits, deadline=s.deadline) as replay:  # fmt: skip
            if s.opened is not None:
                s.opened(replay)
            result.sandbox = replay.confinement
            assert replay.worktree is not None
            applied = all(apply_patch(replay.worktree, self.patches[i], s.deadline) is None for i in chosen)
            code = TIMED_OUT
            if applied:
                checked = replay.run_check(s.check, s.timeout)
                if (why := untold(checked, s.limits, s.timeout)) is not None:
                    raise _Untold(why)
                code = checked.exit_code
        probe = Probe(chosen, code, applied)
        result.runs.append(probe)
        if s.progress is not None:
            s.progress(self.phase, len(result.runs))
        return probe

    def upto(self, k: int) -> list[int]:
        """The usable patches of the first k steps."""
        steps = set(self.order[:k])
        return [i for i, r in enumerate(self.patches) if str(r.get("step")) in steps and i in self.usable]

    def gives(self, wanted: bool, chosen: list[int]) -> bool:
        """Whether the check, run with `chosen` applied, passes (wanted True) or fails (wanted False)."""
        probe = self.run(chosen)
        return probe.applied and probe.exit_code != TIMED_OUT and (probe.exit_code == 0) == wanted


def _search(probes: _Probes, skipped: frozenset[tuple[str, str | None]]) -> list[int] | None:
    """The patches that suffice for the first step's result, its step named in the result; None when
    there is nothing to bisect (the result says why)."""
    result = probes.result
    _find_usable(probes, skipped)
    if probes.patches and not probes.usable:
        result.reason = "none of the capsule's patches apply at the base commit"
        return None
    wanted = _ends(probes)
    if wanted is None:
        return None
    gives = partial(probes.gives, wanted)
    probes.phase = "search"
    lo, hi = 1, len(probes.order)  # the first k whose prefix gives the result lies in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        if gives(probes.upto(mid)):
            hi = mid
        else:
            lo = mid + 1
    first = probes.order[lo - 1]
    result.first_step = first
    first_step = next((s for s in probes.capsule.steps if s.id == first), None)
    result.first_index = first_step.index if first_step is not None else None
    result.prompt = _prompt_before(probes.capsule, first)
    result.context = _context_summary(probes.capsule, first)
    probes.phase = "reduce"
    chosen, result.minimal = _ddmin(probes.upto(lo), gives)
    return chosen


def _find_usable(probes: _Probes, skipped: frozenset[tuple[str, str | None]]) -> None:
    """One pass without a check says which patches apply; the search goes over those alone, as the
    replay's partial verdict does (a shell step's file the log never showed fails its patch)."""
    s = probes.settings
    with Replay(probes.capsule, probes.root, probes.base, sandbox=s.sandbox, trust=s.trust,
                store=probes.store, limits=s.limits, deadline=s.deadline, skip=skipped) as dry:  # fmt: skip
        dry.apply_all()
        outcomes = [r for step in dry.steps for r in step.results]
    probes.usable.update(i for i, r in enumerate(outcomes) if r.ok)
    probes.result.not_applied = [r.to_dict() for r in outcomes if not r.ok]


def _ends(probes: _Probes) -> bool | None:
    """The check without the patches and with all of them: whether it passes after the first step,
    or None when the two runs leave nothing to bisect (the result says why)."""
    result = probes.result
    before, after = probes.run([]), probes.run(probes.upto(len(probes.order)))
    if not after.applied:
        result.reason = (
            "the capsule's patches that applied once do not apply again (a replay that is not repeatable)"
        )
        return None
    if before.exit_code == TIMED_OUT or after.exit_code == TIMED_OUT:
        result.reason = f"the check did not finish in {probes.settings.timeout:g} s"
        return None
    if (before.exit_code == 0) == (after.exit_code == 0):
        state = "passes" if before.exit_code == 0 else "fails"
        result.reason = f"the check {state} both without the patches and with all of them: nothing to bisect"
        return None
    result.verdict = REPRODUCES if before.exit_code == 0 else FIXED
    return after.exit_code == 0  # the result the first step brings about


def _conclude(result: BisectResult, patches: Sequence[dict[str, Any]], chosen: list[int]) -> None:
    """The minimal set found and the reason that sums up the bisect."""
    result.minimal_patches = [
        {"step": patches[i].get("step"), "path": patches[i].get("path")} for i in chosen
    ]
    what = "fail" if result.verdict == REPRODUCES else "pass"
    at = result.first_index if result.first_index is not None else result.first_step
    result.reason = (
        f"the check starts to {what} after step {at}; "
        f"{len(chosen)} patch{'' if len(chosen) == 1 else 'es'} of the episode suffice"
        + ("" if result.minimal else " (not reduced further: out of runs)")
        + (
            f" (partial: {len(result.not_applied)} patches left out, not applied)"
            if result.not_applied
            else ""
        )
    )


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
