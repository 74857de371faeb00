"""Claude Code record kinds and blocks newer versions write, on hand-made transcripts: bookkeeping
records are known (not counted as unread), MCP tool_use blocks are calls, ToolSearch's
tool_reference and search_result blocks keep their text."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code

SID = "8a8a8a8a-0000-4000-8000-000000000001"
BASE = {"sessionId": SID, "cwd": "/w/app", "version": "2.2.0", "userType": "external", "isSidechain": False}


def line(uuid: str, parent: str | None, kind: str, message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        **BASE,
        "uuid": uuid,
        "parentUuid": parent,
        "type": kind,
        "timestamp": f"2026-07-01T10:00:0{uuid[-1]}.000Z",
        "message": message,
        **extra,
    }


def read(*records: dict[str, Any]):
    data = b"\n".join(orjson.dumps(r) for r in records) + b"\n"
    return claude_code.read(RawLog(f"/h/.claude/projects/-w-app/{SID}.jsonl", data), [])


def assistant(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x", "content": blocks}


def test_newer_bookkeeping_records_are_known():
    s = read(
        line("u1", None, "user", {"role": "user", "content": "hi"}),
        {"type": "tag", "tag": "release", "sessionId": SID},
        {"type": "agent-color", "agentColor": "blue", "sessionId": SID},
        {"type": "agent-setting", "agentSetting": "reviewer", "sessionId": SID},
        {"type": "file-history-delta", "sessionId": SID},
        {"type": "content-replacement", "sessionId": SID, "replacements": []},
        {"type": "marble-origami-snapshot", "sessionId": SID, "staged": [], "armed": False},
        {"type": "attribution-snapshot", "messageId": "m", "surface": "cli", "fileStates": {}},
        {"type": "speculation-accept", "timestamp": "2026-07-01T10:00:02.000Z", "timeSavedMs": 10},
        {"type": "something-from-the-future", "sessionId": SID},
    )
    assert s.skipped == {"something-from-the-future": 1}
    assert [x.text for x in s.steps] == ["hi"]


def test_mcp_tool_use_is_a_call_and_its_result_pairs():
    s = read(
        line("u1", None, "user", {"role": "user", "content": "open issues?"}),
        line(
            "a2",
            "u1",
            "assistant",
            assistant(
                [
                    {
                        "type": "mcp_tool_use",
                        "id": "mcptoolu_1",
                        "name": "list_issues",
                        "server_name": "github",
                        "input": {"state": "open"},
                    }
                ]
            ),
        ),
        line(
            "a3",
            "a2",
            "assistant",
            assistant(
                [
                    {
                        "type": "mcp_tool_result",
                        "tool_use_id": "mcptoolu_1",
                        "is_error": False,
                        "content": [{"type": "text", "text": "#12 crash on start"}],
                    }
                ]
            ),
        ),
    )
    assert s.skipped == {}
    call, result = s.steps[1:]
    assert (call.kind, call.tool, call.tool_call_id, call.tool_input) == (
        StepKind.TOOL_CALL,
        "mcp__github__list_issues",
        "mcptoolu_1",
        {"state": "open"},
    )
    assert (result.kind, result.text, result.tool) == (StepKind.TOOL_RESULT, "#12 crash on start", call.tool)


def test_tool_reference_and_search_result_blocks_keep_their_text():
    s = read(
        line("u1", None, "user", {"role": "user", "content": "find a tool"}),
        line(
            "a2",
            "u1",
            "assistant",
            assistant(
                [{"type": "tool_use", "id": "toolu_1", "name": "ToolSearch", "input": {"query": "slack"}}]
            ),
        ),
        line(
            "u3",
            "a2",
            "user",
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_1",
                        "content": [
                            {"type": "tool_reference", "tool_name": "mcp__slack__post_message"},
                            {
                                "type": "search_result",
                                "title": "Slack API",
                                "source": "https://api.slack.example/docs",
                                "content": [{"type": "text", "text": "post_message sends text"}],
                            },
                        ],
                    }
                ],
            },
        ),
    )
    result = s.steps[-1]
    assert result.kind == StepKind.TOOL_RESULT
    assert "mcp__slack__post_message" in result.text
    assert "Slack API" in result.text and "post_message sends text" in result.text


def test_ide_notices_are_context_and_the_prompt_beside_them_is_the_users():
    s = read(
        line(
            "u1",
            None,
            "user",
            {
                "role": "user",
                "content": [
                    {
                        "type": "text",
                        "text": "<ide_opened_file>The user opened /w/app/a.py</ide_opened_file>",
                    },
                    {"type": "text", "text": "<ide_selection>The user selected lines 1 to 3</ide_selection>"},
                    {"type": "text", "text": "rename foo to bar"},
                ],
            },
        ),
    )
    assert [x.kind for x in s.steps] == [StepKind.CONTEXT, StepKind.CONTEXT, StepKind.USER]
    assert s.title == "rename foo to bar"


TEAMMATE_REPORT = '<teammate-message teammate_id="tester" summary="done">tests written</teammate-message>'


def test_teammate_messages_are_context_in_the_lead_and_the_prompt_of_a_teammate():
    lead = b"\n".join(
        orjson.dumps(r)
        for r in (
            line("u1", None, "user", {"role": "user", "content": "build the feature with a team"}),
            line(
                "a2",
                "u1",
                "assistant",
                assistant(
                    [
                        {
                            "type": "tool_use",
                            "id": "toolu_t",
                            "name": "Agent",
                            "input": {"prompt": "write tests", "subagent_type": "tester"},
                        }
                    ]
                ),
            ),
            line(
                "u3",
                "a2",
                "user",
                {
                    "role": "user",
                    "content": TEAMMATE_REPORT,
                },
            ),
        )
    )
    mate_line = {
        **line(
            "m1",
            None,
            "user",
            {
                "role": "user",
                "content": '<teammate-message teammate_id="team-lead">write tests</teammate-message>',
            },
        ),
        "isSidechain": True,
        "agentId": "a0123456789abcdef",
    }
    mate = RawLog(
        f"/h/.claude/projects/-w-app/{SID}/subagents/agent-a0123456789abcdef.jsonl",
        orjson.dumps(mate_line) + b"\n",
    )
    s = claude_code.read(RawLog(f"/h/.claude/projects/-w-app/{SID}.jsonl", lead + b"\n"), [mate])
    by_text = {x.text: x for x in s.steps}
    assert by_text[TEAMMATE_REPORT].kind == (StepKind.CONTEXT)
    prompt = by_text['<teammate-message teammate_id="team-lead">write tests</teammate-message>']
    assert prompt.kind == StepKind.USER and prompt.subagent is not None
    assert s.title == "build the feature with a team"


def queue(operation: str, content: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "queue-operation", "operation": operation, "sessionId": SID}
    record["timestamp"] = "2026-07-01T10:00:05.500Z"
    if content is not None:
        record["content"] = content
    return record


STEERED = [
    line("u1", None, "user", {"role": "user", "content": "run the tests"}),
    line(
        "a2",
        "u1",
        "assistant",
        assistant([{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "pytest"}}]),
    ),
    queue("enqueue", "only the fast ones please"),
    queue("enqueue", "and then lint"),
    line(
        "u3",
        "a2",
        "user",
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "3 passed"}],
        },
    ),
    queue("remove"),
    line("a4", "u3", "assistant", assistant([{"type": "text", "text": "Running only the fast ones."}])),
    queue("dequeue"),
    line("u5", "a4", "user", {"role": "user", "content": "and then lint"}),
]


def test_a_prompt_taken_mid_turn_is_the_users_and_a_dequeued_one_is_not_repeated():
    s = read(*STEERED)
    assert [(x.kind, x.text) for x in s.steps] == [
        (StepKind.USER, "run the tests"),
        (StepKind.TOOL_CALL, ""),
        (StepKind.TOOL_RESULT, "3 passed"),
        (StepKind.USER, "only the fast ones please"),
        (StepKind.ASSISTANT, "Running only the fast ones."),
        (StepKind.USER, "and then lint"),
    ]
    steered = s.steps[3]
    assert steered.meta == {"queued": True} and steered.active
    assert steered.timestamp == "2026-07-01T10:00:05.500Z"
    assert s.steps[4].parent == steered.id
    assert s.skipped == {}


def test_a_resumed_read_keeps_the_queue():
    data = b"\n".join(orjson.dumps(r) for r in STEERED) + b"\n"
    path = f"/h/.claude/projects/-w-app/{SID}.jsonl"
    whole = claude_code.read(RawLog(path, data), [])
    for cut_after in (3, 5):  # between the enqueues and the remove; between the remove and its line
        cut = 0
        for _ in range(cut_after + 1):
            cut = data.index(b"\n", cut) + 1
        _, state = claude_code.resume(None, RawLog(path, data[:cut]), [])
        resumed, _ = claude_code.resume(state, RawLog(path, data), [])
        assert resumed.to_dict() == whole.to_dict()


def test_a_teleported_sessions_origin_is_known():
    """A session brought over from Claude Code on the web (`claude --teleport`) starts with a
    `teleported-from` record (seen in LAF-US/IDAHO-VAULT, 2.1.x): bookkeeping, not an unread record."""
    s = read(
        {"type": "teleported-from", "remoteSessionId": "session_01X", "branch": "claude/x", "messageCount": 0},
        line("u1", None, "user", {"role": "user", "content": "hi"}),
    )
    assert s.skipped == {}
    assert [x.text for x in s.steps] == ["hi"]


def test_the_wire_log_of_each_request_is_bookkeeping():
    """2.1.3xx writes each model request beside the transcript (docs/formats/claude.md, "Requests"):
    the system prompt and tools once per shape, message bodies the transcript lacks, the request
    naming its messages by digest, then the tools offered so far and the running cost. The
    conversation is the transcript's: none of them is a step, and none is an unread record."""
    shape = {"system": [{"type": "text", "text": "You are an agent."}], "tools": [{"name": "Read"}]}
    s = read(
        line("u1", None, "user", {"role": "user", "content": "hi"}),
        {"type": "api-request-shape", "sessionId": SID, "shapeHash": "a" * 64, "shape": shape},
        {"type": "api-request-blob", "sessionId": SID, "hash": "b" * 64,
         "message": {"role": "user", "content": [{"type": "text", "text": "<system-reminder>x</system-reminder>"}]}},
        {"type": "api-request", "sessionId": SID, "id": "r1", "shapeHash": "a" * 64, "keep": 0,
         "tail": ["b" * 64], "params": {"model": "claude-x", "max_tokens": 1000}},
        {"type": "tools-used", "tools": ["Read"], "sessionId": SID},
        line("u2", "u1", "assistant", assistant([{"type": "text", "text": "hello"}])),
        {"type": "cost-state", "sessionId": SID, "totalCostUSD": 0.01, "modelUsage": {}},
    )
    assert s.skipped == {} and s.errors == []
    assert [(x.kind, x.text) for x in s.steps] == [(StepKind.USER, "hi"), (StepKind.ASSISTANT, "hello")]
