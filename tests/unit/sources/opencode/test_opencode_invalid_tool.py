"""A call OpenCode could not run is a failure: when the model calls a tool it is not offered (a
permission of `deny` takes the tool away) or with arguments its schema refuses, OpenCode 1.18.33 runs
its own `invalid` tool instead, whose state is `completed` with the reason as output. Hand-made parts
of the shape a fresh 1.18.33 log holds (tests/agents run it)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.opencode import reader as opencode

SID = "ses_04INVALIDcccccccccccccccc"

REASON = "Model tried to call unavailable tool 'bash'. Available tools: edit, read."


@pytest.mark.parametrize("tool, state, failed", [
    ("invalid", {"status": "completed", "input": {"tool": "bash", "error": REASON},
                 "output": f"The arguments provided to the tool are invalid: {REASON}"}, True),
    ("bash", {"status": "completed", "input": {"command": "echo invalid"}, "output": "invalid"}, False),
])
def test_a_call_opencode_could_not_run_is_a_failure(tool, state, failed):
    s = read({"id": "prt_04M01", "sessionID": SID, "messageID": "msg_04M", "type": "tool", "tool": tool,
              "callID": "c1", "state": state})
    [call] = [st for st in s.steps if st.kind == StepKind.TOOL_CALL]
    [result] = [st for st in s.steps if st.kind == StepKind.TOOL_RESULT]
    assert (call.tool, result.tool_call_id, result.is_error) == (tool, "c1", failed)
    assert result.text == state["output"]


def read(tool_part: dict[str, Any]) -> Any:
    at = 1767261600000
    said = {"id": "prt_04A01", "sessionID": SID, "messageID": "msg_04A", "type": "text", "text": "go"}
    asked = {"id": "msg_04A", "sessionID": SID, "role": "user", "time": {"created": at}}
    user = {"info": asked, "parts": [said]}
    reply = {"info": {"id": "msg_04M", "sessionID": SID, "role": "assistant", "time": {"created": at + 1000},
                      "path": {"cwd": "/w/app", "root": "/w/app"}, "modelID": "m", "providerID": "p"},
             "parts": [tool_part]}
    doc = {"info": {"id": SID, "version": "1.18.33", "directory": "/w/app", "title": "t",
                    "time": {"created": at, "updated": at + 1000}}, "messages": [user, reply]}
    return opencode.read(RawLog(f"/h/exports/{SID}.json", orjson.dumps(doc)), [])
