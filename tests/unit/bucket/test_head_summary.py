"""A head's summary (`preview_head`): kept only where a preview's rows are its steps, reaching each
drawn call's first result, and read back only when it is one (an older or damaged row: none)."""

from __future__ import annotations

from tracetui.model import COPIED, Step, StepKind
from tracetui.preview_head import HEAD_STEPS, MAX_LABELS, WINDOW, HeadFacts, head_facts


def _steps(n: int, **at: dict) -> list[Step]:
    steps = [Step(f"s{i}", i, StepKind.USER, "user", "t", None) for i in range(n)]
    for i, fields in at.items():
        index = int(i[1:])
        steps[index] = Step(f"s{index}", index, role="x", text="t", timestamp=None, **fields)
    return steps


def test_a_flat_head_keeps_its_count_labels_copy_end_and_the_far_results_of_its_window():
    steps = _steps(HEAD_STEPS + 40,
                   s3={"kind": StepKind.TOOL_CALL, "tool": "Bash", "tool_call_id": "a"},
                   s4={"kind": StepKind.TOOL_CALL, "tool": "Read", "tool_call_id": "b",
                       "meta": {COPIED: True}},
                   s300={"kind": StepKind.TOOL_RESULT, "tool_call_id": "a"},
                   s301={"kind": StepKind.TOOL_RESULT, "tool_call_id": "a"},
                   s400={"kind": StepKind.TOOL_CALL, "tool": "a_very_wide_tool", "tool_call_id": "c"},
                   s401={"kind": StepKind.TOOL_RESULT, "tool_call_id": "c"})  # fmt: skip
    head = head_facts(steps)
    labels = ("Bash", "Read", "a_very_wide_tool", "result", "user")
    assert head == HeadFacts(HEAD_STEPS, HEAD_STEPS, labels, 4, WINDOW, 301)
    assert HeadFacts.from_json(head.to_json()) == head
    short = head_facts(_steps(10))
    assert short is not None
    assert (short.steps, short.window, short.reach, short.copy_end) == (10, 10, 10, None)


def test_a_head_whose_rows_are_not_its_steps_keeps_no_summary():
    assert head_facts(_steps(20, s7={"kind": StepKind.USER, "subagent": "agent-1"})) is None
    assert head_facts(_steps(20, s7={"kind": StepKind.USER, "active": False})) is None
    many = {f"s{i}": {"kind": StepKind.TOOL_CALL, "tool": f"tool{i}"} for i in range(MAX_LABELS + 1)}
    assert head_facts(_steps(MAX_LABELS + 5, **many)) is None
    # Past the head, anything goes: the preview never draws it.
    past = {f"s{HEAD_STEPS + 1}": {"kind": StepKind.USER, "active": False}}
    assert head_facts(_steps(HEAD_STEPS + 2, **past))


def test_a_row_without_a_summary_or_with_a_damaged_one_reads_none():
    good = [HEAD_STEPS, 100, None, 64, 70, ["user"]]
    assert HeadFacts.from_json(good) is not None
    H = HEAD_STEPS
    bad: object
    for bad in (None, {}, [], good[:5], [H, 100, None, 64, 200, ["user"]], [H, 100, None, 80, 70, []],
                [H, 100, "4", 64, 70, []], [H, 100, None, 64, 70, [1]], [True, 100, None, 64, 70, []],
                [H, -1, None, 0, 0, []], [H, 100, None, 64, 70, "user"]):  # fmt: skip
        assert HeadFacts.from_json(bad) is None, bad
