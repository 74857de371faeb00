"""An export works out each session's plan and outcome once: the review's go on to the write. A session
a sync grew between the two is worked out again, so what appeared since the review is still caught.
The suggested value is made up here."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from support.exported import sessions_worked_out

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.export import ExportOptions, export
from tracetui.model import Session

SID = "5e5e5e5e-1111-4222-8333-444455556666"
UNNAMED = "a8Kd93LmQz72PxW1vR5tY0uE4nB6cH9j"  # a bare random run: a suggestion, never sure


def _bucket(tmp_path: Path) -> Path:
    base = {"isSidechain": False, "userType": "external", "cwd": "/srv/app", "sessionId": SID,
            "version": "2.0.30", "gitBranch": "main"}
    records = [
        {**base, "parentUuid": None, "uuid": "u1", "timestamp": "2026-03-02T10:00:01.000Z",
         "type": "user", "message": {"role": "user", "content": "list the files"}},
        {**base, "parentUuid": "u1", "uuid": "a1", "timestamp": "2026-03-02T10:00:02.000Z",
         "type": "assistant", "requestId": "req_1",
         "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-test",
                     "content": [{"type": "text", "text": "Done."}], "stop_reason": "end_turn",
                     "usage": {"input_tokens": 1, "output_tokens": 1}}},
    ]  # fmt: skip
    project = tmp_path / "claude" / "-srv-app"
    project.mkdir(parents=True)
    (project / f"{SID}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={tmp_path / 'claude'}", "--json"]) == 0
    return bucket


@pytest.mark.parametrize("fmt", ["raw", "parquet", "atif", "html"])
def test_the_write_takes_the_reviews_plan_and_outcome(tmp_path, monkeypatch, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    bucket_dir = _bucket(tmp_path)
    outcomes = sessions_worked_out(monkeypatch, "outcome")
    plans = sessions_worked_out(monkeypatch, "refresh_plan")
    with Bucket.open(bucket_dir) as bucket:
        report = export(bucket, tmp_path / "out", ExportOptions(fmt))
    assert report.written == 1 and report.refused == []
    assert outcomes == [SID] and plans == []  # the review's plans come from refresh_plans


def test_a_session_grown_since_the_review_is_reviewed_again(tmp_path, monkeypatch):
    bucket_dir = _bucket(tmp_path)
    reads = 0
    real = Bucket.session

    def grown(self: Bucket, sid: str) -> Session:
        # The second read (the write's) sees a step a sync appended after the review.
        nonlocal reads
        session = real(self, sid)
        reads += 1
        if reads < 2:
            return session
        last = session.steps[-1]
        step = dataclasses.replace(last, id=last.id + "-late", index=last.index + 1,
                                   text=f"the value was {UNNAMED} ok")  # fmt: skip
        return dataclasses.replace(session, steps=[*session.steps, step])

    monkeypatch.setattr(Bucket, "session", grown)
    with Bucket.open(bucket_dir) as bucket:
        report = export(bucket, tmp_path / "out", ExportOptions("raw"))
    assert report.written == 0
    assert [r["session"] for r in report.refused] == [SID]
    assert "appeared since the review" in report.refused[0]["reason"]
