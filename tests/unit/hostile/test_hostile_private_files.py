"""What the bucket keeps of the user's sessions is the user's alone, on a machine others use too (a
home folder that others may enter is Debian's and many servers' default). The copies, the step shards,
the plans and the ratings are written readable by their owner only; the index (`index.sqlite`: every
session's title, which is its first prompt, its folder and project) and blame's line index
(`cache/blame/lines.sqlite`: each patch's prompt) were made by SQLite with the umask's mode, 0644
under the usual 022, so any user of the machine read them. Found 2026-11-28 by listing a synced
bucket's modes. Both are made, and an older one made again, readable by their owner only; SQLite gives
their WAL files the same mode."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.blame import LineIndex
from tracetui.bucket import Bucket
from tracetui.bucket.index import connect

sys.path.insert(0, str(FIXTURES))
from hostile import hostile_logs


@pytest.fixture
def usual_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _readable_by_others(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.stat().st_size and stat.S_IMODE(p.stat().st_mode) & 0o077)  # fmt: skip


def test_a_synced_bucket_holds_no_file_others_can_read(tmp_path, usual_umask):
    sources = hostile_logs(tmp_path / "src", tmp_path / "canary")
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync(sources)
        assert bucket.list_sessions()
    assert _readable_by_others(tmp_path / "b") == []


def test_blames_line_index_is_its_owners_alone(tmp_path, usual_umask):
    path = tmp_path / "cache" / "blame" / "lines.sqlite"
    with LineIndex(path) as index:
        index.conn.execute("SELECT 1").fetchone()
    assert _readable_by_others(tmp_path) == []


def test_an_index_an_older_version_made_readable_to_all_is_made_private(tmp_path, usual_umask):
    for path in (tmp_path / "index.sqlite", tmp_path / "cache" / "blame" / "lines.sqlite"):
        path.parent.mkdir(parents=True, exist_ok=True)
        connect(path).close() if path.name == "index.sqlite" else LineIndex(path).close()
        os.chmod(path, 0o644)
        connect(path).close() if path.name == "index.sqlite" else LineIndex(path).close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
