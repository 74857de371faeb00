"""Hostile Gemini CLI files that several conversations share, against the stage that cuts them apart
(`gemini_split`): thousands of conversations in one file, ids no file name can hold, and a
conversation that names another session's id. Hand-made files of the a2a server's shape."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson

from agent_logs import Prompt, _claude
from tracetui.bucket import Bucket
from tracetui.model import LineErrors
from tracetui.sources import RawLog
from tracetui.sources.gemini import reader as gemini
from tracetui.sources.gemini import split as gemini_split

NAME = "session-2026-08-13T04-44-a2a-serv.jsonl"


def meta(sid: str, start: str) -> dict[str, Any]:
    return {"sessionId": sid, "projectHash": "7d" * 32, "startTime": start, "lastUpdated": start,
            "kind": "main"}  # fmt: skip


def prompt(n: int, text: str) -> dict[str, Any]:
    stamp = "2026-08-13T04:44:08.000Z"
    return {"id": f"m{n}", "timestamp": stamp, "type": "user", "content": [{"text": text}]}


def lines(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def many(n: int) -> bytes:
    """`n` conversations of the fixed id, each a metadata record of its own start and one prompt."""
    rows: list[dict[str, Any]] = []
    for i in range(n):
        rows += [meta("a2a-server", f"2026-08-13T04:44:{i:07d}Z"), prompt(i, f"prompt {i}")]
    return lines(rows)


def shared(root: Path, data: bytes) -> Path:
    path = root / "tmp" / "shop" / "chats" / NAME
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return path


def test_a_file_of_twenty_thousand_conversations_reads_its_first_in_linear_time():
    # Each metadata record looked through every conversation met before: 50 s here.
    data = many(20_000)
    started = time.process_time()
    session = gemini.read(RawLog(f"/h/.gemini/tmp/shop/chats/{NAME}", data), [])
    assert time.process_time() - started < 3
    assert [s.text for s in session.steps] == ["prompt 0"]


def test_a_file_of_thousands_of_conversations_stages_a_bounded_number_and_says_so(tmp_path):
    # Each conversation was a log written under the stage and a session synced: 4,000 took 12 s to cut
    # apart here (26 s to sync 2,000), a 2 MB file made 20,000.
    path = shared(tmp_path / "src", many(4000))
    problems = LineErrors()
    started = time.process_time()
    parts, _ = gemini_split.split([path], tmp_path / "staged", {}, problems)
    assert time.process_time() - started < 3
    assert len(parts) == gemini_split.MAX_PARTS
    assert len(list((tmp_path / "staged" / "split").rglob("*.jsonl"))) == gemini_split.MAX_PARTS
    kept = gemini_split.MAX_PARTS + 1
    assert [p.error for p in problems] == [f"holds 4000 sessions; only the first {kept} are read"]
    # the parts kept are the conversations that came first
    assert parts[0].read_bytes().count(b'"prompt 1"') == 1


def test_hostile_ids_name_parts_inside_the_file_s_own_folder(tmp_path):
    ids = ["../../../../evil", "/etc/cron.d/x", "a/../../b", "\x1b]52;c;aGk=\x07", "x" * 10_000, ".", "..",
           "a\u202eb", "con", "a\\..\\b"]  # fmt: skip
    rows = [meta("a2a-server", "2026-08-13T04:44:00Z"), prompt(0, "first")]
    for n, sid in enumerate(ids, 1):
        rows += [meta(sid, "2026-08-13T04:44:01Z"), prompt(n, f"prompt {n}")]
    path = shared(tmp_path / "src", lines(rows))
    parts, _ = gemini_split.split([path], tmp_path / "staged", {}, LineErrors())
    home = tmp_path / "staged" / "split" / gemini_split.part_key(path)
    assert len(parts) == len(ids) and all(p.parent == home and p.name.startswith("session@") for p in parts)
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == sorted([path, *parts])


def test_a_conversation_that_names_another_agent_s_session_is_said_not_quietly_put_in_its_place(tmp_path):
    # A shared file's later conversation gives its own id, so a file can name a real Claude Code
    # session's and, holding more steps, take its place in the list. The sync said nothing: a log
    # the stage writes was taken for a prompt log standing in for its session.
    victim = "5a5a5a5a-1111-4222-8333-444455556666"  # the id `_claude` writes
    _claude([Prompt("fix the login bug")], tmp_path / "claude")
    rows = [meta("a2a-server", "2026-08-13T04:44:07Z"), prompt(0, "hello")]
    rows.append(meta(victim, "2026-08-13T04:44:09Z"))
    rows += [prompt(n, f"planted {n}") for n in range(1, 6)]
    shared(tmp_path / "gemini", lines(rows))
    with Bucket.open(tmp_path / "bucket") as b:
        b.sync({"claude": [tmp_path / "claude" / "projects"]})
        report = b.sync({"gemini": [tmp_path / "gemini" / "tmp"]})
        said = [e.error for e in report.errors]
        assert any(f"session {victim} is also in " in e and "split" in e for e in said), said
