"""Which timeline rows a session shows: folding, abandoned branches, durations, summaries."""

from __future__ import annotations

from tracetui.model import Session, Step, StepKind, Subagent
from tracetui.views.format import human_duration, human_tokens, step_summary
from tracetui.views.session_shape import build_rows, depth, duration_ms, shape_of


def _session() -> Session:
    s = [
        Step("u1", 0, StepKind.USER, "user", "fix it", timestamp="2026-01-01T10:00:00.000Z"),
        Step("t1", 1, StepKind.TOOL_CALL, "assistant", tool="Task", tool_call_id="c1", parent="u1",
             timestamp="2026-01-01T10:00:01.000Z", tool_input={"description": "look around"}),
        Step("s1", 2, StepKind.USER, "user", "look around", subagent="A", parent="t1"),
        Step("s2", 3, StepKind.TOOL_CALL, "assistant", tool="Bash", subagent="A", parent="s1",
             tool_input={"command": "ls -la\nsecond line"}),
        Step("r1", 4, StepKind.TOOL_RESULT, "tool", "done", tool_call_id="c1", parent="t1",
             timestamp="2026-01-01T10:00:04.500Z"),
        Step("a1", 5, StepKind.ASSISTANT, "assistant", "first answer", parent="r1", active=False),
        Step("a2", 6, StepKind.ASSISTANT, "assistant", "more of it", parent="a1", active=False),
        Step("u2", 7, StepKind.USER, "user", "again", parent="r1"),
        Step("c", 8, StepKind.COMPACTION, "system", "summary", parent="u2"),
    ]
    return Session("S", "claude", "x.jsonl", steps=s, subagents=[Subagent("A", "Explore", None, "t1")])


def test_shape_finds_spawner_results_and_branch_points():
    shape = shape_of(_session())
    assert shape.spawner == {"A": 1}
    assert shape.children == {1: ["A"]}
    assert shape.sizes == {"A": 2}
    assert shape.result_of == {"c1": 4}
    assert shape.branch_points == [4]  # r1 has two children: a1 (abandoned) and u2
    assert shape.has_branches


def test_rows_fold_subagents_and_hide_abandoned_branches_behind_one_marker():
    session = _session()
    shape = shape_of(session)
    rows, markers = build_rows(session, shape, set(), False)
    assert rows == [0, 1, 4, -1, 7, 8]
    assert len(markers) == 1
    assert (markers[0].after, markers[0].count, markers[0].first) == (4, 2, 5)


def test_rows_unfolded_and_with_branches_show_every_step():
    session = _session()
    shape = shape_of(session)
    rows, markers = build_rows(session, shape, {"A"}, True)
    assert rows == list(range(9))
    assert markers == []
    assert depth(session, shape, 3) == 1
    assert depth(session, shape, 4) == 0


def test_duration_is_call_to_result():
    session = _session()
    shape = shape_of(session)
    assert duration_ms(session, shape, 1) == 3500
    assert duration_ms(session, shape, 0) is None
    assert human_duration(3500) == "3.5s"
    assert human_duration(125_000) == "2m05s"
    assert human_duration(999) == "999ms"
    assert human_tokens(170_170) == "170.2k"


def test_a_call_and_result_logged_with_one_time_have_no_duration():
    # Gemini CLI writes a call and its result in one record with one time: nothing was measured.
    session = _session()
    call, result = session.steps[1], session.steps[4]
    assert result.tool_call_id == call.tool_call_id
    result.timestamp = call.timestamp
    assert duration_ms(session, shape_of(session), 1) is None
    result.timestamp = "2026-01-01T10:00:01.001Z"  # a millisecond later: measured
    assert duration_ms(session, shape_of(session), 1) == 1


def test_summary_takes_the_first_line_of_the_command():
    session = _session()
    assert step_summary(session.steps[3]) == "ls -la"
    assert step_summary(session.steps[1]) == "look around"


def test_a_read_result_is_highlighted_as_the_file_s_language():
    from tracetui.ui.step_blocks import step_blocks

    steps = [
        Step("c", 0, StepKind.TOOL_CALL, "assistant", tool="Read", tool_call_id="k",
             tool_input={"file_path": "/p/shop/cart.py"}),
        Step("r", 1, StepKind.TOOL_RESULT, "tool", "def total():\n    return 1\n", tool_call_id="k"),
        Step("w", 2, StepKind.TOOL_CALL, "assistant", tool="Write", tool_call_id="w",
             tool_input={"file_path": "/p/a.rs", "content": "fn main() {}"}),
    ]
    session = Session("S", "claude", "x.jsonl", steps=steps)
    shape = shape_of(session)
    read = step_blocks(session, shape, 0)
    assert [(b.title, b.language) for b in read[1:]] == [("Read input", "json"), ("result", "python")]
    write = step_blocks(session, shape, 2)
    assert ("content of /p/a.rs", "rust") in [(b.title, b.language) for b in write]


def test_a_patch_call_is_summarised_by_its_files():
    from tracetui.model import FileEdit

    step = Step("p", 0, StepKind.TOOL_CALL, "assistant", tool="apply_patch",
                tool_input="*** Begin Patch\n*** Add File: a.py\n+x\n*** End Patch\n",
                edits=[FileEdit("a.py", "create"), FileEdit("b/c.py", "update")])
    assert step_summary(step) == "a.py, b/c.py"


def test_an_abandoned_branch_can_be_viewed_on_its_own():
    from tracetui.views.session_shape import branch_leaves, branch_path

    session = _session()
    shape = shape_of(session)
    assert branch_leaves(session) == [6]
    path = branch_path(session, 6)
    assert path == {0, 1, 4, 5, 6}
    rows, markers = build_rows(session, shape, set(), False, path)
    assert rows == [0, 1, 4, 5, 6, -1]
    assert (markers[0].after, markers[0].count, markers[0].first) == (6, 2, 7)
    rows, _ = build_rows(session, shape, {"A"}, False, path)
    assert rows[:4] == [0, 1, 2, 3]  # the subagent spawned on this path still unfolds
