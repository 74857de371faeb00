"""A Gemini CLI chat whose history is set again (`{"$set": {"messages": [...]}}`, what a compaction
writes) to a hundred thousand new messages, one 10 MB record. Each message was looked for among the
folded ones with a scan of them all: 10,000 messages took 0.9 s, 20,000 3.5 s (x4 a doubling; found
2026-11-28 by timing the readers on hostile shapes), so 100,000 about 90 s. Linear now, with the
same steps."""

from __future__ import annotations

import json
import time

from tracetui.sources import SessionFiles, read_session

HEAD = {"sessionId": "5e0c1a2b-1111-4a4a-9b9b-0123456789ab", "startTime": "2026-05-01T10:00:00.000Z",
        "lastUpdated": "2026-05-01T10:00:00.000Z", "kind": "main"}  # fmt: skip


def _said(mid: str, text: str) -> dict:
    return {"id": mid, "timestamp": "2026-05-01T10:00:05.000Z", "type": "user", "content": [{"text": text}]}


def test_a_history_set_to_a_hundred_thousand_new_messages_reads_in_linear_time(tmp_path):
    n = 100_000
    history = [_said(f"n{i}", f"folded {i}") for i in range(n)]
    update = {"$set": {"messages": history, "lastUpdated": "2026-05-01T10:00:07.000Z"}}
    rows = [HEAD, _said("u0", "first"), update]
    log = tmp_path / "chats" / "session-2026-05-01T10-00-5e0c1a2b.jsonl"
    log.parent.mkdir()
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    began = time.process_time()
    session = read_session(SessionFiles("gemini", log))
    assert time.process_time() - began < 5.0  # about 90 s before
    assert [s.kind for s in session.steps] == ["user", "compaction"]
    assert session.steps[1].text.startswith("folded 0\n\nfolded 1\n\n")
