"""Every kind of rollout record, response item and event Codex 0.171.0 can write (its protocol's
`ResponseItem` union from `codex app-server generate-json-schema`, the `EventMsg` names in its binary),
one amid a normal turn: what the reader makes of it, and the turn's steps around it kept. An event the
reader does not read is counted in `skipped` under its name, never dropped unsaid. Hand-made records."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from support.record_rows import added_steps, as_its_row

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

SID = "01a2175a-3ac5-75f2-9033-97f6d6e79a40"
PATH = f"/h/.codex/sessions/2026/11/26/rollout-2026-11-26T10-15-00-{SID}.jsonl"


def event(kind: str, **payload: Any) -> dict[str, Any]:
    return {
        "timestamp": "2026-11-26T10:15:05.000Z",
        "type": "event_msg",
        "payload": {"type": kind, **payload},
    }


def item(kind: str, **payload: Any) -> dict[str, Any]:
    return {
        "timestamp": "2026-11-26T10:15:05.000Z",
        "type": "response_item",
        "payload": {"type": kind, **payload},
    }


def read(extra: dict[str, Any] | None) -> Any:
    def message(role: str, kind: str, text: str) -> dict[str, Any]:
        return item("message", role=role, content=[{"type": kind, "text": text}])

    rows = [
        {
            "type": "session_meta",
            "payload": {
                "id": SID,
                "timestamp": "2026-11-26T10:15:00.000Z",
                "cwd": "/w/app",
                "cli_version": "0.171.0",
            },
        },  # fmt: skip
        event("task_started", turn_id="t1"),
        message("user", "input_text", "list the files"),
        event("user_message", message="list the files"),
        item("function_call", name="exec_command", arguments='{"cmd": "ls"}', call_id="c1"),
        item("function_call_output", call_id="c1", output="a.txt"),
        message("assistant", "output_text", "One file."),
        event("task_complete", turn_id="t1", last_agent_message="One file."),
    ]
    if extra is not None:
        rows.insert(6, extra)
    return codex.read(RawLog(PATH, b"".join(orjson.dumps(r) + b"\n" for r in rows)), [])


SYSTEM = StepKind.SYSTEM
# record -> what it reads as: (kind, text) of the one step it makes, or the `skipped` key it is counted
# under, or None for a record deliberately not a step.
CASES: list[tuple[str, dict[str, Any], Any]] = [
    ("turn_aborted", event("turn_aborted", reason="interrupted"), (SYSTEM, "turn aborted (interrupted)")),
    ("error", event("error", message="stream disconnected"), (SYSTEM, "stream disconnected")),
    ("stream_error", event("stream_error", message="retrying 1/5"), (SYSTEM, "retrying 1/5")),
    ("warning", event("warning", message="model is deprecated"), (SYSTEM, "model is deprecated")),
    ("thread_rolled_back", event("thread_rolled_back", num_turns=1), (SYSTEM, "rolled back 1 turn")),
    ("entered_review_mode", event("entered_review_mode"), (SYSTEM, "entered review mode")),
    ("compaction item", item("compaction", encrypted_content="xx"), (StepKind.COMPACTION, "")),
    (
        "web_search_call",
        item("web_search_call", status="completed", action={"type": "search", "query": "q"}),
        (StepKind.TOOL_CALL, ""),
    ),
    ("agent_reasoning_raw_content", event("agent_reasoning_raw_content", text="raw"), None),
    ("context_compacted", event("context_compacted"), None),
    ("thread_settings_applied", event("thread_settings_applied"), None),
    ("mcp_tool_call_end", event("mcp_tool_call_end", call_id="c9"), None),
    ("ghost_snapshot", item("ghost_snapshot", ghost_commit={}), None),
    ("compaction_trigger", item("compaction_trigger"), None),
    ("world_state", {"type": "world_state", "payload": {}}, None),
    # Names in 0.171's binary no log we have holds: kept as unknown, by name.
    *[
        (name, event(name), f"event_msg:{name}")
        for name in (
            "hook_started",
            "hook_completed",
            "model_reroute",
            "model_verification",
            "plan_update",
            "turn_diff",
            "request_user_input",
            "elicitation_request",
            "exec_approval_request",
            "deprecation_notice",
            "turn_moderation_metadata",
            "shutdown_complete",
        )
    ],  # fmt: skip
    ("other item", item("other"), "response_item:other"),
    ("a record kind of a later build", {"type": "later_kind", "payload": {}}, "later_kind"),
]


@pytest.mark.parametrize(("name", "record", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_record_reads_as_its_table_row_and_keeps_the_steps_around_it(name, record, expected):
    plain, s = read(None), read(record)
    # Codex's step ids are line numbers, which the record moves: each plain step found by its text.
    as_its_row(plain, s, [(st.kind, st.text) for st in added_steps(plain, s, by_id=False)], expected)
