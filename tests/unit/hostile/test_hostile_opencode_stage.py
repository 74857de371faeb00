"""OpenCode's sessions are staged in the bucket (`staged/opencode/<key>.jsonl`, with a state file
saying how far it was written) and the next sync appends to that log. The bucket is anyone's who has
the folder: a link planted in the log's place, with a state whose size matched the file it named,
had the sync append the user's sessions to that file (a shell profile: 11 KB of JSON), and a FIFO
there blocked the sync for ever. Such a log is now set aside and written anew, never through."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES, ROOT
from support.cli_zygote import forked_cli

PROFILE = "export PATH=/usr/bin\n"


def _sync(tmp: Path, bucket: Path, storage: Path) -> subprocess.CompletedProcess[str]:
    return forked_cli("--bucket", str(bucket), "sync", "--source", f"opencode={storage}", "--json", timeout=60,
                      env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp / "home")})  # fmt: skip


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


# OpenCode's database is copied whole into the bucket before it is read, and its path is anyone's to
# name (`$OPENCODE_DB`, a data folder copied from someone): a sparse file of terabytes there was
# copied byte for byte, and the disk filled with zeros. The copy has a ceiling now (lowered here, so
# the old code's copy stays small): past it the database is skipped with a warning, nothing copied.
CEILING = 1 << 20


@pytest.mark.parametrize("sparse", ["opencode.db", "opencode.db-wal"])
def test_a_database_past_the_ceiling_is_skipped_not_copied(tmp_path, monkeypatch, sparse):
    from tracetui.sources.opencode import stage

    monkeypatch.setattr(stage, "MAX_DATABASE", CEILING, raising=False)
    data = tmp_path / "data"
    data.mkdir()
    db = data / "opencode.db"
    db.write_bytes(b"")
    with open(data / sparse, "ab") as fh:
        fh.truncate(64 << 20)
    folder = tmp_path / "staged"
    copied: list[int] = []

    def watched(path, mode="r", *args, **kwargs):  # the stage's own open(): bytes it writes are counted
        fh = open(path, mode, *args, **kwargs)
        if "w" in mode:
            write = fh.write

            def counted(data: bytes) -> int:
                copied.append(len(data))
                return write(data)

            fh.write = counted
        return fh

    monkeypatch.setattr(stage, "open", watched, raising=False)
    staged, problems = stage.stage([db], folder)
    assert staged == [] and len(problems) == 1, problems
    assert "too large to copy" in problems[0].error and problems[0].path == str(db), problems
    assert sum(copied) <= CEILING, f"{sum(copied)} bytes copied"
    assert not any(p.name.startswith(".copy") for p in folder.iterdir())


def test_a_database_that_grows_past_the_ceiling_while_copied_stops_there(tmp_path):
    from tracetui.sources.opencode import stage

    source = tmp_path / "opencode.db"
    with open(source, "ab") as fh:
        fh.truncate(8 << 20)
    target = tmp_path / "copy"
    with pytest.raises(stage._TooLarge):
        stage._copy_file(str(source), target, CEILING)
    assert target.stat().st_size <= CEILING
