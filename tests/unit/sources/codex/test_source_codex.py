"""The Codex reader on hand-made rollouts: current layout, both legacy layouts, damage, compaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.model import FileEdit, GitInfo, Hunk, LineError, StepKind, Tokens
from tracetui.sources import RawLog, SessionFiles, group, read_session
from tracetui.sources.codex import reader as codex

HERE = FIXTURES / "codex"
LEGACY_DOC = HERE / "rollout-2025-08-19-7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d.json"


def load(name: str | Path):
    path = HERE / name if isinstance(name, str) else name
    return codex.read(RawLog(str(path), path.read_bytes()), [])


def kinds(session) -> list[tuple[str, str]]:
    return [(s.id, s.kind) for s in session.steps]


# ---- current layout --------------------------------------------------------------------------


def test_current_session_header():
    s = load("current.jsonl")
    assert s.id == "0199aaaa-1111-7222-8333-444455556666"
    assert s.agent == "codex"
    assert s.cwd == "/home/dev/demo"
    assert s.project == "demo"
    assert s.version == "0.60.1"
    assert s.started == "2025-10-01T09:59:59.500Z"
    assert s.ended == "2025-10-01T10:00:11.001Z"
    assert s.git == GitInfo(
        "main", "0123456789abcdef0123456789abcdef01234567", "https://example.com/dev/demo.git"
    )
    assert s.models == ["gpt-5-codex", "gpt-5.1-codex-max"]
    assert s.title == "Please add a todo file and make main fast"
    assert s.errors == []
    assert s.skipped == {"event_msg:some_future_event": 1, "response_item:brand_new_item": 1}
    assert s.files == [str(HERE / "current.jsonl")]


def test_current_spine_has_no_duplicates_and_uses_orphan_events():
    s = load("current.jsonl")
    assert kinds(s) == [
        ("L2", StepKind.CONTEXT),  # developer permissions
        ("L3", StepKind.CONTEXT),  # environment_context
        ("L4", StepKind.USER),  # its user_message event (L5) is a copy
        ("L10", StepKind.REASONING),  # the two agent_reasoning events (L8, L9) are copies
        ("L11", StepKind.TOOL_CALL),
        ("L14", StepKind.TOOL_RESULT),
        ("L15", StepKind.TOOL_CALL),
        ("L16", StepKind.TOOL_RESULT),
        ("L18", StepKind.TOOL_CALL),
        ("L19", StepKind.TOOL_RESULT),
        ("L21", StepKind.TOOL_CALL),  # web_search_call
        ("L23", StepKind.ASSISTANT),  # its agent_message event (L22) is a copy
        ("L26", StepKind.USER),  # only the event was written: it is the prompt
        ("L27", StepKind.MODEL_CHANGE),
        ("L28", StepKind.REASONING),
        ("L32", StepKind.CONTEXT),  # <turn_aborted> as the model saw it
        ("L33", StepKind.SYSTEM),  # the turn_aborted event
    ]
    assert [s.index for s in s.steps] == list(range(17))
    assert s.steps[0].role == "system" and s.steps[0].meta == {"role": "developer"}
    assert s.steps[2].text == "Please   add a todo file\nand make main fast"
    assert s.steps[3].text == "**Planning the change**\n\n**Checking files**"
    assert s.steps[3].meta == {"encrypted": True}
    assert s.steps[11].meta == {"phase": "final_answer"}
    assert s.steps[12].text == "now switch models and stop"
    assert s.steps[13].text == "model: gpt-5-codex -> gpt-5.1-codex-max"
    assert s.steps[13].meta == {"from": "gpt-5-codex", "to": "gpt-5.1-codex-max"}
    assert (s.steps[14].text, s.steps[14].meta, s.steps[14].model) == (
        "",
        {"encrypted": True},
        "gpt-5.1-codex-max",
    )
    assert (s.steps[16].text, s.steps[16].meta) == ("turn aborted (interrupted)", {"reason": "interrupted"})


def test_current_tool_calls_and_results():
    s = load("current.jsonl")
    calls = [st for st in s.steps if st.kind == StepKind.TOOL_CALL]
    assert [(c.tool, c.tool_call_id) for c in calls] == [
        ("shell", "call_ls_1"),
        ("apply_patch", "call_patch_2"),
        ("shell_command", "call_heredoc_3"),
        ("web_search", None),
    ]
    assert calls[0].tool_input == {"command": ["bash", "-lc", "ls"], "workdir": "/home/dev/demo"}
    assert calls[0].cwd is None  # same as the session's
    assert calls[1].tool_input.startswith("*** Begin Patch\n*** Add File: notes/todo.md")
    assert calls[3].tool_input == {"type": "search", "query": "python fast flag"}
    results = [st for st in s.steps if st.kind == StepKind.TOOL_RESULT]
    assert [(r.tool, r.tool_call_id, r.is_error, r.meta) for r in results] == [
        ("shell", "call_ls_1", False, {"exit_code": 0, "duration_ms": 250}),
        ("apply_patch", "call_patch_2", False, {"exit_code": 0, "duration_ms": 0}),
        ("shell_command", "call_heredoc_3", True, {"exit_code": 1, "duration_ms": 100}),
    ]
    assert results[0].text == "src\nnotes\n"  # unwrapped from the JSON envelope
    assert results[2].text.startswith("Exit code: 1\n")


def test_current_apply_patch_edits():
    s = load("current.jsonl")
    patch_call = s.step("L15")
    assert patch_call.edits == [
        FileEdit("notes/todo.md", "create", content="# Todo\n- write tests\n"),
        FileEdit(
            "src/app.py",
            "update",
            hunks=[Hunk(0, 2, 0, 2, ["     print('start')", "-    run()", "+    run(fast=True)"])],
        ),
    ]
    assert patch_call.meta == {"patch_anchors": [[], ["def main():"]]}
    heredoc = s.step("L18")
    # workdir /home/dev/demo/pkg, then `cd lib &&`; the failed run marks the edit unapplied
    assert heredoc.cwd == "/home/dev/demo/pkg/lib"
    assert heredoc.edits == [
        FileEdit(
            "lib/util.py",
            "update",
            hunks=[Hunk(0, 1, 0, 1, ["-missing line", "+replacement"])],
            applied=False,
        )
    ]
    assert s.step("L19").cwd == "/home/dev/demo/pkg/lib"
    assert s.edit_calls == 2
    assert s.tool_calls == 4


def test_current_tokens_are_deltas_of_the_cumulative_total():
    s = load("current.jsonl")
    # totals (input, cached, output): null, (1000,200,50) twice, (2500,1200,120), (4000,2400,200), (5000,3000,260)
    assert s.tokens == Tokens(input=2000, output=260, cache_read=3000, cache_write=0)
    assert {st.id: st.tokens for st in s.steps if st.tokens} == {
        "L11": Tokens(800, 50, 200, 0),
        "L15": Tokens(500, 70, 1000, 0),
        "L18": Tokens(300, 80, 1200, 0),
        "L23": Tokens(400, 60, 600, 0),
    }
    total = Tokens()
    for st in s.steps:
        if st.tokens:
            total.add(st.tokens)
    assert total == s.tokens


def test_steps_carry_the_model_of_their_turn():
    s = load("current.jsonl")
    assert [(st.id, st.model) for st in s.steps if st.role == "assistant"] == [
        ("L10", "gpt-5-codex"),
        ("L11", "gpt-5-codex"),
        ("L15", "gpt-5-codex"),
        ("L18", "gpt-5-codex"),
        ("L21", "gpt-5-codex"),
        ("L23", "gpt-5-codex"),
        ("L28", "gpt-5.1-codex-max"),
    ]


def test_reading_twice_gives_the_same_ids():
    assert [st.to_dict() for st in load("current.jsonl").steps] == [
        st.to_dict() for st in load("current.jsonl").steps
    ]


def test_session_round_trips_through_dict():
    from tracetui.model import Session

    s = load("current.jsonl")
    assert Session.from_dict(s.to_dict()).to_dict() == s.to_dict()


# ---- compaction, model change, turn cwd ------------------------------------------------------


def test_compaction_records():
    s = load("compaction.jsonl")
    assert kinds(s) == [
        ("L3", StepKind.USER),
        ("L5", StepKind.ASSISTANT),
        ("L7", StepKind.COMPACTION),
        ("L9", StepKind.USER),
        ("L11", StepKind.MODEL_CHANGE),
        ("L12", StepKind.TOOL_CALL),
        ("L13", StepKind.TOOL_RESULT),
        ("L15", StepKind.COMPACTION),
        ("L18", StepKind.ASSISTANT),
    ]
    first, second = s.step("L7"), s.step("L15")
    assert first.text == "Summary: the user asked one question and got one answer."
    assert first.meta == {}
    assert second.text == (
        "[history compacted: 5 items kept, 2 of them user messages]\n- first question\n- second question with more"
    )
    assert second.meta == {"replacement_count": 5}
    assert s.models == ["gpt-5.2-codex", "gpt-5.4"]
    assert s.step("L11").meta == {"from": "gpt-5.2-codex", "to": "gpt-5.4"}


def test_turn_cwd_and_relative_workdir():
    s = load("compaction.jsonl")
    assert s.cwd == "/srv/app"
    assert s.step("L3").cwd is None
    assert s.step("L12").cwd == "/srv/app/sub/tools"  # workdir "tools" under the turn's cwd
    assert s.step("L18").cwd == "/srv/app/sub"
    result = s.step("L13")
    assert result.meta == {"exit_code": 0, "duration_ms": 50}
    assert result.is_error is False


def test_compaction_tokens():
    s = load("compaction.jsonl")
    assert s.tokens == Tokens(input=250, output=40, cache_read=100)
    assert {st.id: st.tokens for st in s.steps if st.tokens} == {
        "L5": Tokens(100, 10, 0, 0),
        "L12": Tokens(150, 30, 100, 0),  # two deltas; the second comes before the next reply
    }


# ---- damage ----------------------------------------------------------------------------------


def test_torn_middle_line_and_missing_final_newline():
    path = HERE / "torn.jsonl"
    assert not path.read_bytes().endswith(b"\n")
    s = load("torn.jsonl")
    assert [(e.line, e.error.split(":")[0]) for e in s.errors] == [
        (3, "not valid JSON"),
        (6, "expected a JSON object, got list"),
    ]
    assert all(e.path == str(path) for e in s.errors)
    assert kinds(s) == [
        ("L2", StepKind.USER),
        ("L4", StepKind.TOOL_CALL),
        ("L5", StepKind.TOOL_RESULT),
        ("L7", StepKind.ASSISTANT),
    ]
    assert s.step("L7").text == "done"
    assert s.ended == "2025-10-03T07:00:00.500Z"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        b"not json at all\n",
        b'{"type":"response_item","payload":"nope"}\n',
        b"[]\n",
        b"\xff\xfe\n",
    ],
)
def test_garbage_never_raises(data):
    s = codex.read(
        RawLog("/x/rollout-2025-01-01T00-00-00-0199dddd-4444-7555-8666-777788889999.jsonl", data), []
    )
    assert s.id == "0199dddd-4444-7555-8666-777788889999"
    assert s.steps == []


def test_unparseable_legacy_document_is_one_error_on_line_one():
    s = codex.read(RawLog("/x/rollout-2025-08-01-abc.json", b'{"session": {"id": "x"}, "items": [ {'), [])
    assert [(e.line, e.error.startswith("not valid JSON")) for e in s.errors] == [(1, True)]
    assert s.steps == [] and s.id == "rollout-2025-08-01-abc"


def test_odd_values_do_not_raise():
    lines = [
        b'{"timestamp":"t","type":"session_meta","payload":{"id":5,"cwd":null,"git":"no"}}',
        b'{"timestamp":"t","type":"turn_context","payload":{"model":null}}',
        b'{"timestamp":"t","type":"response_item","payload":{"type":"message","role":"user","content":"plain string"}}',
        b'{"timestamp":"t","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{bad","call_id":"c1"}}',
        b'{"timestamp":"t","type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":[{"type":"input_text","text":"a"},{"type":"input_image","image_url":"data:"}]}}',
        b'{"timestamp":"t","type":"response_item","payload":{"type":"function_call_output","call_id":"zzz","output":null}}',
        b'{"timestamp":"t","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":"x"}}}}',
        b'{"timestamp":"t","type":"compacted","payload":{"message":null,"replacement_history":"no"}}',
        b'{"timestamp":"t","type":"mystery","payload":{}}',
    ]
    s = codex.read(RawLog("/x/a.jsonl", b"\n".join(lines)), [])
    assert [st.kind for st in s.steps] == [
        StepKind.USER,
        StepKind.TOOL_CALL,
        StepKind.TOOL_RESULT,
        StepKind.TOOL_RESULT,
        StepKind.COMPACTION,
    ]
    assert s.steps[1].tool_input == "{bad"
    assert s.steps[2].text == "a\n[image]"
    assert (s.steps[3].tool, s.steps[3].text) == (None, "")
    assert s.skipped == {"mystery": 1}
    assert s.tokens == Tokens()


# ---- legacy layouts --------------------------------------------------------------------------


def test_legacy_bare_jsonl():
    s = load("legacy_bare.jsonl")
    assert s.id == "5f0e1d2c-3b4a-4958-8a7b-6c5d4e3f2a1b"
    assert s.cwd == "/work/tool"  # from "Current working directory:" in the environment context
    assert s.started == s.ended == "2025-08-20T12:00:00.000Z"
    assert s.version is None and s.models == []
    assert s.git == GitInfo("dev", "fedcba9876543210fedcba9876543210fedcba98", "git@example.com:me/tool.git")
    assert s.title == "rename the config field"
    assert kinds(s) == [
        ("L3", StepKind.CONTEXT),
        ("L4", StepKind.CONTEXT),
        ("L6", StepKind.USER),
        ("L7", StepKind.REASONING),
        ("L8", StepKind.TOOL_CALL),
        ("L9", StepKind.TOOL_RESULT),
        ("L11", StepKind.TOOL_CALL),
        ("L12", StepKind.TOOL_RESULT),
        ("L13", StepKind.ASSISTANT),
    ]
    assert all(st.timestamp is None for st in s.steps)
    assert s.step("L7").text == "Need to edit config.rs."  # raw reasoning content, no summary
    moved = s.step("L8")
    assert moved.edits == [
        FileEdit(
            "src/config.rs",
            "update",
            hunks=[Hunk(0, 1, 0, 1, ["-    pub old: bool,", "+    pub new: bool,"])],
            move_to="src/settings.rs",
        )
    ]
    assert moved.meta == {"patch_anchors": [["pub struct Config {"]], "patch_end_of_file": [[True]]}
    failed = s.step("L11")
    assert [e.applied for e in failed.edits] == [False]
    assert s.step("L12").is_error is True
    assert s.step("L9").is_error is False
    assert s.errors == [] and s.skipped == {}


def test_legacy_single_json_document():
    s = load(LEGACY_DOC)
    assert s.id == "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
    assert s.started == "2025-08-19T09:00:00.000Z"
    assert s.cwd is None
    assert kinds(s) == [
        ("I0", StepKind.USER),
        ("I1", StepKind.REASONING),
        ("I1.1", StepKind.TOOL_CALL),
        ("I2", StepKind.TOOL_RESULT),
        ("I3", StepKind.ASSISTANT),
        ("I4", StepKind.TOOL_CALL),
    ]
    call = s.step("I1.1")
    assert (call.tool, call.tool_call_id, call.tool_input) == (
        "shell",
        "call_doc_1",
        {"command": ["bash", "-lc", "ls"]},
    )
    result = s.step("I2")
    assert (result.tool, result.tool_call_id, result.text, result.meta) == (
        "shell",
        "call_doc_1",
        "a.txt\n",
        {"exit_code": 0, "duration_ms": 20},
    )
    assert s.step("I3").text == "There is one file: a.txt"
    assert (s.step("I4").tool, s.step("I4").tool_input) == ("container.exec", "not json")
    assert s.errors == []


# ---- grouping --------------------------------------------------------------------------------


def test_group_one_session_per_rollout(tmp_path):
    paths = [
        tmp_path / "rollout-a.jsonl",
        tmp_path / "rollout-b.json",
        tmp_path / "history.jsonl",
        tmp_path / "notes.txt",
        tmp_path / "config.json",
    ]
    groups = codex.group(paths)
    assert [(g.agent, g.main.name, g.companions) for g in groups] == [
        ("codex", "rollout-a.jsonl", []),
        ("codex", "rollout-b.json", []),
    ]


def test_registry_reads_through_the_generic_api():
    [files] = group("codex", [HERE / "current.jsonl"])
    assert files == SessionFiles("codex", HERE / "current.jsonl")
    assert read_session(files).id == "0199aaaa-1111-7222-8333-444455556666"


def test_line_error_type():
    s = load("torn.jsonl")
    assert all(isinstance(e, LineError) for e in s.errors)


# ---- pairing and edit forms, built inline --------------------------------------------------


def rollout(*payloads: tuple[str, dict]) -> bytes:
    import orjson

    lines = [
        {"timestamp": "2025-10-05T00:00:00.000Z", "type": "session_meta", "payload": {"id": "s", "cwd": "/r"}}
    ]
    for i, (kind, payload) in enumerate(payloads):
        lines.append({"timestamp": f"2025-10-05T00:00:{i + 1:02d}.000Z", "type": kind, "payload": payload})
    return b"\n".join(orjson.dumps(line) for line in lines) + b"\n"


def run(*payloads):
    return codex.read(RawLog("/x/r.jsonl", rollout(*payloads)), [])


def item_msg(role, text):
    return (
        "response_item",
        {"type": "message", "role": role, "content": [{"type": "input_text", "text": text}]},
    )


def test_event_before_item_keeps_the_item():
    s = run(("event_msg", {"type": "user_message", "message": "hi"}), item_msg("user", "hi"))
    assert kinds(s) == [("L3", StepKind.USER)]


def test_user_event_promotes_a_tag_wrapped_prompt_to_user():
    # A prompt that happens to look like Codex's own wrapping is still the user's, as the event proves.
    s = run(
        item_msg("user", "<b>bold</b>"), ("event_msg", {"type": "user_message", "message": "<b>bold</b>"})
    )
    assert kinds(s) == [("L2", StepKind.USER)]
    assert s.title == "<b>bold</b>"


def test_events_do_not_pair_across_turns():
    s = run(
        ("event_msg", {"type": "agent_message", "message": "orphan reply"}),
        item_msg("user", "next prompt"),
        (
            "response_item",
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "answer"}]},
        ),
    )
    assert kinds(s) == [("L2", StepKind.ASSISTANT), ("L3", StepKind.USER), ("L4", StepKind.ASSISTANT)]
    assert [st.text for st in s.steps] == ["orphan reply", "next prompt", "answer"]


def test_encrypted_reasoning_takes_the_text_of_its_events():
    s = run(
        ("event_msg", {"type": "agent_reasoning", "text": "**Thinking**"}),
        ("response_item", {"type": "reasoning", "summary": [], "encrypted_content": "e"}),
        ("event_msg", {"type": "agent_reasoning", "text": "**Unpaired**"}),
    )
    assert [(st.id, st.kind, st.text) for st in s.steps] == [
        ("L3", StepKind.REASONING, "**Thinking**"),
        ("L4", StepKind.REASONING, "**Unpaired**"),
    ]


def test_reasoning_event_after_its_item_is_a_copy():
    s = run(
        ("response_item", {"type": "reasoning", "summary": [{"type": "summary_text", "text": "A"}]}),
        ("event_msg", {"type": "agent_reasoning", "text": "A"}),
    )
    assert kinds(s) == [("L2", StepKind.REASONING)]


def test_token_counter_restart_counts_the_new_total():
    def tc(i, c, o):
        usage = {"input_tokens": i, "cached_input_tokens": c, "output_tokens": o}
        return ("event_msg", {"type": "token_count", "info": {"total_token_usage": usage}})

    s = run(
        tc(100, 40, 10),
        ("response_item", {"type": "message", "role": "assistant", "content": []}),
        tc(50, 0, 5),
    )
    assert s.tokens == Tokens(input=110, output=15, cache_read=40)
    # the first delta has no assistant step before it: it goes on the next one
    assert s.step("L3").tokens == Tokens(input=110, output=15, cache_read=40)


def test_function_apply_patch_and_local_shell_forms():
    patch = "*** Begin Patch\n*** Delete File: a.txt\n*** End Patch"
    import orjson

    s = run(
        (
            "response_item",
            {
                "type": "function_call",
                "name": "apply_patch",
                "arguments": orjson.dumps({"input": patch}).decode(),
                "call_id": "c1",
            },
        ),
        (
            "response_item",
            {
                "type": "local_shell_call",
                "call_id": "c2",
                "status": "completed",
                "action": {"type": "exec", "command": ["apply_patch", patch], "working_directory": "/r/w"},
            },
        ),
        ("response_item", {"type": "function_call_output", "call_id": "c2", "output": "aborted"}),
        (
            "response_item",
            {
                "type": "custom_tool_call",
                "call_id": "c3",
                "name": "apply_patch",
                "input": "*** Begin Patch\n*** Add File: b\n+x\n",
            },
        ),
    )
    calls = [st for st in s.steps if st.kind == StepKind.TOOL_CALL]
    assert [(c.tool, c.cwd, [(e.op, e.path, e.applied) for e in c.edits]) for c in calls] == [
        ("apply_patch", None, [("delete", "a.txt", True)]),
        ("local_shell", "/r/w", [("delete", "a.txt", False)]),
        ("apply_patch", None, [("create", "b", True)]),
    ]
    assert calls[2].meta == {"patch_problems": ["no *** End Patch"]}
    assert s.step("L4").is_error is True


def test_reasoning_event_holding_only_the_heading_is_a_copy():
    summary = "**Planning**\n\nA rates table and one function."
    s = run(
        ("response_item", {"type": "reasoning", "summary": [{"type": "summary_text", "text": summary}]}),
        ("event_msg", {"type": "agent_reasoning", "text": "**Planning**"}),
        ("event_msg", {"type": "agent_reasoning", "text": "**Planning**"}),  # nothing left to copy
    )
    assert [(st.id, st.text) for st in s.steps] == [("L2", summary), ("L4", "**Planning**")]


def test_title_skips_the_ide_context_block():
    prompt = (
        "# Context from my IDE setup:\n\n## Active file: a.py\n\n## My request for Codex:\nfix   the bug\n"
    )
    s = run(item_msg("user", prompt))
    assert s.title == "fix the bug"
    assert s.steps[0].text == prompt  # the step keeps what the model saw


def test_exit_code_of_a_process_still_running_at_output_time_comes_from_exec_command_end():
    running = "Chunk ID: 1\nWall time: 1.0 seconds\nProcess running with session ID 7\nOutput:\n"
    s = run(
        (
            "response_item",
            {"type": "function_call", "name": "exec_command", "arguments": "{}", "call_id": "c1"},
        ),
        ("response_item", {"type": "function_call_output", "call_id": "c1", "output": running}),
        (
            "event_msg",
            {
                "type": "exec_command_end",
                "call_id": "c1",
                "exit_code": 2,
                "duration": {"secs": 3, "nanos": 5_000_000},
            },
        ),
        (
            "event_msg",
            {
                "type": "exec_command_end",
                "call_id": "c2",
                "exit_code": 0,
                "duration": {"secs": 0, "nanos": 0},
            },
        ),
        (
            "response_item",
            {"type": "function_call", "name": "exec_command", "arguments": "{}", "call_id": "c2"},
        ),
        ("response_item", {"type": "function_call_output", "call_id": "c2", "output": running}),
    )
    results = [st for st in s.steps if st.kind == StepKind.TOOL_RESULT]
    assert [(r.tool_call_id, r.meta, r.is_error) for r in results] == [
        ("c1", {"duration_ms": 1000, "exit_code": 2}, True),
        ("c2", {"duration_ms": 1000, "exit_code": 0}, False),
    ]


def test_exit_code_is_read_from_the_header_only():
    text = "Exit code: 0\nWall time: 0.5 seconds\nOutput:\nExit code: 1\n"
    s = run(
        (
            "response_item",
            {"type": "function_call", "name": "shell_command", "arguments": "{}", "call_id": "c1"},
        ),
        ("response_item", {"type": "function_call_output", "call_id": "c1", "output": text}),
    )
    assert (s.steps[1].meta, s.steps[1].is_error) == ({"exit_code": 0, "duration_ms": 500}, False)


def test_start_falls_back_to_the_first_line_when_session_meta_has_none():
    s = run(item_msg("user", "hi"))  # the helper's session_meta carries no timestamp
    assert (s.started, s.ended) == ("2025-10-05T00:00:00.000Z", "2025-10-05T00:00:01.000Z")
