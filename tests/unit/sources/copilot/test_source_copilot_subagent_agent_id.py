"""Copilot CLI 1.0.102 writes a subagent's id (`agentId`) on the event itself, beside its `id`, on every
event the subagent writes, `subagent.started` included; only its turn markers and messages also carry
`parentToolCallId`. Its prompt, its system prompt and the model setting it starts with are its own, not
the parent's. A compaction's summary request is counted by the compaction's `compactionTokensUsed`,
which no usage record and no shutdown total holds. Hand-made events of the shapes a fresh 1.0.102 log
holds (tests/agents run the program itself)."""

from __future__ import annotations

from typing import Any

from support.copilot_events import read_events

from tracetui.model import StepKind

SID = "0e0e0e0e-1111-4222-8333-444455556666"
PATH = f"/h/.copilot/session-state/{SID}/events.jsonl"
AGENT = "5a5a5a5a-0000-4000-8000-000000000001"  # the subagent's id
CALL = "toolu_task_1"  # the `task` call that spawned it


def read(*items: tuple[str, dict[str, Any], str | None]) -> Any:
    return read_events(PATH, list(items), hour="2026-11-26T10")


def usage(call: str, tokens: int = 50) -> dict[str, Any]:
    return {
        "usage": {"model": "claude-sonnet-4.5", "inputTokens": tokens, "outputTokens": 20, "apiCallId": call}
    }


def message(call: str, content: str, **more: Any) -> dict[str, Any]:
    return {
        "messageId": f"m-{call}",
        "model": "claude-sonnet-4.5",
        "content": content,
        "apiCallId": call,
        **more,
    }


EVENTS: list[tuple[str, dict[str, Any], str | None]] = [
    (
        "session.start",
        {
            "sessionId": SID,
            "copilotVersion": "1.0.102",
            "selectedModel": "claude-sonnet-4.5",
            "context": {"cwd": "/w/shop"},
        },
        None,
    ),
    ("user.message", {"content": "Please tidy the notes"}, None),
    ("system.message", {"role": "system", "content": "You are the GitHub Copilot CLI"}, None),
    ("session.usage_record", usage("msg_1"), None),
    (
        "assistant.message",
        message(
            "msg_1",
            "",
            toolRequests=[{"toolCallId": CALL, "name": "task", "arguments": {"prompt": "Say what is here"}}],
        ),
        None,
    ),
    (
        "tool.execution_start",
        {"toolCallId": CALL, "toolName": "task", "arguments": {"prompt": "Say what is here"}},
        None,
    ),
    (
        "subagent.started",
        {"toolCallId": CALL, "agentName": "explore", "agentDescription": "Look around"},
        AGENT,
    ),
    ("subagent.selected", {"agentName": "explore", "agentDisplayName": "Explore Agent"}, AGENT),
    (
        "session.model_change",
        {"source": "agent", "newModel": "claude-haiku-4.5", "reasoningEffort": "low"},
        AGENT,
    ),
    ("subagent.configured", {"model": "claude-haiku-4.5", "reasoningEffort": "low"}, AGENT),
    ("user.message", {"content": "Say what is here", "source": f"agent-{SID}"}, AGENT),
    ("system.message", {"role": "system", "content": "You are an exploration agent."}, AGENT),
    ("assistant.turn_start", {"turnId": "0", "parentToolCallId": CALL}, AGENT),
    ("session.usage_record", usage("msg_2"), AGENT),
    ("assistant.message", message("msg_2", "Two text files.", parentToolCallId=CALL), AGENT),
    (
        "tool.execution_complete",
        {"toolCallId": CALL, "success": True, "result": {"content": "Two text files."}},
        None,
    ),
    ("subagent.completed", {"toolCallId": CALL, "agentName": "explore"}, AGENT),
    ("session.usage_record", usage("msg_3", 190_000), None),
    ("assistant.message", message("msg_3", "Compacting soon."), None),
    ("session.compaction_start", {"trigger": "threshold"}, None),
    (
        "session.compaction_complete",
        {
            "success": True,
            "summaryContent": "Summary: notes tidied.",
            "compactionTokensUsed": {
                "model": "claude-sonnet-4.5",
                "inputTokens": 50,
                "outputTokens": 20,
                "requestCount": 1,
            },
        },
        None,
    ),
    ("session.usage_record", usage("msg_4"), None),
    ("assistant.message", message("msg_4", "It found two text files."), None),
    (
        "session.shutdown",
        {
            "modelMetrics": {
                "claude-sonnet-4.5": {
                    "requests": {"count": 4},
                    "usage": {"inputTokens": 190_150, "outputTokens": 80},
                }
            }
        },
        None,
    ),
]


