"""A MODEL_CHANGE step where a response's model is not the one before it, for logs that write none.

More in docs/internals/sources.md, `sources/common/model_switch.py`.
"""

from __future__ import annotations

from tracetui.model import COPIED, Step, StepKind

# The steps a response is made of: the first of them after another model's is where the switch shows.
_ANSWERS = frozenset({StepKind.ASSISTANT, StepKind.REASONING, StepKind.TOOL_CALL})


def with_switches(steps: list[Step]) -> list[Step]:
    """`steps` with a MODEL_CHANGE step before each response whose model differs from the last one
    answering in its scope (the session, or one subagent), as Claude Code's reader makes them. A step
    the log wrote for it (MODEL_CHANGE) sets the model in effect. Indexes are left to the caller."""
    last: dict[str | None, str] = {}
    out: list[Step] = []
    for step in steps:
        model = step.model
        if step.kind == StepKind.MODEL_CHANGE and model:
            last[step.subagent] = model
        elif step.kind in _ANSWERS and model and step.role == "assistant":
            before = last.get(step.subagent)
            if before is not None and before != model:
                change = Step(
                    f"{step.id}:model", 0, StepKind.MODEL_CHANGE, "system", f"model: {before} -> {model}",
                    step.timestamp, parent=step.parent, subagent=step.subagent, active=step.active,
                    model=model, meta={"from": before, "to": model},
                )
                if step.copied:
                    change.meta[COPIED] = step.meta[COPIED]
                if step.parent is not None:
                    step.parent = change.id
                out.append(change)
            last[step.subagent] = model
        out.append(step)
    return out
