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
