"""Calls OpenCode ran in parallel (one model step, tool parts side by side after its step-start;
1.18.33 writes them so, the slow call's part first) read as the model is sent them: every call, then
the results in the calls' order, one line of steps. A tool part alone still reads as its call then its
result, and so does each of a message with no step parts (builds before them)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.opencode import reader as opencode

SID = "ses_05PARALLELccccccccccccccc"
AT = 1767261600000


def _tool(n: int, start: int, end: int) -> dict[str, Any]:
    return {"id": f"prt_05M0{n}", "sessionID": SID, "messageID": "msg_05M", "type": "tool", "tool": "bash",
            "callID": f"c{n}", "state": {"status": "completed", "input": {"command": f"echo {n}"},
                                         "output": f"out {n}", "time": {"start": AT + start, "end": AT + end}}}


@pytest.mark.parametrize("tools, then, order", [
    ([(1, 10, 2000), (2, 20, 300)], True,
     ["step", "call:c1", "call:c2", "result:c1", "result:c2", "text"]),
    ([(1, 10, 20)], True, ["step", "call:c1", "result:c1", "text"]),
    ([(1, 10, 2000), (2, 20, 300)], False, ["step", "call:c1", "call:c2", "result:c1", "result:c2"]),
    # builds before step parts: no step to hold results to, each result after its call
    ([(1, 10, 20), (2, 30, 40)], None, ["step", "call:c1", "result:c1", "call:c2", "result:c2"]),
])
def test_parallel_calls_read_as_the_model_is_sent_them(tools, then, order):
    start = {"id": "prt_05L99", "sessionID": SID, "messageID": "msg_05M", "type": "step-start"}
    parts: list[dict[str, Any]] = [start] if then is not None else []
    parts.append({"id": "prt_05M00", "sessionID": SID, "messageID": "msg_05M", "type": "text", "text": "step"})
    parts += [_tool(*t) for t in tools]
    if then:
        parts.append({"id": "prt_05M09", "sessionID": SID, "messageID": "msg_05M", "type": "step-finish",
                      "tokens": {"input": 5, "output": 1}})
        parts.append({"id": "prt_05N01", "sessionID": SID, "messageID": "msg_05N", "type": "text", "text": "text"})
    s = read(parts)
    made = [st for st in s.steps if st.kind != StepKind.USER]
    names = [f"{st.kind.removeprefix('tool_')}:{st.tool_call_id}" if st.tool_call_id else st.text for st in made]
    assert names == order
    by_id = {st.id: st for st in s.steps}
    # One line: each step's parent is the step before it, a result tied to its call by id.
    assert [st.parent for st in s.steps[1:]] == [st.id for st in s.steps[:-1]]
    for result in (st for st in made if st.kind == StepKind.TOOL_RESULT):
        assert by_id[result.id.removesuffix(":result")].tool_call_id == result.tool_call_id
        assert result.text == f"out {result.tool_call_id[1:]}"


def read(parts: list[dict[str, Any]]) -> Any:
    asked = {"id": "msg_05A", "sessionID": SID, "role": "user", "time": {"created": AT}}
    said = {"id": "prt_05A01", "sessionID": SID, "messageID": "msg_05A", "type": "text", "text": "go"}
    info: dict[str, Any] = {"sessionID": SID, "role": "assistant", "path": {"cwd": "/w/app", "root": "/w/app"},
            "modelID": "m", "providerID": "p"}
    messages: list[dict[str, Any]] = [{"info": asked, "parts": [said]},
                {"info": {**info, "id": "msg_05M", "time": {"created": AT + 5}},
                 "parts": [p for p in parts if p["messageID"] == "msg_05M"]}]
    later = [p for p in parts if p["messageID"] == "msg_05N"]
    if later:
        messages.append({"info": {**info, "id": "msg_05N", "time": {"created": AT + 3000}}, "parts": later})
    doc = {"info": {"id": SID, "version": "1.18.33", "directory": "/w/app", "title": "t",
                    "time": {"created": AT, "updated": AT + 3000}}, "messages": messages}
    return opencode.read(RawLog(f"/h/exports/{SID}.json", orjson.dumps(doc)), [])
