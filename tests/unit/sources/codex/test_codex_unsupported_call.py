"""A call of a tool the run does not offer runs nothing: Codex 0.171.0 answers the model's `apply_patch`
(as a custom tool or a function) with "unsupported custom tool call: apply_patch" or "unsupported call:
apply_patch" where it offers only `exec_command`, and the files stay as they were. The patch is no edit
that was applied (the trail and blame would look for it in git) and the result is a failure.
Hand-made records of the shapes a fresh 0.171.0 log holds (tests/agents run it)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

SID = "01a21762-a68d-7461-8033-f1c2d5e5128e"
PATH = f"/h/.codex/sessions/2026/11/26/rollout-2026-11-26T10-24-30-{SID}.jsonl"
PATCH = "*** Begin Patch\n*** Update File: notes.txt\n@@\n alpha\n-beta\n+gamma\n*** End Patch\n"


def record(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "payload": payload}


def read(call: dict[str, Any], output: dict[str, Any]) -> Any:
    records = [
        record("session_meta", {"id": SID, "cwd": "/w/app", "cli_version": "0.171.0", "source": "exec"}),
        record(
            "response_item",
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Tidy"}]},
        ),
        record("response_item", call),
        record("response_item", output),
    ]
    lines = [
        orjson.dumps({"timestamp": f"2026-11-26T10:24:3{n}.000Z", **r}) + b"\n" for n, r in enumerate(records)
    ]
    return codex.read(RawLog(PATH, b"".join(lines)), [])


CUSTOM = (
    {
        "type": "custom_tool_call",
        "call_id": "c1",
        "name": "apply_patch",
        "input": PATCH,
        "status": "completed",
    },
    {
        "type": "custom_tool_call_output",
        "call_id": "c1",
        "output": "unsupported custom tool call: apply_patch",
    },
)
FUNCTION = (
    {
        "type": "function_call",
        "call_id": "c2",
        "name": "apply_patch",
        "arguments": orjson.dumps({"input": PATCH}).decode(),
    },
    {"type": "function_call_output", "call_id": "c2", "output": "unsupported call: apply_patch"},
)


@pytest.mark.parametrize("call, output", [CUSTOM, FUNCTION], ids=["custom", "function"])
def test_a_patch_through_a_tool_not_offered_changed_nothing(call, output):
    s = read(call, output)
    [made] = [st for st in s.steps if st.kind == StepKind.TOOL_CALL]
    [result] = [st for st in s.steps if st.kind == StepKind.TOOL_RESULT]
    assert [(e.path, e.applied) for e in made.edits] == [("notes.txt", False)]
    assert result.is_error
