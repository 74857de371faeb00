"""A log's author chooses its ids. The raw format's gate and its scan of what no reader shows left out
every value under an id-like key (`uuid`, `parentUuid`, `requestId`, `timestamp`, `*_id`), as the
detectors' field walk does for the other formats, where the second gate reads the ids as written and
refuses: so a token in a record's ids went out in a raw export, and only there. Now only opaque blobs
(signatures, encrypted reasoning, hashes) are passed over, and a token in an id is scrubbed by value,
the same placeholder at every place, so the records still link up. A session whose own id holds one
(the log's file name) is refused by every format: that id names the receipt, the manifest's entries
and the files, none of which the raw gate read. Tokens are made up here.
"""

from __future__ import annotations

import json
from pathlib import Path

from tracetui.bucket import Bucket
from tracetui.cli import main

TOKEN = "ghp_" + "Hd4Lq9Vx2Tm7Nz3Rk8Wc1Sb6Jf5Gp0Ya2UeM"
SID = "7c7c7c7c-1111-4222-8333-444455556666"


def _log(folder: Path, name: str, uuid_of) -> Path:
    base = {"isSidechain": False, "userType": "external", "cwd": "/srv/app", "sessionId": name,
            "version": "2.0.30", "gitBranch": "main"}
    records = [
        {**base, "parentUuid": None, "uuid": uuid_of(1), "timestamp": "2026-03-02T10:00:01.000Z",
         "type": "user", "message": {"role": "user", "content": "list the files"}},
        {**base, "parentUuid": uuid_of(1), "uuid": uuid_of(2), "timestamp": "2026-03-02T10:00:02.000Z",
         "type": "assistant", "requestId": f"req_{TOKEN}",
         "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-test",
                     "content": [{"type": "text", "text": "Done."}], "stop_reason": "end_turn",
                     "usage": {"input_tokens": 1, "output_tokens": 1}}},
    ]
    project = folder / "claude" / "-srv-app"
    project.mkdir(parents=True)
    (project / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return project.parent


def _export(tmp_path: Path, src: Path, capsys) -> dict:
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={src}", "--json"]) == 0
    capsys.readouterr()
    main(["--bucket", str(bucket), "export", str(tmp_path / "out"), "--format", "raw", "--accept-suggested",
          "--json"])
    return json.loads(capsys.readouterr().out)


def _written(folder: Path) -> bytes:
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    return b"\n".join(str(p).encode() + b"\n" + p.read_bytes() for p in files)


def test_a_token_in_a_record_s_ids_is_scrubbed_and_the_records_still_link(tmp_path, capsys):
    src = _log(tmp_path / "logs", SID, lambda n: f"u-{n} {TOKEN}")
    doc = _export(tmp_path, src, capsys)
    assert doc["written"] == 1 and doc["refused"] == [], doc
    assert TOKEN[4:].encode() not in _written(tmp_path / "out")
    again = tmp_path / "again"
    exported = tmp_path / "out" / "sessions" / "claude_code"
    assert main(["--bucket", str(again), "sync", "--source", f"claude={exported}", "--json"]) == 0
    steps = Bucket.open(again).session(SID).steps
    assert [s.kind for s in steps] == ["user", "assistant"] and steps[1].parent == steps[0].id


def test_a_session_whose_id_holds_a_token_is_refused_and_nothing_of_it_is_written(tmp_path, capsys):
    src = _log(tmp_path / "logs", f"{SID}-{TOKEN}", lambda n: f"u-{n}")
    doc = _export(tmp_path, src, capsys)
    assert doc["written"] == 0
    assert [f["member"] for r in doc["refused"] for f in r["findings"]] == ["session id"]
    assert TOKEN[4:].encode() not in _written(tmp_path / "out")
