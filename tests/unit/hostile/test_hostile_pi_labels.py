"""A Pi session whose entries between two messages are a chain of entries that make no step (labels,
here a hundred thousand: 9 MB). The step after the chain finds its parent by walking up to the last
entry with a step, and each entry walked was looked for among those walked before it in a list: the
walk cost the square of the chain (20,000 labels 1.9 s, doubling x4; found 2026-11-28 by timing the
readers on hostile shapes). It is linear now, and the parent is the same."""

from __future__ import annotations

import json
import time

from tracetui.sources import SessionFiles, read_session

SESSION = "33333333-aaaa-4bbb-8ccc-000000000003"
STAMP = "2026-02-01T09:00:01.000Z"


def _message(mid: str, parent: str | None, text: str) -> dict:
    said = {"role": "user", "content": [{"type": "text", "text": text}], "timestamp": 0}
    return {"type": "message", "id": mid, "parentId": parent, "timestamp": STAMP, "message": said}


def test_a_hundred_thousand_labels_between_two_messages_read_in_linear_time(tmp_path):
    n = 100_000
    rows = [{"type": "session", "version": 3, "id": SESSION, "timestamp": STAMP, "cwd": "/work/proj"},
            _message("m0", None, "hi")]  # fmt: skip
    rows += [{"type": "label", "id": f"l{i}", "parentId": f"l{i - 1}" if i else "m0", "timestamp": STAMP,
              "targetId": "m0", "label": "x"} for i in range(n)]  # fmt: skip
    rows.append(_message("m1", f"l{n - 1}", "again"))
    log = tmp_path / f"2026-02-01T09-00-00-000Z_{SESSION}.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    began = time.process_time()
    session = read_session(SessionFiles("pi", log))
    assert time.process_time() - began < 5.0  # about 50 s before
    assert [(s.text, s.parent) for s in session.steps] == [("hi", None), ("again", "m0")]
