"""Every message type and tool-call status Gemini CLI 0.61.0 writes to its JSONL chat log (user,
gemini, info, warning, error; success, error, cancelled), one amid a normal conversation: what the
reader makes of it, and the steps around it kept. A type of a later build with text is a SYSTEM step
holding it. Hand-made records of those shapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from support.record_rows import added_steps, as_its_row

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.gemini import reader as gemini

SID = "5e0c1a2b-2222-4a4a-9b9b-0123456789ab"
PATH = "/h/.gemini/tmp/garden/chats/session-2026-05-01T10-00-5e0c1a2b.jsonl"
HEADER = {"sessionId": SID, "projectHash": "ab" * 32, "startTime": "2026-05-01T10:00:00.000Z",
          "lastUpdated": "2026-05-01T10:00:00.000Z", "kind": "main"}  # fmt: skip


def msg(mid: str, second: int, kind: str, content: Any, **more: Any) -> dict[str, Any]:
    return {
        "id": mid,
        "timestamp": f"2026-05-01T10:00:{second:02d}.000Z",
        "type": kind,
        "content": content,
        **more,
    }


def call(status: str, output: str) -> dict[str, Any]:
    response = {"functionResponse": {"id": "c9", "name": "run_shell_command", "response": {"output": output}}}
    return {"id": "c9", "name": "run_shell_command", "args": {"command": "sleep 9"}, "result": [response],
            "status": status, "timestamp": "2026-05-01T10:00:05.000Z"}  # fmt: skip


def read(extra: dict[str, Any] | None) -> Any:
    rows = [HEADER, msg("u1", 1, "user", [{"text": "list the files"}]), msg("g1", 2, "gemini", "One file.",
                                                                            model="gemini-2.5-pro")]  # fmt: skip
    if extra is not None:
        rows.append(extra)
    rows += [
        msg("u2", 8, "user", [{"text": "and now?"}]),
        msg("g2", 9, "gemini", "Done.", model="gemini-2.5-pro"),
    ]
    return gemini.read(RawLog(PATH, b"".join(orjson.dumps(r) + b"\n" for r in rows)), [])


SYSTEM = StepKind.SYSTEM
# record -> the (kind, text, is_error) of the steps it makes, or the `skipped` key it is counted under
CASES: list[tuple[str, dict[str, Any], Any]] = [
    ("info", msg("x1", 5, "info", "Request cancelled."), [(SYSTEM, "Request cancelled.", False)]),
    ("warning", msg("x1", 5, "warning", "Slow response"), [(SYSTEM, "Slow response", False)]),
    ("error", msg("x1", 5, "error", "[API Error: 429]"), [(SYSTEM, "[API Error: 429]", True)]),
    (
        "an image the user sent",
        msg(
            "x1", 5, "user", [{"text": "look"}, {"inlineData": {"mimeType": "image/png", "data": "AA"}}]
        ),  # fmt: skip
        [(StepKind.USER, "look\n[image/png]", False)],
    ),
    (
        "a cancelled call",
        msg("x1", 5, "gemini", "", toolCalls=[call("cancelled", "[Operation Cancelled]")]),
        [(StepKind.TOOL_CALL, "", False), (StepKind.TOOL_RESULT, "[Operation Cancelled]", True)],
    ),
    (
        "a failed call",
        msg("x1", 5, "gemini", "", toolCalls=[call("error", "exit 1")]),
        [(StepKind.TOOL_CALL, "", False), (StepKind.TOOL_RESULT, "exit 1", True)],
    ),
    ("a type of a later build", msg("x1", 5, "later_kind", "said"), [(SYSTEM, "said", False)]),
    ("a type of a later build, no text", msg("x1", 5, "later_kind", ""), "message/later_kind"),
]


@pytest.mark.parametrize(("name", "record", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_message_reads_as_its_table_row_and_keeps_the_steps_around_it(name, record, expected):
    plain, s = read(None), read(record)
    as_its_row(plain, s, [(st.kind, st.text, st.is_error) for st in added_steps(plain, s)], expected)
