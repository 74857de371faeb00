"""Copilot CLI events newer builds persist (the SDK's session-events schema), on hand-made logs:
separate reasoning events, user-run tools, skills, handoffs, truncation, a changed working directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog, registry
from tracetui.sources.copilot import reader as copilot


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


LEGACY = "/h/.copilot/history-session-state/session_6a6a6a6a-0000-4000-8000-000000000001_1759556150000.json"
DIFF = (
    "diff --git a/w/app/a.py b/w/app/a.py\n--- a/w/app/a.py\n+++ b/w/app/a.py\n"
    "@@ -1,1 +1,1 @@\n-x = 1\n+x = 2\n"
)


def test_a_legacy_history_document_reads_from_its_timeline():
    doc = {
        "sessionId": "6a6a6a6a-0000-4000-8000-000000000001",
        "startTime": "2025-10-04T05:35:50.000Z",
        "chatMessages": [{"role": "user", "content": "ignored: the timeline is the record"}],
        "timeline": [
            {"type": "user", "id": "u1", "timestamp": "2025-10-04T05:35:56.461Z", "text": "set x to 2"},
            {"type": "copilot", "id": "c1", "timestamp": "2025-10-04T05:36:04.736Z", "text": "Editing a.py."},
            {
                "type": "tool_call_requested",
                "id": "r1",
                "timestamp": "2025-10-04T05:36:04.800Z",
                "callId": "toolu_1",
                "name": "str_replace_editor",
                "intentionSummary": "edit a.py",
                "arguments": {
                    "command": "str_replace",
                    "path": "/w/app/a.py",
                    "old_str": "x = 1",
                    "new_str": "x = 2",
                },
            },
            {
                "type": "tool_call_completed",
                "id": "d1",
                "timestamp": "2025-10-04T05:36:05.000Z",
                "callId": "toolu_1",
                "name": "str_replace_editor",
                "arguments": {
                    "command": "str_replace",
                    "path": "/w/app/a.py",
                    "old_str": "x = 1",
                    "new_str": "x = 2",
                },
                "result": {"type": "success", "log": DIFF},
            },
            {
                "type": "tool_call_completed",
                "id": "d2",
                "timestamp": "2025-10-04T05:36:06.000Z",
                "callId": "toolu_2",
                "name": "bash",
                "arguments": {"command": "false"},
                "result": {"type": "error", "log": "exit 1"},
            },
            {
                "type": "info",
                "id": "i1",
                "timestamp": "2025-10-04T05:36:46.124Z",
                "text": "Operation cancelled by user",
            },
        ],
    }
    s = copilot.read(RawLog(LEGACY, orjson.dumps(doc)), [])
    assert s.errors == [] and s.skipped == {}
    assert s.id == "6a6a6a6a-0000-4000-8000-000000000001" and s.title == "set x to 2"
    assert [(x.kind, x.tool) for x in s.steps] == [
        (StepKind.USER, None),
        (StepKind.ASSISTANT, None),
        (StepKind.TOOL_CALL, "str_replace_editor"),
        (StepKind.TOOL_RESULT, "str_replace_editor"),
        (StepKind.TOOL_CALL, "bash"),
        (StepKind.TOOL_RESULT, "bash"),
        (StepKind.SYSTEM, None),
    ]
    edit_call = s.steps[2]
    [edit] = edit_call.edits
    assert (edit.path, edit.old_string, edit.new_string, edit.applied) == (
        "/w/app/a.py",
        "x = 1",
        "x = 2",
        True,
    )
    assert [h.lines for h in edit.hunks] == [["-x = 1", "+x = 2"]]
    assert edit_call.meta["intention"] == "edit a.py"
    assert s.steps[5].is_error and s.steps[5].text == "exit 1"
    assert s.steps[0].timestamp == "2025-10-04T05:35:56.461Z"


def test_a_legacy_document_without_a_timeline_reads_its_chat_messages():
    doc = {
        "sessionId": "6a6a6a6a-0000-4000-8000-000000000001",
        "startTime": "2025-10-04T05:35:50.000Z",
        "chatMessages": [
            {"role": "system", "content": "You are Copilot."},
            {"role": "user", "content": "list files"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "bash", "arguments": '{"command":"ls"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "a.py"},
            {"role": "assistant", "content": "One file."},
        ],
    }
    s = copilot.read(RawLog(LEGACY, orjson.dumps(doc)), [])
    assert [(x.kind, x.text) for x in s.steps] == [
        (StepKind.CONTEXT, "You are Copilot."),
        (StepKind.USER, "list files"),
        (StepKind.TOOL_CALL, ""),
        (StepKind.TOOL_RESULT, "a.py"),
        (StepKind.ASSISTANT, "One file."),
    ]
    assert s.steps[2].tool_input == {"command": "ls"} and s.steps[3].tool_call_id == "call_1"


def test_legacy_documents_group_and_other_json_does_not():
    paths = [
        Path("/h/.copilot/history-session-state/6a6a.json"),
        Path("/c/owner__repo__.copilot__history-session-state__6b6b.json"),
        Path("/h/.copilot/session-state/5e5e/rewind-snapshots/index.json"),
        Path("/h/.copilot/config.json"),
    ]
    assert sorted(g.main.name for g in copilot.group(paths)) == [
        "6a6a.json",
        "owner__repo__.copilot__history-session-state__6b6b.json",
    ]


def test_a_damaged_legacy_document_is_one_error():
    s = copilot.read(RawLog(LEGACY, b'{"sessionId": "x", "timeline": ['), [])
    assert len(s.errors) == 1 and s.steps == []


def test_the_legacy_folder_is_looked_in_where_it_is_left(tmp_path):
    agent = registry.get("copilot")
    assert agent.folders({}, tmp_path) == [tmp_path / ".copilot" / "session-state"]
    (tmp_path / ".copilot" / "history-session-state").mkdir(parents=True)
    assert agent.folders({}, tmp_path) == [
        tmp_path / ".copilot" / "session-state",
        tmp_path / ".copilot" / "history-session-state",
    ]


PATCH = (
    "*** Begin Patch\n*** Update File: a.py\n@@\n-x = 1\n+x = 2\n*** Add File: b.py\n+y = 3\n*** End Patch\n"
)


def test_the_apply_patch_tool_gives_its_files_edits():
    request = {"toolCallId": "p1", "name": "apply_patch", "type": "custom", "arguments": PATCH}
    s = read(
        events(
            ("user.message", {"content": "bump x"}),
            ("assistant.message", {"messageId": "m1", "content": "", "toolRequests": [request]}),
            ("tool.execution_start", {"toolCallId": "p1", "toolName": "apply_patch", "arguments": PATCH}),
            (
                "tool.execution_complete",
                {"toolCallId": "p1", "success": True, "result": {"content": "Done", "detailedContent": DIFF}},
            ),
        )
    )
    call = next(x for x in s.steps if x.kind == StepKind.TOOL_CALL)
    assert [(e.path, e.op, e.applied) for e in call.edits] == [
        ("a.py", "update", True),
        ("b.py", "create", True),
    ]
    assert call.edits[0].hunks[0].lines == ["-x = 1", "+x = 2"]
    assert call.edits[1].content == "y = 3\n"


def test_a_failed_apply_patch_changed_nothing():
    request = {"toolCallId": "p1", "name": "apply_patch", "arguments": {"input": PATCH}}
    s = read(
        events(
            ("assistant.message", {"messageId": "m1", "content": "", "toolRequests": [request]}),
            (
                "tool.execution_complete",
                {"toolCallId": "p1", "success": False, "error": {"message": "no match"}},
            ),
        )
    )
    call = s.steps[0]
    assert len(call.edits) == 2 and not any(e.applied for e in call.edits)


def test_a_legacy_tool_output_comes_from_the_timeline_or_the_chat_messages():
    doc = {
        "sessionId": "6a6a6a6a-0000-4000-8000-000000000001",
        "chatMessages": [{"role": "tool", "tool_call_id": "c2", "content": "from the chat"}],
        "timeline": [
            {"type": "tool_call_completed", "id": "d1", "callId": "c1", "name": "bash", "result": "plain"},
            {"type": "tool_call_completed", "id": "d2", "callId": "c2", "name": "bash", "result": {}},
        ],
    }
    s = copilot.read(RawLog(LEGACY, orjson.dumps(doc)), [])
    assert [x.text for x in s.steps if x.kind == StepKind.TOOL_RESULT] == ["plain", "from the chat"]


def test_discovery_finds_the_legacy_documents_and_no_other_json(tmp_path, monkeypatch):
    from tracetui.bucket.locations import discover

    legacy = tmp_path / ".copilot" / "history-session-state"
    legacy.mkdir(parents=True)
    (legacy / "session_6a6a_1759556150000.json").write_text("{}")
    state = tmp_path / ".copilot" / "session-state" / "5e5e"
    (state / "rewind-snapshots").mkdir(parents=True)
    (state / "rewind-snapshots" / "index.json").write_text("{}")
    (state / "vscode.metadata.json").write_text("{}")
    (state / "events.jsonl").write_text("")
    folders = registry.get("copilot").folders({}, tmp_path)
    # vscode.metadata.json holds the title of a session VS Code hosts: a companion, not any JSON
    assert {p.name for p in discover("copilot", folders)} == {
        "session_6a6a_1759556150000.json",
        "events.jsonl",
        "vscode.metadata.json",
    }


def test_a_failed_compaction_is_an_error_not_a_boundary():
    s = read(
        events(
            ("user.message", {"content": "go"}),
            ("session.compaction_complete", {"success": False, "error": "context too small"}),
        )
    )
    step = s.steps[-1]
    assert (step.kind, step.text, step.is_error) == (
        StepKind.SYSTEM,
        "compaction failed: context too small",
        True,
    )


def test_a_legacy_result_of_type_failure_is_an_error_and_its_edit_changed_nothing():
    """The first builds' documents write a failed call's result as `{"type": "failure", "log": ...}`
    (polusiti/sys's real sessions of October 2025: 27 of 143 results), not `error`: such a call is an
    error, and a `str_replace_editor` that failed applied no edit."""
    failed = {"command": "str_replace", "path": "/w/app/a.py", "old_str": "x = 9", "new_str": "x = 2"}

    def done(n: int, name: str, arguments: dict, kind: str, log: str) -> dict:
        return {"type": "tool_call_completed", "id": f"d{n}", "timestamp": f"2025-10-05T13:15:1{n}.000Z",
                "callId": f"call_{n}", "name": name, "toolTitle": name, "intentionSummary": None,
                "arguments": arguments, "result": {"type": kind, "log": log}}

    doc = {
        "sessionId": "6a6a6a6a-0000-4000-8000-000000000002",
        "startTime": "2025-10-05T13:12:35.294Z",
        "timeline": [
            {"type": "user", "id": "u1", "timestamp": "2025-10-05T13:14:57.465Z", "text": "set x to 2"},
            done(1, "bash", {"command": "ls -1a", "async": False}, "failure", "<exited with exit code 1>"),
            done(2, "str_replace_editor", failed, "failure", "No match found for old_str"),
            done(3, "bash", {"command": "true"}, "success", ""),
        ],
    }  # fmt: skip
    s = copilot.read(RawLog(LEGACY, orjson.dumps(doc)), [])
    results = [x for x in s.steps if x.kind == StepKind.TOOL_RESULT]
    assert [(x.tool, x.is_error) for x in results] == [
        ("bash", True), ("str_replace_editor", True), ("bash", False)
    ]
    [edit] = [e for x in s.steps for e in x.edits]
    assert edit.applied is False
