"""Blame remembers what its gate found in each session's strings (`blame.log_gate`), so a blame
that prints a prompt again reads no session and loads no detector. A memo must never serve a text
unscrubbed or scrubbed by an older answer: it is kept per session under the session's content, its
plan file, the detectors and the user's identity, and holds no text of the log. And blame's gate reads
a session's strings under that session's identity, as an export's does: a home the session shows
outside the known prefixes (`/srv/NAME`, by the agent's store in it) is a placeholder in its prompt.
"""

from __future__ import annotations

import orjson
from support import blame_world
from support.blame_world import build, synced
from support.made_up import github_token

import tracetui.blame.log_gate as log_gate
from tracetui.cli import main

TOKEN = github_token("blame gate memo")
EMAIL = "marguerite.oakhaven@clientcorp.io"  # a suggestion: no gate is sure of it, a plan may scrub it
HOME = "/srv/jdoe9"
PROMPT = f"add a greeting; the token is {TOKEN}, ask {EMAIL}, the notes are in {HOME}/notes.md"


def _world(tmp_path, monkeypatch):
    monkeypatch.setattr(blame_world, "PROMPT_A", PROMPT)
    world = build(tmp_path)
    bucket = tmp_path / "bucket"
    return world, bucket


def _sync(world, bucket) -> None:
    synced(world, bucket)


def _blame(world, bucket, capsys, monkeypatch) -> str:
    capsys.readouterr()
    monkeypatch.chdir(world.repo.path)
    assert main(["--bucket", str(bucket), "blame", "app.py", "--json"]) == 0
    out = capsys.readouterr().out
    orjson.loads(out)
    return out


def _memos(bucket) -> list[bytes]:
    return [p.read_bytes() for p in sorted((bucket / "cache" / "blame" / "gate").glob("*.json"))]


def _store_shows_home(world) -> None:
    """The session's log grows by a prompt that shows the agent's store in HOME: a home from now on."""
    log = next((world.logs / "claude").rglob("*.jsonl"))
    last = orjson.loads(log.read_bytes().splitlines()[-1])
    said = {"role": "user", "content": f"the log is in {HOME}/.claude/projects/-repo"}
    more = {**last, "uuid": "u9", "parentUuid": last["uuid"], "toolUseResult": None, "message": said}
    log.write_bytes(log.read_bytes() + orjson.dumps(more) + b"\n")


def test_a_remembered_prompt_is_printed_scrubbed_and_the_memo_holds_no_text(tmp_path, capsys, monkeypatch):
    world, bucket = _world(tmp_path, monkeypatch)
    _sync(world, bucket)
    first = _blame(world, bucket, capsys, monkeypatch)
    memos = _memos(bucket)
    assert len(memos) == 2  # one per session that wrote a line (claude's and codex's)
    for text in (TOKEN, "greeting", "farewell", "oakhaven", "jdoe9", "notes.md", blame_world.CLAUDE_SID):
        assert not any(text.encode() in memo for memo in memos)

    def no_scan(*args, **kwargs):
        raise AssertionError("a remembered text was scanned again")

    monkeypatch.setattr(log_gate, "gate_scan", no_scan)
    monkeypatch.setattr(log_gate, "_read", no_scan)
    again = _blame(world, bucket, capsys, monkeypatch)
    assert again == first
    assert TOKEN not in again and "<GITHUB_TOKEN_1>" in again and "add a greeting" in again


def test_a_plan_decided_after_the_memo_scrubs_the_prompt(tmp_path, capsys, monkeypatch):
    world, bucket = _world(tmp_path, monkeypatch)
    _sync(world, bucket)
    # No plan yet: the gate alone, which is not sure of an address.
    assert EMAIL in _blame(world, bucket, capsys, monkeypatch)
    assert _memos(bucket)
    assert main(["--bucket", str(bucket), "scan", blame_world.CLAUDE_SID, "--accept", "email"]) == 0
    out = _blame(world, bucket, capsys, monkeypatch)
    assert EMAIL not in out and "oakhaven" not in out and TOKEN not in out


def test_a_memo_of_other_detectors_is_not_served(tmp_path, capsys, monkeypatch):
    world, bucket = _world(tmp_path, monkeypatch)
    _sync(world, bucket)
    # Older detectors that knew no GitHub token: what they answered is remembered under their version.
    with monkeypatch.context() as m:
        m.setattr(log_gate, "DETECTORS_VERSION", "older")
        m.setattr(log_gate, "scan_text", lambda *a, **k: [])
        assert TOKEN in _blame(world, bucket, capsys, monkeypatch)
    out = _blame(world, bucket, capsys, monkeypatch)
    assert TOKEN not in out and "<GITHUB_TOKEN_1>" in out


def test_a_home_the_session_shows_is_scrubbed_even_after_a_memo(tmp_path, capsys, monkeypatch):
    world, bucket = _world(tmp_path, monkeypatch)
    _sync(world, bucket)
    # Nothing in the session shows HOME a home yet (`/srv/...` is a system's folder as often).
    assert f"{HOME}/notes.md" in _blame(world, bucket, capsys, monkeypatch)
    _store_shows_home(world)
    _sync(world, bucket)
    out = _blame(world, bucket, capsys, monkeypatch)
    assert "jdoe9" not in out and "<HOME>/notes.md" in out and TOKEN not in out


def test_blame_learns_a_home_from_the_session_as_export_does(tmp_path, capsys, monkeypatch):
    world, bucket = _world(tmp_path, monkeypatch)
    _store_shows_home(world)
    _sync(world, bucket)
    out = _blame(world, bucket, capsys, monkeypatch)
    assert "jdoe9" not in out and "<HOME>/notes.md" in out
    assert "add a greeting" in out
