"""A Claude Code transcript of hostile size in its prompt queue: hundreds of thousands of prompts queued
and then taken, as a log written to slow the reader down could hold. The queue is taken from its front,
so each operation must cost the same however long the queue has grown."""

from __future__ import annotations

import json
import time

from tracetui.sources import group, read_session

SESSION = "11111111-2222-3333-4444-555555555555"


def _record(operation: str, i: int) -> bytes:
    rec = {"type": "queue-operation", "operation": operation, "sessionId": SESSION,
           "timestamp": "2026-01-01T00:00:00Z"}  # fmt: skip
    if operation == "enqueue":
        rec["content"] = f"queued prompt {i}"
    # json, not orjson: each orjson.dumps result keeps a buffer of about 4 KB, and 600,000 of them held
    # 2.7 GB before the reader read a line.
    return json.dumps(rec, separators=(",", ":")).encode()


def test_a_queue_of_300000_prompts_taken_from_its_front_reads_in_linear_time(tmp_path):
    n = 300_000
    log = tmp_path / f"{SESSION}.jsonl"
    lines = [_record("enqueue", i) for i in range(n)] + [_record("dequeue", i) for i in range(n)]
    log.write_bytes(b"\n".join(lines) + b"\n")
    [files] = group("claude", [log])
    start = time.process_time()
    session = read_session(files)
    assert time.process_time() - start < 8.0  # with a list's pop(0): about 15 s
    assert session.hidden is not None  # nothing but its queue: hidden as such, and read whole
