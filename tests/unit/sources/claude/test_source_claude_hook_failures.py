"""A hook that fails without stopping anything. Claude Code 2.1.14x writes a `hook_non_blocking_error`
attachment with what the hook printed, then, for a Stop hook, the `stop_hook_summary` that lists the
same error again. On a real home folder of 2.1.145/2.1.150 sessions (350 such failures of a
notification hook) each failure read twice: a CONTEXT step holding the attachment's JSON, as if the
model had been shown it, and the summary's SYSTEM step. Hand-made transcripts of the same shape."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code

SID = "4a4a4a4a-0000-4000-8000-000000000001"
PATH = f"/h/.claude/projects/-w-app/{SID}.jsonl"
BASE = {"sessionId": SID, "cwd": "/w/app", "version": "2.1.150", "userType": "external", "isSidechain": False}
FAILED = "Failed with non-blocking status code: /bin/sh: chime: command not found"


def line(uuid: str, parent: str | None, second: int, **fields: Any) -> dict[str, Any]:
    stamp = f"2026-06-01T09:00:{second:02d}.000Z"
    return BASE | {"uuid": uuid, "parentUuid": parent, "timestamp": stamp} | fields


def turn() -> list[dict[str, Any]]:
    reply = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-4-6",
             "content": [{"type": "text", "text": "Renamed."}]}  # fmt: skip
    return [
        line("u1", None, 1, type="user", message={"role": "user", "content": "rename the config key"}),
        line("a1", "u1", 2, type="assistant", message=reply, requestId="req_1"),
    ]


def failure(uuid: str, parent: str, second: int, event: str, turn_id: str, stderr: str) -> dict:
    att = {"type": "hook_non_blocking_error", "hookName": event, "toolUseID": turn_id, "hookEvent": event,
           "stderr": stderr, "stdout": "", "exitCode": 127, "command": "chime done",
           "durationMs": 12}  # fmt: skip
    return line(uuid, parent, second, type="attachment", attachment=att)


def summary(uuid: str, parent: str, second: int, turn_id: str, errors: list[str]) -> dict[str, Any]:
    return line(uuid, parent, second, type="system", subtype="stop_hook_summary", hookCount=1,
                hookInfos=[{"command": "chime done", "durationMs": 12}], hookErrors=errors,
                preventedContinuation=False, stopReason="", hasOutput=True, level="suggestion",
                toolUseID=turn_id)  # fmt: skip


def read(rows: list[dict[str, Any]]) -> Any:
    return claude_code.read(RawLog(PATH, b"".join(orjson.dumps(r) + b"\n" for r in rows)), [])


def test_a_stop_hook_s_failure_is_one_system_step_with_what_it_printed():
    s = read([
        *turn(), failure("h1", "a1", 3, "Stop", "t-1", FAILED), summary("h2", "h1", 3, "t-1", [FAILED])
    ])
    assert [st.kind for st in s.steps] == [StepKind.USER, StepKind.ASSISTANT, StepKind.SYSTEM]
    hook = s.steps[-1]
    assert hook.text == FAILED
    assert hook.meta == {"attachment": "hook_non_blocking_error", "hook": "Stop", "tool_use_id": "t-1"}
    assert not any(st.kind == StepKind.CONTEXT for st in s.steps)


def test_a_summary_still_says_what_no_attachment_said():
    other = "Failed with non-blocking status code: timeout"
    both = summary("h2", "h1", 3, "t-1", [FAILED, other])
    rows = [*turn(), failure("h1", "a1", 3, "Stop", "t-1", FAILED), both]
    s = read(rows)
    assert [st.text for st in s.steps if st.kind == StepKind.SYSTEM] == [FAILED, f"{FAILED}\n{other}"]
    # a summary of another turn's failures, or one with no attachment before it, is a step as before
    s = read([*turn(), summary("h2", "a1", 3, "t-1", [FAILED])])
    assert [st.text for st in s.steps if st.kind == StepKind.SYSTEM] == [FAILED]


def test_a_tool_hook_s_failure_with_no_summary_is_a_system_step_too():
    s = read([*turn(), failure("h1", "a1", 3, "PostToolUse", "toolu_01", FAILED)])
    assert [(st.kind, st.text) for st in s.steps[2:]] == [(StepKind.SYSTEM, FAILED)]
