"""ctx: what the model could see at a step, on hand-made sessions of each shape."""

from __future__ import annotations

from tracetui.ctx import ContextIndex, context_at, estimate_tokens
from tracetui.model import Session, Step, StepKind

K = StepKind


def _session(*specs, tree=True):
    """specs: (id, kind, parent, extra-dict); index follows order."""
    steps = []
    for i, (sid, kind, parent, extra) in enumerate(specs):
        role = "user" if kind in (K.USER, K.TOOL_RESULT) else "assistant"
        steps.append(Step(id=sid, index=i, kind=kind, role=role, text=f"text of {sid}", parent=parent if tree else None, **extra))
    return Session(id="s", agent="claude", source="x", steps=steps)


def ids(ctx):
    return [item.step_id for item in ctx.items]


def test_linear_context_is_everything_before_on_the_path():
    s = _session(
        ("u1", K.USER, None, {}),
        ("a1", K.ASSISTANT, "u1", {}),
        ("m", K.MODEL_CHANGE, "a1", {}),
        ("c1", K.TOOL_CALL, "m", {"tool": "Bash", "tool_input": {"command": "ls"}}),
        ("r1", K.TOOL_RESULT, "c1", {}),
    )
    assert ids(context_at(s, "r1")) == ["u1", "a1", "c1", "r1"]  # the model change is not sent
    assert ids(context_at(s, "a1")) == ["u1", "a1"]


def test_a_rewound_branch_sees_its_own_history_not_the_final_one():
    s = _session(
        ("u1", K.USER, None, {}),
        ("a1", K.ASSISTANT, "u1", {"active": False}),
        ("u2", K.USER, "a1", {"active": False}),
        ("u2b", K.USER, "u1", {}),  # the prompt edited after a rewind: a second child of u1
        ("a2b", K.ASSISTANT, "u2b", {}),
    )
    assert ids(context_at(s, "a2b")) == ["u1", "u2b", "a2b"]
    assert ids(context_at(s, "u2")) == ["u1", "a1", "u2"]


def test_compaction_summary_replaces_earlier_history():
    s = _session(
        ("u1", K.USER, None, {}),
        ("a1", K.ASSISTANT, "u1", {}),
        ("cmp", K.COMPACTION, "a1", {}),
        ("u2", K.USER, "cmp", {}),
    )
    ctx = context_at(s, "u2")
    assert ids(ctx) == ["cmp", "u2"] and ctx.compacted


def test_compaction_keeps_what_it_says_it_kept():
    s = _session(
        ("u1", K.USER, None, {}),
        ("a1", K.ASSISTANT, "u1", {}),
        ("u2", K.USER, "a1", {}),
        ("a2", K.ASSISTANT, "u2", {}),
        ("cmp", K.COMPACTION, "a2", {"meta": {"first_kept_entry_id": "u2"}}),
        ("u3", K.USER, "cmp", {}),
    )
    assert ids(context_at(s, "u3")) == ["cmp", "u2", "a2", "u3"]


def test_subagent_sees_its_prompt_not_the_parent_history():
    s = _session(
        ("u1", K.USER, None, {}),
        ("call", K.TOOL_CALL, "u1", {"tool": "Task"}),
        ("start", K.SUBAGENT_START, "call", {"subagent": "ag"}),
        ("su", K.USER, "start", {"subagent": "ag"}),
        ("sa", K.ASSISTANT, "su", {"subagent": "ag"}),
        ("res", K.TOOL_RESULT, "call", {}),
    )
    assert ids(context_at(s, "sa")) == ["su", "sa"]
    assert ids(context_at(s, "res")) == ["u1", "call", "res"]


def test_logs_without_a_tree_use_order_within_scope():
    s = _session(
        ("u1", K.USER, None, {}),
        ("a1", K.ASSISTANT, None, {}),
        ("x", K.ASSISTANT, None, {"subagent": "other"}),
        ("cmp", K.COMPACTION, None, {}),
        ("u2", K.USER, None, {}),
        tree=False,
    )
    assert ids(context_at(s, "a1")) == ["u1", "a1"]
    assert ids(context_at(s, "u2")) == ["cmp", "u2"]


def test_tokens_are_rough_and_add_up():
    s = _session(("u1", K.USER, None, {}), ("c", K.TOOL_CALL, "u1", {"tool_input": {"k": "v" * 40}}))
    ctx = ContextIndex(s).at("c")
    assert ctx.tokens == sum(i.tokens for i in ctx.items) == estimate_tokens(s.steps[0]) + estimate_tokens(s.steps[1])
    assert ctx.items[1].tokens >= 10
    assert ctx.to_dict()["items"][0]["step"] == "u1"


