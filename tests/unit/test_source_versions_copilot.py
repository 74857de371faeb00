"""Copilot CLI events newer builds persist (the SDK's session-events schema), on hand-made logs:
separate reasoning events, user-run tools, skills, handoffs, truncation, a changed working directory."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog, copilot


def events(*items: tuple[str, dict[str, Any]]) -> bytes:
    lines = [
        {
            "type": "session.start",
            "id": "e0",
            "timestamp": "2026-06-01T10:00:00.000Z",
            "parentId": None,
            "data": {
                "sessionId": "5e5e5e5e-0000-4000-8000-000000000001",
                "version": 1,
                "producer": "copilot-agent",
                "copilotVersion": "1.2.0",
                "startTime": "2026-06-01T10:00:00.000Z",
                "context": {"cwd": "/w/app"},
            },
        }
    ]
    for n, (kind, data) in enumerate(items, 1):
        lines.append(
            {
                "type": kind,
                "id": f"e{n}",
                "timestamp": f"2026-06-01T10:00:{n:02d}.000Z",
                "parentId": None,
                "data": data,
            }
        )
    return b"\n".join(orjson.dumps(x) for x in lines) + b"\n"


def read(data: bytes):
    return copilot.read(
        RawLog("/h/.copilot/session-state/5e5e5e5e-0000-4000-8000-000000000001/events.jsonl", data), []
    )


def test_reasoning_events_are_steps_and_not_repeated_by_the_message():
    s = read(
        events(
            ("user.message", {"content": "why is it slow?"}),
            ("assistant.reasoning", {"reasoningId": "r1", "content": "The loop re-reads the file."}),
            (
                "assistant.message",
                {
                    "messageId": "m1",
                    "content": "It re-reads the file.",
                    "reasoningText": "The loop re-reads the file.",
                },
            ),
        )
    )
    assert s.skipped == {}
    assert [(x.kind, x.text) for x in s.steps] == [
        (StepKind.USER, "why is it slow?"),
        (StepKind.REASONING, "The loop re-reads the file."),
        (StepKind.ASSISTANT, "It re-reads the file."),
    ]


def test_a_user_requested_tool_is_a_call_of_the_user_with_its_result():
    s = read(
        events(
            ("tool.user_requested", {"toolCallId": "u1", "toolName": "bash", "arguments": {"command": "ls"}}),
            (
                "tool.execution_start",
                {"toolCallId": "u1", "toolName": "bash", "arguments": {"command": "ls"}},
            ),
            (
                "tool.execution_complete",
                {"toolCallId": "u1", "success": True, "result": {"content": "a.txt"}},
            ),
        )
    )
    assert s.skipped == {}
    call, result = s.steps
    assert (call.kind, call.role, call.tool, call.tool_input, call.meta) == (
        StepKind.TOOL_CALL,
        "user",
        "bash",
        {"command": "ls"},
        {"user_requested": True},
    )
    assert (result.kind, result.text, result.tool_call_id) == (StepKind.TOOL_RESULT, "a.txt", "u1")


def test_skill_handoff_truncation_and_context_events_are_kept():
    s = read(
        events(
            (
                "skill.invoked",
                {
                    "name": "release",
                    "path": "/w/app/.github/skills/release/SKILL.md",
                    "content": "Bump the version",
                },
            ),
            (
                "session.handoff",
                {"handoffTime": "t", "sourceType": "remote", "summary": "Continue the release"},
            ),
            (
                "session.truncation",
                {
                    "tokenLimit": 1000,
                    "preTruncationTokensInMessages": 1200,
                    "preTruncationMessagesLength": 10,
                    "postTruncationTokensInMessages": 800,
                    "postTruncationMessagesLength": 7,
                    "tokensRemovedDuringTruncation": 400,
                    "messagesRemovedDuringTruncation": 3,
                    "performedBy": "BasicTruncator",
                },
            ),
            ("session.context_changed", {"cwd": "/w/app/sub", "branch": "feat"}),
            ("user.message", {"content": "go on"}),
            ("session.remote_steerable_changed", {"remoteSteerable": True}),
        )
    )
    assert s.skipped == {}
    skill, handoff, truncation, moved, prompt = s.steps
    assert (skill.kind, skill.text, skill.meta["name"]) == (StepKind.CONTEXT, "Bump the version", "release")
    assert (handoff.kind, handoff.text, handoff.meta["sourceType"]) == (
        StepKind.SYSTEM,
        "Continue the release",
        "remote",
    )
    assert truncation.meta["messages_removed"] == 3 and "3 messages" in truncation.text
    assert moved.meta["cwd"] == "/w/app/sub"
    assert s.cwd == "/w/app" and skill.cwd is None
    assert prompt.cwd == "/w/app/sub"


def test_the_same_reasoning_in_two_messages_is_kept_twice():
    s = read(
        events(
            ("user.message", {"content": "check both"}),
            ("assistant.message", {"messageId": "m1", "content": "one", "reasoningText": "Looking."}),
            ("assistant.message", {"messageId": "m2", "content": "two", "reasoningText": "Looking."}),
            ("assistant.reasoning", {"reasoningId": "r1", "content": "Looking."}),
        )
    )
    assert [x.kind for x in s.steps].count(StepKind.REASONING) == 2