def test_a_subagents_prompt_system_prompt_and_model_are_its_own():
    s = read(*EVENTS)
    assert s.errors == [] and s.skipped == {}
    [agent] = s.subagents
    inside = [(st.kind, st.text) for st in s.steps if st.subagent == agent.id]
    assert inside == [
        (StepKind.SUBAGENT_START, "Look around"),
        (StepKind.SYSTEM, "agent selected: Explore Agent"),
        (StepKind.MODEL_CHANGE, "claude-haiku-4.5"),
        (StepKind.USER, "Say what is here"),
        (StepKind.CONTEXT, "You are an exploration agent."),
        (StepKind.ASSISTANT, "Two text files."),
        (StepKind.SUBAGENT_END, ""),
    ]
    parent = [st for st in s.steps if st.subagent is None]
    assert [st.text for st in parent if st.kind == StepKind.USER] == ["Please tidy the notes"]
    assert [st.text for st in parent if st.kind == StepKind.CONTEXT] == ["You are the GitHub Copilot CLI"]
    assert not any(st.kind == StepKind.MODEL_CHANGE for st in parent)
    # The parent's later steps are on the parent's model, not the one the subagent set for itself.
    assert {st.model for st in parent if st.kind == StepKind.ASSISTANT} == {"claude-sonnet-4.5"}
    assert "claude-haiku-4.5" in s.models


def test_a_compactions_own_request_is_counted_once_beside_the_records_and_the_shutdown():
    s = read(*EVENTS)
    [compaction] = [st for st in s.steps if st.kind == StepKind.COMPACTION]
    assert compaction.text == "Summary: notes tidied." and compaction.model == "claude-sonnet-4.5"
    assert compaction.tokens is not None and (compaction.tokens.input, compaction.tokens.output) == (50, 20)
    # Four records (the shutdown totals them) and the compaction's request: five requests of the log.
    assert (s.tokens.input, s.tokens.output) == (50 * 3 + 190_000 + 50, 20 * 5)


def test_a_subagent_started_whose_id_is_in_its_data_still_scopes_its_events():
    """Earlier builds' shape (the id inside `data`): the same reading."""
    events = [
        (k, {**d, "agentId": a} if k == "subagent.started" else d, None if k == "subagent.started" else a)
        for k, d, a in EVENTS
    ]
    s = read(*events)
    [agent] = s.subagents
    assert [st.text for st in s.steps if st.subagent == agent.id and st.kind == StepKind.USER] == [
        "Say what is here"
    ]


def test_a_compaction_the_run_ended_before_is_no_failure_and_its_request_counts():
    """1.0.102 writes `success: false`, `outcome: "cancelled"` when the run ends before its background
    compaction lands; the summary's request was answered and spent all the same."""
    cancelled = {"success": False, "error": "Compaction Cancelled", "outcome": "cancelled",
                 "outcomeReason": "owner_cancelled",
                 "compactionTokensUsed": {"model": "claude-sonnet-4.5", "inputTokens": 50, "outputTokens": 20,
                                          "requestCount": 1}}  # fmt: skip
    events = [(k, cancelled if k == "session.compaction_complete" else d, a) for k, d, a in EVENTS]
    s = read(*events)
    assert not any(st.kind == StepKind.COMPACTION for st in s.steps)
    [step] = [st for st in s.steps if st.meta.get("event") == "compaction"]
    assert (step.kind, step.text, step.is_error) == (StepKind.SYSTEM, "compaction cancelled", False)
    assert step.tokens is not None and (step.tokens.input, step.tokens.output) == (50, 20)
    assert (s.tokens.input, s.tokens.output) == (50 * 3 + 190_000 + 50, 20 * 5)


def test_a_compaction_that_failed_is_a_failure():
    failed = {"success": False, "error": {"message": "model unavailable"}}
    events = [(k, failed if k == "session.compaction_complete" else d, a) for k, d, a in EVENTS]
    [step] = [st for st in read(*events).steps if st.meta.get("event") == "compaction"]
    assert (step.text, step.is_error, step.tokens) == ("compaction failed: model unavailable", True, None)
