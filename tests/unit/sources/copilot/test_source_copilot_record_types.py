"""Every kind of event Copilot CLI 1.0.102 persists (its `schemas/session-events.schema.json`), one
amid a normal turn: what the reader makes of it, and the turn's steps around it kept. A failed
`hook.end` (`success: false`, an `error.message`) was passed over as quietly as a hook that worked:
the user never saw that their hook broke. Hand-made events of the schema's shapes."""

from __future__ import annotations

from typing import Any

import pytest
from support.copilot_events import read_events

from tracetui.model import StepKind

SID = "6f6f6f6f-1111-4222-8333-444455556666"
PATH = f"/h/.copilot/session-state/{SID}/events.jsonl"
NOTICE = '<system_notification>\nShell command "run" (shellId: 0) has completed.\n</system_notification>'
ENDED = {"type": "shell_completed", "shellId": "0", "exitCode": 0}


def read(extra: tuple[str, dict[str, Any]] | None) -> Any:
    items: list[tuple[str, dict[str, Any]]] = [
        ("session.start", {"sessionId": SID, "copilotVersion": "1.0.102", "context": {"cwd": "/w/town"}}),
        ("user.message", {"content": "list the files", "interactionId": "i1"}),
        ("assistant.turn_start", {"turnId": "0", "interactionId": "i1"}),
        (
            "assistant.message",
            {
                "messageId": "m1",
                "content": "Looking.",
                "outputTokens": 3,
                "toolRequests": [{"toolCallId": "c1", "name": "bash", "arguments": {"command": "ls"}}],
            },
        ),  # fmt: skip
        ("tool.execution_start", {"toolCallId": "c1", "toolName": "bash", "arguments": {"command": "ls"}}),
        ("tool.execution_complete", {"toolCallId": "c1", "success": True, "result": {"content": "a.txt"}}),
        ("assistant.message", {"messageId": "m2", "content": "One file.", "outputTokens": 3}),
        ("assistant.turn_end", {"turnId": "0"}),
    ]
    if extra is not None:
        items.insert(6, extra)
    return read_events(PATH, list(items))


FUSION = {"fusionId": "f1", "phaseId": "p1", "phaseKind": "draft", "role": "drafter", "conversationScope": "main",
          "model": "gpt-5", "durationMs": 5, "usage": {}}  # fmt: skip
SYSTEM, CONTEXT = StepKind.SYSTEM, StepKind.CONTEXT
# event -> (data, what it reads as: (kind, text, is_error) of the one step it makes, or the `skipped`
# key it is counted under, or None for an event deliberately not a step)
CASES: list[tuple[str, dict[str, Any], Any]] = [
    (
        "hook.end",
        {
            "hookInvocationId": "h1",
            "hookType": "postToolUse",
            "success": False,
            "error": {"message": "lint hook: exit status 2"},
        },
        (SYSTEM, "lint hook: exit status 2", True),
    ),
    (
        "hook.end",
        {"hookInvocationId": "h1", "hookType": "preToolUse", "success": False},
        (SYSTEM, "preToolUse hook failed", True),
    ),
    ("hook.end", {"hookInvocationId": "h1", "hookType": "postToolUse", "success": True, "output": {}}, None),
    ("hook.start", {"hookInvocationId": "h1", "hookType": "postToolUse", "input": {}}, None),
    ("abort", {"reason": "user_initiated"}, (SYSTEM, "user_initiated", False)),
    (
        "session.error",
        {"errorType": "rate_limit", "message": "429 Too Many Requests"},
        (SYSTEM, "429 Too Many Requests", True),
    ),
    ("session.warning", {"warningType": "quota", "message": "quota low"}, (SYSTEM, "quota low", False)),
    ("session.info", {"infoType": "note", "message": "resumed"}, (SYSTEM, "resumed", False)),
    ("system.notification", {"kind": "agent_idle", "message": "idle"}, (SYSTEM, "idle", False)),
    # What 1.0.102 writes when a background shell ends: the text the model is told, its kind an object.
    ("system.notification", {"content": NOTICE, "kind": ENDED}, (SYSTEM, NOTICE, False)),
    ("system.message", {"role": "system", "content": "Be brief."}, (CONTEXT, "Be brief.", False)),
    ("skill.invoked", {"name": "s", "content": "SKILL TEXT"}, (CONTEXT, "SKILL TEXT", False)),
    ("session.task_complete", {"summary": "all done"}, (SYSTEM, "all done", False)),
    ("permission.requested", {"requestId": "r1", "toolCallId": "c1"}, None),
    ("permission.completed", {"requestId": "r1", "result": {"kind": "denied-interactively-by-user"}}, None),
    ("session.compaction_start", {}, None),
    ("session.usage_checkpoint", {}, None),
    # HydraFusion (experimental in 1.0.102): each phase's own output and failures, counted, not read.
    (
        "assistant.fusion_phase_completed",
        FUSION | {"status": "completed", "content": "draft", "verdict": None},
        "assistant.fusion_phase_completed",
    ),
    (
        "assistant.fusion_phase_failed",
        FUSION | {"status": "failed", "reason": "timeout"},
        "assistant.fusion_phase_failed",
    ),
    (
        "session.fusion_route_failed",
        {
            "attemptId": "a",
            "syntheticModel": "fusion",
            "policy": "p",
            "reason": "r",
            "fallbackModel": "gpt-5",
        },
        "session.fusion_route_failed",
    ),  # fmt: skip
    ("session.some_future_event", {"message": "?"}, "session.some_future_event"),
]


@pytest.mark.parametrize(
    ("kind", "data", "expected"), CASES, ids=[f"{c[0]}-{n}" for n, c in enumerate(CASES)]
)
def test_an_event_reads_as_its_table_row_and_keeps_the_steps_around_it(kind, data, expected):
    plain = read(None)
    s = read((kind, data))
    assert not s.errors
    around = [(st.kind, st.text) for st in plain.steps]
    new = [st for st in s.steps if (st.kind, st.text) not in around]
    assert [(st.kind, st.text) for st in s.steps if (st.kind, st.text) in around] == around
    if isinstance(expected, tuple):
        assert [(st.kind, st.text, st.is_error) for st in new] == [expected]
        assert s.skipped == plain.skipped
    elif isinstance(expected, str):
        assert new == [] and s.skipped == plain.skipped | {expected: 1}
    else:
        assert new == [] and s.skipped == plain.skipped


def test_a_notification_names_its_kind():
    s = read(("system.notification", {"content": NOTICE, "kind": ENDED}))
    (notice,) = [st for st in s.steps if st.text == NOTICE]
    assert notice.meta == {"event": "system.notification", "kind": "shell_completed"}


def test_a_failed_hook_says_which_hook():
    s = read(("hook.end", {"hookInvocationId": "h1", "hookType": "postToolUse", "success": False,
                           "error": {"message": "boom"}}))  # fmt: skip
    (hook,) = [st for st in s.steps if st.kind == StepKind.SYSTEM]
    assert hook.meta == {"event": "hook.end", "hook": "postToolUse"}
    assert hook.is_error
