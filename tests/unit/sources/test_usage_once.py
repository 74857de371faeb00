"""One API response is one response (issue 34): a log that writes a response's usage again (a
re-logged copy under new ids, a streamed response's several records, a repeated total) counts it
once. Each fixture is made up here; the expected totals are a count by the response's own id."""

from __future__ import annotations

from typing import Any

import orjson
from shared_data import FIXTURES

from tracetui.model import Tokens
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code
from tracetui.sources.codex import reader as codex
from tracetui.sources.copilot import reader as copilot
from tracetui.sources.gemini import reader as gemini


def _raw(path: str, records: list[dict[str, Any]]) -> RawLog:
    return RawLog(path, b"".join(orjson.dumps(r) + b"\n" for r in records))


def _by_id(usages: list[tuple[str, Tokens]]) -> Tokens:
    """The count by response id: each id's largest value per field, summed over ids."""
    seen: dict[str, Tokens] = {}
    for mid, t in usages:
        s = seen.setdefault(mid, Tokens())
        s.input, s.output = max(s.input, t.input), max(s.output, t.output)
        s.cache_read, s.cache_write = max(s.cache_read, t.cache_read), max(s.cache_write, t.cache_write)
    total = Tokens()
    for t in seen.values():
        total.add(t)
    return total


# -- Claude Code -----------------------------------------------------------------------------------


def _claude_relogged() -> tuple[RawLog, list[tuple[str, Tokens]]]:
    """A session whose first response is streamed over two lines, then written again twice after a
    resume: once with another `requestId` and a mark, once with no `requestId` and no mark."""
    usages: list[tuple[str, Tokens]] = []
    clock = iter(range(60))

    def line(kind: str, uuid: str, parent: str | None, **extra: Any) -> dict[str, Any]:
        return {
            "type": kind,
            "uuid": uuid,
            "parentUuid": parent,
            "sessionId": "s-relog",
            "cwd": "/w",
            "version": "2.1.90",
            "timestamp": f"2026-02-01T00:00:{next(clock):02d}Z",
            **extra,
        }

    def reply(uuid: str, parent: str, mid: str, text: str, usage: Tokens, **extra: Any) -> dict[str, Any]:
        usages.append((mid, usage))
        raw_usage = {
            "input_tokens": usage.input,
            "output_tokens": usage.output,
            "cache_read_input_tokens": usage.cache_read,
            "cache_creation_input_tokens": usage.cache_write,
        }
        message = {"id": mid, "model": "claude-sonnet-4-5", "role": "assistant", "usage": raw_usage,
                   "content": [{"type": "text", "text": text}]}
        return line("assistant", uuid, parent, message=message, **extra)

    def prompt(uuid: str, parent: str | None, text: str) -> dict[str, Any]:
        return line("user", uuid, parent, message={"role": "user", "content": text})

    first = Tokens(12, 300, 4000, 900)
    records = [
        prompt("u1", None, "rename the helper"),
        reply("a1", "u1", "msg_one", "Looking.", Tokens(12, 1, 4000, 900), requestId="req_one"),
        reply("a2", "a1", "msg_one", "Done.", first, requestId="req_one"),
        prompt("u2", "a2", "now the tests"),
        reply("a3", "u2", "msg_two", "Tests pass.", Tokens(3, 80, 4900, 120), requestId="req_two"),
        # The resume writes the first response again under new uuids.
        prompt("u3", "a3", "and the docs"),
        reply("a4", "u3", "msg_one", "Done.", first, requestId="req_other", isRelogged=True),
        reply("a5", "a4", "msg_one", "Done.", first),
        reply("a6", "a5", "msg_three", "Docs updated.", Tokens(5, 60, 5000, 0), requestId="req_three"),
    ]
    return _raw("/p/-w/s-relog.jsonl", records), usages


def test_claude_relogged_response_counted_once_by_message_id() -> None:
    log, usages = _claude_relogged()
    session = claude_code.read(log, [])
    expected = _by_id(usages)
    assert session.tokens.to_dict() == expected.to_dict()
    assert expected.to_dict() == {"input": 20, "output": 440, "cache_read": 13900, "cache_write": 1020}
    # The steps carry each response's usage once too, so prices and per-step sums agree.
    on_steps = Tokens()
    for step in session.steps:
        if step.tokens is not None:
            on_steps.add(step.tokens)
    assert on_steps.to_dict() == expected.to_dict()
    assert sum(1 for s in session.steps if s.tokens is not None) == 3


def test_claude_relogged_response_counted_once_when_resumed() -> None:
    """The copy comes after the point a bucket's earlier read stopped at: the saved state knows the
    response by its id alone, so the resumed read counts it once too."""
    log, usages = _claude_relogged()
    cut = log.data.index(b'"u3"')
    cut = log.data.rindex(b"\n", 0, cut) + 1
    _, state = claude_code.AGENT.resume(None, RawLog(log.path, log.data[:cut]), [])  # type: ignore[misc]
    assert state is not None
    resumed, _ = claude_code.AGENT.resume(state, log, [])  # type: ignore[misc]
    assert resumed.tokens.to_dict() == _by_id(usages).to_dict()


