"""A command the user interrupted (Ctrl-C in `codex exec`, 0.171.0) is a failure: Codex writes its
output as "Wall time: 6.9 seconds\\naborted by user", the header line before the words that say it
did not finish. Hand-made records of the shape a fresh 0.171.0 log holds (tests/agents run it)."""

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
    records = [
        {"type": "session_meta", "payload": {"id": SID, "cwd": "/w/app", "cli_version": "0.171.0"}},
        item({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Wait"}]}),
        item({"type": "function_call", "call_id": "c1", "name": "exec_command", "arguments": "{}"}),
        item({"type": "function_call_output", "call_id": "c1", "output": output}),
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
