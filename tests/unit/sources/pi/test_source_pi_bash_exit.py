"""Pi's bash tool gives no exit status in `details`: a command that exits non-zero fails, its text ending
"Command exited with code N" (after the output and a blank line, or alone where there was none); one
that exits 0 returns its output alone; an aborted or timed-out one fails with its own words. As Pi
0.40.1, 0.52.9 and 0.73.1 write them (checked in their bash.js and against the stub server). The test
runs' labels read the status from `meta["exit_code"]`."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tracetui.export import labels
from tracetui.sources import RawLog
from tracetui.sources.pi import reader as pi
from tracetui.sources.pi.fields import bash_exit

HEADER = {"type": "session", "version": 3, "id": "0f0f0f0f-0000-4000-8000-000000000002",
          "timestamp": "2026-09-01T10:00:00.000Z", "cwd": "/w/app"}  # fmt: skip


@pytest.mark.parametrize(
    "text,is_error,code",
    [
        ("3 passed", False, 0),
        ("(no output)", False, 0),
        ("FAIL src/a.test.ts\n\n\nCommand exited with code 1", True, 1),
        ("Command exited with code 2", True, 2),
        ("npm ERR!\n\nCommand exited with code 127\n", True, 127),
        ("Debugger attached.\n\n\nCommand aborted", True, None),
        ("partial\n\nCommand timed out after 30 seconds", True, None),
        ("it said: Command exited with code 4", True, None),  # not the tool's own line
        ("Command exited with code 99999999999999", True, None),  # no status
    ],
)
def test_the_exit_status_each_result_reports(text, is_error, code):
    assert bash_exit(text, is_error) == code


def _pair(
    n: int, tool: str, command: str, text: str, is_error: bool, details: Any = None
) -> list[dict[str, Any]]:
    call = {"type": "toolCall", "id": f"c{n}", "name": tool, "arguments": {"command": command}}
    result = {"role": "toolResult", "toolCallId": f"c{n}", "toolName": tool, "isError": is_error,
              "content": [{"type": "text", "text": text}], "details": details or {}}  # fmt: skip
    return [
        {"type": "message", "id": f"a{n}", "parentId": f"r{n - 1}" if n > 1 else "u0",
         "timestamp": f"2026-09-01T10:00:{2 * n:02d}.000Z", "message": {"role": "assistant", "content": [call]}},
        {"type": "message", "id": f"r{n}", "parentId": f"a{n}",
         "timestamp": f"2026-09-01T10:00:{2 * n + 1:02d}.000Z", "message": result},
    ]  # fmt: skip


def test_a_sessions_bash_results_carry_their_status_and_its_test_runs_take_it():
    prompt = {"type": "message", "id": "u0", "parentId": None, "timestamp": "2026-09-01T10:00:01.000Z",
              "message": {"role": "user", "content": [{"type": "text", "text": "test it"}]}}  # fmt: skip
    entries = [
        prompt,
        *_pair(1, "bash", "npm test", "FAIL a.test.ts\n\n\nCommand exited with code 1", True),
        *_pair(2, "bash", "npm test", "12 passed", False),
        *_pair(3, "bash", "npm test", "Command aborted", True),
        *_pair(4, "read", "cat log", "Command exited with code 1", True),  # not bash: no status
        *_pair(5, "bash", "ls", "x", False, {"exitCode": 3}),  # a status in details wins
    ]
    data = b"\n".join(orjson.dumps(x) for x in (HEADER, *entries)) + b"\n"
    s = pi.read(RawLog("/h/.pi/agent/sessions/--w-app--/2026-09-01_0f0f0f0f.jsonl", data), [])
    results = [st for st in s.steps if st.kind == "tool_result"]
    assert [st.meta.get("exit_code") for st in results] == [1, 0, None, None, 3]
    # An aborted run reports no status: it says nothing of the tests (not a failure).
    assert [run["exit_code"] for run in labels.test_runs(s)] == [1, 0, None]
