"""Pi assistant content blocks outside today's types, on a hand-made v3 session: a block that
carries text keeps it as assistant text (an unknown role stays counted in `skipped`, as
test_source_pi asserts)."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.pi import reader as pi

HEADER = {
    "type": "session",
    "version": 3,
    "id": "0f0f0f0f-0000-4000-8000-000000000001",
    "timestamp": "2026-09-01T10:00:00.000Z",
    "cwd": "/w/app",
}


def entry(eid: str, parent: str | None, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "id": eid,
        "parentId": parent,
        "timestamp": f"2026-09-01T10:00:0{eid[-1]}.000Z",
        "message": message,
    }


def read(*entries: dict[str, Any]):
    data = b"\n".join(orjson.dumps(x) for x in (HEADER, *entries)) + b"\n"
    return pi.read(RawLog("/h/.pi/agent/sessions/--w-app--/2026-09-01_0f0f0f0f.jsonl", data), [])


def test_an_unknown_assistant_block_with_text_is_kept():
    s = read(
        entry("e1", None, {"role": "user", "content": "hi"}),
        entry(
            "e2",
            "e1",
            {
                "role": "assistant",
                "content": [{"type": "citation", "text": "see RFC 9110"}, {"type": "audio", "data": "AAA"}],
                "provider": "p",
                "model": "m",
                "stopReason": "stop",
            },
        ),
    )
    assert [(x.kind, x.text, x.meta) for x in s.steps[1:]] == [
        (StepKind.ASSISTANT, "see RFC 9110", {"block": "citation"})
    ]
    assert s.skipped == {"content/audio": 1}
