"""Issue 35: an export that refuses some sessions writes the rest, says which were refused and why, and
exits 4 ("partly written"), where one that could write nothing exits 1. And a raw export carries the
Gemini sessions the bucket stages (a session only `logs.json` knows), which it refused before. Tokens
are made up here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.cli.exit_codes import FAILED as EXIT_FAILED
from tracetui.cli.exit_codes import PARTIAL as EXIT_PARTIAL

TOKEN = "ghp_" + "Wm3Kd8Zq1Xr6Tv9Lp2Nc5Hb7Js4Gf0Ya8UeQ"


def _claude(folder: Path, sid: str) -> None:
    base = {"isSidechain": False, "userType": "external", "cwd": "/srv/app", "sessionId": sid,
            "version": "2.0.30", "gitBranch": "main"}
    records = [
        {**base, "parentUuid": None, "uuid": f"{sid[:8]}-u1", "timestamp": "2026-03-02T10:00:01.000Z",
         "type": "user", "message": {"role": "user", "content": "list the files"}},
        {**base, "parentUuid": f"{sid[:8]}-u1", "uuid": f"{sid[:8]}-a1", "timestamp": "2026-03-02T10:00:02.000Z",
         "type": "assistant", "requestId": "req_1",
         "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-test",
                     "content": [{"type": "text", "text": "Done."}], "stop_reason": "end_turn",
                     "usage": {"input_tokens": 1, "output_tokens": 1}}},
    ]  # fmt: skip
    project = folder / "-srv-app"
    project.mkdir(parents=True, exist_ok=True)
    (project / f"{sid}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def _export(tmp_path: Path, capsys, *sids: str, json_out: bool = True) -> tuple[int, Any, str]:
    src = tmp_path / "claude"
    for sid in sids:
        _claude(src, sid)
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={src}", "--json"]) == 0
    capsys.readouterr()
    args = ["--bucket", str(bucket), "export", str(tmp_path / "out"), "--format", "atif", "--accept-suggested"]
    code = main([*args, "--json"] if json_out else args)
    out, err = capsys.readouterr()
    return code, json.loads(out) if json_out else out, err


GOOD = "7d7d7d7d-1111-4222-8333-444455556666"
BAD = f"{TOKEN}-session"  # a session whose own id holds a token: every format refuses it


def test_an_export_that_refuses_some_sessions_writes_the_rest_and_exits_partial(tmp_path, capsys):
    code, doc, _ = _export(tmp_path, capsys, GOOD, BAD)
    assert code == EXIT_PARTIAL == 4
    assert doc["partial"] is True and doc["written"] == 1
    assert [r["session"] for r in doc["refused"]] == [BAD]
    assert "session's id" in doc["refused"][0]["reason"]
    assert (tmp_path / "out" / "trajectories" / "claude_code" / f"{GOOD}.json").is_file()


def test_the_text_report_names_the_refused_session_and_says_partly_written(tmp_path, capsys):
    code, out, err = _export(tmp_path, capsys, GOOD, BAD, json_out=False)
    assert code == EXIT_PARTIAL
    assert "exported 1 of 2" in out
    assert "not exported: session" in err and "partly written" in err
    assert "member session id line 1: github-token" in err


def test_an_export_that_writes_nothing_exits_failed(tmp_path, capsys):
    code, doc, _ = _export(tmp_path, capsys, BAD)
    assert code == EXIT_FAILED == 1 and doc["partial"] is False and doc["written"] == 0


def test_a_gemini_session_only_logs_json_knows_goes_out_raw_and_reads_back(tmp_path, capsys):
    uuid = "9c9c9c9c-0000-4000-8000-000000000001"
    logs = tmp_path / "src" / "shop" / ".gemini" / "logs.json"
    logs.parent.mkdir(parents=True)
    entries = [
        {"sessionId": uuid, "messageId": 0, "type": "user", "message": f"use {TOKEN}", "timestamp": "2025-06-01T10:00:00Z"},
        {"sessionId": uuid, "messageId": 1, "type": "user", "message": "and run", "timestamp": "2025-06-01T10:01:00Z"},
    ]  # fmt: skip
    logs.write_bytes(orjson.dumps(entries))
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"gemini={tmp_path / 'src'}", "--json"]) == 0
    capsys.readouterr()
    dest = tmp_path / "out"
    code = main(["--bucket", str(bucket), "export", str(dest), "--format", "raw", "--accept-suggested", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["refused"] == [] and doc["written"] == 1, doc
    written = b"".join(p.read_bytes() for p in dest.rglob("*") if p.is_file())
    assert TOKEN.encode() not in written
    again = tmp_path / "again"
    assert main(["--bucket", str(again), "sync", "--source", f"gemini={dest / 'sessions' / 'gemini'}", "--json"]) == 0
    with Bucket.open(bucket) as a, Bucket.open(again) as b:
        assert [r.id for r in b.list_sessions()] == [r.id for r in a.list_sessions()] == [uuid]
        assert [s.kind for s in b.session(uuid).steps] == [s.kind for s in a.session(uuid).steps]
