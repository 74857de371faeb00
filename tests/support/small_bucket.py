"""The two-session bucket many bucket tests start from: a copy of tests/fixtures/bucket (a Claude
Code session and a Pi session) as the agents' folders, and a bucket synced from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shared_data import FIXTURES

from tracetui.bucket import Bucket

CLAUDE_ID = "6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90"
PI_ID = "7d1e5b3a-2c4f-4e8a-9b6d-0f1a2b3c4d5e"


@pytest.fixture
def sources(tmp_path) -> dict[str, list[Path]]:
    src = tmp_path / "src"
    shutil.copytree(FIXTURES / "bucket", src)
    return {"claude": [src / "claude"], "pi": [src / "pi"]}


@pytest.fixture
def bucket(tmp_path, sources):
    b = Bucket.open(tmp_path / "bucket")
    b.sync(sources)
    yield b
    b.close()


def synced_folder(agent: str, folder: Path, tmp_path: Path) -> Bucket:
    """A bucket at `tmp_path/bucket` synced from a copy of one session's folder of `agent` (a Copilot
    CLI `session-state/<id>`), the copy under `tmp_path/src/session-state`. The caller closes it."""
    state = tmp_path / "src" / "session-state"
    shutil.copytree(folder, state / folder.name)
    bucket = Bucket.open(tmp_path / "bucket")
    assert bucket.sync({agent: [state]}).errors == []
    return bucket


def claude_log_bucket(root: Path, sid: str, log: bytes) -> Path:
    """A bucket at `root/b` synced from one Claude Code log (`log`'s bytes, as session `sid` of the
    project /home/dev/shop) written under `root/claude`; the bucket's folder."""
    folder = root / "claude" / "-home-dev-shop"
    folder.mkdir(parents=True)
    (folder / f"{sid}.jsonl").write_bytes(log)
    with Bucket.open(root / "b") as bucket:
        assert bucket.sync({"claude": [root / "claude"]}).errors == []
    return root / "b"
