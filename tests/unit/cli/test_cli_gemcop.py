"""Gemini CLI and Copilot CLI sessions through the command line, as a user would: sync from the
agents' folders into a bucket, then ls, show and trail; and the incremental syncs each format
needs (a v2 Gemini log and a Copilot log grow; a v1 Gemini document is rewritten whole)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.cli import main

GEMINI_V2 = "5e0c1a2b-1111-4a4a-9b9b-0123456789ab"
GEMINI_V1 = "0b23aaaa-3333-4c4c-8d8d-fedcba987654"
COPILOT = "3c4d5e6f-4444-4d4d-9e9e-112233445566"
COPILOT_FLAT = "7a8b9c0d-5555-4e4e-8f8f-665544332211"


def run_json(capsys, *argv: str):
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    return orjson.loads(out)


@pytest.fixture
def src(tmp_path) -> Path:
    shutil.copytree(FIXTURES / "gemini" / "tmp", tmp_path / "src" / "gemini" / "tmp")
    shutil.copytree(FIXTURES / "copilot" / "session-state", tmp_path / "src" / "copilot" / "session-state")
    return tmp_path / "src"


def _sync(capsys, bucket: Path, src: Path):
    return run_json(
        capsys,
        "sync",
        "--bucket",
        str(bucket),
        "--source",
        f"gemini={src / 'gemini'}",
        "--source",
        f"copilot={src / 'copilot'}",
    )


def _distinct_call_ids(files: list[Path]) -> int:
    """Tool call ids in the raw files, counted plainly: every `toolCalls[].id` of every Gemini record
    and every `toolCallId` a Copilot event names."""
    ids: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            for call in value.get("toolCalls") or []:
                ids.add(call["id"])
            data = value.get("data")
            if isinstance(data, dict) and value.get("type") in ("tool.execution_start", "assistant.message"):
                ids.update(r["toolCallId"] for r in data.get("toolRequests") or [])
                if data.get("toolCallId"):
                    ids.add(data["toolCallId"])
            for v in value.values():
                if isinstance(v, (dict, list)):
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for path in files:
        text = path.read_text()
        docs = (
            [json.loads(text)]
            if path.suffix == ".json"
            else [json.loads(x) for x in text.splitlines() if x.strip()]
        )
        walk(docs)
    return len(ids)


def test_sync_ls_show_and_trail(capsys, src, tmp_path):
    bucket = tmp_path / "bucket"
    report = _sync(capsys, bucket, src)
    assert (report["sessions"], report["new"], report["errors"]) == (4, 4, [])
    rows = {r["id"]: r for r in run_json(capsys, "ls", "--bucket", str(bucket))}
    assert set(rows) == {GEMINI_V2, GEMINI_V1, COPILOT, COPILOT_FLAT}
    assert {r["agent"] for r in rows.values()} == {"gemini", "copilot"}
    chats = src / "gemini" / "tmp" / "garden" / "chats"
    v2_files = [chats / "session-2026-05-01T10-00-5e0c1a2b.jsonl", *(chats / GEMINI_V2).glob("*.jsonl")]
    expect = {
        GEMINI_V2: (_distinct_call_ids(v2_files), 2, "garden", "Greeting for hello.py"),
        GEMINI_V1: (
            _distinct_call_ids([chats / "session-2025-10-21T20-04-0b23aaaa.json"]),
            1,  # ls counts the edits that succeeded: the second replace failed
            "garden",
            "Create a todo file.",
        ),
        COPILOT: (
            _distinct_call_ids([src / "copilot" / "session-state" / COPILOT / "events.jsonl"]),
            1,  # the create of docs/notes.md failed
            "garden",
            "Greeting In Hello",
        ),
        COPILOT_FLAT: (
            _distinct_call_ids([src / "copilot" / "session-state" / f"{COPILOT_FLAT}.jsonl"]),
            1,
            None,
            "make a readme",
        ),
    }
    got = {sid: (r["tool_calls"], r["edits"], r["project"], r["title"]) for sid, r in rows.items()}
    assert got == expect
    # the shutdown's inputTokens count the cached prompt too: 5000 - 3000 - 100 + 2000 are fresh
    assert rows[COPILOT]["tokens"] == {"input": 3900, "output": 195, "cache_read": 3000, "cache_write": 100}
    assert run_json(capsys, "ls", "--bucket", str(bucket), "--agent", "gemini")[0]["agent"] == "gemini"

    doc = run_json(capsys, "show", GEMINI_V2[:8], "--bucket", str(bucket))
    kinds = [s["kind"] for s in doc["steps"]]
    assert "compaction" in kinds and "subagent_start" in kinds and len(doc["subagents"]) == 1
    assert [s["id"] for s in doc["steps"] if not s["active"]] == ["u2", "g2b"]
    doc = run_json(capsys, "show", COPILOT, "--bucket", str(bucket))
    assert doc["git"]["branch"] == "main" and doc["steps"][0]["kind"] == "context"

    for sid in (GEMINI_V2, COPILOT):
        patches = run_json(capsys, "trail", sid, "--bucket", str(bucket))
        assert patches and {p["path"] for p in patches} >= {"hello.py"}
        assert all(p["state"] == "unknown" for p in patches)  # /home/dev/garden is no repository here
    assert main(["--bucket", str(bucket), "trail", GEMINI_V1]) == 0
    assert "TODO.md" in capsys.readouterr().out


def test_incremental_syncs(capsys, src, tmp_path):
    bucket = tmp_path / "bucket"
    _sync(capsys, bucket, src)
    steps = {r["id"]: r["steps"] for r in run_json(capsys, "ls", "--bucket", str(bucket))}
    report = _sync(capsys, bucket, src)
    assert (report["new"], report["updated"], report["unchanged"], report["errors"]) == (0, 0, 4, [])

    # v2 grows: a new exchange, and an earlier message written again with more in it
    v2 = src / "gemini" / "tmp" / "garden" / "chats" / "session-2026-05-01T10-00-5e0c1a2b.jsonl"
    more = [
        {"id": "u7", "timestamp": "2026-05-01T10:05:00.000Z", "type": "user", "content": [{"text": "bye"}]},
        {
            "id": "g7",
            "timestamp": "2026-05-01T10:05:02.000Z",
            "type": "gemini",
            "content": "Bye!",
            "model": "gemini-2.5-pro",
        },
        {
            "id": "g7",
            "timestamp": "2026-05-01T10:05:02.000Z",
            "type": "gemini",
            "content": "Bye!",
            "model": "gemini-2.5-pro",
            "tokens": {"input": 10, "output": 2, "cached": 0, "thoughts": 0, "tool": 0, "total": 12},
        },
    ]
    with v2.open("ab") as fh:
        fh.write(b"".join(orjson.dumps(r) + b"\n" for r in more))
    # v1 is rewritten whole: one more message, and lastUpdated changes, so the old bytes are no prefix
    v1 = src / "gemini" / "tmp" / "garden" / "chats" / "session-2025-10-21T20-04-0b23aaaa.json"
    doc = json.loads(v1.read_text())
    doc["lastUpdated"] = "2025-10-21T20:10:00.000Z"
    doc["messages"].append(
        {"id": "v1u2", "timestamp": "2025-10-21T20:10:00.000Z", "type": "user", "content": "thanks"}
    )
    v1.write_text(json.dumps(doc, indent=2))
    # the Copilot log grows
    events = src / "copilot" / "session-state" / COPILOT / "events.jsonl"
    with events.open("ab") as fh:
        fh.write(
            orjson.dumps(
                {
                    "type": "user.message",
                    "data": {"content": "one more"},
                    "id": "late-1",
                    "timestamp": "2026-05-02T09:04:00.000Z",
                    "parentId": None,
                }
            )
            + b"\n"
        )

    report = _sync(capsys, bucket, src)
    assert (report["new"], report["updated"], report["errors"]) == (0, 3, [])
    rows = {r["id"]: r for r in run_json(capsys, "ls", "--bucket", str(bucket))}
    assert rows[GEMINI_V2]["steps"] == steps[GEMINI_V2] + 2
    assert rows[GEMINI_V1]["steps"] == steps[GEMINI_V1] + 1 and rows[GEMINI_V1]["note"] is None
    assert rows[COPILOT]["steps"] == steps[COPILOT] + 1

    # the v1 document rewritten shorter (a rewind): nothing the bucket saw is lost, and it says why
    doc["messages"] = doc["messages"][:1]
    v1.write_text(json.dumps(doc, indent=2))
    report = _sync(capsys, bucket, src)
    assert report["errors"] == []
    row = next(r for r in run_json(capsys, "ls", "--bucket", str(bucket)) if r["id"] == GEMINI_V1)
    assert row["steps"] == steps[GEMINI_V1] + 1 and "rewritten" in (row["note"] or "")


def test_a_v1_session_resumed_into_jsonl_stays_one_session(capsys, src, tmp_path):
    bucket = tmp_path / "bucket"
    _sync(capsys, bucket, src)
    chats = src / "gemini" / "tmp" / "garden" / "chats"
    v1 = chats / "session-2025-10-21T20-04-0b23aaaa.json"
    doc = json.loads(v1.read_text())
    # what Gemini CLI writes when it resumes a v1 session: the same record as JSONL, then new lines
    lines = [{k: v for k, v in doc.items() if k != "messages"}, *doc["messages"]]
    lines.append(
        {"id": "v1u3", "timestamp": "2025-10-22T08:00:00.000Z", "type": "user", "content": "resumed"}
    )
    v1.with_suffix(".jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    report = _sync(capsys, bucket, src)
    assert report["errors"] == [] and report["sessions"] == 4
    row = next(r for r in run_json(capsys, "ls", "--bucket", str(bucket)) if r["id"] == GEMINI_V1)
    assert row["source"].endswith(".jsonl") and row["steps"] == 9


def test_a_v1_document_rewritten_shorter_after_many_syncs_shows_its_newest_steps(tmp_path):
    """Masking tool output (Feb-Apr 2026) rewrote a v1 file shorter with every message kept: each
    earlier sync left a longer generation, and the newest, with one more step, must still win."""
    from tracetui.bucket import Bucket

    chats = tmp_path / "src" / "tmp" / "p" / "chats"
    chats.mkdir(parents=True)
    log = chats / "session-2026-03-01T10-00-aaaabbbb.json"
    messages: list[dict] = []

    def write(masked: bool = False) -> None:
        shown = [
            dict(m, content="<tool_output_masked>…</tool_output_masked>") if masked else m for m in messages
        ]
        log.write_text(
            json.dumps({"sessionId": "aaaabbbb-0001", "projectHash": "x", "messages": shown}, indent=2)
        )

    with Bucket.open(tmp_path / "b") as bucket:
        for i in range(6):
            messages.append(
                {
                    "id": f"m{i}",
                    "type": "user",
                    "timestamp": f"2026-03-01T10:0{i}:00.000Z",
                    "content": "x" * 5000,
                }
            )
            write()
            bucket.sync({"gemini": [tmp_path / "src"]})
        messages.append(
            {"id": "m9", "type": "user", "timestamp": "2026-03-01T10:09:00.000Z", "content": "new"}
        )
        write(masked=True)
        report = bucket.sync({"gemini": [tmp_path / "src"]})
        [row] = bucket.list_sessions()
    assert (row.steps, row.note, report.errors) == (7, None, [])
