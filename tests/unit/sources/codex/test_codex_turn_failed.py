"""Codex 0.17x ends a turn whose request the API refused (a 400, or a 5xx out of retries) with a
`task_complete` that carries the `error` ({message, codex_error_info}) and writes no `error` event: the
failure is a SYSTEM step, an error. Where an `error` event of the turn already said the same, it is not
said twice. Hand-made records of the shapes a fresh Codex 0.171.0 log holds (tests/agents run it)."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

T = "2026-11-26T10:15:{:02d}.000Z"
SID = "01a2175a-3ac5-75f2-9033-97f6d6e79a36"
PATH = f"/h/.codex/sessions/2026/11/26/rollout-2026-11-26T10-15-00-{SID}.jsonl"
REFUSED = '{"error": {"message": "Bad request", "type": "server_error", "code": null}}'


def record(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "payload": payload}


def turn(prompt: str, *middle: dict[str, Any], error: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    content = [{"type": "input_text", "text": prompt}]
    return [
        record("event_msg", {"type": "task_started", "turn_id": "t1"}),
        record("response_item", {"type": "message", "role": "user", "content": content}),
        record("event_msg", {"type": "user_message", "message": prompt}),
        *middle,
        record(
            "event_msg",
            {"type": "task_complete", "turn_id": "t1", "last_agent_message": None, "error": error},
        ),
    ]


def read(*records: dict[str, Any]) -> Any:
    head = [record("session_meta", {"id": SID, "cwd": "/w/app", "cli_version": "0.171.0", "source": "exec"})]
    lines = [orjson.dumps({"timestamp": T.format(n), **r}) + b"\n" for n, r in enumerate([*head, *records])]
    return codex.read(RawLog(PATH, b"".join(lines)), [])


def failures(session: Any) -> list[tuple[str, bool, dict[str, Any]]]:
    return [(st.text, st.is_error, st.meta) for st in session.steps if st.kind == StepKind.SYSTEM]


def test_a_turn_that_ends_with_an_error_shows_it():
    s = read(*turn("Say hi", error={"message": REFUSED, "codex_error_info": "other"}))
    assert s.errors == [] and s.skipped == {}
    assert failures(s) == [(REFUSED, True, {"event": "task_complete", "codex_error_info": "other"})]


def test_a_turn_that_ends_well_shows_nothing_more():
    s = read(*turn("Say hi"))
    assert failures(s) == [] and s.skipped == {}


def test_an_error_the_turn_already_said_is_said_once():
    said = record("event_msg", {"type": "error", "message": "Quota exceeded"})
    s = read(*turn("Say hi", said, error={"message": "Quota exceeded"}))
    assert [(text, is_error) for text, is_error, _ in failures(s)] == [("Quota exceeded", True)]
