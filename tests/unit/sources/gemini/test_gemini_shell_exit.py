"""A Gemini CLI shell result's exit status, read from the lines its shell tool appends (every line up to
0.2x, `(none)` where empty; from 0.3x only those that say something, a zero status left out; 0.6x
wraps the whole in <untrusted_context>). The forms are the tool's own, as 0.20.0, 0.35.0 and 0.61.0
write them; the test runs' labels read the status from `meta["exit_code"]`."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.export import labels
from tracetui.sources import RawLog
from tracetui.sources.gemini import reader as gemini
from tracetui.sources.gemini.shell import shell_exit

OLD = "Command: {c}\nDirectory: (root)\nOutput: {o}\nError: {e}\nExit Code: {x}\nSignal: {s}\nBackground PIDs: (none)\nProcess Group PGID: 4242"


@pytest.mark.parametrize(
    "text,code",
    [
        (OLD.format(c="pytest", o="1 failed", e="(none)", x="1", s="(none)"), 1),
        (OLD.format(c="pytest", o="ok", e="(none)", x="0", s="(none)"), 0),
        (OLD.format(c="sleep 9", o="(empty)", e="(none)", x="(none)", s="15"), None),  # killed
        ("Output: 3 passed\nProcess Group PGID: 77", 0),
        ("Output: (empty)", 0),
        ("Output: FAILED\nExit Code: 1\nProcess Group PGID: 77", 1),
        ("Output: boom\nExit Code: -2\nProcess Group PGID: 77", -2),
        ("<untrusted_context>\nOutput: ls: no\nExit Code: 2\nProcess Group PGID: 9\n</untrusted_context>", 2),
        ("Output: (empty)\nSignal: 9\nProcess Group PGID: 77", None),
        ("Output: (empty)\nError: spawn ENOENT\nProcess Group PGID: 77", None),
        ("Output: a\nExit Code: 1\nBackground PIDs: 5, 6\nProcess Group PGID: 77", 1),
        # the output's own lines of the trailer's shape are not the trailer
        ("Output: log says\nExit Code: 1\nall good\nProcess Group PGID: 77", 0),
        ("Output: Exit Code: 3", 0),
        ("Output: x\nProcess Group PGID: 77\nExit Code: 1", 1),  # the output's own PGID line, then the status
        ("Command moved to background (PID: 12). Output hidden. Press Ctrl+B to view.", None),
        (
            "Command was cancelled by user before it could complete. There was no output before it was cancelled.",
            None,
        ),
        ("Output: x\nExit Code: 99999999999999999999\nProcess Group PGID: 1", None),  # not a status
        ("Output: x\nExit Code: two", None),
        ("just some text\nExit Code: 1", None),
        ("", None),
    ],
)
def test_the_exit_status_each_form_reports(text, code):
    assert shell_exit(text) == code


META = {
    "sessionId": "9c9c9c9c-0000-4000-8000-000000000002",
    "projectHash": "0" * 64,
    "startTime": "2026-08-01T10:00:00.000Z",
    "lastUpdated": "2026-08-01T10:00:09.000Z",
    "kind": "main",
}


def _call(call_id: str, name: str, command: str, output: str) -> dict[str, Any]:
    response = {"id": call_id, "name": name, "response": {"output": output}}
    return {
        "id": call_id,
        "name": name,
        "args": {"command": command},
        "status": "success",
        "timestamp": "2026-08-01T10:00:02.000Z",
        "result": [{"functionResponse": response}],
    }


def test_a_shell_results_status_is_read_and_a_test_runs_label_takes_it():
    calls = [
        _call(
            "c1", "run_shell_command", "pytest -q", "Output: 1 failed\nExit Code: 1\nProcess Group PGID: 7"
        ),
        _call("c2", "run_shell_command", "pytest -q", "Output: 2 passed\nProcess Group PGID: 8"),
        _call("c3", "read_file", "cat log", "Output: 1 failed\nExit Code: 1"),  # no shell: no status
    ]
    records = [
        META,
        {
            "id": "m1",
            "timestamp": "2026-08-01T10:00:01.000Z",
            "type": "user",
            "content": [{"text": "test it"}],
        },
        {
            "id": "m2",
            "timestamp": "2026-08-01T10:00:02.000Z",
            "type": "gemini",
            "content": "",
            "toolCalls": calls,
        },
    ]
    data = b"\n".join(orjson.dumps(x) for x in records) + b"\n"
    s = gemini.read(RawLog("/h/.gemini/tmp/p/chats/session-2026-08-01T10-00-9c9c9c9c.jsonl", data), [])
    results = [st for st in s.steps if st.kind == "tool_result"]
    assert [st.meta.get("exit_code") for st in results] == [1, 0, None]
    # the record's status stays the step's failure, as Gemini CLI (and OpenCode, Copilot CLI) give it
    assert [st.is_error for st in results] == [False, False, False]
    assert [run["exit_code"] for run in labels.test_runs(s)] == [1, 0]
