"""What OpenClaw writes in a transcript that no model and no user wrote. Seen on two real OpenClaw
backups of ~/.openclaw (Pi format v3, March 2026):
- messages in the assistant's place with provider `openclaw`: a copy of each reply the `message` tool
  delivered to the chat (model `delivery-mirror`) and a notice that a run failed before any model
  answered (`gateway-injected`). They read as the model's words, and `openclaw/delivery-mirror` was
  listed among the session's models;
- the prompt OpenClaw sends when the user starts a session with /new or /reset ("A new session was
  started via /new or /reset. Greet the user ..."), which titled every such session.
Hand-made transcripts of the same shapes."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.pi import reader as pi

HEADER = {"type": "session", "version": 3, "id": "5e5e5e5e-0000-4000-8000-000000000001",
          "timestamp": "2026-03-04T08:00:00.000Z", "cwd": "/home/pat/.openclaw/workspace"}  # fmt: skip
ZERO = {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 0,
        "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "total": 0}}  # fmt: skip
USED = {"input": 900, "output": 40, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 940,
        "cost": {"input": 0.0009, "output": 0.0001, "cacheRead": 0, "cacheWrite": 0,
                 "total": 0.001}}  # fmt: skip
RESET = (
    "A new session was started via /new or /reset. Run your Session Startup sequence, then greet the user "
    "in your configured persona and ask what they want to do."
)


def entry(eid: str, parent: str | None, second: int, message: dict[str, Any]) -> dict[str, Any]:
    stamp = f"2026-03-04T08:00:{second:02d}.000Z"
    return {"type": "message", "id": eid, "parentId": parent, "timestamp": stamp, "message": message}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}], "timestamp": 1772611200000}


def assistant(content: list[dict[str, Any]], provider: str, model: str, usage: dict[str, Any]) -> dict:
    return {"role": "assistant", "content": content, "api": "openai-responses", "provider": provider,
            "model": model, "usage": usage, "stopReason": "stop", "timestamp": 1772611201000}  # fmt: skip


def read(*entries: dict[str, Any]) -> Any:
    data = b"".join(orjson.dumps(e) + b"\n" for e in (HEADER, *entries))
    return pi.read(RawLog("/home/pat/.openclaw/agents/main/sessions/5e5e5e5e.jsonl", data), [])


def test_a_delivered_reply_s_mirror_is_openclaw_s_record_not_the_model_s_words():
    call = {"type": "toolCall", "id": "call_1", "name": "message", "arguments": {"text": "Done: 3 files."}}
    s = read(
        entry("a0000001", None, 1, user("[Wed 2026-03-04 16:00 GMT+8] tidy the notes folder")),
        entry("a0000002", "a0000001", 2, assistant([call], "moonshot", "kimi-k2.5", USED)),
        entry("a0000003", "a0000002", 3, assistant([{"type": "text", "text": "Done: 3 files."}], "openclaw",
                                                   "delivery-mirror", ZERO)),  # fmt: skip
    )
    assert s.models == ["moonshot/kimi-k2.5"]
    mirror = s.steps[-1]
    assert (mirror.kind, mirror.text, mirror.model) == (StepKind.SYSTEM, "Done: 3 files.", None)
    assert mirror.meta["openclaw"] == "delivery-mirror"
    assert [st.kind for st in s.steps if st.kind == StepKind.ASSISTANT] == []
    assert s.tokens.input == 900 and s.tokens.output == 40


def test_a_notice_the_gateway_wrote_before_any_model_answered_is_a_system_step():
    notice = [{"type": "text", "text": 'Agent failed before reply: no API key found for provider "acme".'}]
    s = read(
        entry("b0000001", None, 1, assistant(notice, "openclaw", "gateway-injected", ZERO)),
        entry("b0000002", "b0000001", 2, user("hello")),
    )
    assert s.models == []
    first = s.steps[0]
    assert (first.kind, first.role, first.meta["openclaw"]) == (StepKind.SYSTEM, "system", "gateway-injected")
    assert first.text.startswith("Agent failed before reply")


def test_the_prompt_openclaw_sends_for_a_new_session_does_not_title_it():
    reply = [{"type": "text", "text": "Hi! What shall we do today?"}]
    s = read(
        entry("c0000001", None, 1, user(RESET + "\n[message_id: 0c0c0c0c-1111-4222-8333-444455556666]")),
        entry("c0000002", "c0000001", 2, assistant(reply, "moonshot", "kimi-k2.5", USED)),
        entry("c0000003", "c0000002", 3, user(
            "[Wed 2026-03-04 16:05 GMT+8] list the cron jobs\n[message_id: 7]"
        )),
    )
    assert s.title == "list the cron jobs"
    # a session that is only the greeting has no title of the user's, and is still listed
    greeting = assistant(reply, "moonshot", "kimi-k2.5", USED)
    alone = read(entry("d0000001", None, 1, user(RESET)), entry("d0000002", "d0000001", 2, greeting))
    assert alone.title is None and alone.hidden is None
