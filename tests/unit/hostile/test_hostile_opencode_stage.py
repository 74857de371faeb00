"""OpenCode's sessions are staged in the bucket (`staged/opencode/<key>.jsonl`, with a state file
saying how far it was written) and the next sync appends to that log. The bucket is anyone's who has
the folder: a link planted in the log's place, with a state whose size matched the file it named,
had the sync append the user's sessions to that file (a shell profile: 11 KB of JSON), and a FIFO
there blocked the sync for ever. Such a log is now set aside and written anew, never through."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES, ROOT

PROFILE = "export PATH=/usr/bin\n"


def _sync(tmp: Path, bucket: Path, storage: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracetui", "--bucket", str(bucket), "sync", "--source", f"opencode={storage}",
         "--json"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp / "home")},
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_a_staged_log_that_is_no_file_of_ours_is_never_written_through(tmp_path, kind):
    storage = tmp_path / "storage"
    shutil.copytree(FIXTURES / "opencode" / "storage", storage)
    bucket = tmp_path / "b"
    assert _sync(tmp_path, bucket, storage).returncode == 0
    stage = bucket / "staged" / "opencode"
    (log,) = [p for p in stage.glob("*.jsonl")]
    log.unlink()
    outside = tmp_path / "profile"
    outside.write_text(PROFILE)
    if kind == "link":
        log.symlink_to(outside)
        size = outside.stat().st_size
    else:
        os.mkfifo(log)
        size = 0
    log.with_name(log.name.replace(".jsonl", ".state.json")).write_bytes(
        orjson.dumps({"fp": "planted", "size": size, "objs": {}})
    )
    (stage / "state.json").write_text("{}")  # gather again
    out = _sync(tmp_path, bucket, storage)  # a FIFO opened to append waits for a reader for ever
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-400:]
    assert outside.read_text() == PROFILE
    assert orjson.loads(out.stdout)["sessions"] == 1 and not log.is_symlink()
