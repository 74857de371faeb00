"""OpenClaw subagents tied to the session that spawned them. A parent spawns a child with the
`sessions_spawn` tool; the child is a transcript of its own (archived as `.jsonl.deleted.<ts>`) that
never names its parent, and the spawn result names the child only by a session key whose uuid is not
the child's id. The parent's later announce of the child's end pairs key and id (2026.3's `Stats:` line,
2026.4's completion event). Hand-made transcripts in those shapes; the real backups where mirrored."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.model import StepKind
from tracetui.sources import RawLog, pi
from tracetui.views import fork

PARENT = "6a000000-0000-4000-8000-000000000001"
CHILD_OLD = "c0000000-0000-4000-8000-00000000000a"  # announced by a 2026.3 Stats line
CHILD_NEW = "c0000000-0000-4000-8000-00000000000b"  # announced by a 2026.4 completion event
CHILD_QUIET = "c0000000-0000-4000-8000-00000000000c"  # spawned, never announced
KEY_OLD = "agent:main:subagent:4b000000-0000-4000-8000-0000000000a1"
KEY_NEW = "agent:main:subagent:4b000000-0000-4000-8000-0000000000b1"
KEY_QUIET = "agent:main:subagent:4b000000-0000-4000-8000-0000000000c1"


def header(sid: str, minute: int) -> dict[str, Any]:
    return {"type": "session", "version": 3, "id": sid, "timestamp": f"2026-03-05T15:{minute:02d}:00.000Z",
            "cwd": "C:\\Users\\u\\.openclaw\\workspace"}  # fmt: skip


def message(eid: str, parent: str | None, minute: int, body: dict[str, Any]) -> dict[str, Any]:
    stamp = f"2026-03-05T15:{minute:02d}:00.000Z"
    return {"type": "message", "id": eid, "parentId": parent, "timestamp": stamp, "message": body}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}], "timestamp": 1}


def spawn(call: str, task: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "toolCall", "id": call, "name": "sessions_spawn",
            "arguments": {"task": task, "label": task}}], "provider": "deepseek", "model": "deepseek-chat",
            "stopReason": "toolUse", "timestamp": 2}  # fmt: skip


def spawned(call: str, key: str) -> dict[str, Any]:
    details = {"status": "accepted", "childSessionKey": key, "runId": "r-" + call}
    return {"role": "toolResult", "toolCallId": call, "toolName": "sessions_spawn",
            "content": [{"type": "text", "text": json.dumps(details, indent=2)}], "details": details,
            "isError": False, "timestamp": 3}  # fmt: skip


def answer(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "text", "text": text}], "provider": "deepseek",
            "model": "deepseek-chat", "stopReason": "stop", "timestamp": 4}  # fmt: skip


STATS = (
    'A background task "forum" just completed successfully.\n\nFindings:\nthree topics\n\n'
    f"Stats: runtime 1m2s • tokens n/a • sessionKey {KEY_OLD} • sessionId {CHILD_OLD} • transcript "
    f"C:\\Users\\u\\.openclaw\\agents\\main\\sessions\\{CHILD_OLD}.jsonl\n\nSummarize this naturally."
)
EVENT = (
    "[Sun 2026-04-05 02:00 UTC] OpenClaw runtime context (internal):\n\n[Internal task completion event]\n"
    f"source: subagent\nsession_key: {KEY_NEW}\nsession_id: {CHILD_NEW}\ntype: subagent task\n"
    "status: completed successfully\n"
)


def parent_log(announce: bool = True) -> bytes:
    rows = [
        header(PARENT, 30),
        message("e1", None, 30, user("show me subagents")),
        message("e2", "e1", 31, spawn("call_old", "read the forum")),
        message("e3", "e2", 31, spawned("call_old", KEY_OLD)),
        message("e4", "e3", 32, spawn("call_new", "check health")),
        message("e5", "e4", 32, spawned("call_new", KEY_NEW)),
        message("e6", "e5", 33, spawn("call_quiet", "sum up the day")),
        message("e7", "e6", 33, spawned("call_quiet", KEY_QUIET)),
        message("e8", "e7", 34, answer("three running")),
    ]
    if announce:
        rows += [message("e9", "e8", 40, user(STATS)), message("e10", "e9", 41, user(EVENT))]
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def child_log(sid: str, task: str, minute: int) -> bytes:
    rows = [header(sid, minute), message("k1", None, minute, user(task)), message("k2", "k1", minute, answer("done"))]
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


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
    bad = parent_log().replace(CHILD_OLD.encode(), b"../../etc/passwd").replace(KEY_NEW.encode(), b"agent:x:main")
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


def write_sessions(folder: Path) -> Path:
    sessions = folder / ".openclaw" / "agents" / "main" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / f"{PARENT}.jsonl").write_bytes(parent_log())
    (sessions / f"{CHILD_OLD}.jsonl.deleted.2026-03-05T16-36-36.730Z").write_bytes(child_log(CHILD_OLD, "read the forum", 31))
    (sessions / f"{CHILD_NEW}.jsonl").write_bytes(child_log(CHILD_NEW, "check health", 32))
    (sessions / f"{CHILD_QUIET}.jsonl").write_bytes(child_log(CHILD_QUIET, "sum up the day", 33))
    return sessions


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
        assert {r.id: r.subagent_of for r in b.list_sessions(include_hidden=True)} == {
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
        rows = b.list_sessions(include_hidden=True)
        children = sorted(r.id[:8] for r in rows if r.subagent_of == "676ff86e-7673-4625-92e4-a7b5a6454395")
        assert children == ["16cfe318", "37527012", "9b17069a", "c25a9ac2", "e3dfeea5", "f3260a7c"]
        assert sum(1 for r in rows if r.subagent_of) == 6
    finally:
        b.close()
