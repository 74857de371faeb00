"""OpenClaw subagents tied to the session that spawned them. A parent spawns a child with the
`sessions_spawn` tool; the child is a transcript of its own (archived as `.jsonl.deleted.<ts>`) that
never names its parent, and the spawn result names the child only by a session key whose uuid is not
the child's id. The parent's later announce of the child's end pairs key and id (2026.3's `Stats:` line,
2026.4's completion event). Hand-made transcripts in those shapes; the real backups where mirrored."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest
from openclaw_subagents import (
    CHILD_NEW,
    CHILD_OLD,
    CHILD_QUIET,
    KEY_NEW,
    KEY_OLD,
    KEY_QUIET,
    PARENT,
    child_log,
    message,
    parent_log,
    user,
    write_sessions,
)

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.model import SessionFilter, StepKind
from tracetui.sources import RawLog
from tracetui.sources.pi import reader as pi
from tracetui.views import fork

def read(data: bytes, sid: str):
    return pi.read(RawLog(f"/h/.openclaw/agents/main/sessions/{sid}.jsonl", data), [])


def call_of(session, call_id: str):
    return next(s for s in session.steps if s.kind == StepKind.TOOL_CALL and s.tool_call_id == call_id)


def test_the_spawning_call_keeps_the_child_s_key_and_the_announce_gives_its_session_id():
    parent = read(parent_log(), PARENT)
    assert call_of(parent, "call_old").meta["child_session_key"] == KEY_OLD
    assert fork.spawned_child(call_of(parent, "call_old")) == CHILD_OLD  # 2026.3's Stats line
    assert fork.spawned_child(call_of(parent, "call_new")) == CHILD_NEW  # 2026.4's completion event
    # The key's uuid is no session id: a child never announced is not guessed.
    assert fork.spawned_child(call_of(parent, "call_quiet")) is None
    assert call_of(parent, "call_quiet").meta["child_session_key"] == KEY_QUIET
    assert [fork.spawned_child(s) for s in parent.steps].count(None) == len(parent.steps) - 2


def test_without_the_announce_no_child_is_named():
    parent = read(parent_log(announce=False), PARENT)
    assert all(fork.spawned_child(s) is None for s in parent.steps)


def test_a_key_or_id_of_another_shape_names_no_child():
    bad = parent_log().replace(CHILD_OLD.encode(), b"../../etc/passwd")
    bad = bad.replace(KEY_NEW.encode(), b"agent:x:main")
    parent = read(bad, PARENT)
    assert fork.spawned_child(call_of(parent, "call_old")) is None
    assert "child_session_key" not in call_of(parent, "call_new").meta


def test_a_read_on_from_a_snapshot_ties_as_a_whole_read_does():
    data = parent_log()
    cut = data.index(b"\n", data.index(b'"e5"')) + 1
    log = f"/h/.openclaw/agents/main/sessions/{PARENT}.jsonl"
    _, state = pi.resume(None, RawLog(log, data[:cut]), [])
    resumed, _ = pi.resume(state, RawLog(log, data), [])
    assert resumed.to_dict() == read(data, PARENT).to_dict()
    assert fork.spawned_child(call_of(resumed, "call_new")) == CHILD_NEW


@pytest.fixture
def synced(tmp_path):
    src = write_sessions(tmp_path / "src")
    b = Bucket.open(tmp_path / "bucket")
    b.sync(sources={"pi": [src]})
    b.close()
    return tmp_path / "bucket"


def test_the_bucket_names_the_parent_of_each_child_its_log_leaves_unnamed(synced):
    b = Bucket.open(synced)
    try:
        assert {r.id: r.subagent_of for r in b.list_sessions(SessionFilter(include_hidden=True))} == {
            PARENT: None, CHILD_OLD: PARENT, CHILD_NEW: PARENT, CHILD_QUIET: None}
        assert b.session(CHILD_OLD).subagent_of == PARENT
        parent = b.session(PARENT)
        child = b.session(CHILD_NEW)
        assert fork.parent_point(parent, child) == call_of(parent, "call_new").index
    finally:
        b.close()


def test_ls_and_show_say_which_session_spawned_a_child(capsys, synced):
    capsys.readouterr()
    assert main(["ls", "--bucket", str(synced)]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith(CHILD_OLD))
    assert "↳ 6a000000 read the forum" in line
    assert main(["show", "--bucket", str(synced), CHILD_NEW]) == 0
    assert f"subagent: subagent of {PARENT}\n" in capsys.readouterr().out


def test_the_tie_survives_a_child_read_again(tmp_path):
    src = write_sessions(tmp_path / "src")
    b = Bucket.open(tmp_path / "bucket")
    try:
        b.sync(sources={"pi": [src]})
        grown = child_log(CHILD_NEW, "check health", 32) + orjson.dumps(
            message("k3", "k2", 35, user("and the disk?"))) + b"\n"  # fmt: skip
        (src / f"{CHILD_NEW}.jsonl").write_bytes(grown)
        b.sync(sources={"pi": [src]})
        assert b.summary(CHILD_NEW).subagent_of == PARENT and b.summary(CHILD_NEW).steps == 3
    finally:
        b.close()


MIRROR = Path("/work/.mirror/Musk-fanX+openclaw-backup/repo")


@pytest.mark.skipif(not MIRROR.is_dir(), reason="the Musk-fanX/openclaw-backup mirror is not here")
def test_real_backup_ties_its_six_archived_children_to_the_session_that_spawned_them(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(MIRROR), str(clone)], check=True)
    b = Bucket.open(tmp_path / "bucket")
    try:
        b.sync(sources={"pi": [clone / "agents" / "main" / "sessions"]})
        rows = b.list_sessions(SessionFilter(include_hidden=True))
        parent = "676ff86e-7673-4625-92e4-a7b5a6454395"
        children = sorted(r.id[:8] for r in rows if r.subagent_of == parent)
        assert children == ["16cfe318", "37527012", "9b17069a", "c25a9ac2", "e3dfeea5", "f3260a7c"]
        assert sum(1 for r in rows if r.subagent_of) == 6
    finally:
        b.close()


def test_sessions_json_ties_a_child_the_parent_s_log_names_only_by_key(tmp_path):
    """A child still running (or whose announce was lost): its parent's log has the key alone, and
    OpenClaw's session store beside the transcripts maps the key to the child's session id."""
    src = write_sessions(tmp_path / "src")
    (src / f"{PARENT}.jsonl").write_bytes(parent_log(announce=False))
    store = {
        "agent:main:main": {"sessionId": PARENT, "updatedAt": 1},
        KEY_NEW: {"sessionId": CHILD_NEW, "spawnedBy": "agent:main:main", "spawnDepth": 1},
        # what the store may not say: a key of another shape, an id that is no uuid
        "agent:main:main:evil": {"sessionId": CHILD_OLD},
        KEY_QUIET: {"sessionId": "../../etc/passwd"},
    }
    (src / "sessions.json").write_bytes(orjson.dumps(store))
    b = Bucket.open(tmp_path / "bucket")
    try:
        b.sync(sources={"pi": [src]})
        assert {r.id: r.subagent_of for r in b.list_sessions(SessionFilter(include_hidden=True))} == {
            PARENT: None, CHILD_OLD: None, CHILD_NEW: PARENT, CHILD_QUIET: None}
    finally:
        b.close()


def test_a_session_store_that_is_not_json_or_not_a_file_ties_nothing(tmp_path):
    src = write_sessions(tmp_path / "src")
    (src / f"{PARENT}.jsonl").write_bytes(parent_log(announce=False))
    (src / "sessions.json").mkdir()
    b = Bucket.open(tmp_path / "bucket")
    try:
        b.sync(sources={"pi": [src]})
        (src / "sessions.json").rmdir()
        (src / "sessions.json").write_bytes(b"{not json")
        (src / f"{CHILD_NEW}.jsonl").write_bytes(child_log(CHILD_NEW, "check health!", 32))
        b.sync(sources={"pi": [src]})
        assert all(r.subagent_of is None for r in b.list_sessions(SessionFilter(include_hidden=True)))
    finally:
        b.close()
