"""Gemini CLI records outside today's types, on hand-made sessions: a message type this reader
does not know keeps its text, and function calls and code execution parts inside content are text."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog, read_session
from tracetui.sources.gemini import reader as gemini

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


def test_sessions_only_logs_json_remembers_are_staged_and_read(tmp_path):
    project = tmp_path / "shop"
    logs = project / ".gemini" / "logs.json"
    logs.parent.mkdir(parents=True)
    entries = [
        {
            "sessionId": 1749157231,
            "messageId": 0,
            "type": "user",
            "message": "review the code",
            "timestamp": "t0",
        },
        {"sessionId": 1749157231, "messageId": 1, "type": "user", "message": "/stats", "timestamp": "t1"},
        {
            "sessionId": 1749251270,
            "messageId": 0,
            "type": "user",
            "message": "write tests",
            "timestamp": "t2",
        },
        {"sessionId": "9c9c9c9c-0000-4000-8000-000000000001", "messageId": 0, "type": "user", "message": "x"},
    ]
    logs.write_bytes(orjson.dumps(entries))
    chat = tmp_path / "tmp" / "h" / "chats" / "session-2026-08-01T10-00-9c9c9c9c.json"
    chat.parent.mkdir(parents=True)
    chat.write_bytes(orjson.dumps({"sessionId": "9c9c9c9c-0000-4000-8000-000000000001", "messages": []}))
    staging = tmp_path / "bucket" / "staged" / "gemini"
    files, problems = gemini.stage([logs, chat], staging)
    assert problems == []
    staged = sorted(p for p in files if p not in (logs, chat))
    assert [p.name for p in staged] == ["gemini-prompts-1749157231.json", "gemini-prompts-1749251270.json"]
    groups = {g.main: g for g in gemini.group(files)}
    assert set(groups) == {chat, *staged}  # logs.json itself is still no session
    s = read_session(groups[staged[0]])
    assert (s.id, s.cwd, s.title, s.version) == ("1749157231", str(project), "review the code", "gemini-logs")
    assert [(x.id, x.kind, x.text) for x in s.steps] == [
        ("prompt:0", StepKind.USER, "review the code"),
        ("prompt:1", StepKind.USER, "/stats"),
    ]
    assert s.steps[1].parent == "prompt:0" and (s.started, s.ended) == ("t0", "t1")
    assert s.hidden is None
    before = [p.stat().st_mtime_ns for p in staged]
    assert gemini.stage([logs, chat], staging)[0] == files
    assert [p.stat().st_mtime_ns for p in staged] == before  # unchanged prompts: not written again


def test_a_prompt_log_of_slash_commands_only_is_hidden_from_the_list(tmp_path):
    """The corpus's logs.json files hold sessions of `/mcp list` and `/quit` alone: the CLI opened
    and closed, nothing asked of a model. They were listed among the sessions."""
    logs = tmp_path / "p" / ".gemini" / "logs.json"
    logs.parent.mkdir(parents=True)
    entries = [
        {"sessionId": "a", "messageId": 0, "type": "user", "message": "/mcp list", "timestamp": "t0"},
        {"sessionId": "a", "messageId": 1, "type": "user", "message": " /quit", "timestamp": "t1"},
        {"sessionId": "b", "messageId": 0, "type": "user", "message": "/chat save x", "timestamp": "t2"},
        {"sessionId": "b", "messageId": 1, "type": "user", "message": "fix the build", "timestamp": "t3"},
    ]
    logs.write_bytes(orjson.dumps(entries))
    files, _ = gemini.stage([logs], tmp_path / "staged")
    hidden = {read_session(g).id: read_session(g).hidden for g in gemini.group(files) if g.main != logs}
    assert hidden == {"a": "commands only", "b": None}


def test_a_damaged_logs_json_stages_nothing(tmp_path):
    logs = tmp_path / "p" / ".gemini" / "logs.json"
    logs.parent.mkdir(parents=True)
    logs.write_bytes(b'[{"sessionId": 1, "message": "a"')
    files, problems = gemini.stage([logs], tmp_path / "staged")
    assert files == [logs] and problems == []
