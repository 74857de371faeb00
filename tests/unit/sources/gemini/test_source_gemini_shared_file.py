"""Several sessions in one Gemini CLI v2 file. The a2a server (Cloud Shell's editor, Aug-Sep 2026)
names each file by the minute it started and its fixed id (`session-…T04-44-a2a-serv.jsonl`), so the
sessions it starts within one minute append to the same file, each opening with its own metadata
record: 21 of 40 real files held two to four. Each is a session of its own: the file is its first
one's (its id stays as the file grows), and the stage writes each later one to a log of its own,
which grows with the file. Hand-made files of the same shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tracetui.bucket import Bucket
from tracetui.model import SessionFilter, StepKind
from tracetui.sources import RawLog
from tracetui.sources.gemini import reader as gemini
from tracetui.sources.gemini import split as gemini_split

NAME = "session-2026-08-13T04-44-a2a-serv.jsonl"
PATH = f"/h/.gemini/tmp/shell/chats/{NAME}"
HASH = "7d" * 32
FIRST_ID, SECOND_ID = "a2a-server-20260813T044407570Z", "a2a-server-20260813T044449083Z"
THIRD_ID = "a2a-server-20260813T044458000Z"


def meta(sid: str, start: str) -> dict[str, Any]:
    return {"sessionId": sid, "projectHash": HASH, "startTime": start, "lastUpdated": start, "kind": "main"}


def prompt(mid: str, stamp: str, text: str) -> dict[str, Any]:
    return {"id": mid, "timestamp": stamp, "type": "user", "content": [{"text": text}]}


def reply(mid: str, stamp: str, text: str) -> dict[str, Any]:
    return {"id": mid, "timestamp": stamp, "type": "gemini", "content": text, "model": "gemini-x"}


def lines(*rows: dict[str, Any]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def read(*rows: dict[str, Any], path: str = PATH) -> Any:
    return gemini.read(RawLog(path, lines(*rows)), [])


# The a2a server opens each conversation with the same session context (the same message id) in a
# `$set` of the history, then the prompts.
def context(stamp: str) -> dict[str, Any]:
    text = "<session_context>\nThis is the Gemini CLI.\n- **Workspace Directories:**\n  - /home/ann\n"
    message = {"id": "d0c0", "timestamp": stamp, "type": "user", "content": [{"text": text}]}
    return {"$set": {"messages": [message]}}


FIRST = [meta("a2a-server", "2026-08-13T04:44:07.570Z"), context("2026-08-13T04:44:07.571Z"),
         prompt("m1", "2026-08-13T04:44:08.000Z", "list the buckets")]  # fmt: skip
SECOND = [meta("a2a-server", "2026-08-13T04:44:49.083Z"), context("2026-08-13T04:44:49.084Z"),
          prompt("m2", "2026-08-13T04:44:50.000Z", "show the logs")]  # fmt: skip
THIRD = [meta("a2a-server", "2026-08-13T04:44:58.000Z"), prompt("m3", "2026-08-13T04:44:59.000Z", "stop")]
CWD = "/home/ann"  # the workspace its session context names


def said(session: Any) -> list[str]:
    return [s.text for s in session.steps if s.kind in (StepKind.USER, StepKind.ASSISTANT)]


def test_the_file_is_its_first_session_s_and_keeps_its_id_as_it_grows():
    alone, both = read(*FIRST), read(*FIRST, *SECOND)
    assert alone.id == both.id == FIRST_ID and both.started == "2026-08-13T04:44:07.570Z"
    assert said(both) == said(alone) == ["list the buckets"]
    assert [s.kind for s in both.steps] == [StepKind.CONTEXT, StepKind.USER]
    # the first session goes on after the second began (its writer appends to the same file)
    later = read(*FIRST, *SECOND, meta("a2a-server", "2026-08-13T04:44:07.570Z"),
                 reply("r1", "2026-08-13T04:45:00.000Z", "three buckets"))  # fmt: skip
    assert said(later) == ["list the buckets", "three buckets"] and later.id == FIRST_ID


def test_a_bad_line_is_said_by_the_session_it_is_in():
    data = lines(*FIRST) + b"{torn\n" + lines(*SECOND) + b"{torn too\n"
    first = gemini.read(RawLog(PATH, data), [])
    assert [e.line for e in first.errors] == [4]


def test_a_session_s_own_metadata_written_again_is_no_other_session():
    sid = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
    again = meta(sid, "2026-08-13T05:00:00.000Z") | {"lastUpdated": "2026-08-13T05:10:00.000Z"}
    s = read(meta(sid, "2026-08-13T05:00:00.000Z"), prompt("m1", "2026-08-13T05:00:01.000Z", "hi"), again)
    assert s.id == sid and [x.kind for x in s.steps] == [StepKind.USER]


def stage(tmp_path: Path, data: bytes) -> tuple[Path, list[Path]]:
    chats = tmp_path / "tmp" / "shell" / "chats"
    chats.mkdir(parents=True, exist_ok=True)
    (chats / NAME).write_bytes(data)
    out, problems = gemini.stage([chats / NAME], tmp_path / "staged")
    assert problems == [] and out[0] == chats / NAME
    return chats / NAME, out[1:]


def read_part(part: Path) -> Any:
    return gemini.read(RawLog(str(part), part.read_bytes()), [])


def test_the_stage_writes_each_later_session_to_a_log_of_its_own(tmp_path):
    shared, parts = stage(tmp_path, lines(*FIRST, *SECOND))
    [part] = parts
    assert part.name == f"session@{SECOND_ID}.jsonl" and part.read_bytes() == lines(*SECOND)
    second = read_part(part)
    assert (second.id, said(second)) == (SECOND_ID, ["show the logs"])
    assert second.started == "2026-08-13T04:44:49.083Z"
    assert second.cwd == "/home/ann"
    # the file grows: the second session's reply, then a third session; each log grows on its own
    grown = [*FIRST, *SECOND, reply("r2", "2026-08-13T04:44:51.000Z", "no logs"), *THIRD]
    shared.write_bytes(lines(*grown) + b'{"id": "m4", "type": "us')  # a torn last line waits
    out, _ = gemini.stage([shared], tmp_path / "staged")
    assert [p.name for p in out[1:]] == [f"session@{SECOND_ID}.jsonl", f"session@{THIRD_ID}.jsonl"]
    assert out[1].read_bytes().startswith(lines(*SECOND))
    assert said(read_part(out[1])) == ["show the logs", "no logs"]
    assert said(read_part(out[2])) == ["stop"] and read(*grown).id == FIRST_ID


def test_a_file_of_one_session_is_passed_on_and_read_on_from_where_the_stage_stopped(tmp_path, monkeypatch):
    shared, parts = stage(tmp_path, lines(*FIRST))
    assert parts == []
    seen: list[int] = []
    real = gemini_split._complete_lines

    def counting(fh: Any, start: int) -> Any:
        seen.append(start)
        return real(fh, start)

    monkeypatch.setattr(gemini_split, "_complete_lines", counting)
    assert gemini.stage([shared], tmp_path / "staged")[0] == [shared] and seen == []  # unchanged: not read
    with shared.open("ab") as fh:
        fh.write(lines(reply("r1", "2026-08-13T04:44:09.000Z", "three")))
    assert gemini.stage([shared], tmp_path / "staged")[0] == [shared] and seen == [len(lines(*FIRST))]
    # rewritten under the same length: read from its start again
    shared.write_bytes(shared.read_bytes().replace(b"three", b"THREE"))
    gemini.stage([shared], tmp_path / "staged")
    assert seen[-1] == 0


def test_sessions_of_random_ids_that_share_a_file_go_back_to_the_one_that_writes_again(tmp_path):
    a, b = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", "1c2d3e4f-5061-4b7c-9d8e-0f1a2b3c4d5e"
    rows = [meta(a, "2026-08-13T05:00:00.000Z"), prompt("m1", "2026-08-13T05:00:01.000Z", "first"),
            meta(b, "2026-08-13T05:00:30.000Z"), prompt("m2", "2026-08-13T05:00:31.000Z", "second"),
            meta(a, "2026-08-13T05:00:00.000Z"),
            reply("r1", "2026-08-13T05:00:40.000Z", "to the first")]  # fmt: skip
    _, [part] = stage(tmp_path, lines(*rows))
    assert said(read(*rows)) == ["first", "to the first"]
    assert (read_part(part).id, said(read_part(part))) == (b, ["second"])


def test_the_bucket_lists_each_session_and_keeps_their_ids_as_the_file_grows(tmp_path):
    gemini_home = tmp_path / "tmp"
    chats = gemini_home / "shell" / "chats"
    chats.mkdir(parents=True)
    (gemini_home / "shell" / ".project_root").write_text("/home/ann/shop")
    (chats / NAME).write_bytes(lines(*FIRST, *SECOND))
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"gemini": [gemini_home]})

    def listed() -> dict[str, tuple[str | None, str | None]]:
        return {r.id: (r.title, r.cwd) for r in bucket.list_sessions(SessionFilter(include_hidden=True))}

    assert listed() == {FIRST_ID: ("list the buckets", CWD), SECOND_ID: ("show the logs", CWD)}
    # the cut-out session reads with its file's project files, as the file's first session does
    assert [Path(f).name for f in bucket.session(SECOND_ID).files][1:] == [".project_root"]
    # a watcher names the file as a third session opens in it
    with (chats / NAME).open("ab") as fh:
        fh.write(lines(*THIRD))
    bucket.sync({"gemini": [gemini_home]}, paths=[str(chats / NAME)])
    assert set(listed()) == {FIRST_ID, SECOND_ID, THIRD_ID}
    assert said(bucket.session(FIRST_ID)) == ["list the buckets"]


def test_a_fixed_id_takes_no_title_from_logs_json():
    # logs.json names every a2a session `a2a-server`: its first prompt is not this session's
    entry = {"sessionId": "a2a-server", "messageId": 0, "type": "user", "message": "deploy it"}
    logs = RawLog("/h/.gemini/tmp/shell/logs.json", orjson.dumps([entry]))
    only_context = lines(FIRST[0], FIRST[1])
    assert gemini.read(RawLog(PATH, only_context), [logs]).title is None
