"""The Gemini CLI reader on hand-made logs (tests/fixtures/gemini, a `~/.gemini/tmp` tree)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES
from support.narrow import present

from tracetui.model import StepKind
from tracetui.sources import RawLog, SessionFiles, read_session, registry
from tracetui.sources.gemini import reader as gemini

TMP = FIXTURES / "gemini" / "tmp"
CHATS = TMP / "garden" / "chats"
V2 = CHATS / "session-2026-05-01T10-00-5e0c1a2b.jsonl"
V1 = CHATS / "session-2025-10-21T20-04-0b23aaaa.json"
SUB = CHATS / "5e0c1a2b-1111-4a4a-9b9b-0123456789ab" / "9f8e7d6c-2222-4b4b-8c8c-abcdefabcdef.jsonl"
LOGS = TMP / "garden" / "logs.json"
SID = "5e0c1a2b-1111-4a4a-9b9b-0123456789ab"
SUB_ID = "9f8e7d6c-2222-4b4b-8c8c-abcdefabcdef"


def _all(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _session(path: Path = V2):
    [files] = [g for g in gemini.group(_all(TMP)) if g.main == path]
    return read_session(files)


def _lines(path: Path) -> list[dict]:
    return [orjson.loads(x) for x in path.read_bytes().splitlines() if x.strip()]


def test_grouping_takes_subagents_and_logs_json_never_alone():
    groups = {g.main.name: [c.name for c in g.companions] for g in gemini.group(_all(TMP))}
    assert groups == {
        V1.name: ["logs.json"],
        V2.name: [SUB.name, "logs.json"],
    }
    assert gemini.group([LOGS]) == []


def test_a_migrated_v1_file_is_the_companion_of_its_jsonl(tmp_path):
    chats = tmp_path / "p" / "chats"
    chats.mkdir(parents=True)
    old = chats / "session-2026-04-01T10-00-abcdef12.json"
    new = chats / "session-2026-04-01T10-00-abcdef12.jsonl"
    old.write_bytes(V1.read_bytes())
    new.write_bytes(b"")
    [files] = gemini.group([old, new])
    assert (files.main, files.companions) == (new, [old])
    # the .jsonl the resume started is still empty: the v1 file holds the session meanwhile
    session = read_session(files)
    assert session.id == "0b23aaaa-3333-4c4c-8d8d-fedcba987654" and len(session.steps) == 8


def test_v2_replay_keeps_the_last_copy_of_each_message():
    session = _session()
    assert (session.id, session.version, session.cwd) == (SID, "gemini-v2", "/home/dev/garden")
    g1 = [s for s in session.steps if s.id.startswith("g1")]
    # written three times (thoughts, then the call, then tokens): one set of steps, from the last copy
    assert [s.id for s in g1] == [
        "g1:reasoning",
        "g1",
        "g1:call:replace-1777000000001-aa",
        "g1:result:replace-1777000000001-aa",
    ]
    assert (
        g1[0].text == "Planning the edit\nI will change pass into a print."
        and g1[0].model == "gemini-2.5-pro"
    )
    assert g1[0].tokens is not None and g1[0].tokens.to_dict() == {
        "input": 1010,
        "output": 110,
        "cache_read": 200,
        "cache_write": 0,
    }
    assert session.tokens.total == 1320 + 1540 + 925 + 315  # each message once, the subagent's too
    assert session.models == ["gemini-2.5-pro", "gemini-2.5-flash"]
    assert (session.started, session.ended) == ("2026-05-01T10:00:00.000Z", "2026-05-01T10:03:30.000Z")
    assert session.title == "Greeting for hello.py"  # the $set summary


def test_tool_calls_pair_with_the_results_their_records_carry():
    session = _session()
    calls = [s for s in session.steps if s.kind == StepKind.TOOL_CALL]
    results = {s.tool_call_id: s for s in session.steps if s.kind == StepKind.TOOL_RESULT}
    assert {c.tool_call_id for c in calls} == set(results)
    shell = results["k3x9q2mz"]
    assert shell.is_error and shell.text == "Command exited with code 1"
    # a result sent back as a user turn answers the call whose record has none
    read = results["read_file_1777000000005_0"]
    assert (
        read.id == "u6:result:read_file_1777000000005_0" and read.text == "def main():\n    print('hello')\n"
    )
    assert not [c for c in calls if c.meta.get("no_result")]


def test_edits_carry_the_diff_and_the_file_before():
    session = _session()
    by_tool = {s.tool: s for s in session.steps if s.edits}
    replace = by_tool["replace"].edits[0]
    assert (replace.path, replace.op, replace.original) == (
        "/home/dev/garden/hello.py",
        "update",
        "def main():\n    pass\n",
    )
    assert (replace.old_string, replace.new_string) == ("    pass", "    print('hello')")
    assert [h.to_dict() for h in replace.hunks] == [
        {
            "old_start": 1,
            "old_lines": 2,
            "new_start": 1,
            "new_lines": 2,
            "lines": [" def main():", "-    pass", "+    print('hello')"],
        }
    ]
    write = by_tool["write_file"].edits[0]
    assert (write.op, write.content, write.original) == ("create", "# Notes\ngreeting added\n", None)
    v1 = _session(V1)
    [ok, failed] = [s.edits[0] for s in v1.steps if s.edits]
    assert (ok.op, ok.content, ok.applied) == (
        "write",
        "- water the plants\n",
        True,
    )  # no resultDisplay in 2025
    assert (failed.old_string, failed.applied) == ("- feed the cat", False)


def test_rewind_leaves_its_messages_off_the_active_path():
    session = _session()
    steps = {s.id: s for s in session.steps}
    assert not steps["u2"].active and not steps["g2b"].active
    assert steps["u3"].active and steps["u3"].parent == steps["u2"].parent == "g2:result:k3x9q2mz"


def test_compress_is_a_compaction_with_its_summary():
    session = _session()
    [compaction] = [s for s in session.steps if s.kind == StepKind.COMPACTION]
    assert (compaction.id, compaction.timestamp) == ("compaction@L15", "2026-05-01T10:02:00.000Z")
    assert compaction.text.startswith("<state_snapshot>") and "Got it" not in compaction.text
    assert compaction.meta == {"folded_messages": 2, "first_kept_entry_id": "u3"}
    steps = {s.id: s for s in session.steps}
    assert steps["u4"].parent == compaction.id  # the conversation goes on from the summary
    assert "s1" not in steps and "s2" not in steps
    assert steps["u3"].active  # what the compaction summarised still happened


def test_subagent_runs_after_the_call_that_named_it():
    session = _session()
    [agent] = session.subagents
    call = session.step(agent.spawned_by or "")
    assert (agent.id, agent.agent_type, agent.description) == (
        SUB_ID,
        "codebase_investigator",
        "Find every caller of main()",
    )
    assert call is not None and call.tool == "codebase_investigator" and agent.source == str(SUB)
    kinds = [(s.kind, s.subagent) for s in session.steps[call.index + 2 : call.index + 8]]
    assert kinds == [
        (StepKind.SUBAGENT_START, SUB_ID),
        (StepKind.USER, SUB_ID),
        (StepKind.TOOL_CALL, SUB_ID),
        (StepKind.TOOL_RESULT, SUB_ID),
        (StepKind.ASSISTANT, SUB_ID),
        (StepKind.SUBAGENT_END, SUB_ID),
    ]
    assert present(session.step(f"subagent:{SUB_ID}:start")).parent == call.id
    assert [s.index for s in session.steps] == list(range(len(session.steps)))


def test_a_subagent_call_without_its_transcript_still_gets_its_pair():
    files = SessionFiles("gemini", V2, [LOGS])
    session = read_session(files)
    start = session.step(f"subagent:{SUB_ID}:start")
    assert start is not None and start.meta["transcript"] == "missing"
    assert session.step(f"subagent:{SUB_ID}:end") is not None


def test_system_messages_and_errors():
    session = _session()
    steps = {s.id: s for s in session.steps}
    assert steps["i0"].kind == StepKind.SYSTEM and steps["i0"].meta == {"level": "info"}
    assert steps["e1"].is_error and steps["e1"].text == "[API Error: 500 Internal error]"


def test_v1_document():
    session = _session(V1)
    assert (session.version, session.title, session.cwd) == (
        "gemini-v1",
        "Create a todo file.",
        "/home/dev/garden",
    )
    assert [s.kind for s in session.steps] == [
        "user",
        "reasoning",
        "assistant",
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "assistant",
    ]
    assert session.tokens.to_dict() == {"input": 860, "output": 50, "cache_read": 600, "cache_write": 0}


def test_title_from_logs_json_when_the_session_has_none(tmp_path):
    doc = orjson.loads(V1.read_bytes())
    doc["messages"] = [m for m in doc["messages"] if m["type"] != "user"]
    log = RawLog(str(tmp_path / "chats" / "session-x-0b23aaaa.json"), orjson.dumps(doc))
    assert gemini.read(log, []).title is None
    session = gemini.read(log, [RawLog(str(LOGS), LOGS.read_bytes())])
    assert session.title == "Create a todo file."
    # a session whose only prompts were slash commands is titled by them
    logs = [{"sessionId": doc["sessionId"], "messageId": 0, "type": "user", "message": "/compress"}]
    assert gemini.read(log, [RawLog(str(LOGS), orjson.dumps(logs))]).title == "/compress"


def test_cwd_from_the_project_hash_else_from_relative_and_absolute_paths():
    data = V2.read_bytes()
    session = gemini.read(RawLog(str(V2), data), [])
    assert session.cwd == "/home/dev/garden"
    # without a hash that matches, a relative argument beside its absolute filePath still tells
    other = data.replace(hashlib.sha256(b"/home/dev/garden").hexdigest().encode(), b"0" * 64)
    other = other.replace(b"Current workspace directories", b"Workspace")
    assert gemini.read(RawLog(str(V2), other), []).cwd == "/home/dev/garden"


def test_bad_input_costs_only_what_is_bad(tmp_path):
    lines = V2.read_bytes().splitlines(keepends=True)
    torn = b"".join(lines[:5]) + b'{"id": "torn", "type": "gem\n' + b"".join(lines[5:])
    session = gemini.read(RawLog(str(V2), torn), [])
    assert [e.line for e in session.errors] == [6]
    assert len(session.steps) == len(_session().steps) - 4  # the subagent's own steps need its file
    broken = gemini.read(RawLog(str(V1), V1.read_bytes()[:-40]), [])
    assert (
        broken.steps == []
        and len(broken.errors) == 1
        and "not a valid JSON document" in broken.errors[0].error
    )
    odd = gemini.read(
        RawLog(str(V2), b'[1, 2]\n{"$set": 5}\n{"id": 7}\n{"sessionId": "s", "projectHash": 3}\n'), []
    )
    assert odd.id == "s" and odd.steps == []


def test_registered_with_its_folders(tmp_path):
    agent = registry.get("gemini")
    assert agent.folders({}, tmp_path) == [tmp_path / ".gemini" / "tmp"]
    assert agent.folders({"GEMINI_CLI_HOME": "/x"}, tmp_path) == [Path("/x/.gemini/tmp")]


def test_discovery_in_the_default_folder(tmp_path, monkeypatch):
    from tracetui.bucket.locations import default_sources, discover

    home = tmp_path / "home"
    shutil.copytree(TMP, home / ".gemini" / "tmp")
    (home / ".gemini" / "tmp" / "garden" / "checkpoint-x.json").write_text("{}")  # /chat save: not a session
    monkeypatch.setenv("GEMINI_CLI_HOME", str(home))
    [folder] = default_sources()["gemini"]
    found = {p.name for p in discover("gemini", [folder])}
    assert found == {V1.name, V2.name, SUB.name, "logs.json"}


@pytest.mark.parametrize("path", [V1, V2, SUB])
def test_every_fixture_reads_clean(path):
    session = gemini.read(RawLog(str(path), path.read_bytes()), [])
    assert session.errors == [] and session.skipped == {} and session.steps


def test_a_user_turn_mixing_text_and_results_gives_both():
    call = {"id": "c1", "name": "read_file", "args": {"file_path": "a.py"}, "status": "success"}
    rows = [
        {"sessionId": "s", "projectHash": "h"},
        {"id": "g1", "type": "gemini", "content": "", "toolCalls": [call]},
        {
            "id": "u1",
            "type": "user",
            "content": [
                {"functionResponse": {"id": "c1", "name": "read_file", "response": {"output": "x = 1"}}},
                {"text": "and now fix it"},
            ],
        },
    ]
    session = gemini.read(RawLog("s.jsonl", b"".join(orjson.dumps(r) + b"\n" for r in rows)), [])
    assert [(s.kind, s.text) for s in session.steps] == [
        (StepKind.TOOL_CALL, ""),
        (StepKind.TOOL_RESULT, "x = 1"),
        (StepKind.USER, "and now fix it"),
    ]
    assert session.steps[1].tool_call_id == "c1" and "no_result" not in session.steps[0].meta


def test_the_context_after_a_compaction_is_the_summary_and_what_it_kept():
    from tracetui.ctx import context_at

    session = _session()
    ctx = context_at(session, "u4")
    assert ctx.compacted
    assert [i.step_id for i in ctx.items] == [
        "compaction@L15",
        "u3",
        "g3:call:codebase_investigator__call_4",
        "g3:result:codebase_investigator__call_4",
        "u4",
    ]


LATE = FIXTURES / "gemini-late" / "tmp" / "docs" / "chats" / "session-2026-09-14T03-08-6a7b8c9d.jsonl"


def test_a_late_2026_session_opens_with_its_history_set_and_is_set_back_after_a_failed_request():
    """The shape of felicity8899/restaurant-waitlist-manager's real v2 logs (Sep-Oct 2026): the first
    record after the metadata sets the whole history to the session context alone, and each request
    that fails sets it back so. Nothing was there to replace at first: the context is the first
    message (it read as a compaction whose summary was the session context), and the prompts the
    resets drop from the model's history stay the user's steps."""
    [files] = [g for g in gemini.group([LATE]) if g.main == LATE]
    session = read_session(files)
    steps = [(s.kind, s.text) for s in session.steps]
    assert StepKind.COMPACTION not in [k for k, _ in steps]
    assert steps[0][0] == StepKind.CONTEXT and steps[0][1].startswith("<session_context>")
    assert session.steps[0].id == "c0ffee00c0ffee00c0ffee00c0ffee00"
    users = [t for k, t in steps if k == StepKind.USER]
    assert users == ["write a backlog in docs/tasks.md ", "read docs/tasks.md first"]  # displayContent
    assert [(k, t) for k, t in steps if k == StepKind.SYSTEM][0] == (
        StepKind.SYSTEM, "[API Error: You have exhausted your daily quota on this model.]"
    )
    results = [s.tool_call_id for s in session.steps if s.kind == StepKind.TOOL_RESULT]
    assert results == ["read_file__call_4592276"]  # not again from the user message's functionResponse
    assert session.title == "write a backlog in docs/tasks.md"
    assert session.skipped == {} and session.errors == []
