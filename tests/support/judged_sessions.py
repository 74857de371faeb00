"""What the memo tests share (the export's keys, the review's and the evaluation's memos): two sessions
as agents' folders, a Claude Code one whose edits lie in a scratch clone and a Pi one with no clone
here, and a count of the sessions a run reads from a bucket."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from shared_data import FIXTURES
from support.trail_kit import Repo
from support.trail_logs import body_repo, claude_log

from tracetui.bucket import Bucket
from tracetui.model import Session

PI = "11111111-aaaa-4bbb-8ccc-000000000001"  # tests/fixtures/pi/v1_linear.jsonl: no clone here
CLAUDE = "11111111-2222-4333-8444-555555555555"  # support.trail_logs.claude_log: edits in a clone


def two_sessions(tmp_path: Path) -> tuple[Repo, Path, dict[str, list[Path]]]:
    """The clone, the Claude Code log, and the folders to sync (`Bucket.sync`'s sources)."""
    repo = body_repo(tmp_path)
    log = claude_log(repo, tmp_path / "claude")
    (tmp_path / "pi").mkdir()
    shutil.copyfile(FIXTURES / "pi" / "v1_linear.jsonl", tmp_path / "pi" / "v1_linear.jsonl")
    return repo, log, {"claude": [tmp_path / "claude"], "pi": [tmp_path / "pi"]}


@contextmanager
def sessions_read() -> Iterator[list[str]]:
    """The ids of the sessions any bucket reads while the block runs, in order."""
    read: list[str] = []
    real = Bucket.session

    def counted(bucket: Bucket, sid: str) -> Session:
        read.append(sid)
        return real(bucket, sid)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Bucket, "session", counted)
        yield read
