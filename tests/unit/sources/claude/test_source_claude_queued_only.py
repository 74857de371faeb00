"""A Claude Code transcript that holds nothing but its prompt queue. Print and SDK runs queue their
prompt too (`enqueue`, then `dequeue` as it is sent); a run stopped before the prompt reached the
conversation leaves those two records alone, with no cwd: 52 of a real OpenClaw host's transcripts,
its ACP bridge's "hello" probes among them, listed as empty sessions with no title and no project.
They are that prompt, unanswered: titled by it, hidden for that reason, and (in a bucket) in the
project their folder stands for. Hand-made records of the real shapes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson

from tracetui.bucket import Bucket
from tracetui.model import SessionFilter, StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import files as claude_files
from tracetui.sources.claude import reader as claude_code
from tracetui.sources.common import titles

SID = "5d1c0a7e-2b3f-4c4d-8e5f-60718293a4b5"
OTHER = "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b"
CWD = "/srv/bots/harbour.app"
FOLDER = "-srv-bots-harbour-app"  # the folder Claude Code keeps CWD's sessions in
PATH = f"/h/.claude/projects/{FOLDER}/{SID}.jsonl"


def stamp(second: int) -> str:
    return f"2026-04-02T09:15:{second:02d}.120Z"


def queue(operation: str, second: int, content: Any = None) -> dict[str, Any]:
    record = {"type": "queue-operation", "operation": operation, "timestamp": stamp(second), "sessionId": SID}
    if content is not None:
        record["content"] = content
    return record


def line(kind: str, uuid: str, parent: str | None, text: Any, sid: str = SID, cwd: str = CWD) -> dict:
    message = {"role": kind, "content": text}
    if kind == "assistant":
        message |= {"id": f"m-{uuid}", "model": "claude-x"}
    return {"type": kind, "uuid": uuid, "parentUuid": parent, "sessionId": sid, "cwd": cwd,
            "timestamp": stamp(40), "message": message}  # fmt: skip


def data(*records: dict[str, Any]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def read(*records: dict[str, Any]) -> Any:
    return claude_code.read(RawLog(PATH, data(*records)), [])


ASKED = (queue("enqueue", 1, "ping the tide api"), queue("dequeue", 1))


def test_a_transcript_of_only_a_queued_prompt_is_that_prompt_unanswered():
    s = read(*ASKED)
    assert [(x.id, x.kind, x.text, x.meta) for x in s.steps] == [
        ("queued@L1", StepKind.USER, "ping the tide api", {"queued": True})
    ]
    assert (s.id, s.title, s.hidden) == (SID, "ping the tide api", titles.HIDDEN_QUEUED)
    assert (s.started, s.ended, s.tool_calls, s.cwd) == (stamp(1), stamp(1), 0, None)
    # typed and never sent (no dequeue): the same
    alone = read(queue("enqueue", 3, "and the moon"), queue("enqueue", 4, "both"))
    assert [x.text for x in alone.steps] == ["and the moon", "both"] and alone.steps[1].parent == "queued@L1"
    assert alone.hidden == titles.HIDDEN_QUEUED


def test_a_queue_with_no_words_is_still_empty():
    s = read(queue("enqueue", 1, ""), queue("dequeue", 1))
    assert (s.steps, s.title, s.hidden) == ([], None, titles.HIDDEN_EMPTY)


def test_a_session_whose_prompt_went_through_the_queue_is_read_as_before():
    reply = [{"type": "text", "text": "200 OK"}]
    s = read(*ASKED, line("user", "u1", None, "ping the tide api"), line("assistant", "a1", "u1", reply))
    assert [x.id for x in s.steps] == ["u1", "a1"] and s.hidden is None


def test_reading_on_from_a_snapshot_gives_the_same_session():
    _, state = claude_code.resume(None, RawLog(PATH, data(ASKED[0])), [])
    resumed, _ = claude_code.resume(state, RawLog(PATH, data(*ASKED)), [])

    def digest(s: Any) -> str:
        return hashlib.sha256(orjson.dumps(s.to_dict(), option=orjson.OPT_SORT_KEYS)).hexdigest()

    assert state is not None and digest(resumed) == digest(read(*ASKED))


def test_the_bucket_places_it_in_the_project_its_folder_stands_for(tmp_path: Path):
    projects = tmp_path / "claude"
    folder = projects / FOLDER
    folder.mkdir(parents=True)
    (folder / f"{SID}.jsonl").write_bytes(data(*ASKED))
    # a session of another cwd, which Claude Code keeps elsewhere, copied in here: no cwd to give
    stray = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
    (folder / f"{stray}.jsonl").write_bytes(data(line("user", "u1", None, "go", stray, "/srv/bots/tides")))
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"claude": [projects]})
    row = next(r for r in bucket.list_sessions(SessionFilter(include_hidden=True)) if r.id == SID)
    assert (row.cwd, row.project, row.hidden) == (None, None, titles.HIDDEN_QUEUED)
    # its neighbour arrives later (a watcher's sync of that file alone): the folder's cwd is known now
    (folder / f"{OTHER}.jsonl").write_bytes(data(line("user", "u1", None, "ping it again", OTHER)))
    bucket.sync({"claude": [projects]}, paths=[str(folder / f"{OTHER}.jsonl")])
    row = next(r for r in bucket.list_sessions(SessionFilter(include_hidden=True)) if r.id == SID)
    assert (row.cwd, row.project, row.title) == (CWD, "harbour.app", "ping the tide api")
    assert bucket.session(SID).cwd == CWD
    # read again (its log grew), it keeps it
    with (folder / f"{SID}.jsonl").open("ab") as fh:
        fh.write(data(queue("enqueue", 30, "again?")))
    bucket.sync({"claude": [projects]})
    assert bucket.session(SID).cwd == CWD and len(bucket.session(SID).steps) == 2


def test_two_cwds_the_folder_could_stand_for_give_it_neither(tmp_path: Path):
    folder = tmp_path / "claude" / FOLDER
    folder.mkdir(parents=True)
    (folder / f"{SID}.jsonl").write_bytes(data(*ASKED))
    for n, cwd in enumerate((CWD, "/srv/bots/harbour/app")):
        sid = OTHER[:-1] + str(n)
        (folder / f"{sid}.jsonl").write_bytes(data(line("user", "u1", None, "go", sid, cwd)))
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"claude": [tmp_path / "claude"]})
    assert bucket.session(SID).cwd is None


def test_the_folder_a_cwd_s_sessions_go_to():
    assert claude_files.project_folder("C:\\Users\\ana\\tides_2") == "C--Users-ana-tides-2"
    assert claude_files.project_folder("/w/mar\u00e9e/\U0001f30a") == "-w-mar-e---"  # one dash a UTF-16 unit
    assert claude_files.in_cwd_folder(f"/h/.claude/projects/{FOLDER}/{SID}.jsonl", CWD)
    # a flattened copy names its folder in its file name
    assert claude_files.in_cwd_folder(f"/c/o__r__.claude__projects__{FOLDER}__{SID}.jsonl", CWD)
    assert not claude_files.in_cwd_folder(f"/h/.claude/projects/{FOLDER}/{SID}.jsonl", "/srv/bots/tides")
    # a long cwd's folder is cut and ends with a hash of the whole (its first 200 characters are judged)
    deep = "/w/" + "very-long-folder-name/" * 12
    cut = claude_files.project_folder(deep)[:200] + "-1x2y3z"
    assert claude_files.in_cwd_folder(f"/h/.claude/projects/{cut}/{SID}.jsonl", deep)
    assert not claude_files.in_cwd_folder(f"/h/.claude/projects/{cut}/{SID}.jsonl", "/v" + deep[2:])
