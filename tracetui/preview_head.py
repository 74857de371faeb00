"""A preview's head summary: what a timeline draws from a session's first HEAD_STEPS steps beyond the
rows on screen (how many rows, the widest step label, where a fork's copy ends), worked out where the
session is indexed and kept with its row, so that a preview reads only the first steps it draws
(docs/internals/ui.md, "A preview's head summary"). Face-neutral: label widths are the face's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tracetui.model import Step, StepKind

HEAD_STEPS = 500  # a preview's head: the steps a preview reads at most (`PREVIEW_STEPS`)
# The rows a preview reads at least when the summary spares it the rest: a timeline up to this tall
# draws from them alone; a taller one, or one scrolled or moved past them, reads the rest first.
WINDOW = 64
# A head with more distinct labels than this (a log of generated tool names) keeps no summary: the
# summary rides in every row of the index, and such a preview reads its 500 steps as before.
MAX_LABELS, MAX_LABEL_CHARS = 64, 2048

LABELS = {
    StepKind.USER: "user",
    StepKind.ASSISTANT: "assistant",
    StepKind.REASONING: "thinking",
    StepKind.TOOL_RESULT: "result",
    StepKind.COMPACTION: "compacted",
    StepKind.SUBAGENT_START: "subagent",
    StepKind.SUBAGENT_END: "subagent end",
    StepKind.MODEL_CHANGE: "model",
    StepKind.CONTEXT: "context",
    StepKind.SYSTEM: "system",
}


def step_label(step: Step) -> str:
    """A step's label in a timeline: its tool's name for a call, else its kind's."""
    return step.tool if step.kind == StepKind.TOOL_CALL and step.tool else LABELS.get(step.kind, step.kind)


@dataclass(frozen=True, slots=True)
class HeadFacts:
    """What a timeline of a head with no subagent step and no abandoned branch draws from all of it
    (its rows are then its steps, in order, with any folds)."""

    of: int  # the HEAD_STEPS it was worked out for
    steps: int  # the head's steps: its rows
    labels: tuple[str, ...]  # its steps' distinct labels, sorted
    copy_end: int | None  # the index of its last step copied from a fork's parent
    window: int  # the rows drawn from the steps read alone
    reach: int  # the steps read: the window's, and each of its calls' result

    def to_json(self) -> list[Any]:
        return [self.of, self.steps, self.copy_end, self.window, self.reach, list(self.labels)]

    @classmethod
    def from_json(cls, value: Any) -> HeadFacts | None:
        """The summary kept in a bucket's row, or None where it is missing or not one (an older
        bucket's rows, a hand-edited index)."""
        if not isinstance(value, list) or len(value) != 6:
            return None
        of, steps, copy_end, window, reach, labels = value
        counts = (of, steps, window, reach)
        if not all(type(n) is int and n >= 0 for n in counts) or not isinstance(labels, list):
            return None
        if not (window <= reach <= steps <= of) or (copy_end is not None and type(copy_end) is not int):
            return None
        if not all(isinstance(label, str) for label in labels):
            return None
        return cls(of, steps, tuple(labels), copy_end, window, reach)


def head_facts(steps: Sequence[Step]) -> HeadFacts | None:
    """The summary of a session's head (its first HEAD_STEPS steps), or None where a preview must read
    all of it: a subagent step or an abandoned branch in it (its rows are not its steps), or too many
    labels."""
    head = steps[:HEAD_STEPS]
    if any(step.subagent is not None or not step.active for step in head):
        return None
    labels = sorted({step_label(step) for step in head})
    if len(labels) > MAX_LABELS or sum(len(label) for label in labels) > MAX_LABEL_CHARS:
        return None
    copy_end = None
    first_result: dict[str, int] = {}
    for i, step in enumerate(head):
        if step.copied:
            copy_end = step.index
        if step.kind == StepKind.TOOL_RESULT and step.tool_call_id:
            first_result.setdefault(step.tool_call_id, i)
    window = min(WINDOW, len(head))
    reach = window
    # A call's duration is drawn from its result (the first of its id), wherever in the head it is.
    for step in head[:window]:
        if step.kind == StepKind.TOOL_CALL and step.tool_call_id:
            reach = max(reach, first_result.get(step.tool_call_id, -1) + 1)
    return HeadFacts(HEAD_STEPS, len(head), tuple(labels), copy_end, window, reach)
