"""Claude Code's summaries title the conversation whose last record they name, from whichever
transcript of the project folder holds them: its resume picker shows them so, and 1.0.x often wrote
them into a new transcript holding nothing else. The reader says what each transcript ends on and
gives (`TitleLinks`); the bucket titles after each sync (`index.title_by_neighbours`). Hand-made
records of 1.0.98's shapes, and the corpus's own folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import shared_data as shared

from tracetui.bucket import Bucket
from tracetui.model import SessionFilter
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code
from tracetui.sources.common import titles as titles_module

A = "1a7f0c5e-8455-4414-9ccd-011d40f70b2a"
B = "fe5e1c67-53e7-4862-81ae-d0e013e3270b"
C = "3c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"
FOLDER = "-srv-demo"
CWD = "/srv/demo"
SUMMED = "Empty Repo Setup: CLAUDE.md Foundation Created"


def line(sid: str, kind: str, uuid: str, parent: str | None, text: str, second: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": kind, "content": text}
    if kind == "assistant":
        message = {
            "role": kind,
            "id": f"m-{uuid}",
            "model": "claude-x",
            "content": [{"type": "text", "text": text}],
        }
    return {"type": kind, "uuid": uuid, "parentUuid": parent, "sessionId": sid, "cwd": CWD, "version": "1.0.98",
            "timestamp": f"2025-09-01T10:00:{second:02d}.000Z", "message": message}  # fmt: skip


def summary(text: str, leaf: str) -> dict[str, Any]:
    return {"type": "summary", "summary": text, "leafUuid": leaf}


def data(*records: dict[str, Any]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


# A: `/init`, answered, then a system record after the answer (its last message is a1).
INIT = (
    line(A, "user", "u1", None, "/init", 1),
    line(A, "assistant", "a1", "u1", "CLAUDE.md written.", 2),
    {"type": "system", "uuid": "s1", "parentUuid": "a1", "sessionId": A, "content": "done", "subtype": "x",
     "timestamp": "2025-09-01T10:00:03.000Z"},
)  # fmt: skip


def read(sid: str, *records: dict[str, Any]):
    return claude_code.read(RawLog(f"/h/.claude/projects/{FOLDER}/{sid}.jsonl", data(*records)), [])


def test_a_transcript_says_what_it_ends_on_and_what_it_gives_others():
    a = read(A, *INIT)
    assert a.title == "/init" and a.title_links is not None
    assert (a.title_links.leaves, a.title_links.given, a.title_links.settled) == (["s1", "a1"], {}, False)
    b = read(
        B, summary(SUMMED, "a1"), summary("Of itself", "u9"), line(B, "user", "u9", None, "next task", 5)
    )
    assert b.title_links is not None and b.title_links.given == {"a1": SUMMED}
    assert b.title_links.settled  # its own summary names one of its lines: the title is the agent's
    only = read(C, summary("  ", "x1"), summary(" Several\n words ", "x2"))
    assert only.hidden == "empty" and only.title_links is not None
    assert (only.title_links.leaves, only.title_links.given) == ([], {"x2": "Several words"})


def test_a_conversation_ends_on_its_last_message_however_many_records_follow():
    after = [
        {"type": "system", "uuid": f"s{i}", "parentUuid": "a1", "sessionId": A, "content": "x", "subtype": "x",
         "timestamp": "2025-09-01T10:00:03.000Z"}
        for i in range(2, 14)
    ]  # fmt: skip
    a = read(A, *INIT, *after)
    assert a.title_links is not None
    assert a.title_links.leaves == ["s13", "s12", "s11", "s10", "s9", "s8", "s7", "s6", "a1"]


def test_a_transcript_with_a_title_of_its_own_keeps_it():
    renamed = read(A, *INIT, {"type": "custom-title", "customTitle": "My init", "sessionId": A})
    assert renamed.title == "My init" and renamed.title_links is not None and renamed.title_links.settled


def test_a_blank_summary_of_its_own_leaves_the_title_open_as_it_leaves_the_prompt():
    # Its last own summary is blank, so the title is its prompt: another transcript's summary may replace it.
    a = read(A, *INIT, summary("Earlier words", "u1"), summary("  ", "a1"))
    assert a.title == "/init" and a.title_links is not None and not a.title_links.settled


def test_a_transcript_gives_at_most_its_last_512_titles():
    many = read(C, *(summary(f"title {i}", f"leaf-{i}") for i in range(5000)))
    assert many.title_links is not None and len(many.title_links.given) == claude_code.GIVEN == 512
    assert many.title_links.given["leaf-4999"] == "title 4999" and "leaf-4487" not in many.title_links.given


def _titles(bucket: Bucket) -> dict[str, str | None]:
    return {r.id: r.title for r in bucket.list_sessions(SessionFilter(include_hidden=True))}


def test_the_bucket_titles_a_conversation_by_the_summary_another_transcript_gives_its_end(tmp_path: Path):
    projects = tmp_path / "claude"
    folder = projects / FOLDER
    folder.mkdir(parents=True)
    (folder / f"{A}.jsonl").write_bytes(data(*INIT))
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"claude": [projects]})
    assert _titles(bucket)[A] == "/init"
    # The next transcript opens with the summary of A's conversation (a watcher's sync of it alone).
    (folder / f"{B}.jsonl").write_bytes(
        data(summary(SUMMED, "a1"), line(B, "user", "u9", None, "next task", 5))
    )
    bucket.sync({"claude": [projects]}, paths=[str(folder / f"{B}.jsonl")])
    assert _titles(bucket) == {A: SUMMED, B: "next task"}
    assert bucket.session(A).title == SUMMED  # `show` and the app read the row
    # A read again (its log grew past the summarised end): the picker shows its prompt again (the
    # first that says something: a bare command is a weak title).
    with (folder / f"{A}.jsonl").open("ab") as fh:
        fh.write(data(line(A, "user", "u2", "s1", "and a README", 7)))
    bucket.sync({"claude": [projects]})
    assert _titles(bucket)[A] == "and a README"
    # A later transcript sums the new end up: the newest summary of an end wins over an older one.
    (folder / f"{C}.jsonl").write_bytes(data(summary("README added", "u2"), summary("older words", "a1")))
    bucket.sync({"claude": [projects]})
    assert _titles(bucket)[A] == "README added"


def test_a_sync_that_writes_many_logs_of_a_folder_titles_them_all(tmp_path: Path):
    # More logs written in one folder than are looked up by name (and no log that gives titles among
    # them): the folder is read whole.
    folder = tmp_path / "claude" / FOLDER
    folder.mkdir(parents=True)
    (folder / f"{B}.jsonl").write_bytes(data(summary("The last one", "a299"), summary("The first one", "a0")))
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"claude": [tmp_path / "claude"]})
    ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(300)]
    for i, sid in enumerate(ids):
        lines = (
            line(sid, "user", f"u{i}", None, f"task {i}", 1),
            line(sid, "assistant", f"a{i}", f"u{i}", "ok", 2),
        )
        (folder / f"{sid}.jsonl").write_bytes(data(*lines))
    bucket.sync({"claude": [tmp_path / "claude"]})
    titles = _titles(bucket)
    assert (titles[ids[0]], titles[ids[1]], titles[ids[299]]) == ("The first one", "task 1", "The last one")


def test_no_summary_titles_across_folders_an_earlier_line_or_a_renamed_session(tmp_path: Path):
    projects = tmp_path / "claude"
    (projects / FOLDER).mkdir(parents=True)
    (projects / "-srv-other").mkdir()
    (projects / FOLDER / f"{A}.jsonl").write_bytes(data(*INIT))
    renamed = [*INIT, {"type": "custom-title", "customTitle": "Kept", "sessionId": C}]
    (projects / FOLDER / f"{C}.jsonl").write_bytes(data(*({**r, "sessionId": C} for r in renamed)))
    (projects / "-srv-other" / f"{B}.jsonl").write_bytes(data(summary("From elsewhere", "a1")))
    earlier = "0b0b0b0b-0000-4000-8000-00000000000b"
    (projects / FOLDER / f"{earlier}.jsonl").write_bytes(data(summary("Of its start", "u1")))
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"claude": [projects]})
    titles = _titles(bucket)
    assert (titles[A], titles[C]) == ("/init", "Kept")


def test_titles_given_are_text_whatever_a_log_writes_there(tmp_path: Path):
    # A summary is a log's string: kept as words (a title is drawn as text everywhere), and a value of
    # another type in `summary` or `leafUuid` gives nothing.
    folder = tmp_path / "claude" / FOLDER
    folder.mkdir(parents=True)
    (folder / f"{A}.jsonl").write_bytes(data(*INIT))
    hostile = "\x1b]52;c;aGk=\x07[red]x[/red] " + "w" * 300
    records = [summary(hostile, "a1"), {"type": "summary", "summary": {"x": 1}, "leafUuid": "a1"},
               {"type": "summary", "summary": "list leaf", "leafUuid": ["a1"]}]  # fmt: skip
    (folder / f"{B}.jsonl").write_bytes(data(*records))
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"claude": [tmp_path / "claude"]})
    title = _titles(bucket)[A]
    assert (
        title is not None
        and title.startswith("\x1b]52;c;aGk=\x07[red]x[/red] w")
        and len(title) == titles_module.TITLE_LIMIT
    )


CORPUS_TITLES = {
    # 1.0.98's `/init`, summed up by the next transcript of the folder
    "1af7fc5e-8455-4414-9ccd-011d40f70b2a": SUMMED,
    # 1.0.x's ai-music folder: each conversation summed up in the next transcript
    "ba79134d-b6e9-4867-af0c-6941038c9e4b": "AI Music: Embedding Words into Sound",
    "d3ad4cdc-5657-435d-98fa-0035d53e383d": "AI Music Generation: Diverse Embedding Mapping",
    # its last transcript is summed up nowhere: its prompt
    "fed8ce56-bc79-401f-a83e-af084253362f": "push to github",
}


@shared.requires_corpus
@pytest.mark.corpus
def test_the_corpus_folders_are_titled_as_claude_codes_picker_titles_them(tmp_path: Path):
    import shutil

    src = tmp_path / "claude"
    src.mkdir()
    # The corpus flattens each file's path into its name; a project's transcripts share a folder again.
    for log in shared.corpus_files("claude"):
        for prefix, folder in (
            ("chiphuyen__sniffly__", "ai-music"),
            ("d-kimuson__claude-code-viewer__", "sample"),
        ):
            if log.name.startswith(prefix):
                (src / folder).mkdir(exist_ok=True)
                shutil.copy(log, src / folder / (log.name.rsplit("__", 1)[1]))
    bucket = Bucket.open(tmp_path / "bucket")
    bucket.sync({"claude": [src]})
    titles = _titles(bucket)
    assert {k: titles.get(k) for k in CORPUS_TITLES} == CORPUS_TITLES
