"""Every entry type and message role Pi 0.73.1 writes (its session-manager.d.ts, messages.d.ts and
pi-ai's types), one amid a normal conversation: what the reader makes of it, and the steps around it
kept. Hand-made entries of those shapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from support.record_rows import added_steps, as_its_row

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.pi import reader as pi

SID = "0f0f0f0f-0000-4000-8000-0000000000aa"
PATH = f"/h/.pi/agent/sessions/--w-app--/2026-09-01T10-00-00-000Z_{SID}.jsonl"
HEADER = {
    "type": "session",
    "version": 3,
    "id": SID,
    "timestamp": "2026-09-01T10:00:00.000Z",
    "cwd": "/w/app",
}
USAGE = {"input": 3, "output": 2, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 5,
         "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "total": 0}}  # fmt: skip


def entry(n: int, kind: str, parent: str | None, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "id": f"e{n}",
        "parentId": parent,
        "timestamp": f"2026-09-01T10:00:0{n}.000Z",
        **fields,
    }


def message(n: int, parent: str | None, **body: Any) -> dict[str, Any]:
    return entry(n, "message", parent, message={"timestamp": 1788256800000 + n, **body})


def assistant(n: int, parent: str, content: list[dict[str, Any]], stop: str = "stop", **more: Any) -> dict:
    return message(n, parent, role="assistant", content=content, api="anthropic-messages", provider="stub",
                   model="claude-sonnet-4-5", usage=USAGE, stopReason=stop, **more)  # fmt: skip


def read(extra: dict[str, Any] | None) -> Any:
    rows = [
        HEADER,
        message(1, None, role="user", content=[{"type": "text", "text": "list the files"}]),
        assistant(
            2,
            "e1",
            [{"type": "toolCall", "id": "c1", "name": "bash", "arguments": {"command": "ls"}}],
            stop="toolUse",
        ),
        message(
            3,
            "e2",
            role="toolResult",
            toolCallId="c1",
            toolName="bash",
            content=[{"type": "text", "text": "a"}],
            isError=False,
        ),
    ]
    last = "e3"
    if extra is not None:
        rows.append(extra)
        last = extra["id"]
    rows += [
        message(8, last, role="user", content="and now?"),
        assistant(9, "e8", [{"type": "text", "text": "Done."}]),
    ]
    return pi.read(RawLog(PATH, b"".join(orjson.dumps(r) + b"\n" for r in rows)), [])


SYSTEM, CONTEXT = StepKind.SYSTEM, StepKind.CONTEXT
# entry -> what it reads as: the (kind, text) of the steps it makes, or the `skipped` key it is counted
# under, or None for an entry deliberately not a step.
CASES: list[tuple[str, dict[str, Any], Any]] = [
    (
        "thinking_level_change",
        entry(5, "thinking_level_change", "e3", thinkingLevel="high"),
        [(SYSTEM, "thinking level: high")],
    ),
    (
        "model_change",
        entry(5, "model_change", "e3", provider="stub", modelId="other"),
        # The answer after it names another model than the entry set: a switch the log wrote no entry for.
        [(StepKind.MODEL_CHANGE, "stub/other"), (StepKind.MODEL_CHANGE, "model: stub/other -> stub/claude-sonnet-4-5")],
    ),
    (
        "compaction",
        entry(5, "compaction", "e3", summary="S", firstKeptEntryId="e3", tokensBefore=9),
        [(StepKind.COMPACTION, "S")],
    ),
    ("branch_summary", entry(5, "branch_summary", "e3", fromId="e2", summary="B"), [(CONTEXT, "B")]),
    (
        "custom_message",
        entry(5, "custom_message", "e3", customType="x", content="told", display=True),
        [(CONTEXT, "told")],
    ),
    ("custom", entry(5, "custom", "e3", customType="x", data={}), None),
    ("label", entry(5, "label", "e3", targetId="e2", label="here"), None),
    ("session_info", entry(5, "session_info", "e3", name="Named"), None),
    (
        "bashExecution",
        message(
            5,
            "e3",
            role="bashExecution",
            command="ls",
            output="a",
            exitCode=0,
            cancelled=False,
            truncated=False,
        ),  # fmt: skip
        [(StepKind.TOOL_CALL, ""), (StepKind.TOOL_RESULT, "a")],
    ),
    (
        "custom message",
        message(5, "e3", role="custom", customType="x", content="said", display=True),
        [(CONTEXT, "said")],
    ),
    (
        "branchSummary message",
        message(5, "e3", role="branchSummary", summary="BS", fromId="e2"),
        [(CONTEXT, "BS")],
    ),
    (
        "compactionSummary message",
        message(5, "e3", role="compactionSummary", summary="CS", tokensBefore=1),
        [(CONTEXT, "CS")],
    ),
    (
        "an image the user sent",
        message(
            5,
            "e3",
            role="user",
            content=[
                {"type": "text", "text": "look"},
                {"type": "image", "data": "AA", "mimeType": "image/png"},
            ],
        ),  # fmt: skip
        [(StepKind.USER, "look\n[image]")],
    ),
    (
        "a failed request",
        assistant(5, "e3", [], stop="error", errorMessage="429 rate limited"),
        [(SYSTEM, "429 rate limited")],
    ),
    (
        "an aborted turn",
        assistant(5, "e3", [{"type": "text", "text": "part"}], stop="aborted"),
        [(StepKind.ASSISTANT, "part"), (SYSTEM, "the turn ended: aborted")],
    ),
    (
        "redacted thinking",
        assistant(5, "e3", [{"type": "thinking", "thinking": "", "redacted": True}]),
        [(StepKind.REASONING, "")],
    ),
    ("an entry type of a later build", entry(5, "later_kind", "e3"), "later_kind"),
    ("a role of a later build", message(5, "e3", role="laterRole", content="x"), "message/laterRole"),
]


@pytest.mark.parametrize(("name", "record", "expected"), CASES, ids=[c[0] for c in CASES])
def test_an_entry_reads_as_its_table_row_and_keeps_the_steps_around_it(name, record, expected):
    plain, s = read(None), read(record)
    as_its_row(plain, s, [(st.kind, st.text) for st in added_steps(plain, s)], expected)
