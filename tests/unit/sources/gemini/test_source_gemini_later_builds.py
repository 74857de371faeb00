"""Gemini CLI session files of shapes later builds write (hand-made, in tests/fixtures/gemini-a2a and
gemini-batch). Files that all carry one fixed `sessionId` (the a2a server writes `"a2a-server"` into
every file it records): each conversation is a session of its own, and the same file copied
elsewhere is still one session, listed once. A parallel batch whose every call carries the whole
batch's responses: each call reads its own. A `<session_context>` listing the workspace directories
gives the cwd."""

from __future__ import annotations

import shutil
from pathlib import Path

from shared_data import FIXTURES

from tracetui.bucket import Bucket
from tracetui.model import SessionFilter
from tracetui.sources import read_session
from tracetui.sources.gemini import files as gemini_files
from tracetui.sources.gemini import reader as gemini

TMP = FIXTURES / "gemini-a2a" / "tmp"
[CHATS] = list(TMP.glob("*/chats"))
FIRST = CHATS / "session-2026-06-03T07-46-a2a-serv.jsonl"
SECOND = CHATS / "session-2026-06-03T09-12-a2a-serv.jsonl"


def _read(path: Path):
    [files] = [g for g in gemini.group([path])]
    return read_session(files)


def test_each_conversation_under_a_shared_id_is_its_own_session():
    first, second = _read(FIRST), _read(SECOND)
    assert first.id != second.id
    assert first.id.startswith("a2a-server") and second.id.startswith("a2a-server")
    assert [s.text for s in first.steps] == ["name three prime numbers", "2, 3 and 5."]
    assert [s.text for s in second.steps] == ["what is the capital of Peru", "Lima."]


def test_a_uuid_session_id_is_kept_as_it_is():
    garden = FIXTURES / "gemini" / "tmp" / "garden" / "chats"
    session = _read(garden / "session-2026-05-01T10-00-5e0c1a2b.jsonl")
    assert session.id == "5e0c1a2b-1111-4a4a-9b9b-0123456789ab"


def test_the_bucket_lists_both_and_a_copy_of_one_only_once(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(TMP, src / "tmp")
    # the same session's file copied into another project folder (a backup): one session still
    backup = src / "tmp" / "backup" / "chats"
    backup.mkdir(parents=True)
    shutil.copy(FIRST, backup / FIRST.name)
    with Bucket.open(tmp_path / "b") as b:
        report = b.sync({"gemini": [src]})
        rows = b.list_sessions(SessionFilter(include_hidden=True))
        titles = sorted(r.title or "" for r in rows)
        assert titles == ["name three prime numbers", "what is the capital of Peru"]
        assert len({r.id for r in rows}) == 2
        copies = [e for e in report.errors if "already read from" in e.error or " also in " in e.error]
        assert len(copies) == 1  # the backup copy, said once, never a second conversation
        again = b.sync({"gemini": [src]})
        assert (again.new, again.updated) == (0, 0)


BATCH = FIXTURES / "gemini-batch" / "tmp" / "ledger" / "chats" / "session-2026-06-12T04-14-3d2c1b0a.json"


def test_each_call_of_a_batch_gets_its_own_response_of_the_list_every_call_carries():
    """Builds of mid-2026 write, in every tool call of a parallel batch, the `result` list of the whole
    batch (each call's `functionResponse` by its id): each result is its own call's output, and one
    call's error fails that call alone."""
    session = _read(BATCH)
    results = [s for s in session.steps if s.kind == "tool_result"]
    assert [(r.tool, r.text, r.is_error) for r in results] == [
        ("read_file", "flask==3.1.3\n", False),
        ("run_shell_command", "Output: pip 25.2", False),
        ("list_directory", "Directory not found: static", True),
    ]


def test_the_cwd_comes_from_the_workspace_directories_of_the_session_context():
    """Mid-2026 builds open a session with a `<session_context>` part listing the workspace directories
    (here a Windows folder with a space); no path of the log hashes to the projectHash and the
    document names no `directories`: that list gives the cwd."""
    session = _read(BATCH)
    assert session.cwd == "D:\\work\\ledger app"
    assert session.steps[0].kind == "context"


def test_the_short_id_of_a_file_name_is_what_follows_its_time_dashes_and_all():
    assert gemini_files._short_id(FIRST) == "a2a-serv"
    assert gemini_files._short_id(Path("session-2026-05-01T10-00-5e0c1a2b.jsonl")) == "5e0c1a2b"
    flat = Path("owner__repo__.gemini__chats__session-2026-03-09T18-05-0e9049f5.json")
    assert gemini_files._short_id(flat) == "0e9049f5"


def test_a_subagent_folder_named_by_an_id_many_sessions_share_goes_to_none_of_them(tmp_path):
    """`chats/a2a-server/<agent>.jsonl` could be any a2a session's subagent: it is a session of its own,
    never a part of each (its steps shown in every one of them)."""
    chats = tmp_path / "p" / "chats"
    (chats / "a2a-server").mkdir(parents=True)
    for path in (FIRST, SECOND):
        shutil.copy(path, chats / path.name)
    sub = chats / "a2a-server" / "9f8e7d6c-2222-4b4b-8c8c-abcdefabcdef.jsonl"
    sub.write_bytes(FIRST.read_bytes())
    found = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    groups = {g.main.name: g.companions for g in gemini.group(found)}
    assert groups == {FIRST.name: [], SECOND.name: [], sub.name: []}


def test_a_call_the_content_and_the_tool_calls_both_hold_is_one_call_step_not_text():
    """Mid-2026 builds write a message's calls twice, as `functionCall` parts of its content (beside
    `thought` parts) and as its `toolCalls` records: the text is the message's words alone."""
    session = _read(BATCH)
    [said] = [s for s in session.steps if s.kind == "assistant" and s.id.endswith("0002")]
    assert said.text == "Let me look at the setup."
    tools = [s.tool for s in session.steps if s.kind == "tool_call"]
    assert tools == ["read_file", "run_shell_command", "list_directory"]
