"""OpenClaw's files beside its transcripts in `~/.openclaw/agents/<id>/sessions/` (2026.4): archives
of deleted sessions (`<id>.jsonl.deleted.<ts>`), pre-compaction checkpoints
(`<id>.checkpoint.<uuid>.jsonl`) and runtime traces (`<id>.trajectory.jsonl`, with a
`<id>.trajectory-path.json` pointer). Found on a real backup of ~/.openclaw (sirdeuce/nucbox-backup):
each trace was read as a broken Pi session (31 errors, 31 empty sessions named `<id>.trajectory`),
each checkpoint as a second copy of its session (an error each), the deleted sessions not at all, and
the six cron runs whose transcript OpenClaw had removed, which only their trace records, were lost.
"""

from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

import pytest
from shared_data import FIXTURES, mirror

from tracetui.bucket import Bucket
from tracetui.model import SessionFilter, StepKind, Tokens
from tracetui.sources import RawLog, SessionFiles
from tracetui.sources.pi import reader as pi

TRACE = FIXTURES / "pi" / "cccccccc-aaaa-4bbb-8ccc-00000000000c.trajectory.jsonl"
V3 = FIXTURES / "pi" / "v3_tree.jsonl"


def _write(folder: Path, name: str, source: Path = V3, extra: bytes = b"") -> Path:
    path = folder / name
    path.write_bytes(source.read_bytes() + extra)
    return path


# --- which files are sessions -----------------------------------------------------------------


def test_a_deleted_sessions_archive_is_a_session_and_a_sync_finds_it():
    archive = Path("/oc/agents/main/sessions/u2.jsonl.deleted.2026-04-29T13-33-00.652Z")
    assert pi.group([archive]) == [SessionFiles("pi", archive)]
    assert any(fnmatch.fnmatch(archive.name, pattern) for pattern in pi.AGENT.patterns)


def test_trace_and_checkpoints_are_not_sessions_beside_their_transcript(tmp_path):
    main = _write(tmp_path, "u1.jsonl")
    _write(tmp_path, "u1.checkpoint.0b1c2d3e-0000-4000-8000-000000000001.jsonl")
    (tmp_path / "u1.trajectory.jsonl").write_bytes(TRACE.read_bytes())
    (tmp_path / "u1.trajectory-path.json").write_text("{}")
    assert pi.group(sorted(tmp_path.iterdir())) == [SessionFiles("pi", main)]


def test_an_archive_is_the_transcript_its_checkpoints_and_trace_stand_beside(tmp_path):
    archive = _write(tmp_path, "u1.jsonl.reset.2026-05-01T16-27-13.884Z")
    _write(tmp_path, "u1.checkpoint.0b1c2d3e-0000-4000-8000-000000000001.jsonl")
    (tmp_path / "u1.trajectory.jsonl").write_bytes(TRACE.read_bytes())
    assert pi.group(sorted(tmp_path.iterdir())) == [SessionFiles("pi", archive)]


def test_without_a_transcript_the_longest_checkpoint_is_the_session(tmp_path):
    _write(tmp_path, "u1.checkpoint.aaaaaaaa-0000-4000-8000-000000000001.jsonl")
    longest = _write(tmp_path, "u1.checkpoint.bbbbbbbb-0000-4000-8000-000000000002.jsonl", extra=b"\n\n")
    _write(tmp_path, "u1.checkpoint.cccccccc-0000-4000-8000-000000000003.jsonl", extra=b"\n")
    (tmp_path / "u1.trajectory.jsonl").write_bytes(TRACE.read_bytes())
    assert pi.group(sorted(tmp_path.iterdir())) == [SessionFiles("pi", longest)]


def test_without_transcript_or_checkpoint_the_trace_is_the_session(tmp_path):
    trace = tmp_path / "u3.trajectory.jsonl"
    trace.write_bytes(TRACE.read_bytes())
    assert pi.group([trace, tmp_path / "u3.trajectory-path.json"]) == [SessionFiles("pi", trace)]


def test_a_checkpoints_session_id_is_its_transcripts():
    data = b'{"type":"message","id":"a1","parentId":null,"message":{"role":"user","content":"x"}}\n'
    name = "/oc/s/1d9efd24-3d45-430b-a703-e713c1679ce1.checkpoint.016e7403-3ec8-4366-a5f3-f7fed9fa357c.jsonl"
    assert pi.read(RawLog(name, data), []).id == "1d9efd24-3d45-430b-a703-e713c1679ce1"


# --- a session read from its trace ------------------------------------------------------------


