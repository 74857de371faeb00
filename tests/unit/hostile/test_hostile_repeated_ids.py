"""Ids a log repeats, which its reader makes unique: Copilot CLI's event ids (a repeat becomes `id:1`,
`id:2`, …) and the `messageId` of Gemini CLI's `logs.json` (a repeat gains a `+`). Each repeat looked
for its free name from the first one again: 20,000 events of one id cost Copilot's reader 2·10⁸ probes,
and in `logs.json`, whose names grow a `+` a repeat, 8,000 prompts of one `messageId` took 30 s (found
2026-11-28 by timing each reader on its fixtures repeated: 4 and 8 times slower each time the log
doubled). Each repeat starts where the last one of its id stopped now; the names are the same."""

from __future__ import annotations

import time

import orjson

from tracetui.sources import RawLog
from tracetui.sources.copilot.reader import read as read_copilot
from tracetui.sources.gemini.stage import _read_prompts

SESSION = "7a8b9c0d-5555-4e4e-8f8f-665544332211"


def test_twenty_thousand_copilot_events_of_one_id_read_in_linear_time():
    n = 20_000
    start = {"type": "session.start", "data": {"sessionId": SESSION, "startTime": "2025-12-02T08:26:25Z"},
             "id": "e0", "timestamp": "2025-12-02T08:26:25Z", "parentId": None}  # fmt: skip
    said = {"type": "user.message", "data": {"content": "again"}, "id": "same",
            "timestamp": "2025-12-02T08:26:26Z", "parentId": "e0"}  # fmt: skip
    data = b"\n".join([orjson.dumps(start), *[orjson.dumps(said)] * n]) + b"\n"
    began = time.process_time()
    session = read_copilot(RawLog(f"/x/{SESSION}.jsonl", data), [])
    assert time.process_time() - began < 5.0  # about 30 s before
    ids = [s.id for s in session.steps if s.text == "again"]
    assert ids[:3] == ["same", "same:1", "same:2"] and ids[-1] == f"same:{n - 1}"
    assert len(set(ids)) == n


def test_eight_thousand_gemini_prompts_of_one_message_id_read_in_linear_time():
    n = 8_000
    entry = {"messageId": 0, "message": "hi", "timestamp": "2026-01-01T00:00:00Z", "sessionId": "s"}
    doc = {"sessionId": "s", "entries": [entry, {**entry, "messageId": 1}, *[entry] * (n - 2)]}
    began = time.process_time()
    session = _read_prompts(RawLog("/x/gemini-prompts-s.json", orjson.dumps(doc)))
    assert time.process_time() - began < 5.0  # 30 s before
    ids = [s.id for s in session.steps]
    assert ids[:4] == ["prompt:0", "prompt:1", "prompt:0+", "prompt:0++"] and len(set(ids)) == n


def test_twenty_thousand_gemini_tool_calls_of_one_id_read_in_linear_time(tmp_path):
    """A Gemini CLI chat's steps take a repeat's `#N` the same way (one message, one call id)."""
    from tracetui.sources import SessionFiles, read_session

    n = 20_000
    head = {"sessionId": "5e0c1a2b-1111-4a4a-9b9b-0123456789ab", "startTime": "2026-05-01T10:00:00.000Z",
            "lastUpdated": "2026-05-01T10:00:00.000Z", "kind": "main"}  # fmt: skip
    answer = {"functionResponse": {"id": "c1", "name": "replace", "response": {"output": "ok"}}}
    call = {"id": "c1", "name": "replace", "args": {"file_path": "a.py"}, "status": "success",
            "result": [answer]}  # fmt: skip
    said = {"id": "g1", "timestamp": "2026-05-01T10:00:10.000Z", "type": "gemini", "content": "",
            "toolCalls": [call] * n}  # fmt: skip
    log = tmp_path / "chats" / "session-2026-05-01T10-00-5e0c1a2b.jsonl"
    log.parent.mkdir()
    log.write_bytes(orjson.dumps(head) + b"\n" + orjson.dumps(said) + b"\n")
    began = time.process_time()
    session = read_session(SessionFiles("gemini", log))
    assert time.process_time() - began < 5.0  # about 45 s before
    ids = [s.id for s in session.steps if s.id.startswith("g1:call:")]
    assert ids[:3] == ["g1:call:c1", "g1:call:c1#2", "g1:call:c1#3"] and len(set(ids)) == n