# -- Copilot CLI -----------------------------------------------------------------------------------

COPILOT = FIXTURES / "copilot-later" / "session-state" / "5e6f7a8b-6666-4f4f-9a9a-aabbccddeeff"
COPILOT = COPILOT / "events.jsonl"


def test_copilot_message_and_shutdown_written_again_counted_once() -> None:
    """The made-up 1.0.60 session (a message, a shutdown, a resume, a message) with its first
    message written again under a new event id and its shutdown written again as it was: the same
    totals as the log without the copies."""
    lines = COPILOT.read_bytes().splitlines()
    records = [orjson.loads(x) for x in lines]
    (message,) = [r for r in records if r["type"] == "assistant.message" and r["data"]["messageId"] == "m-1"]
    (shutdown,) = [r for r in records if r["type"] == "session.shutdown"]
    again = dict(message, id="a1000000-0000-4000-8000-0000000000aa")
    at = records.index(shutdown) + 1
    doubled = records[:at] + [again, shutdown] + records[at:]
    plain = copilot.read(RawLog(str(COPILOT), b"\n".join(lines) + b"\n"), [])
    copied = copilot.read(_raw(str(COPILOT), doubled), [])
    assert copied.tokens.to_dict() == plain.tokens.to_dict()
    expected = {"input": 2000, "output": 107, "cache_read": 500000, "cache_write": 50000}
    assert plain.tokens.to_dict() == expected
    on_steps = Tokens()
    for step in copied.steps:
        if step.tokens is not None:
            on_steps.add(step.tokens)
    assert on_steps.to_dict() == plain.tokens.to_dict()


# -- Codex and Gemini CLI: their logs repeat usage too, and each reader counts it once -------------


def test_codex_repeated_totals_are_one_response_each() -> None:
    """Codex writes `total_token_usage` again and again (about half the events repeat the one
    before, a resume writes the last one again): only a change of the total is a response."""
    def event(kind: str, payload: dict[str, Any], n: int) -> dict[str, Any]:
        return {"timestamp": f"2026-02-01T00:00:{n:02d}.000Z", "type": kind, "payload": payload}

    def total(i: int, c: int, o: int) -> dict[str, Any]:
        usage = {"input_tokens": i, "cached_input_tokens": c, "output_tokens": o}
        return {"type": "token_count", "info": {"total_token_usage": usage, "last_token_usage": usage}}

    reply = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "ok"}]}
    records = [event("session_meta", {"id": "s", "cwd": "/w"}, 0)]
    for n, (kind, payload) in enumerate(
        [
            ("response_item", reply), ("event_msg", total(100, 40, 10)), ("event_msg", total(100, 40, 10)),
            ("response_item", reply), ("event_msg", total(250, 140, 30)), ("event_msg", total(250, 140, 30)),
            # A resume in the same file: the last total written again, then the next response.
            ("session_meta", {"id": "s", "cwd": "/w"}), ("event_msg", total(250, 140, 30)),
            ("response_item", reply), ("event_msg", total(400, 200, 45)),
        ],
        start=1,
    ):
        records.append(event(kind, payload, n))
    session = codex.read(_raw("/w/rollout.jsonl", records), [])
    assert session.tokens.to_dict() == {"input": 200, "output": 45, "cache_read": 200, "cache_write": 0}
    assert sum(1 for s in session.steps if s.tokens is not None) == 3


def test_gemini_message_appended_again_counted_once() -> None:
    """Gemini CLI's JSONL appends a message record again whenever it changes (the last copy wins):
    a response written three times is one response, with its last copy's usage."""
    def message(tokens: dict[str, int], text: str) -> dict[str, Any]:
        return {"id": "g1", "timestamp": "2026-02-01T00:00:02.000Z", "type": "gemini", "content": text,
                "model": "gemini-2.5-pro", "tokens": tokens}

    final = {"input": 900, "output": 50, "cached": 300, "thoughts": 20, "tool": 0}
    records: list[dict[str, Any]] = [
        {"sessionId": "5e0c1a2b-2222-4a4a-9b9b-0123456789ab", "projectHash": "0" * 64,
         "startTime": "2026-02-01T00:00:00.000Z", "lastUpdated": "2026-02-01T00:00:00.000Z", "kind": "main"},
        {"id": "u1", "timestamp": "2026-02-01T00:00:01.000Z", "type": "user",
         "content": [{"text": "hello?"}]},
        message({"input": 900, "output": 0, "cached": 300, "thoughts": 20, "tool": 0}, ""),
        message(final, "Half"),
        message(final, "Half done."),
    ]
    session = gemini.read(_raw("/g/tmp/p/chats/session-2026-02-01T00-00-5e0c1a2b.jsonl", records), [])
    assert session.tokens.to_dict() == {"input": 600, "output": 70, "cache_read": 300, "cache_write": 0}