def test_a_trace_reads_as_the_conversation_its_snapshots_hold():
    s = pi.read(RawLog(str(TRACE), TRACE.read_bytes()), [])
    assert s.errors == []
    assert s.id == "cccccccc-aaaa-4bbb-8ccc-00000000000c"
    assert s.cwd == "/home/claw/workspace"
    assert s.version == "openclaw-trace-v1"
    assert s.models == ["ollama/qwen3:8b"]
    # each message once, at the run that first showed it; the second run's pruned copy of the
    # tool result is the same message
    assert [(x.kind, x.text) for x in s.steps] == [
        (StepKind.USER, "Write hello.txt saying hi"),
        (StepKind.TOOL_CALL, ""),
        (StepKind.TOOL_RESULT, "Successfully wrote 3 bytes to hello.txt"),
        (StepKind.ASSISTANT, "Done."),
        (StepKind.CONTEXT, "The user asked for hello.txt; it was written."),
        (StepKind.USER, "Thanks"),
        (StepKind.ASSISTANT, "You are welcome."),
    ]
    call = s.steps[1]
    assert (call.tool, call.tool_input) == ("write", {"path": "hello.txt", "content": "hi\n"})
    assert [(e.path, e.op, e.content) for e in call.edits] == [("hello.txt", "write", "hi\n")]
    assert (s.steps[2].tool_call_id, s.steps[2].parent) == ("call_1", call.id)
    # ids from the line of the run that first showed the message, as in a v1 log
    assert [x.id for x in s.steps] == ["L3", "L3.2", "L3.3", "L3.4", "L7", "L7.2", "L7.3"]
    assert s.tokens == Tokens(input=270, output=19)
    assert s.started == "2026-04-24T03:06:40.000Z"
    assert s.ended == "2026-04-24T03:07:42.000Z"
    # an event this reader does not know is counted, never dropped unsaid
    assert s.skipped == {"trajectory/future.event": 1}


def test_a_trace_session_syncs_and_lists(tmp_path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / TRACE.name).write_bytes(TRACE.read_bytes())
    _write(folder, "dddddddd-aaaa-4bbb-8ccc-00000000000d.jsonl.deleted.2026-04-29T13-33-00.652Z")
    bucket = Bucket.open(tmp_path / "bucket")
    try:
        report = bucket.sync({"pi": [folder]}, workers=1)
        rows = {row.id: row for row in bucket.list_sessions(SessionFilter(include_hidden=True))}
    finally:
        bucket.close()
    assert report.errors == []
    assert rows["cccccccc-aaaa-4bbb-8ccc-00000000000c"].steps == 7
    assert len(rows) == 2


# --- the real backup the faults were found on -----------------------------------------------------

NUCBOX = mirror("sirdeuce", "nucbox-backup")
SESSIONS = ".openclaw/agents/main/sessions/"


@pytest.mark.skipif(NUCBOX is None, reason="sirdeuce/nucbox-backup is not fetched under /work/.mirror")
def test_the_real_backups_sessions_folder_reads_without_errors():
    assert NUCBOX is not None
    names = subprocess.run(
        ["git", "-C", str(NUCBOX), "ls-tree", "-r", "--name-only", "HEAD", SESSIONS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    groups = pi.group([Path(name) for name in names])
    mains = sorted(g.main.name for g in groups)
    # a trace is read only where no transcript of its session is there
    traced = [name.split(".")[0] for name in mains if name.endswith(".trajectory.jsonl")]
    assert not [stem for stem in traced if any(m.startswith(stem + ".jsonl") for m in mains)]
    sessions = {}
    for g in groups:
        blob = subprocess.run(
            ["git", "-C", str(NUCBOX), "show", f"HEAD:{g.main.as_posix()}"], capture_output=True, check=False
        )
        if blob.returncode:  # a large file the snapshot lists but does not hold
            continue
        s = pi.read(RawLog(g.main.as_posix(), blob.stdout), [])
        assert s.errors == [], g.main
        assert s.id not in sessions, g.main
        sessions[s.id] = s
    # 15 transcripts, 9 reset and 3 deleted archives, 6 cron runs only their trace records
    assert len(sessions) == 33
    trace_only = [s for s in sessions.values() if s.version == "openclaw-trace-v1"]
    assert len(trace_only) == 6
    assert all(s.steps and s.steps[0].kind == StepKind.USER for s in trace_only)


# --- where a sync looks ---------------------------------------------------------------------------


def test_a_sync_looks_for_openclaw_sessions_in_its_state_folder(tmp_path):
    """OpenClaw embeds Pi's session files but keeps them in ~/.openclaw/agents/<agentId>/sessions/: a
    sync without --source found none of them."""
    pi_folder, claw_folder = pi.AGENT.folders({}, tmp_path)
    assert pi_folder == tmp_path / ".pi" / "agent" / "sessions"
    assert claw_folder == tmp_path / ".openclaw" / "agents"
    assert pi.AGENT.folders({"OPENCLAW_STATE_DIR": "/srv/claw"}, tmp_path)[1] == Path("/srv/claw/agents")
    assert pi.AGENT.folders({"OPENCLAW_HOME": "/home/svc"}, tmp_path)[1] == Path("/home/svc/.openclaw/agents")


def test_a_sync_of_the_default_folders_reads_every_openclaw_agents_sessions(tmp_path, monkeypatch):
    logs = (("main", V3), ("dev", FIXTURES / "pi" / "openclaw.jsonl.reset.2026-03-02T00-00-00.000Z"))
    for agent, log in logs:
        folder = tmp_path / "home" / ".openclaw" / "agents" / agent / "sessions"
        folder.mkdir(parents=True)
        _write(folder, f"{agent}-session.jsonl", log)
        (folder / "sessions.json").write_text("{}")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for var in ("PI_CODING_AGENT_DIR", "OPENCLAW_STATE_DIR", "OPENCLAW_HOME"):
        monkeypatch.delenv(var, raising=False)
    bucket = Bucket.open(tmp_path / "bucket")
    try:
        report = bucket.sync({"pi": pi.AGENT.folders({}, tmp_path / "home")}, workers=1)
    finally:
        bucket.close()
    assert report.errors == []
    assert report.sessions == 2
