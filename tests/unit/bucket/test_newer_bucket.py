"""A bucket whose index a newer tracetui wrote (a schema number past the one this code knows) is
said as such, in one line, and left as it is: it was dropped and rebuilt in the older layout with
"the bucket index was missing or empty", and the newer version then rebuilt it again."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.bucket import Bucket, doctor, index, shards
from tracetui.cli import exit_codes, main
from tracetui.errors import TracetuiError


def _files(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))
            if p.is_file()}  # fmt: skip


@pytest.fixture
def newer(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(FIXTURES / "pi" / "v1_linear.jsonl", src / "v1_linear.jsonl")
    bucket = tmp_path / "b"
    assert main(["--bucket", str(bucket), "sync", "--source", f"pi={src}"]) == exit_codes.OK
    conn = sqlite3.connect(bucket / "index.sqlite")
    future = str(int(index.SCHEMA_VERSION) + 1)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (future,))
    conn.execute("UPDATE meta SET value = '99.1.0' WHERE key = 'tool'")
    conn.commit()
    conn.close()
    return bucket


@pytest.mark.parametrize("words", [["ls"], ["show", "x"], ["search", "word"], ["sync", "--source", "pi=SRC"],
                                   ["doctor"], ["cost"]])  # fmt: skip
def test_a_newer_bucket_is_said_in_one_line_and_left_untouched(newer, tmp_path, capsys, words):
    before = _files(newer)
    capsys.readouterr()
    words = [f"pi={tmp_path / 'src'}" if w == "pi=SRC" else w for w in words]
    assert main(["--bucket", str(newer), *words]) == exit_codes.FAILED
    err = capsys.readouterr().err
    future = int(index.SCHEMA_VERSION) + 1
    assert err == (f"tracetui: the bucket {str(newer)!r} was written by tracetui 99.1.0 "
                   f"(index schema {future}); this is tracetui {index.__version__}, which reads schema "
                   f"{index.SCHEMA_VERSION}: upgrade tracetui to open it\n")  # fmt: skip
    assert _files(newer) == before


def test_an_older_or_odd_schema_is_still_a_cache_to_rebuild(newer):
    conn = sqlite3.connect(newer / "index.sqlite")
    conn.execute("UPDATE meta SET value = 'x7' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    with Bucket.open(newer) as b:
        assert len(b.list_sessions()) == 1 and "rebuilt it from the bucket's copies" in b.notices[0]


def test_a_newer_bucket_opened_read_only_is_refused_too(newer):
    with pytest.raises(TracetuiError, match="upgrade tracetui to open it"):
        Bucket.open(newer, read_only=True)


def test_a_step_shard_of_a_newer_layout_is_said_and_left_untouched(newer, capsys):
    conn = sqlite3.connect(newer / "index.sqlite")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (index.SCHEMA_VERSION,))
    conn.commit()
    conn.close()
    shard = sorted(newer.glob("steps-*.sqlite"))[0]
    conn = sqlite3.connect(shard)
    conn.execute(f"PRAGMA user_version = {shards.VERSION + 1}")
    conn.close()
    before = _files(newer)
    capsys.readouterr()
    assert main(["--bucket", str(newer), "ls"]) == exit_codes.FAILED
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert f"its step shard {shard.name} has layout {shards.VERSION + 1}" in err
    assert _files(newer) == before


def test_a_shard_a_newer_tracetui_wrote_while_the_bucket_was_open_is_left_by_doctor(newer):
    """The layout check lives in `shards.check` alone: the open's refusal and doctor's repairs read
    the same answer. Doctor on a bucket already open took a newer shard for an older one's cache,
    deleted it and rebuilt it in the older layout."""
    conn = sqlite3.connect(newer / "index.sqlite")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (index.SCHEMA_VERSION,))
    conn.commit()
    conn.close()
    with Bucket.open(newer) as b:
        assert len(b.list_sessions()) == 1
        shard = sorted(newer.glob("steps-*.sqlite"))[0]
        conn = sqlite3.connect(shard)
        conn.execute(f"PRAGMA user_version = {shards.VERSION + 1}")
        conn.close()
        before = _files(newer)
        with pytest.raises(TracetuiError, match=f"{shard.name} has layout {shards.VERSION + 1}"):
            doctor(b)
        assert _files(newer) == before
