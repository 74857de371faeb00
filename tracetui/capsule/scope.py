"""What a capsule of an episode would carry, and why sealing it would refuse.

One scope serves the seal itself, `tracetui seal` and the app's seal dialog, so the three can never
disagree about which steps go in, how many sure findings get scrubbed, which suggestions still need a
decision, or how a finding is described to the user (by step index, as `--steps` takes them, and
field, kind and tier: never the value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracetui.ctx import ContextIndex
from tracetui.errors import TracetuiError, UsageError
from tracetui.model import Session, Step
from tracetui.redact.plan import Plan
from tracetui.safe_text import clip, command_line, safe_line

# The session-level fields a capsule carries (its source paths and read errors stay home).
SEALED_SESSION_FIELDS = ("cwd", "title", "git.", "subagents[")


class SealRefused(TracetuiError):
    """Sealing stopped for a redaction reason; `findings` lists where (never the values)."""

    def __init__(self, message: str, findings: list[dict[str, Any]], kinds: list[str] | None = None) -> None:
        super().__init__(message)
        self.findings = findings
        # The kinds a person can decide to unblock the seal (`scan --accept/--reject KIND`).
        self.kinds = kinds if kinds is not None else sorted({str(f.get("kind")) for f in findings})


@dataclass(slots=True)
class SealScope:
    """The episode, the steps the capsule carries, and what the plan decides about them."""

    episode: list[Step]
    included: frozenset[str]  # the episode's steps and every step their contexts show
    sure: int  # sure (or accepted) findings in scope: they will be scrubbed
    undecided: list[dict[str, Any]] = field(default_factory=list)  # suggestions in scope, no decision

    def refusal(self) -> SealRefused | None:
        """Why sealing (without accepting every suggestion) would stop now, or None."""
        if not self.undecided:
            return None
        n = len(self.undecided)
        return SealRefused(
            f"{n} suggested finding{'' if n == 1 else 's'} need{'s' if n == 1 else ''} a decision before "
            "sealing (review them, or pass --accept-suggested)",
            self.undecided,
        )


MAX_INDEX = 2**63 - 1  # the largest integer SQLite and JSON's readers hold


def parse_steps(spec: str | None) -> tuple[int | None, int | None]:
    """`A:B` (step numbers as `show` lists them and the app shows them, `#12` as blame prints them;
    both ends included; either may be left out)."""
    if spec is None or spec.strip() in ("", ":"):
        return (None, None)
    first, sep, last = spec.partition(":")
    first, last = first.strip().removeprefix("#"), last.strip().removeprefix("#")  # blame prints `#12`
    try:
        a = int(first) if first.strip() else None
        b = int(last) if last.strip() else None
        if not sep:
            b = a
    except ValueError:
        raise UsageError(f"--steps wants A:B with step indexes, got {safe_line(spec)!r}") from None
    if any(n is not None and abs(n) > MAX_INDEX for n in (a, b)):
        # Past 64 bits SQLite and orjson refuse the number with a traceback further on.
        raise UsageError(f"--steps {clip(safe_line(spec), 80)}: no step index is that large")
    if a is not None and b is not None and a > b:
        raise UsageError(f"--steps {safe_line(spec)}: the first index is after the last")
    return (a, b)


def select_steps(session: Session, steps: tuple[int | None, int | None] | None) -> list[Step]:
    a, b = steps or (None, None)
    chosen = [s for s in session.steps if (a is None or s.index >= a) and (b is None or s.index <= b)]
    if not chosen:
        if not session.steps:
            raise TracetuiError("the session has no steps: there is nothing to seal")
        wanted = f"{'' if a is None else a}:{'' if b is None else b}"
        raise TracetuiError(
            f"the session has no steps in the range {wanted} (its steps are 0:{session.steps[-1].index})"
        )
    return chosen


def in_scope(step: str | None, field_name: str, included: frozenset[str] | set[str]) -> bool:
    """Whether a planned span at (step, field) is in what the capsule carries."""
    return step in included if step is not None else field_name.startswith(SEALED_SESSION_FIELDS)


def seal_scope(
    session: Session, plan: Plan | None, steps: tuple[int | None, int | None] | None = None
) -> SealScope:
    episode = select_steps(session, steps)
    context = ContextIndex(session)
    included = {s.id for s in episode}
    for step in episode:
        included.update(item.step_id for item in context.at(step.id).items)
    scope = frozenset(included)
    index = {s.id: s.index for s in session.steps}
    sure = sum(1 for s in (plan.scrubbed() if plan is not None else ()) if in_scope(s.step, s.field, scope))
    undecided = [
        {"step": s.step, "index": index.get(s.step) if s.step is not None else None, "field": s.field,
         "kind": s.kind, "tier": s.tier, "detector": s.detector}
        for s in (plan.pending() if plan is not None else ())
        if in_scope(s.step, s.field, scope)
    ]  # fmt: skip
    return SealScope(episode, scope, sure, undecided)


def decide_commands(session_id: str, steps: str | None, kinds: list[str]) -> list[str]:
    """The commands that decide what stopped a seal, one per kind: to scrub it, or to keep it."""
    base = command_line("tracetui", "scan", session_id, *(("--steps", steps) if steps else ()))
    return [
        safe_line(f"decide {k}: `{base} --accept {k}` (scrub) or `{base} --reject {k}` (keep)") for k in kinds
    ]


def finding_line(finding: dict[str, Any]) -> str:
    """One finding, for a person: where (step index and field, or a member's line), kind and tier."""
    if "member" in finding:
        where = f"member {finding['member']} line {finding.get('line')}"
    elif finding.get("step") is None:
        where = f"session {finding.get('field', '')}"
    else:
        at = finding.get("index")
        where = f"step {at if at is not None else finding['step']} {finding.get('field', '')}"
    return safe_line(f"{where}: {finding.get('kind')} ({finding.get('tier')})")
