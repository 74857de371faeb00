"""Gemini CLI session ids from `logs.json` that a file name cannot hold as they are (a slash, `..`,
control characters, 10 KB of them, several that read alike once made safe): each session keeps a
prompt log of its own inside the stage folder, and the bucket lists every one."""

from __future__ import annotations

from pathlib import Path

import orjson

from tracetui.bucket import Bucket
from tracetui.model import SessionFilter
from tracetui.sources.gemini import reader as gemini

ALIKE = ["a/b", "a_b", "a:b", "a\x1bb", "../a_b", "x" * 100 + "1", "x" * 100 + "2", "\u202e" * 3, "..."]


def _logs(root: Path, ids: list[str]) -> Path:
    logs = root / "shop" / ".gemini" / "logs.json"
    logs.parent.mkdir(parents=True)
    entries = [
        {"sessionId": sid, "messageId": 0, "type": "user", "message": f"prompt {n}",
         "timestamp": f"2025-06-01T10:00:{n:02d}Z"}
        for n, sid in enumerate(ids)
    ]  # fmt: skip
    logs.write_bytes(orjson.dumps(entries))
    return logs


def test_session_ids_that_read_alike_as_file_names_keep_a_prompt_log_each(tmp_path):
    logs = _logs(tmp_path / "src", ALIKE)
    out, problems = gemini.stage([logs], tmp_path / "stage")
    staged = [p for p in out if p.name.startswith(gemini.PROMPTS_PREFIX)]
    assert problems == [] and len(set(staged)) == len(ALIKE)
    assert all(p.parent.is_relative_to(tmp_path / "stage") and len(p.name) < 200 for p in staged)
    again, _ = gemini.stage([logs], tmp_path / "stage")
    assert sorted(again) == sorted(out)


def test_the_bucket_lists_every_one_and_a_second_sync_changes_nothing(tmp_path):
    _logs(tmp_path / "src", ALIKE)
    with Bucket.open(tmp_path / "b") as b:
        b.sync({"gemini": [tmp_path / "src"]})
        ids = sorted(r.id for r in b.list_sessions(SessionFilter(include_hidden=True)))
        assert ids == sorted(ALIKE)
        report = b.sync({"gemini": [tmp_path / "src"]})
        assert (report.new, report.updated) == (0, 0)
