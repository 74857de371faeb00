"""Gemini CLI's stage hook over several syncs: `logs.json` is read again only when it changed, and a
prompt log of the bucket's (a session only `logs.json` remembers) goes once it stands for nothing:
its session got its own chat file, or `logs.json` no longer names it. The bucket keeps its copy, so
no session it listed is lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import CORPUS, corpus_files, requires_corpus

from tracetui.bucket import Bucket
from tracetui.bucket.locations import discover
from tracetui.sources.gemini import files as gemini_files
from tracetui.sources.gemini import project as gemini_project
from tracetui.sources.gemini import reader as gemini
from tracetui.sources.gemini import stage as gemini_stage

UUID = "9c9c9c9c-0000-4000-8000-000000000001"
BOTH = ["gemini-prompts-1749157231.json", f"gemini-prompts-{UUID}.json"]  # logs.json's two sessions


def _entry(sid: Any, n: int, text: str) -> dict[str, Any]:
    stamp = f"2025-06-0{n + 1}T10:00:00Z"
    return {"sessionId": sid, "messageId": n, "type": "user", "message": text, "timestamp": stamp}


@pytest.fixture
def project(tmp_path) -> Path:
    logs = tmp_path / "src" / "shop" / ".gemini" / "logs.json"
    logs.parent.mkdir(parents=True)
    logs.write_bytes(orjson.dumps([_entry(1749157231, 0, "review the code"), _entry(UUID, 0, "write tests"),
                                   _entry(UUID, 1, "and run them")]))  # fmt: skip
    return logs


def _chat(root: Path) -> Path:
    chat = root / "tmp" / "h" / "chats" / "session-2025-06-05T10-00-9c9c9c9c.json"
    chat.parent.mkdir(parents=True, exist_ok=True)
    messages = [
        {"id": "u1", "type": "user", "timestamp": "2025-06-05T10:00:00Z", "content": "write tests"},
        {"id": "a1", "type": "gemini", "timestamp": "2025-06-05T10:00:01Z", "content": "Done."},
        {"id": "u2", "type": "user", "timestamp": "2025-06-05T10:00:02Z", "content": "and run them"},
        {"id": "a2", "type": "gemini", "timestamp": "2025-06-05T10:00:03Z", "content": "All pass."},
    ]
    chat.write_bytes(orjson.dumps({"sessionId": UUID, "projectHash": "0" * 64, "messages": messages}))
    return chat


def _prompt_logs(staging: Path) -> list[str]:
    return sorted(p.name for p in staging.rglob(f"{gemini.PROMPTS_PREFIX}*.json"))


def _count_reads(monkeypatch) -> list[str]:
    opened: list[str] = []
    real = gemini_stage.open_regular

    def counting(path):
        opened.append(Path(path).name)
        return real(path)

    # Every module of the stage that opens a file: the logs.json, the chat heads, the project root.
    monkeypatch.setattr(gemini_stage, "open_regular", counting)
    monkeypatch.setattr(gemini_project, "open_regular", counting)
    return opened


def test_an_unchanged_logs_json_is_not_read_again(tmp_path, project, monkeypatch):
    staging = tmp_path / "staged"
    chat = _chat(tmp_path / "src")
    first, problems = gemini.stage([project, chat], staging)
    assert problems == [] and _prompt_logs(staging) == ["gemini-prompts-1749157231.json"]
    opened = _count_reads(monkeypatch)
    written = (staging / gemini_stage.STAGE_STATE).stat().st_mtime_ns
    again, problems = gemini.stage([project, chat], staging)
    assert (again, problems, opened) == (first, [], [])  # neither logs.json nor the chat file's head
    assert (staging / gemini_stage.STAGE_STATE).stat().st_mtime_ns == written  # nor its state written again
    # Changed (a new session's prompt): read once more, and the new prompt log is there.
    project.write_bytes(orjson.dumps([*orjson.loads(project.read_bytes()), _entry(1749251270, 0, "fix it")]))
    grown, _ = gemini.stage([project, chat], staging)
    assert opened == ["logs.json"]
    assert _prompt_logs(staging) == ["gemini-prompts-1749157231.json", "gemini-prompts-1749251270.json"]
    assert len(grown) == len(first) + 1


def test_a_damaged_state_means_a_fresh_read_not_a_loss(tmp_path, project, monkeypatch):
    staging = tmp_path / "staged"
    first, _ = gemini.stage([project], staging)
    for damage in (b"{not json", b"[1, 2]", orjson.dumps({"v": 1, "logs": {str(project): {"stat": "x"}}}),
                   orjson.dumps({"v": 1, "logs": [], "heads": 7})):  # fmt: skip
        (staging / gemini_stage.STAGE_STATE).write_bytes(damage)
        opened = _count_reads(monkeypatch)
        again, problems = gemini.stage([project], staging)
        assert (again, problems, opened) == (first, [], ["logs.json"])
        monkeypatch.undo()


def test_a_prompt_log_goes_when_its_session_gets_its_chat_file(tmp_path, project):
    staging = tmp_path / "staged"
    gemini.stage([project], staging)
    assert _prompt_logs(staging) == BOTH
    chat = _chat(tmp_path / "src")
    files, _ = gemini.stage([project, chat], staging)  # logs.json unchanged: not read, still mended
    assert _prompt_logs(staging) == ["gemini-prompts-1749157231.json"]
    assert all(p.exists() for p in files)
    # The chat file cleaned up again: the prompt log is back, from logs.json.
    chat.unlink()
    gemini.stage([project], staging)
    assert _prompt_logs(staging) == BOTH


def test_a_prompt_log_goes_when_logs_json_no_longer_names_it_or_is_gone(tmp_path, project):
    staging = tmp_path / "staged"
    gemini.stage([project], staging)
    project.write_bytes(orjson.dumps([_entry(UUID, 0, "write tests")]))
    gemini.stage([project], staging)
    assert _prompt_logs(staging) == [f"gemini-prompts-{UUID}.json"]
    # A sync of other folders leaves it alone; logs.json deleted takes it away.
    gemini.stage([], staging)
    assert _prompt_logs(staging) == [f"gemini-prompts-{UUID}.json"]
    project.unlink()
    gemini.stage([], staging)
    assert _prompt_logs(staging) == [] and [p.name for p in staging.iterdir()] == [gemini_stage.STAGE_STATE]


def test_a_damaged_or_unreadable_logs_json_keeps_what_it_staged(tmp_path, project):
    staging = tmp_path / "staged"
    gemini.stage([project], staging)
    staged = _prompt_logs(staging)
    project.write_bytes(b'[{"sessionId": 1, "message": "a"')  # torn mid-write
    files, problems = gemini.stage([project], staging)
    assert (problems, _prompt_logs(staging)) == ([], staged)
    project.write_bytes(b"[" + b" " * (gemini_files.MAX_LOGS + 1) + b"]")
    files, problems = gemini.stage([project], staging)
    assert "too large" in problems[0].error and _prompt_logs(staging) == staged


def _sync(bucket: Bucket, root: Path):
    return bucket.sync({"gemini": [root]})


def test_the_bucket_keeps_every_session_whose_prompt_log_went(tmp_path, project):
    root = tmp_path / "src"
    with Bucket.open(tmp_path / "b") as bucket:
        report = _sync(bucket, root)
        assert (report.errors, report.new) == ([], 2)
        rows = {r.id: r for r in bucket.list_sessions()}
        assert set(rows) == {"1749157231", UUID} and rows[UUID].steps == 2
        # The session's own chat file turns up: its prompt log goes, the chat file's session is listed.
        chat = _chat(root)
        report = _sync(bucket, root)
        # The chat file's session takes over from the prompt log that stood in for it: the plan, not
        # two logs of one id to report (docs/design.md, "Bucket").
        assert report.errors == [] and chat.exists()
        rows = {r.id: r for r in bucket.list_sessions()}
        assert set(rows) == {"1749157231", UUID} and rows[UUID].steps == 4
        assert rows[UUID].source.endswith(".json") and "chats" in rows[UUID].source
        # logs.json forgets the June session, then is deleted: it stays listed from the bucket's copy.
        project.write_bytes(orjson.dumps([_entry(UUID, 0, "write tests")]))
        _sync(bucket, root)
        project.unlink()
        report = _sync(bucket, root)
        assert not list((tmp_path / "b" / "staged" / "gemini").rglob(f"{gemini.PROMPTS_PREFIX}*"))
        rows = {r.id: r for r in bucket.list_sessions()}
        assert set(rows) == {"1749157231", UUID}
        assert bucket.session("1749157231").steps[0].text == "review the code"
        again = _sync(bucket, root)
        assert (again.new, again.updated, again.errors) == (0, 0, [])


@requires_corpus
def test_the_corpus_logs_json_are_read_once(tmp_path, monkeypatch):
    found = discover("gemini", [CORPUS / "gemini"])
    assert corpus_files("gemini", "*logs.json")
    first, problems = gemini.stage(found, tmp_path / "staged")
    assert problems == [] and _prompt_logs(tmp_path / "staged")
    opened = _count_reads(monkeypatch)
    again, _ = gemini.stage(found, tmp_path / "staged")
    assert (again, opened) == (first, [])


def test_a_fifo_named_logs_json_is_one_line_and_the_rest_is_staged(tmp_path, project):
    """open_regular refuses it with a TracetuiError, which ended the whole stage ("cannot gather
    gemini sessions"), every other logs.json's sessions with it."""
    import os

    other = tmp_path / "src" / "other" / ".gemini" / "logs.json"
    other.parent.mkdir(parents=True)
    os.mkfifo(other)
    files, problems = gemini.stage([other, project], tmp_path / "staged")
    assert [(p.path, "FIFO" in p.error) for p in problems] == [(str(other), True)]
    assert _prompt_logs(tmp_path / "staged") == BOTH


def test_a_logs_json_under_a_name_that_is_not_utf8_is_left_to_the_sync(tmp_path, project):
    """Its prompt log's JSON could not hold the name, and the stage ended in an encoding error, every
    other logs.json's sessions with it; the sync names the file in one line and leaves it alone."""
    import os

    odd = Path(os.fsdecode(bytes(tmp_path / "src") + b"/caf\xe9/.gemini/logs.json"))
    odd.parent.mkdir(parents=True)
    odd.write_bytes(orjson.dumps([_entry("elsewhere", 0, "hello")]))
    files, problems = gemini.stage([odd, project], tmp_path / "staged")
    assert problems == [] and odd in files
    assert _prompt_logs(tmp_path / "staged") == BOTH
    assert gemini.stage([odd, project], tmp_path / "staged")[0] == files
