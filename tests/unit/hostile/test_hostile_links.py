"""A source folder's links that lead out of it (issue 32): a log that is a link to /etc/passwd or to a
file elsewhere, or a linked folder leading out, is not read and not copied into the bucket; the sync
says so in one line, as it does for a log it cannot read. A link that stays inside its folder, and a
source root the user names that is itself a link, are read as before."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import orjson
import pytest
from shared_data import ROOT
from support.cli_zygote import forked_cli

from tracetui.bucket import Bucket
from tracetui.bucket.locations import discover
from tracetui.bucket.store import Store
from tracetui.model import SessionFilter
from tracetui.sources.opencode import stage as opencode_stage

FIXTURES = ROOT / "tests" / "fixtures"
GOOD = FIXTURES / "pi" / "v3_tree.jsonl"
OTHER = FIXTURES / "pi" / "v1_linear.jsonl"

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="no symlinks here")

# A file name each agent's discovery picks up, under that agent's source folder.
NAMES = {
    "claude": "-home-u-p/11111111-1111-4111-8111-111111111111.jsonl",
    "codex": "2026/05/01/rollout-2026-05-01T00-00-00-11111111-1111-4111-8111-111111111111.jsonl",
    "pi": "--home-u-p--/2026-05-01T00-00-00-000Z_11111111-1111-4111-8111-111111111111.jsonl",
    "gemini": "tmp/abc/chats/session-2026-05-01T10-00-11111111.json",
    "copilot": "session-state/11111111-1111-4111-8111-111111111111/events.jsonl",
    "opencode": "storage/session/global/ses_01LINKaaaaaaaaaaaaaaaaaaaa.json",
}


def _tracetui(*args: str) -> subprocess.CompletedProcess[str]:
    # Forked from the worker's warm CLI (cli_zygote.py): what a new Python would do, without its imports.
    return forked_cli(*args, timeout=60)


def _link(at: Path, to: Path) -> Path:
    at.parent.mkdir(parents=True, exist_ok=True)
    at.symlink_to(to)
    return at


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A log outside every source folder: the user's own file a link could name."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    shutil.copyfile(OTHER, folder / "private.jsonl")
    return folder / "private.jsonl"


@pytest.mark.parametrize("agent", sorted(NAMES))
def test_a_log_linked_out_of_its_folder_is_refused_in_one_line(agent, tmp_path, elsewhere):
    src = tmp_path / "src"
    link = _link(src / NAMES[agent], elsewhere)
    refused: list = []
    assert discover(agent, [src], refused) == []
    [line] = refused
    assert line.path == str(link) and "link out of its source folder" in line.error
    assert str(elsewhere) in line.error


def test_a_link_to_etc_passwd_is_refused(tmp_path):
    src = tmp_path / "src"
    _link(src / "x.jsonl", Path("/etc/passwd"))
    refused: list = []
    assert discover("pi", [src], refused) == [] and len(refused) == 1


@pytest.mark.parametrize("agent, inside", [("gemini", "tmp/abc/chats/link"), ("pi", "link")])
def test_a_linked_folder_leading_out_is_refused(agent, inside, tmp_path):
    """Gemini's `chats/*/*.json` went through a linked folder (pathlib's `*` follows links); `**` does not."""
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copyfile(OTHER, outside / "11111111-1111-4111-8111-111111111111.jsonl")
    src = tmp_path / "src"
    _link(src / inside, outside)
    found = discover(agent, [src], [])
    assert not any(str(p).startswith(str(src / inside)) for p in found), found


def test_a_link_that_stays_in_its_folder_is_still_read(tmp_path):
    src = tmp_path / "src"
    (src / "kept").mkdir(parents=True)
    shutil.copyfile(GOOD, src / "kept" / "real.jsonl")
    _link(src / "alias.jsonl", src / "kept" / "real.jsonl")
    refused: list = []
    assert {p.name for p in discover("pi", [src], refused)} == {"real.jsonl", "alias.jsonl"}
    assert refused == []


def test_a_source_root_the_user_names_may_be_a_link(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    shutil.copyfile(GOOD, real / "good.jsonl")
    named = _link(tmp_path / "named", real)
    out = _tracetui("--bucket", str(tmp_path / "b"), "sync", "--source", f"pi={named}", "--json")
    assert out.returncode == 0, out.stderr
    got = orjson.loads(out.stdout)
    assert (got["sessions"], got["errors"]) == (1, [])


def test_sync_neither_reads_nor_copies_a_linked_log(tmp_path, elsewhere):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(GOOD, src / "good.jsonl")
    link = _link(src / "evil.jsonl", elsewhere)
    out = _tracetui("--bucket", str(tmp_path / "b"), "sync", "--source", f"pi={src}", "--json")
    assert out.returncode == 0, out.stderr
    got = orjson.loads(out.stdout)
    assert got["sessions"] == 1
    [error] = got["errors"]
    assert error["path"] == str(link) and "link out of its source folder" in error["error"]
    assert Store(tmp_path / "b").load("pi", str(link)) is None, "copied into the bucket"
    with Bucket.open(tmp_path / "b") as bucket:
        assert [r.source for r in bucket.list_sessions(SessionFilter(include_hidden=True))] == [str(src / "good.jsonl")]


def test_a_watchers_scoped_sync_refuses_a_link_made_after_the_first_sync(tmp_path, elsewhere):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(GOOD, src / "good.jsonl")
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync({"pi": [src]}, workers=1)
        link = _link(src / "evil.jsonl", elsewhere)
        report = bucket.sync({"pi": [src]}, workers=1, paths=[str(link)])
        assert [e.path for e in report.errors] == [str(link)]
        assert report.sessions == 1
    assert Store(tmp_path / "b").load("pi", str(link)) is None, "copied into the bucket"


def test_an_opencode_databases_wal_linked_out_is_refused(tmp_path):
    data = tmp_path / "opencode"
    data.mkdir()
    with sqlite3.connect(data / "opencode.db") as conn:
        conn.executescript(
            "CREATE TABLE session (id TEXT PRIMARY KEY, parent_id TEXT, time_updated INTEGER);"
            "CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, data TEXT);"
            "CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT, session_id TEXT, data TEXT);"
        )
    secret = tmp_path / "secret"
    secret.write_bytes(b"made-up-private-bytes " * 100)
    _link(data / "opencode.db-wal", secret)
    _staged, problems = opencode_stage.stage(discover("opencode", [data / "opencode.db"]), tmp_path / "st")
    assert len(problems) == 1 and "-wal is a link out of its folder" in problems[0].error
    copied = [p.read_bytes() for p in (tmp_path / "st").rglob("*") if p.is_file()]
    assert not any(b"made-up-private-bytes" in c for c in copied)


def test_files_read_beside_a_log_are_not_followed_out_of_its_folder(tmp_path):
    """Gemini's `.project_root` (a session's cwd) and OpenClaw's `sessions.json` (its subagents' ids)
    are read beside a log, not found by discovery: a link out of the folder is not read either."""
    from tracetui.sources.gemini import project as gemini_project
    from tracetui.sources.pi import openclaw_spawn

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "root").write_text("/home/someone/private-project\n")
    child = "11111111-1111-4111-8111-111111111111"
    (outside / "sessions.json").write_text(f'{{"agent:main:subagent:{child}": {{"sessionId": "{child}"}}}}')
    slug = tmp_path / "src" / "tmp" / "abc"
    slug.mkdir(parents=True)
    (slug / "logs.json").write_text("[]")
    _link(slug / ".project_root", outside / "root")
    agents = tmp_path / "src" / "agents"
    agents.mkdir()
    _link(agents / "sessions.json", outside / "sessions.json")
    assert openclaw_spawn.store_index(outside / "x.jsonl") != {}, "the store itself is one OpenClaw reads"
    assert gemini_project._root_beside(slug / "logs.json") is None
    assert openclaw_spawn.store_index(agents / "x.jsonl") == {}


def test_a_linked_folder_that_stays_inside_is_read(tmp_path):
    src = tmp_path / "src"
    real = src / "tmp" / "abc" / "kept"
    real.mkdir(parents=True)
    shutil.copyfile(OTHER, real / "11111111-1111-4111-8111-111111111111.jsonl")
    _link(src / "tmp" / "abc" / "chats" / "link", real)
    refused: list = []
    found = discover("gemini", [src], refused)
    assert src / "tmp" / "abc" / "chats" / "link" / "11111111-1111-4111-8111-111111111111.jsonl" in found
    assert refused == []


def test_a_walk_takes_only_regular_logs_and_enters_no_linked_folder(tmp_path):
    # What `Path.rglob` found, and discovery's own walk must find the same: a FIFO, a dangling link and
    # a folder named like a log are not logs; hidden files are; a linked folder is not entered, even
    # one that stays inside (its files are found where they really are, once).
    src = tmp_path / "src"
    (src / "deep" / "er").mkdir(parents=True)
    for rel in ("top.jsonl", "deep/er/low.jsonl", ".hidden.jsonl", "deep/notes.txt"):
        shutil.copyfile(GOOD, src / rel)
    os.mkfifo(src / "deep" / "pipe.jsonl")
    _link(src / "gone.jsonl", tmp_path / "nowhere.jsonl")
    (src / "folder.jsonl").mkdir()
    _link(src / "again", src / "deep")
    refused: list = []
    found = {p.relative_to(src).as_posix() for p in discover("pi", [src], refused)}
    assert found == {"top.jsonl", "deep/er/low.jsonl", ".hidden.jsonl"} and refused == []