def test_the_tokens_the_model_was_really_sent_come_from_the_response_that_saw_the_step():
    from tracetui.ctx import sent_tokens
    from tracetui.model import Session, Step, StepKind, Tokens

    steps = [
        Step("u", 0, StepKind.USER, "user", "do it"),
        Step("r", 1, StepKind.ASSISTANT, "assistant", "ok", tokens=Tokens(10, 5, 1000, 20)),
        Step("t", 2, StepKind.TOOL_RESULT, "tool", "out"),
        Step("sub", 3, StepKind.ASSISTANT, "assistant", "x", subagent="a1", tokens=Tokens(99, 1, 0, 0)),
        Step("r2", 4, StepKind.ASSISTANT, "assistant", "done", tokens=Tokens(30, 5, 1010, 0)),
        Step("u2", 5, StepKind.USER, "user", "more"),
        Step("e", 6, StepKind.ASSISTANT, "assistant", "no usage"),
    ]
    session = Session(id="s", agent="claude", source="s.jsonl", steps=steps)
    assert sent_tokens(session, 0) == Tokens(10, 5, 1000, 20)  # the prompt: the response that answered it
    assert sent_tokens(session, 2) == Tokens(30, 5, 1010, 0)  # a result: the next response, not the subagent's
    assert sent_tokens(session, 5) is None  # no response with usage before the session ends
    assert sent_tokens(session, 99) is None

def _shapes():
    tree = _session(
        ("u1", K.USER, None, {}),
        ("a1", K.ASSISTANT, "u1", {"active": False}),
        ("u2", K.USER, "a1", {"active": False}),
        ("u2b", K.USER, "u1", {}),
        ("a2b", K.ASSISTANT, "u2b", {}),
        ("cmp", K.COMPACTION, "a2b", {"meta": {"first_kept_entry_id": "u2b"}}),
        ("u3", K.USER, "cmp", {}),
        ("sa", K.USER, "u3", {"subagent": "agent-1"}),
        ("sb", K.ASSISTANT, "sa", {"subagent": "agent-1"}),
        ("a3", K.ASSISTANT, "u3", {}),
    )
    flat = _session(
        ("u1", K.USER, None, {}),
        ("a1", K.ASSISTANT, None, {"active": False}),
        ("u2", K.USER, None, {}),
        ("sa", K.USER, None, {"subagent": "agent-1"}),
        ("a2", K.ASSISTANT, None, {}),
        ("cmp", K.COMPACTION, None, {}),
        ("a3", K.ASSISTANT, None, {}),
        tree=False,
    )
    return tree, flat


def test_one_index_asked_in_any_order_answers_as_a_fresh_one():
    # One index reuses the previous step's branch and context (a seal asks for every step in
    # order); what it answers must be what a fresh walk finds, in order, backwards or repeated.
    for session in _shapes():
        order = [s.id for s in session.steps]
        for asked in (order, order[::-1], order + order[::2]):
            index = ContextIndex(session)
            for sid in asked:
                assert index.at(sid).to_dict() == ContextIndex(session).at(sid).to_dict(), (sid, asked)


def test_a_parent_cycle_ends_the_walk():
    s = _session(("x", K.USER, "y", {}), ("y", K.ASSISTANT, "x", {}), ("z", K.USER, "y", {}))
    index = ContextIndex(s)
    assert sorted(ids(index.at("z"))) == ["x", "y", "z"]
    assert ids(index.at("x")) == ["y", "x"]


def test_a_system_prompt_stays_across_a_compaction_unless_a_newer_one_follows():
    prompt = {"meta": {"system_prompt": True}}
    s = _session(
        ("sys", K.CONTEXT, None, prompt),
        ("dev", K.CONTEXT, "sys", {}),  # other context (a developer message) goes with the compaction
        ("u1", K.USER, "dev", {}),
        ("cmp", K.COMPACTION, "u1", {}),
        ("u2", K.USER, "cmp", {}),
        ("sys2", K.CONTEXT, "u2", prompt),
        ("u3", K.USER, "sys2", {}),
    )
    index = ContextIndex(s)
    assert ids(index.at("u1")) == ["sys", "dev", "u1"]
    assert ids(index.at("cmp")) == ["sys", "cmp"] and ids(index.at("u2")) == ["sys", "cmp", "u2"]
    assert ids(index.at("u3")) == ["cmp", "u2", "sys2", "u3"]  # the newer prompt is the one sent
    flat = _session(
        ("sys", K.CONTEXT, None, prompt),
        ("u1", K.USER, None, {}),
        ("cmp", K.COMPACTION, None, {}),
        ("u2", K.USER, None, {}),
        tree=False,
    )
    assert ids(context_at(flat, "u2")) == ["sys", "cmp", "u2"]  # a log without a tree (Codex)
