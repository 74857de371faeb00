"""Every part type of OpenCode 1.18.33 (the `Part` union its binary names) and a message's `error`,
one amid a normal conversation of an export document: what the reader makes of it, and the steps
around it kept. Hand-made parts of those shapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.opencode import reader as opencode

SID = "ses_03RECORDScccccccccccccccc"
PATH = "/h/exports/ses_03RECORDScccccccccccccccc.json"
MODEL = {"modelID": "claude-sonnet-4", "providerID": "anthropic"}


def part(mid: str, n: int, kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": f"prt_{mid[4:]}{n:02d}", "sessionID": SID, "messageID": mid, "type": kind, **fields}


def user(mid: str, second: int, *parts: dict[str, Any]) -> dict[str, Any]:
    return {"info": {"id": mid, "sessionID": SID, "role": "user", "time": {"created": 1767261600000 + second * 1000},
                     "agent": "build", "model": MODEL}, "parts": list(parts)}  # fmt: skip


def assistant(mid: str, second: int, *parts: dict[str, Any], **info: Any) -> dict[str, Any]:
    created = 1767261600000 + second * 1000
    body = {"id": mid, "sessionID": SID, "role": "assistant", "time": {"created": created, "completed": created},
            "path": {"cwd": "/w/app", "root": "/w/app"}, "finish": "stop", **MODEL, **info}  # fmt: skip
    return {"info": body, "parts": list(parts)}


def read(extra: list[dict[str, Any]]) -> Any:
    messages = [
        user("msg_03A", 1, part("msg_03A", 1, "text", text="list the files")),
        assistant("msg_03B", 2, part("msg_03B", 1, "text", text="One file.")),
        *extra,
        user("msg_03Y", 8, part("msg_03Y", 1, "text", text="and now?")),
        assistant("msg_03Z", 9, part("msg_03Z", 1, "text", text="Done.")),
    ]
    doc = {"info": {"id": SID, "version": "1.18.33", "directory": "/w/app", "title": "t",
                    "time": {"created": 1767261600000, "updated": 1767261609000}}, "messages": messages}  # fmt: skip
    return opencode.read(RawLog(PATH, orjson.dumps(doc)), [])


def in_reply(*parts: dict[str, Any], **info: Any) -> list[dict[str, Any]]:
    return [assistant("msg_03M", 5, *parts, **info)]


M = "msg_03M"
TOOL = {"tool": "bash", "callID": "c1"}
SYSTEM, CONTEXT = StepKind.SYSTEM, StepKind.CONTEXT
# parts -> the (kind, text) of the steps they make, or the `skipped` key they are counted under
CASES: list[tuple[str, list[dict[str, Any]], Any]] = [
    ("reasoning", in_reply(part(M, 1, "reasoning", text="thinking")), [(StepKind.REASONING, "thinking")]),
    (
        "tool completed",
        in_reply(
            part(
                M,
                1,
                "tool",
                **TOOL,
                state={"status": "completed", "input": {"command": "ls"}, "output": "a.txt"},
            )
        ),  # fmt: skip
        [(StepKind.TOOL_CALL, ""), (StepKind.TOOL_RESULT, "a.txt")],
    ),
    (
        "tool error",
        in_reply(
            part(
                M,
                1,
                "tool",
                **TOOL,
                state={"status": "error", "input": {"command": "ls"}, "error": "Tool execution aborted"},
            )
        ),  # fmt: skip
        [(StepKind.TOOL_CALL, ""), (StepKind.TOOL_RESULT, "Tool execution aborted")],
    ),
    (
        "tool running",
        in_reply(part(M, 1, "tool", **TOOL, state={"status": "running", "input": {"command": "ls"}})),
        [(StepKind.TOOL_CALL, "")],
    ),
    (
        "step-start, step-finish",
        in_reply(
            part(M, 1, "step-start"), part(M, 2, "text", text="ok"), part(M, 3, "step-finish", reason="stop")
        ),  # fmt: skip
        [(StepKind.ASSISTANT, "ok")],
    ),
    (
        "snapshot",
        in_reply(part(M, 1, "snapshot", snapshot="abc"), part(M, 2, "text", text="ok")),
        [(StepKind.ASSISTANT, "ok")],
    ),
    ("agent", [user(M, 5, part(M, 1, "agent", name="explore"))], [(CONTEXT, "@explore")]),
    (
        "subtask",
        [user(M, 5, part(M, 1, "subtask", prompt="look around", agent="explore", description="d"))],
        [(CONTEXT, "look around")],
    ),
    (
        "file",
        [
            user(
                M,
                5,
                part(M, 1, "text", text="see"),
                part(M, 2, "file", mime="image/png", filename="a.png", url="data:"),
            )
        ],  # fmt: skip
        [(StepKind.USER, "see"), (CONTEXT, "[file] a.png")],
    ),
    (
        "retry",
        in_reply(
            part(
                M,
                1,
                "retry",
                attempt=1,
                error={"name": "APIError", "data": {"message": "overloaded"}},
                time={"created": 1767261605000},
            )
        ),  # fmt: skip
        [(SYSTEM, "overloaded")],
    ),
    (
        "a message's error",
        in_reply(error={"name": "APIError", "data": {"message": "401 Unauthorized"}}),
        [(SYSTEM, "401 Unauthorized")],
    ),
    (
        "a part type of a later build",
        in_reply(part(M, 1, "later-kind"), part(M, 2, "text", text="ok")),
        "part/later-kind",
    ),
]


@pytest.mark.parametrize(("name", "extra", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_part_reads_as_its_table_row_and_keeps_the_steps_around_it(name, extra, expected):
    plain = read([])
    s = read(extra)
    assert not s.errors
    around = [(st.kind, st.text) for st in plain.steps]
    ids = {p.id for p in plain.steps}
    assert [(st.kind, st.text) for st in s.steps if st.id in ids] == around
    new = [(st.kind, st.text) for st in s.steps if st.id not in ids]
    if isinstance(expected, list):
        assert new == expected and s.skipped == plain.skipped
    else:
        assert new == [(StepKind.ASSISTANT, "ok")] and s.skipped == plain.skipped | {expected: 1}
