"""Gemini CLI records outside today's types, on hand-made sessions: a message type this reader
does not know keeps its text, and function calls and code execution parts inside content are text."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog, gemini

META = {
    "sessionId": "9c9c9c9c-0000-4000-8000-000000000001",
    "projectHash": "0" * 64,
    "startTime": "2026-08-01T10:00:00.000Z",
    "lastUpdated": "2026-08-01T10:00:09.000Z",
    "kind": "main",
}


def read(*messages: dict[str, Any]):
    data = b"\n".join(orjson.dumps(x) for x in (META, *messages)) + b"\n"
    return gemini.read(RawLog("/h/.gemini/tmp/p/chats/session-2026-08-01T10-00-9c9c9c9c.jsonl", data), [])


def test_an_unknown_message_type_keeps_its_text():
    s = read(
        {"id": "m1", "timestamp": "2026-08-01T10:00:01.000Z", "type": "user", "content": [{"text": "hi"}]},
        {
            "id": "m2",
            "timestamp": "2026-08-01T10:00:02.000Z",
            "type": "notice",
            "content": "quota reset at noon",
        },
        {"id": "m3", "timestamp": "2026-08-01T10:00:03.000Z", "type": "notice", "content": []},
    )
    assert [(x.kind, x.text) for x in s.steps] == [
        (StepKind.USER, "hi"),
        (StepKind.SYSTEM, "quota reset at noon"),
    ]
    assert s.steps[1].meta == {"type": "notice"}
    assert s.skipped == {"message/notice": 1}  # the empty one: nothing to keep, still counted


def test_function_call_and_code_execution_parts_are_text():
    s = read(
        {"id": "m1", "timestamp": "2026-08-01T10:00:01.000Z", "type": "user", "content": "sum it"},
        {
            "id": "m2",
            "timestamp": "2026-08-01T10:00:02.000Z",
            "type": "gemini",
            "content": [
                {"executableCode": {"language": "PYTHON", "code": "print(1 + 2)"}},
                {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "3"}},
                {"functionCall": {"name": "read_file", "args": {"path": "a.txt"}}},
            ],
            "model": "gemini-3-pro",
        },
    )
    text = s.steps[-1].text
    assert "print(1 + 2)" in text and "\n3\n" in text and "read_file" in text and "a.txt" in text


def test_invoke_agent_is_a_subagent_call_even_without_its_transcript():
    s = read(
        {"id": "m1", "timestamp": "2026-08-01T10:00:01.000Z", "type": "user", "content": "who calls main?"},
        {
            "id": "m2",
            "timestamp": "2026-08-01T10:00:02.000Z",
            "type": "gemini",
            "content": "",
            "toolCalls": [
                {
                    "id": "c1",
                    "name": "invoke_agent",
                    "args": {"agent_name": "codebase_investigator", "prompt": "Find every caller of main()"},
                    "status": "success",
                    "timestamp": "2026-08-01T10:00:03.000Z",
                    "result": [
                        {
                            "functionResponse": {
                                "id": "c1",
                                "name": "invoke_agent",
                                "response": {"output": "two"},
                            }
                        }
                    ],
                }
            ],
        },
    )
    [agent] = s.subagents
    assert (agent.agent_type, agent.description) == ("codebase_investigator", "Find every caller of main()")
    kinds = [x.kind for x in s.steps]
    assert StepKind.SUBAGENT_START in kinds and StepKind.SUBAGENT_END in kinds
