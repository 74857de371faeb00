"""A MODEL_CHANGE step where a response's model is not the one before it, for logs that write none.

More in docs/internals/sources.md, `sources/common/model_switch.py`.
"""

from __future__ import annotations

from tracetui.model import COPIED, Step, StepKind

# The steps a response is made of: the first of them after another model's is where the switch shows.
_ANSWERS = frozenset({StepKind.ASSISTANT, StepKind.REASONING, StepKind.TOOL_CALL})


def with_switches(steps: list[Step]) -> list[Step]:
    """`steps` with a MODEL_CHANGE step before each response whose model differs from the one in
    effect where it follows on (its parent's, in its scope: the session, or one subagent; without a
    parent, the last in its scope), as Claude Code's reader makes them. A step the log wrote for it
    (MODEL_CHANGE) sets the model in effect. Indexes are left to the caller."""
    last: dict[str | None, str] = {}
    at: dict[str, tuple[str | None, str | None]] = {}  # step id -> (its scope, the model in effect after it)
    out: list[Step] = []
    for step in steps:
        scope = step.subagent
        above = at.get(step.parent) if step.parent is not None else None
        before = above[1] if above is not None and above[0] == scope else last.get(scope)
        model = step.model
        now = before
        if step.kind == StepKind.MODEL_CHANGE and model:
            now = model
        elif step.kind in _ANSWERS and model and step.role == "assistant":
            if before is not None and before != model:
                change = Step(
                    f"{step.id}:model", 0, StepKind.MODEL_CHANGE, "system", f"model: {before} -> {model}",
                    step.timestamp, parent=step.parent, subagent=scope, active=step.active,
                    model=model, meta={"from": before, "to": model},
                )
                if step.copied:
                    change.meta[COPIED] = step.meta[COPIED]
                if step.parent is not None:
                    step.parent = change.id
                out.append(change)
            now = model
        if now is not None:
            last[scope] = now
        at[step.id] = (scope, now)
        out.append(step)
    return out
