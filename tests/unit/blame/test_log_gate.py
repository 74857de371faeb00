"""`blame.logs_gated` reads a session once: the first string it does not remember answers every
string the session's patches may print (`blame.session_log_members`), so a blame of another of its
files, or of a commit, reads the session and loads the detectors no more."""

from __future__ import annotations

from support import blame_world
from support.blame_world import build, synced

import tracetui.blame.log_gate as log_gate
from tracetui.blame import LOG_MEMBERS, session_log_members
from tracetui.bucket import Bucket
from tracetui.cli import main


def test_a_session_read_once_answers_every_string_its_patches_may_print(tmp_path, capsys, monkeypatch):
    world = build(tmp_path)
    bucket = tmp_path / "bucket"
    synced(world, bucket)
    monkeypatch.chdir(world.repo.path)
    # The line index built by a blame that prints none of the Claude session's strings.
    assert main(["--bucket", str(bucket), "blame", "other.py", "--json"]) == 0
    assert blame_world.CLAUDE_SID not in capsys.readouterr().out
    capsys.readouterr()
    sid = blame_world.CLAUDE_SID
    with Bucket.open(bucket) as library:
        [members] = session_log_members(library, sid)
        assert members["prompt"] and members["logged_path"].endswith("app.py")
        # Only the prompt asked: the session is read for it, and the rest answered with it.
        log_gate.logs_gated([{"session": sid, "prompt": members["prompt"] + " (and more)"}], library, LOG_MEMBERS)

        def no_read(*args, **kwargs):
            raise AssertionError("the session was read again")

        monkeypatch.setattr(log_gate, "_read", no_read)
        monkeypatch.setattr(log_gate, "gate_scan", no_read)
        doc = [{**members, "line": 1}]
        assert log_gate.logs_gated(doc, library, LOG_MEMBERS) == doc
