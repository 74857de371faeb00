"""Every kind of record Claude Code 2.1.332 writes (its transcript's entry types, system subtypes and
content blocks), one amid a normal conversation: what the reader makes of it, and the steps around it
kept. An assistant `compaction` block (the API's own compaction: `content` is the summary that
replaced the history) was counted as skipped, its summary dropped. Hand-made lines of the shapes."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from support.record_rows import added_steps, as_its_row

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code

SID = "4a4a4a4a-0000-4000-8000-0000000000aa"
PATH = f"/h/.claude/projects/-w-app/{SID}.jsonl"
BASE = {"sessionId": SID, "cwd": "/w/app", "version": "2.1.332", "userType": "external", "isSidechain": False}


def line(uuid: str, parent: str | None, second: int, **fields: Any) -> dict[str, Any]:
    return (
        BASE
        | {"uuid": uuid, "parentUuid": parent, "timestamp": f"2026-06-01T09:00:{second:02d}.000Z"}
        | fields
    )


def assistant(uuid: str, parent: str, second: int, content: list[dict[str, Any]]) -> dict[str, Any]:
    message = {"id": f"msg_{uuid}", "type": "message", "role": "assistant", "model": "claude-opus-4-6",
               "content": content, "usage": {"input_tokens": 5, "output_tokens": 2}}  # fmt: skip
    return line(uuid, parent, second, type="assistant", message=message, requestId=f"req_{uuid}")


def read(extra: dict[str, Any] | None) -> Any:
    rows = [
        line("u1", None, 1, type="user", message={"role": "user", "content": "tidy the notes"}),
        assistant("a1", "u1", 2, [{"type": "text", "text": "Tidying."}]),
    ]
    last = "a1"
    if extra is not None:
        rows.append(extra)
        last = extra.get("uuid") or last
    rows += [
        line("u2", last, 8, type="user", message={"role": "user", "content": "and now?"}),
        assistant("a2", "u2", 9, [{"type": "text", "text": "Done."}]),
    ]
    return claude_code.read(RawLog(PATH, b"".join(orjson.dumps(r) + b"\n" for r in rows)), [])


def entry(kind: str) -> dict[str, Any]:
    return BASE | {"type": kind, "timestamp": "2026-06-01T09:00:05.000Z"}


def block(b: dict[str, Any]) -> dict[str, Any]:
    return assistant("x1", "a1", 5, [b])


def user_block(b: dict[str, Any]) -> dict[str, Any]:
    return line("x1", "a1", 5, type="user", message={"role": "user", "content": [b]})


def system(subtype: str, content: str) -> dict[str, Any]:
    return line("x1", "a1", 5, type="system", subtype=subtype, content=content, level="info")


SYSTEM, CONTEXT, COMPACTION = StepKind.SYSTEM, StepKind.CONTEXT, StepKind.COMPACTION
# record -> what it reads as: (kind, text) of the one step it makes, or the `skipped` key it is
# counted under, or None for a record deliberately not a step.
CASES: list[tuple[str, dict[str, Any], Any]] = [
    (
        "block compaction",
        block({"type": "compaction", "content": "The notes were tidied."}),
        (COMPACTION, "The notes were tidied."),
    ),
    ("block compaction, no summary", block({"type": "compaction", "content": None}), "block:compaction"),
    (
        "block fallback",
        block({"type": "fallback", "from": {"model": "a"}, "to": {"model": "b"}}),
        "block:fallback",
    ),
    (
        "block container_upload",
        block({"type": "container_upload", "file_id": "f1"}),
        "block:container_upload",
    ),
    (
        "block advisor_tool_result",
        block({"type": "advisor_tool_result", "tool_use_id": "t1", "content": "advice"}),
        (StepKind.TOOL_RESULT, "advice"),
    ),
    ("block redacted_thinking", block({"type": "redacted_thinking", "data": "xx"}), (StepKind.REASONING, "")),
    (
        "user document",
        user_block({"type": "document", "source": {"type": "base64", "data": "AA"}}),
        (CONTEXT, "[document]"),
    ),
    (
        "user image",
        user_block({"type": "image", "source": {"type": "base64", "data": "AA"}}),
        (StepKind.USER, "[image]"),
    ),
    (
        "system api_error",
        system("api_error", "API Error: 529 overloaded"),
        (SYSTEM, "API Error: 529 overloaded"),
    ),
    ("system informational", system("informational", "Model switched"), (SYSTEM, "Model switched")),
    ("system of a later build", system("some_new_subtype", "said"), (SYSTEM, "said")),
    ("system turn_duration", system("turn_duration", ""), None),
    (
        "attachment of a later build",
        line("x1", "a1", 5, type="attachment", attachment={"type": "new_kind", "content": "told"}),
        (CONTEXT, "told"),
    ),
    (
        "a line type of a later build in the chain",
        line("x1", "a1", 5, type="new-line", message={}),
        "new-line",
    ),
    # Bookkeeping entries 2.1.332 writes that no step comes of: counted, and the conversation intact.
    *[
        (kind, entry(kind), kind)
        for kind in (
            "history-suppression",
            "isolation-latch",
            "session-owner",
            "dev-mods",
            "memory-mode",
            "data-flow-records",
            "data-flow-incomplete",
            "derived-from",
            "api-request-resumed",
            "observer-ref",
            "resume-head-vouch",
            "artifact-autoreact-ledger",
        )
    ],  # fmt: skip
    *[
        (kind, entry(kind), None)
        for kind in ("file-history-snapshot", "last-prompt", "tag", "api-request", "mode")
    ],
]


@pytest.mark.parametrize(("name", "record", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_record_reads_as_its_table_row_and_keeps_the_steps_around_it(name, record, expected):
    plain, s = read(None), read(record)
    as_its_row(plain, s, [(st.kind, st.text) for st in added_steps(plain, s)], expected)
