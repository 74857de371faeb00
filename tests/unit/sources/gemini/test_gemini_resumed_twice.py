"""A Gemini CLI 0.61 session resumed twice (hand-made records in the shapes a fresh log showed). Each
`--resume` sets the whole history again; the second one's copies are all of messages already read, and
a run whose history was set back to the session context first (in the minute the file is named for)
makes them afresh: the resume's time, the model's form of the content (a `functionCall` part, no
`toolCalls`), no `tokens` or `model`. The records read before keep their calls, tokens and times."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.gemini import reader as gemini

SID = "6f1d2b3c-3333-4c5c-8d8d-0123456789ab"
CONTEXT = {"id": "ctx1", "timestamp": "2026-11-30T06:13:00.000Z", "type": "user",
           "content": [{"text": "<session_context>\nmade up\n</session_context>"}]}
CALL = "run_shell_command__call_1"
ARGS = {"command": "echo big", "description": "big"}
RESPONSE = [{"functionResponse": {"id": CALL, "name": "run_shell_command", "response": {"output": "big"}}}]
TOKENS = {"input": 50, "output": 20, "cached": 0, "thoughts": 0, "tool": 0, "total": 70}


def at(second: int) -> str:
    return f"2026-11-30T06:13:{second:02d}.000Z"


def _said(mid: str, kind: str, second: int, content: Any, **more: Any) -> dict[str, Any]:
    return {"id": mid, "timestamp": at(second), "type": kind, "content": content, **more}


RECORDS = [
    _said("u1", "user", 1, [{"text": "Big please"}]),
    _said("g1", "gemini", 2, "", tokens=TOKENS, model="gemini-2.5-pro",
          toolCalls=[{"id": CALL, "name": "run_shell_command", "args": ARGS, "result": RESPONSE,
                      "status": "success", "timestamp": at(3)}]),
    _said("r1", "user", 3, RESPONSE),
    _said("g2", "gemini", 4, "Big done.", tokens=TOKENS, model="gemini-2.5-pro"),
]
LATER = [_said("u2", "user", 12, [{"text": "Second"}]),
         _said("g3", "gemini", 13, "Second.", tokens=TOKENS, model="gemini-2.5-pro")]


def _history(second: int, upto: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history as a resumed run sets it, each message made afresh at `second`."""
    out: list[dict[str, Any]] = [{**CONTEXT, "timestamp": at(second)}]
    for r in upto:
        content = r["content"]
        if r["id"] == "g1":
            content = [{"functionCall": {"id": CALL, "name": "run_shell_command", "args": ARGS}}]
        elif isinstance(content, str):
            content = [{"text": content}]
        out.append({"id": r["id"], "timestamp": at(second), "type": r["type"], "content": content})
        if r["id"] == "g1":
            out.append({"id": "g1_response", "timestamp": at(second), "type": "user", "content": RESPONSE})
    return out


def _start(second: int, same_minute: bool) -> list[dict[str, Any]]:
    if not same_minute:  # the resumed run's own file holds its start; the session's gets its id
        return [{"$set": {"sessionId": SID}}]
    return [{"sessionId": SID, "projectHash": "0" * 64, "startTime": at(second), "kind": "main"},
            {"$set": {"messages": [{**CONTEXT, "timestamp": at(second)}]}}, {"$set": {"sessionId": SID}}]


@pytest.mark.parametrize("same_minute", [False, True])
def test_a_session_resumed_twice_keeps_its_calls_tokens_and_times(same_minute):
    lines = [{"sessionId": SID, "projectHash": "0" * 64, "startTime": at(0), "kind": "main"},
             {"$set": {"messages": [CONTEXT]}}, *RECORDS,
             *_start(10, same_minute), {"$set": {"messages": _history(11, RECORDS)}}, *LATER,
             *_start(20, same_minute), {"$set": {"messages": _history(21, RECORDS + LATER)}},
             _said("u3", "user", 22, [{"text": "Third"}])]
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    s = gemini.read(RawLog(f"/h/.gemini/tmp/p/chats/session-2026-11-30T06-13-{SID[:8]}.jsonl", data), [])
    assert s.errors == []
    shown = [(st.kind, st.text, st.tool_call_id, st.timestamp) for st in s.steps if st.kind != StepKind.CONTEXT]
    assert shown == [
        (StepKind.USER, "Big please", None, at(1)),
        (StepKind.TOOL_CALL, "", CALL, at(3)),
        (StepKind.TOOL_RESULT, "big", CALL, at(3)),
        (StepKind.ASSISTANT, "Big done.", None, at(4)),
        (StepKind.USER, "Second", None, at(12)),
        (StepKind.ASSISTANT, "Second.", None, at(13)),
        (StepKind.USER, "Third", None, at(22)),
    ]
    assert (s.tokens.input, s.tokens.output) == (150, 60) and s.models == ["gemini-2.5-pro"]
