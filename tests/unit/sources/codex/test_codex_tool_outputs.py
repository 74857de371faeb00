"""Tool outputs of shapes a fresh Codex 0.171.0 log holds (tests/agents run it): a command the user
interrupted (Ctrl-C in `codex exec`) is a failure, its output "Wall time: 6.9 seconds\\naborted by
user", the header line before the words that say it did not finish; an output Codex adds itself, no
call asking for it, is context. Hand-made records of those shapes."""

from __future__ import annotations

import orjson
import pytest

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

SID = "01a22a75-0c12-76e2-8e8d-de5ad3a96dbf"
PATH = f"/h/.codex/sessions/2026/11/30/rollout-2026-11-30T03-17-23-{SID}.jsonl"


def item(payload: dict) -> dict:
    return {"type": "response_item", "payload": payload}


def read(output: str):
    return read_items([
        item({"type": "function_call", "call_id": "c1", "name": "exec_command", "arguments": "{}"}),
        item({"type": "function_call_output", "call_id": "c1", "output": output}),
    ])


def read_items(items: list[dict]):
    records = [
        {"type": "session_meta", "payload": {"id": SID, "cwd": "/w/app", "cli_version": "0.171.0"}},
        item({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Wait"}]}),
        *items,
    ]
    stamps = [f"2026-11-30T03:17:2{n}.000Z" for n in range(len(records))]
    lines = [orjson.dumps({"timestamp": ts, **r}) + b"\n" for ts, r in zip(stamps, records)]
    return codex.read(RawLog(PATH, b"".join(lines)), [])


@pytest.mark.parametrize("output, failed", [
    ("Wall time: 6.9 seconds\naborted by user", True),
    ("Wall time: 0.2 seconds\naborted", True),
    ("Wall time: 0.1 seconds\nOutput:\naborted by user", False),  # the command's own words
])
def test_an_interrupted_command_is_a_failure(output, failed):
    s = read(output)
    [result] = [st for st in s.steps if st.kind == StepKind.TOOL_RESULT]
    assert result.tool_call_id == "c1" and result.is_error is failed
    assert result.meta.get("duration_ms") in (6900, 200, 100)


def test_a_tool_output_no_call_asked_for_is_context():
    """Codex 0.171.0 tells the model its goal's objective as a tool output of its own: a
    `function_call_output` with a `name` (`goal_objective`, namespace `agent`) and no `call_id`. No
    call made it, so it is context the model read, not a result without its call."""
    own = {"type": "function_call_output", "name": "goal_objective", "namespace": "agent", "output": "Tidy"}
    s = read_items([
        item({"type": "function_call", "call_id": "c1", "name": "create_goal", "arguments": "{}"}),
        item({"type": "function_call_output", "call_id": "c1", "output": '{"goal":{"objective":"Tidy"}}'}),
        item(own),
    ])
    assert [(st.kind, st.tool_call_id) for st in s.steps if st.kind != StepKind.USER] == [
        (StepKind.TOOL_CALL, "c1"), (StepKind.TOOL_RESULT, "c1"), (StepKind.CONTEXT, None)]
    assert s.steps[-1].text == "Tidy" and s.steps[-1].meta["from"] == "agent/goal_objective"


def completed(status: str) -> dict:
    """0.171.0's `item_completed` event of an MCP tool's call, written before the call's output."""
    done = {"type": "McpToolCall", "id": "c1", "server": "stub", "tool": "echo", "status": status,
            "result": {"content": [{"type": "text", "text": "echo failed"}], "isError": status == "failed"}}
    return {"type": "event_msg", "payload": {"type": "item_completed", "item": done}}


@pytest.mark.parametrize("status", ["failed", "completed"])
@pytest.mark.parametrize("event_first", [True, False], ids=["event first", "output first"])
def test_an_mcp_call_codex_says_failed_is_a_failure(status, event_first):
    """The output of an MCP call is the tool's text after a "Wall time" header, which never says it
    failed; the `item_completed` event beside it does (`status` "failed", the result's `isError`)."""
    call = {"type": "function_call", "call_id": "c1", "name": "echo", "namespace": "mcp__stub"}
    said = [{"type": "input_text", "text": "Wall time: 0.0041 seconds\nOutput:"},
            {"type": "input_text", "text": "echo failed"}]
    output = item({"type": "function_call_output", "call_id": "c1", "output": said})
    both = [completed(status), output] if event_first else [output, completed(status)]
    s = read_items([item(call), *both])
    [result] = [st for st in s.steps if st.kind == StepKind.TOOL_RESULT]
    assert result.tool_call_id == "c1" and result.is_error is (status == "failed")


def test_a_resumed_read_between_a_failed_item_and_its_output_matches_a_whole_read():
    # The event that says the call failed is read before the sync that stops there; its output after.
    call = {"type": "function_call", "call_id": "c1", "name": "echo", "namespace": "mcp__stub"}
    output = item({"type": "function_call_output", "call_id": "c1", "output": "echo failed"})
    records = [
        {"type": "session_meta", "payload": {"id": SID, "cwd": "/w/app", "cli_version": "0.171.0"}},
        item({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Wait"}]}),
        item(call), completed("failed"), output,
    ]
    lines = [orjson.dumps({"timestamp": f"2026-11-30T03:17:2{n}.000Z", **r}) + b"\n" for n, r in enumerate(records)]
    whole = b"".join(lines)
    _, state = codex.resume(None, RawLog(PATH, b"".join(lines[:-1])), [])
    resumed, _ = codex.resume(state, RawLog(PATH, whole), [])
    assert resumed.to_dict() == codex.read(RawLog(PATH, whole), []).to_dict()
    assert [st.is_error for st in resumed.steps if st.kind == StepKind.TOOL_RESULT] == [True]
