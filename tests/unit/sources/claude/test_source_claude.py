"""The Claude Code reader on hand-made fixtures (tests/fixtures/claude, invented content)."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES
from support.narrow import present

from tracetui.model import Session, StepKind
from tracetui.sources import RawLog, SessionFiles, read_session
from tracetui.sources.claude import reader as claude_code

PROJECTS = FIXTURES / "claude" / "projects"
SHOP = PROJECTS / "-home-dev-shop"
REWIND = "11111111-1111-4111-8111-111111111111"
COMPACT = "22222222-2222-4222-8222-222222222222"
NESTED = "33333333-3333-4333-8333-333333333333"
PROJECT_LEVEL = "44444444-4444-4444-8444-444444444444"
INLINE = "55555555-5555-4555-8555-555555555555"
EMPTY = "66666666-6666-4666-8666-666666666666"
ORPHAN = "77777777-7777-4777-8777-777777777777"


def all_fixture_files(root: Path = PROJECTS) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def groups_by_main(root: Path = PROJECTS) -> dict[str, SessionFiles]:
    return {g.main.name: g for g in claude_code.group(all_fixture_files(root))}


def session(name: str) -> Session:
    return read_session(groups_by_main()[name])


def raw(path: str, *records: dict | str, newline: bool = True) -> RawLog:
    lines = [r if isinstance(r, str) else orjson.dumps(r).decode() for r in records]
    return RawLog(path, ("\n".join(lines) + ("\n" if newline else "")).encode())


# -- group -------------------------------------------------------------------------------------


def test_group_real_layout():
    groups = groups_by_main()
    assert sorted(groups) == sorted(
        [
            f"{REWIND}.jsonl",
            f"{COMPACT}.jsonl",
            f"{NESTED}.jsonl",
            f"{PROJECT_LEVEL}.jsonl",
            f"{INLINE}.jsonl",
            f"{EMPTY}.jsonl",
            "agent-a0000000000000001.jsonl",  # its parent transcript is absent: a session of its own
        ]
    )
    assert all(g.agent == "claude" for g in groups.values())
    assert [p.name for p in groups[f"{NESTED}.jsonl"].companions] == [
        "agent-a1b2c3d4e5f6a7b8c.jsonl",
        "agent-a1b2c3d4e5f6a7b8c.meta.json",
        "agent-afffffffffffffff0.meta.json",  # lone sidecar: attaches by the session in its path
        "agent-aside_question-0123456789abcdef.jsonl",
    ]
    # project-level agent files attach by the sessionId inside them
    assert [p.name for p in groups[f"{PROJECT_LEVEL}.jsonl"].companions] == [
        "agent-abc1234.jsonl",
        "agent-def5678.jsonl",
    ]
    assert [p.name for p in groups["agent-a0000000000000001.jsonl"].companions] == [
        "agent-a0000000000000001.meta.json"
    ]
    assert groups[f"{REWIND}.jsonl"].companions == []
    # the sidecar with neither transcript nor parent session is in no group
    listed = {p.name for g in groups.values() for p in g.all}
    assert "agent-a0000000000000002.meta.json" not in listed


def test_group_flattened_names(tmp_path):
    # Copies that flatten `a/b/c` into `a__b__c` (as the shared corpus does) group the same way.
    for path in all_fixture_files():
        flat = "__".join(path.relative_to(PROJECTS).parts)
        shutil.copyfile(path, tmp_path / flat)
    flat_groups = {
        g.main.name.rsplit("__", 1)[-1]: sorted(p.name.rsplit("__", 1)[-1] for p in g.companions)
        for g in claude_code.group(sorted(tmp_path.iterdir()))
    }
    real_groups = {name: sorted(p.name for p in g.companions) for name, g in groups_by_main().items()}
    assert flat_groups == real_groups


def test_group_never_fails_on_odd_files(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "one-line.jsonl").write_bytes(b'{"type":"summary","summary":"x","leafUuid":"u"}')
    (tmp_path / "garbage.jsonl").write_bytes(b"\x00\xff not json\n[1,2]\n")
    (tmp_path / "agent-bad.jsonl").write_bytes(b"not json either")
    (tmp_path / "agent-bad.meta.json").write_bytes(b"{nope")
    (tmp_path / "notes.txt").write_text("ignored")
    groups = claude_code.group(sorted(tmp_path.iterdir()))
    mains = sorted(g.main.name for g in groups)
    assert mains == ["agent-bad.jsonl", "empty.jsonl", "garbage.jsonl", "one-line.jsonl"]
    bad_agent = next(g for g in groups if g.main.name == "agent-bad.jsonl")
    assert [p.name for p in bad_agent.companions] == ["agent-bad.meta.json"]
    for g in groups:  # and reading them does not raise either
        read_session(g)


# -- a rewind ----------------------------------------------------------------------------------


def test_rewind_marks_the_abandoned_branch_only():
    s = session(f"{REWIND}.jsonl")
    assert s.id == REWIND
    assert s.title == "Greeting work"  # custom-title wins over the first prompt
    inactive = [st.id for st in s.steps if not st.active]
    assert inactive == ["r-07", "r-08", "r-09", "r-10"]
    by_id = {st.id: st for st in s.steps}
    # the edited prompt is a second child of the same parent (the turn_duration line gave no step)
    assert by_id["r-07"].parent == "r-05"
    assert by_id["r-11"].parent == "r-05"
    # a parallel tool result hangs off the walk back from the leaf, yet it is not a rewind
    assert by_id["r-16"].active and by_id["r-16"].parent == "r-14"
    assert [st.index for st in s.steps] == list(range(len(s.steps)))
    assert "r-06" not in by_id and "r-18" not in by_id  # turn_duration, a quiet stop hook


def test_rewind_edits():
    s = session(f"{REWIND}.jsonl")
    by_id = {st.id: st for st in s.steps}
    write = by_id["r-03"].edits
    assert [(e.path, e.op, e.content, e.hunks, e.applied) for e in write] == [
        ("/home/dev/shop/greet.py", "create", "def greet():\n    return 'hi'\n", [], True)
    ]
    edit = by_id["r-13"].edits[0]
    assert (edit.op, edit.old_string, edit.new_string, edit.original) == (
        "update",
        "'hi'",
        "'hello, world'",
        "def greet():\n    return 'hi'\n",
    )
    assert [(h.old_start, h.old_lines, h.new_start, h.new_lines, h.lines) for h in edit.hunks] == [
        (1, 2, 1, 2, [" def greet():", "-    return 'hi'", "+    return 'hello, world'"])
    ]
    assert s.edit_calls == 3 and s.tool_calls == 4
    read_result = by_id["r-16"]
    assert (read_result.kind, read_result.tool, read_result.tool_call_id, read_result.is_error) == (
        StepKind.TOOL_RESULT,
        "Read",
        "toolu_r_read",
        True,
    )


# -- compaction, tokens, model change, torn line, no final newline -------------------------------


def test_compaction_session_steps():
    s = session(f"{COMPACT}.jsonl")
    kinds = [(st.id, st.kind) for st in s.steps]
    assert kinds == [
        ("c-01", StepKind.CONTEXT),
        ("c-02", StepKind.USER),
        ("c-03", StepKind.CONTEXT),
        ("c-04", StepKind.USER),
        ("c-05", StepKind.REASONING),
        ("c-06", StepKind.ASSISTANT),
        ("c-07", StepKind.TOOL_CALL),
        ("c-08", StepKind.TOOL_RESULT),
        ("c-09", StepKind.COMPACTION),
        ("c-11:model", StepKind.MODEL_CHANGE),
        ("c-11", StepKind.ASSISTANT),
        ("c-12", StepKind.SYSTEM),
    ]
    by_id = {st.id: st for st in s.steps}
    comp = by_id["c-09"]
    assert comp.text.startswith("This session is being continued") and "half done" in comp.text
    assert comp.meta == {"trigger": "manual", "pre_tokens": 12345}
    assert comp.parent == "c-08"  # logicalParentUuid
    assert by_id["c-11:model"].meta == {"from": "claude-opus-test", "to": "claude-sonnet-test"}
    assert by_id["c-11:model"].text == "model: claude-opus-test -> claude-sonnet-test"
    assert by_id["c-11:model"].parent == "c-09" and by_id["c-11"].parent == "c-11:model"
    assert by_id["c-02"].meta == {"command": "/model"}
    assert by_id["c-08"].meta == {"exit_code": 2} and by_id["c-08"].is_error
    assert by_id["c-12"].meta == {"interrupted": True}
    assert s.title == "Refactor the parser module"  # whitespace collapsed, commands skipped
    assert s.models == ["claude-opus-test", "claude-sonnet-test"]
    assert (s.version, s.cwd, present(s.git).branch) == ("2.1.90", "/home/dev/shop", "main")
    assert (s.started, s.ended) == ("2026-01-06T10:00:01.000Z", "2026-01-06T10:00:12.000Z")


def test_streamed_response_tokens_counted_once():
    s = session(f"{COMPACT}.jsonl")
    by_id = {st.id: st for st in s.steps}
    # three lines of one response: usage on each, the final output count only on the last
    assert present(by_id["c-05"].tokens).to_dict() == {"input": 10, "output": 40, "cache_read": 100, "cache_write": 50}
    assert by_id["c-06"].tokens is None and by_id["c-07"].tokens is None
    assert s.tokens.to_dict() == {"input": 15, "output": 47, "cache_read": 100, "cache_write": 70}


def test_torn_middle_line_and_missing_final_newline():
    s = session(f"{COMPACT}.jsonl")
    assert [(Path(e.path).name, e.line) for e in s.errors] == [(f"{COMPACT}.jsonl", 12)]
    assert s.errors[0].error.startswith("not valid JSON")
    assert s.steps[-1].id == "c-12"  # the last line has no newline and is still read


# -- subagents -----------------------------------------------------------------------------------


def test_nested_subagents_layout():
    s = session(f"{NESTED}.jsonl")
    assert [(a.id, a.agent_type, a.description, a.spawned_by) for a in s.subagents] == [
        ("a1b2c3d4e5f6a7b8c", "Explore", "Find tests", "n-02"),
        ("afffffffffffffff0", "Explore", "Check docs", "n-04"),
        ("aside_question-0123456789abcdef", "aside_question", None, None),
    ]
    assert present(s.subagents[0].source).endswith("subagents/agent-a1b2c3d4e5f6a7b8c.jsonl")
    order = [(st.id, st.kind, st.subagent) for st in s.steps]
    assert order == [
        ("n-01", StepKind.USER, None),
        ("n-02", StepKind.TOOL_CALL, None),
        ("subagent:a1b2c3d4e5f6a7b8c:start", StepKind.SUBAGENT_START, "a1b2c3d4e5f6a7b8c"),
        ("s-01", StepKind.USER, "a1b2c3d4e5f6a7b8c"),
        ("s-02", StepKind.TOOL_CALL, "a1b2c3d4e5f6a7b8c"),
        ("s-03", StepKind.TOOL_RESULT, "a1b2c3d4e5f6a7b8c"),
        ("s-04", StepKind.ASSISTANT, "a1b2c3d4e5f6a7b8c"),
        ("subagent:a1b2c3d4e5f6a7b8c:end", StepKind.SUBAGENT_END, "a1b2c3d4e5f6a7b8c"),
        ("n-03", StepKind.TOOL_RESULT, None),
        ("n-04", StepKind.TOOL_CALL, None),
        # the lone sidecar: listed, placed after its call, no steps of its own
        ("subagent:afffffffffffffff0:start", StepKind.SUBAGENT_START, "afffffffffffffff0"),
        ("subagent:afffffffffffffff0:end", StepKind.SUBAGENT_END, "afffffffffffffff0"),
        ("n-05", StepKind.TOOL_RESULT, None),
        ("n-06", StepKind.ASSISTANT, None),
        # no spawning call: at the end; the replayed parent line is not read twice
        (
            "subagent:aside_question-0123456789abcdef:start",
            StepKind.SUBAGENT_START,
            "aside_question-0123456789abcdef",
        ),
        ("q-01", StepKind.USER, "aside_question-0123456789abcdef"),
        ("q-02", StepKind.ASSISTANT, "aside_question-0123456789abcdef"),
        (
            "subagent:aside_question-0123456789abcdef:end",
            StepKind.SUBAGENT_END,
            "aside_question-0123456789abcdef",
        ),
    ]
    by_id = {st.id: st for st in s.steps}
    start = by_id["subagent:a1b2c3d4e5f6a7b8c:start"]
    assert (start.parent, start.text) == ("n-02", "Find tests")
    assert by_id["s-01"].parent == start.id
    assert by_id["subagent:a1b2c3d4e5f6a7b8c:end"].parent == "s-04"
    assert by_id["subagent:afffffffffffffff0:start"].meta == {
        "agent_type": "Explore",
        "transcript": "missing",
    }
    # no transcript: the pair is dated by the call that spawned it
    assert by_id["subagent:afffffffffffffff0:start"].timestamp == by_id["n-04"].timestamp
    assert by_id["q-01"].parent == "subagent:aside_question-0123456789abcdef:start"
    assert by_id["n-03"].meta["agent_id"] == "a1b2c3d4e5f6a7b8c"
    assert s.models == ["claude-opus-test", "claude-haiku-test"]
    assert len(s.files) == 5


def test_project_level_agent_files():
    s = session(f"{PROJECT_LEVEL}.jsonl")
    assert [(a.id, a.agent_type, a.description, a.spawned_by) for a in s.subagents] == [
        ("abc1234", "general-purpose", "Read changelog", "p-02"),
        ("def5678", None, None, None),  # a Warmup agent: nobody's tool call spawned it
    ]
    ids = [st.id for st in s.steps]
    assert ids[:3] == ["p-01", "p-02", "subagent:abc1234:start"]
    assert ids.index("subagent:abc1234:end") < ids.index("p-03")
    assert ids[-4:] == ["subagent:def5678:start", "w-01", "w-02", "subagent:def5678:end"]
    assert {st.subagent for st in s.steps if st.id.startswith("pa-")} == {"abc1234"}


def test_inline_sidechains_matched_by_prompt():
    s = session(f"{INLINE}.jsonl")
    # the sidechains were written in the opposite order of their Task calls
    assert [(a.id, a.description, a.spawned_by, a.source) for a in s.subagents] == [
        ("sidechain-ia-01", "Home page", "i-02", None),
        ("sidechain-ib-01", "About page", "i-03", None),
    ]
    ids = [st.id for st in s.steps]
    assert ids == [
        "i-01",
        "i-02",
        "subagent:sidechain-ia-01:start",
        "ia-01",
        "ia-02",
        "ia-03",
        "ia-04",
        "subagent:sidechain-ia-01:end",
        "i-03",
        "subagent:sidechain-ib-01:start",
        "ib-01",
        "ib-02",
        "ib-03",
        "ib-04",
        "subagent:sidechain-ib-01:end",
        "i-04",
        "i-05",
        "i-06",
    ]
    by_id = {st.id: st for st in s.steps}
    multi = by_id["ia-02"].edits  # failed MultiEdit: one FileEdit per requested edit, not applied
    assert [(e.old_string, e.new_string, e.replace_all, e.applied) for e in multi] == [
        ("Hi", "Home", False, False),
        ("x", "y", True, False),
    ]
    assert [(e.path, e.op) for e in by_id["ib-02"].edits] == [("/home/dev/shop/about.html", "create")]
    assert all(st.active for st in s.steps)


def test_empty_file_is_an_empty_session():
    s = session(f"{EMPTY}.jsonl")
    assert (s.id, s.steps, s.errors, s.title, s.started) == (EMPTY, [], [], None, None)


def test_orphan_subagent_is_its_own_session():
    s = session("agent-a0000000000000001.jsonl")
    assert s.id == f"{ORPHAN}-agent-a0000000000000001"  # never the (absent) parent's id
    assert [(a.id, a.agent_type, a.description) for a in s.subagents] == [
        ("a0000000000000001", "Explore", "Lint check")
    ]
    assert [(st.id, st.kind, st.subagent) for st in s.steps] == [
        ("o-01", StepKind.USER, None),
        ("o-02", StepKind.ASSISTANT, None),
    ]
    assert s.title == "Check the lint config"


# -- properties of every fixture ----------------------------------------------------------------


def test_ids_are_stable_and_the_session_round_trips():
    for files in claude_code.group(all_fixture_files()):
        first, second = read_session(files), read_session(files)
        assert [st.id for st in first.steps] == [st.id for st in second.steps]
        assert len({st.id for st in first.steps}) == len(first.steps)
        assert Session.from_dict(first.to_dict()).to_dict() == first.to_dict()


def test_tool_results_name_their_call():
    for files in claude_code.group(all_fixture_files()):
        s = read_session(files)
        calls = {st.tool_call_id: st for st in s.steps if st.kind == StepKind.TOOL_CALL}
        for st in s.steps:
            if st.kind == StepKind.TOOL_RESULT:
                assert st.tool == calls[st.tool_call_id].tool
                assert calls[st.tool_call_id].index < st.index


# -- bad data in memory ---------------------------------------------------------------------------


def test_bad_records_never_raise_and_are_reported():
    log = raw(
        "/x/99999999-9999-4999-8999-999999999999.jsonl",
        {
            "type": "user",
            "uuid": "u1",
            "parentUuid": None,
            "sessionId": "s",
            "timestamp": "2026-01-01T00:00:00Z",
        },
        {"type": "user", "uuid": "u2", "parentUuid": "u1", "message": {"role": "user", "content": 42}},
        {
            "type": "assistant",
            "uuid": "u3",
            "parentUuid": "u2",
            "message": {"id": 5, "content": "plain", "usage": {"input_tokens": "x"}},
        },
        {
            "type": "assistant",
            "uuid": "u4",
            "parentUuid": "u3",
            "message": {
                "content": [{"type": "tool_use", "name": "Edit", "input": "nope"}, 7, {"type": "mystery"}]
            },
        },
        {
            "type": "user",
            "uuid": "u5",
            "parentUuid": "u4",
            "message": {
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "missing",
                        "content": [{"type": "image"}, {"type": "text", "text": "t"}],
                    }
                ]
            },
            "toolUseResult": {"structuredPatch": [{"oldStart": "bad"}]},
        },
        {
            "type": "system",
            "uuid": "u6",
            "parentUuid": "u5",
            "subtype": "api_error",
            "error": {"message": "overloaded"},
        },
        {"type": "brand-new-type"},
        {"type": "queue-operation", "operation": "enqueue"},
        "[1, 2]",
        "{torn",
        newline=False,
    )
    s = claude_code.read(log, [])
    assert [(e.line, e.error.split(":")[0]) for e in s.errors] == [
        (1, "user line without a message"),
        (2, "user message content is neither text nor a list"),
        (9, "expected a JSON object, got list"),
        (10, "not valid JSON"),
    ]
    assert s.skipped == {"brand-new-type": 1, "block:mystery": 1}
    assert [(st.id, st.kind) for st in s.steps] == [
        ("u3", StepKind.ASSISTANT),
        ("u4", StepKind.TOOL_CALL),
        ("u5", StepKind.TOOL_RESULT),
        ("u6", StepKind.SYSTEM),
    ]
    assert s.steps[2].text == "[image]\nt" and s.steps[2].tool is None
    assert s.steps[3].text == "API error: overloaded"
    assert s.id == "99999999-9999-4999-8999-999999999999"


def test_session_id_falls_back_to_the_records():
    log = raw(
        "/x/transcript.jsonl",
        {
            "type": "user",
            "uuid": "u1",
            "parentUuid": None,
            "sessionId": "abc",
            "message": {"role": "user", "content": "hi"},
        },
    )
    assert claude_code.read(log, []).id == "abc"


@pytest.mark.parametrize(
    "text,kind",
    [
        ("Please fix the bug", StepKind.USER),
        ("<system-reminder>Remember the plan</system-reminder>", StepKind.CONTEXT),
        ("<local-command-stdout>ok</local-command-stdout>", StepKind.CONTEXT),
        ("<task-notification>done</task-notification>", StepKind.CONTEXT),
        ("[Request interrupted by user for tool use]", StepKind.SYSTEM),
        (
            "<command-message>init is analyzing</command-message>\n<command-name>/init</command-name>",
            StepKind.USER,
        ),
        ("<command-message>init is analyzing your codebase</command-message>", StepKind.USER),
    ],
)
def test_user_text_kinds(text, kind):
    log = raw(
        "/x/s.jsonl",
        {"type": "user", "uuid": "u1", "parentUuid": None, "message": {"role": "user", "content": text}},
    )
    s = claude_code.read(log, [])
    assert [st.kind for st in s.steps] == [kind]
    if kind == StepKind.USER and text.startswith("<command"):
        assert s.steps[0].meta == {"command": "/init"}
        assert s.title == "/init"  # no typed prompt: the command names the session


def test_title_is_cut():
    log = raw(
        "/x/s.jsonl",
        {
            "type": "user",
            "uuid": "u1",
            "parentUuid": None,
            "message": {"role": "user", "content": "word " * 100},
        },
    )
    title = present(claude_code.read(log, []).title)
    assert len(title) == 200 and title.endswith("…")


def test_notebook_edit_and_write_update():
    log = raw(
        "/x/s.jsonl",
        {
            "type": "assistant",
            "uuid": "a1",
            "parentUuid": None,
            "message": {
                "id": "m1",
                "model": "m",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "toolu_nb",
                        "name": "NotebookEdit",
                        "input": {
                            "notebook_path": "/p/n.ipynb",
                            "cell_id": "c3",
                            "new_source": "print(1)",
                            "edit_mode": "replace",
                        },
                    }
                ],
            },
        },
        {
            "type": "assistant",
            "uuid": "a2",
            "parentUuid": "a1",
            "message": {
                "id": "m1",
                "model": "m",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "toolu_w",
                        "name": "Write",
                        "input": {"file_path": "/p/a.txt", "content": "new\n"},
                    }
                ],
            },
        },
        {
            "type": "user",
            "uuid": "u1",
            "parentUuid": "a2",
            "message": {"content": [{"type": "tool_result", "tool_use_id": "toolu_w", "content": "ok"}]},
            "toolUseResult": {
                "type": "update",
                "filePath": "/p/a.txt",
                "content": "new\n",
                "originalFile": "old\n",
                "structuredPatch": [
                    {"oldStart": 1, "oldLines": 1, "newStart": 1, "newLines": 1, "lines": ["-old", "+new"]}
                ],
            },
        },
    )
    s = claude_code.read(log, [])
    nb, w = s.steps[0], s.steps[1]
    assert [(e.path, e.op, e.content) for e in nb.edits] == [("/p/n.ipynb", "update", "print(1)")]
    assert nb.meta == {"cell_id": "c3", "edit_mode": "replace"}
    assert [(e.op, e.original, e.content, len(e.hunks)) for e in w.edits] == [("update", "old\n", "new\n", 1)]
    assert w.id == "a2" and s.steps[0].id == "a1"


def test_multi_block_line_ids():
    log = raw(
        "/x/s.jsonl",
        {
            "type": "assistant",
            "uuid": "a1",
            "parentUuid": None,
            "message": {
                "id": "m",
                "model": "m",
                "content": [
                    {"type": "thinking", "thinking": "hmm"},
                    {"type": "text", "text": "hi"},
                    {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}},
                ],
            },
        },
    )
    s = claude_code.read(log, [])
    assert [(st.id, st.parent) for st in s.steps] == [("a1", None), ("a1:1", "a1"), ("a1:2", "a1:1")]


def test_parent_cycles_do_not_hang():
    log = raw(
        "/x/s.jsonl",
        {"type": "user", "uuid": "u1", "parentUuid": "u2", "message": {"role": "user", "content": "one"}},
        {"type": "user", "uuid": "u2", "parentUuid": "u1", "message": {"role": "user", "content": "two"}},
        {"type": "progress", "uuid": "p1", "parentUuid": "p2", "data": {}},
        {"type": "progress", "uuid": "p2", "parentUuid": "p1", "data": {}},
        {"type": "user", "uuid": "u3", "parentUuid": "p1", "message": {"role": "user", "content": "three"}},
    )
    s = claude_code.read(log, [])
    assert [st.id for st in s.steps] == ["u1", "u2", "u3"]
    assert [st.parent for st in s.steps] == ["u2", None, None]


def test_progress_lines_do_not_orphan_the_messages_between():
    # Hook progress lines chained to each other after a tool call; the next prompt hangs off the
    # last of them. The messages in between must stay on the active path.
    log = raw(
        "/x/s.jsonl",
        {"type": "user", "uuid": "u1", "parentUuid": None, "message": {"role": "user", "content": "go"}},
        {
            "type": "assistant",
            "uuid": "a1",
            "parentUuid": "u1",
            "message": {
                "id": "m1",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "Glob", "input": {}}],
            },
        },
        {
            "type": "user",
            "uuid": "r1",
            "parentUuid": "a1",
            "message": {"content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"}]},
        },
        {
            "type": "assistant",
            "uuid": "a2",
            "parentUuid": "r1",
            "message": {"id": "m2", "content": [{"type": "text", "text": "found x"}]},
        },
        {"type": "progress", "uuid": "p1", "parentUuid": "a1", "data": {"type": "hook_progress"}},
        {"type": "progress", "uuid": "p2", "parentUuid": "p1", "data": {"type": "hook_progress"}},
        {"type": "user", "uuid": "u2", "parentUuid": "p2", "message": {"role": "user", "content": "next"}},
    )
    s = claude_code.read(log, [])
    assert [(st.id, st.parent, st.active) for st in s.steps] == [
        ("u1", None, True),
        ("a1", "u1", True),
        ("r1", "a1", True),
        ("a2", "r1", True),
        ("u2", "a2", True),
    ]


def test_session_id_in_raw_head():
    from tracetui.sources.claude.files import session_id_in

    compact = (
        b'{"parentUuid":null,"message":{"content":"say \\"sessionId\\":\\"nope\\""},"sessionId":"abc-1"}\n'
    )
    assert session_id_in(compact) == "abc-1"  # the escaped key inside the prompt is not the key
    assert session_id_in(b'{"type": "user", "sessionId": "abc-2", "x"') == "abc-2"  # spaces, cut line
    assert session_id_in(b'{"type":"user","message":{"content":"') is None


def test_head_session_id_reads_past_a_long_first_prompt(tmp_path):
    from tracetui.sources.claude.files import head_session_id

    path = tmp_path / "agent-long.jsonl"
    prompt = "x" * 10_000
    path.write_text(
        orjson.dumps({"type": "user", "message": {"content": prompt}, "sessionId": "s-long"}).decode()
    )
    assert head_session_id(path) == "s-long"
    assert head_session_id(tmp_path / "missing.jsonl") is None


def test_values_of_the_wrong_type_never_raise():
    # Found by fuzzing the corpus: unhashable values where the reader keys dictionaries.
    log = raw(
        "/x/s.jsonl",
        {"type": ["user"], "uuid": "x"},
        {
            "type": "assistant",
            "uuid": ["u"],
            "parentUuid": {"a": 1},
            "requestId": ["r"],
            "timestamp": 5,
            "message": {
                "id": "m",
                "model": ["m"],
                "usage": {"input_tokens": 3},
                "content": [
                    {"type": ["text"]},
                    {"type": "tool_use", "id": ["t"], "name": {"n": 1}, "input": None},
                ],
            },
        },
        {
            "type": "assistant",
            "uuid": "a2",
            "requestId": ["r"],
            "message": {"id": "m", "usage": {"input_tokens": 4}, "content": [{"type": "text", "text": "ok"}]},
        },
    )
    s = claude_code.read(log, [])
    assert s.skipped == {"<no type>": 1, "block:['text']": 1}
    assert [st.kind for st in s.steps] == [StepKind.TOOL_CALL, StepKind.ASSISTANT]
    assert s.tokens.input == 4  # one response (same id, no usable request id): counted once, at its max


def test_inline_sidechain_matched_by_time_when_the_prompt_differs():
    def line(uuid, parent, ts, kind, content, **extra):
        rec = {"type": kind, "uuid": uuid, "parentUuid": parent, "timestamp": ts, **extra}
        rec["message"] = (
            {"id": f"m-{uuid}", "model": "m", "content": content}
            if kind == "assistant"
            else {"content": content}
        )
        return rec

    task = {
        "type": "tool_use",
        "id": "toolu_t1",
        "name": "Task",
        "input": {"description": "d", "prompt": "Do A"},
    }
    log = raw(
        "/x/s.jsonl",
        line("u1", None, "2025-01-01T00:00:01Z", "user", "start"),
        line("a1", "u1", "2025-01-01T00:00:02Z", "assistant", [task]),
        line("s1", None, "2025-01-01T00:00:03Z", "user", "Do A, with the repo notes", isSidechain=True),
        line(
            "s2",
            "s1",
            "2025-01-01T00:00:04Z",
            "assistant",
            [{"type": "text", "text": "did A"}],
            isSidechain=True,
        ),
        line(
            "r1",
            "a1",
            "2025-01-01T00:00:05Z",
            "user",
            [{"type": "tool_result", "tool_use_id": "toolu_t1", "content": "did A"}],
        ),
    )
    s = claude_code.read(log, [])
    assert [(a.id, a.spawned_by, a.description) for a in s.subagents] == [("sidechain-s1", "a1", "d")]
    assert [st.id for st in s.steps] == [
        "u1",
        "a1",
        "subagent:sidechain-s1:start",
        "s1",
        "s2",
        "subagent:sidechain-s1:end",
        "r1",
    ]


def test_group_workflow_files(tmp_path):
    sid = "12345678-1234-4234-8234-123456789abc"
    root = tmp_path / "subagents" / "projects" / "-p"  # an unlucky home folder name changes nothing
    wf = root / sid / "subagents" / "workflows" / "wf_1"
    wf.mkdir(parents=True)
    (root / f"{sid}.jsonl").write_text('{"type":"user","sessionId":"%s"}\n' % sid)
    (wf / "agent-a1.jsonl").write_text('{"type":"user","sessionId":"%s","agentId":"a1"}\n' % sid)
    (wf / "journal.jsonl").write_text('{"type":"step"}\n')
    groups = claude_code.group(sorted(p for p in tmp_path.rglob("*") if p.is_file()))
    assert [(g.main.name, [c.name for c in g.companions]) for g in groups] == [
        (f"{sid}.jsonl", ["agent-a1.jsonl"])
    ]
