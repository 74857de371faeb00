"""The Pi / OpenClaw reader on hand-made logs, one per format feature (tests/fixtures/pi/)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES
from support.narrow import present

from tracetui.model import Session, StepKind, Tokens
from tracetui.sources import RawLog, SessionFiles
from tracetui.sources.pi import reader as pi

PI = FIXTURES / "pi"
HEADLESS = "2026-05-01T00-00-00-000Z_66666666-aaaa-4bbb-8ccc-000000000006.jsonl"
OPENCLAW = "openclaw.jsonl.reset.2026-03-02T00-00-00.000Z"


def load(name: str) -> Session:
    path = PI / name
    return pi.read(RawLog(str(path), path.read_bytes()), [])


def parse(text: str, name: str = "/logs/x.jsonl") -> Session:
    return pi.read(RawLog(name, text.encode()), [])


def lines(*records: dict) -> str:
    return "\n".join(orjson.dumps(r).decode() for r in records) + "\n"


def table(session: Session) -> list[tuple]:
    return [(s.id, s.kind, s.parent, s.active) for s in session.steps]


# --- grouping ---------------------------------------------------------------------------------


def test_group_one_session_per_log_file_including_openclaw_archives():
    paths = [
        Path("/s/--home--/2026-01-01T00-00-00-000Z_abc.jsonl"),
        Path("/oc/agents/main/sessions/u1.jsonl"),
        Path("/oc/agents/main/sessions/u0.jsonl.reset.2026-02-01T10-00-00.000Z"),
        Path("/oc/agents/main/sessions/sessions.json"),
        Path("/s/notes.txt"),
        Path("/s/x.jsonl.bak"),
        Path("/oc/agents/main/sessions/u1.jsonl"),  # listed twice
    ]
    groups = pi.group(paths)
    assert groups == [
        SessionFiles("pi", paths[0]),
        SessionFiles("pi", paths[1]),
        SessionFiles("pi", paths[2]),
    ]
    assert all(g.companions == [] for g in groups)


# --- v1: a linear file without ids ------------------------------------------------------------


def test_v1_session_fields():
    s = load("v1_linear.jsonl")
    assert s.id == "11111111-aaaa-4bbb-8ccc-000000000001"
    assert s.agent == "pi"
    assert s.cwd == "/home/dev/calc"
    assert s.version == "pi-v1"
    # the header's model first, then the model switched to
    assert s.models == ["anthropic/claude-sonnet-4-5", "openai/gpt-5"]
    assert s.title == "Fix the total function"
    # v1 header stamps can be later than the first entries: started is the earliest stamp
    assert s.started == "2025-06-01T10:00:01.000Z"
    assert s.ended == "2025-06-01T10:00:16.000Z"
    # its own requests: the first two, older than the header of this branched file, are its
    # parent's copied (100, 20, 300, 40 and 50, 30, 0, 0)
    assert s.tokens == Tokens(75, 11, 0, 0)
    assert sum(x.tokens.total for x in s.steps if x.tokens) == Tokens(225, 61, 300, 40).total  # all shown
    assert s.errors == []
    assert s.skipped == {}
    assert s.files == [str(PI / "v1_linear.jsonl")]


def test_v1_steps_are_named_by_line_and_chained_in_file_order():
    s = load("v1_linear.jsonl")
    assert [(st.id, st.kind) for st in s.steps] == [
        ("L2", "user"),
        ("L3", "reasoning"),
        ("L3:1", "assistant"),
        ("L3:2", "tool_call"),
        ("L4", "tool_result"),
        ("L5", "tool_call"),
        ("L6", "tool_result"),
        ("L7", "system"),
        ("L8", "model_change"),
        ("L9", "tool_call"),
        ("L9:1", "tool_result"),
        ("L10", "user"),
        ("L11", "tool_call"),
        ("L11:1", "tool_call"),
        ("L12", "tool_result"),
        ("L13", "tool_result"),
        ("L14", "compaction"),
        ("L15", "user"),
        ("L16", "assistant"),
        ("L16:1", "tool_call"),
        ("L16:2", "system"),  # the last line has no newline and still counts
    ]
    assert [st.index for st in s.steps] == list(range(21))
    assert [st.parent for st in s.steps] == [None] + [st.id for st in s.steps[:-1]]
    assert all(st.active for st in s.steps)


def test_v1_assistant_blocks_tokens_and_models():
    s = load("v1_linear.jsonl")
    thinking, text, call = present(s.step("L3")), present(s.step("L3:1")), present(s.step("L3:2"))
    assert (thinking.text, thinking.role, thinking.model) == (
        "Look at calc.py first.",
        "assistant",
        "anthropic/claude-sonnet-4-5",
    )
    # on the first step of the message only, with the cost Pi logged for it ($0: kept as logged)
    assert thinking.tokens == Tokens(100, 20, 300, 40, 0.0)
    assert text.tokens is None and call.tokens is None
    assert (call.tool, call.tool_call_id, call.tool_input) == ("read", "toolu_v1_read", {"path": "calc.py"})
    result = present(s.step("L4"))
    assert (result.kind, result.role, result.tool, result.tool_call_id, result.text, result.is_error) == (
        "tool_result",
        "tool",
        "read",
        "toolu_v1_read",
        "def total(items): ...",
        False,
    )
    assert present(s.step("L11")).model == "openai/gpt-5"


def test_v1_edit_with_numbered_diff_gets_hunks_with_real_line_numbers():
    call = present(load("v1_linear.jsonl").step("L5"))
    assert len(call.edits) == 1
    edit = call.edits[0]
    assert (edit.path, edit.op, edit.applied) == ("calc.py", "update", True)
    assert edit.old_string == "    for i in items: s += i"
    assert edit.new_string == "    for item in items:\n        s += item"
    assert [h.to_dict() for h in edit.hunks] == [
        {
            "old_start": 6,
            "old_lines": 5,
            "new_start": 6,
            "new_lines": 6,
            "lines": [
                " def total(items):",
                "     s = 0",
                "-    for i in items: s += i",
                "+    for item in items:",
                "+        s += item",
                "     return s",
                " ",
            ],
        }
    ]


def test_v1_write_any_case_and_failed_edit():
    s = load("v1_linear.jsonl")
    write = present(s.step("L11"))
    assert write.tool == "Write"
    assert [e.to_dict() for e in write.edits] == [{"path": "README.md", "op": "write", "content": "# calc\n"}]
    bad = present(s.step("L11:1"))
    assert [e.to_dict() for e in bad.edits] == [
        {"path": "calc.py", "op": "update", "old_string": "nope", "new_string": "yes", "applied": False}
    ]
    assert present(s.step("L13")).is_error is True
    assert s.edit_calls == 4
    # read, edit, the user's bash, write, the failed and the unrun edit; the read and the edit are the
    # copies this branched file (`branchedFrom`) holds of its parent's history (older than its
    # header), which count where the parent is listed, not here.
    assert sum(1 for x in s.steps if x.kind == "tool_call") == 6
    assert s.tool_calls == 4


def test_v1_bash_execution_is_a_user_run_call_and_its_result():
    s = load("v1_linear.jsonl")
    call, result = present(s.step("L9")), present(s.step("L9:1"))
    assert (call.kind, call.role, call.tool, call.tool_input, call.meta) == (
        "tool_call",
        "user",
        "bash",
        {"command": "pytest -q"},
        {"user_run": True},
    )
    assert call.tool_call_id == result.tool_call_id == "user-bash:L9"
    assert (result.kind, result.text, result.is_error, result.parent) == (
        "tool_result",
        "1 failed",
        True,
        "L9",
    )
    assert result.meta == {"user_run": True, "exit_code": 1}


def test_v1_model_and_thinking_changes():
    s = load("v1_linear.jsonl")
    assert (present(s.step("L7")).kind, present(s.step("L7")).text, present(s.step("L7")).meta) == (
        "system",
        "thinking level: high",
        {"thinking_level": "high"},
    )
    assert (present(s.step("L8")).kind, present(s.step("L8")).text, present(s.step("L8")).model) == (
        "model_change",
        "openai/gpt-5",
        "openai/gpt-5",
    )


def test_v1_compaction_index_resolves_to_the_kept_entrys_step():
    step = present(load("v1_linear.jsonl").step("L14"))
    assert step.kind == StepKind.COMPACTION
    assert step.text == "The user asked to fix total(); it was fixed and a README written."
    # firstKeptEntryIndex 9 counts the header as 0: the 9th entry is on line 10
    assert step.meta == {"first_kept_entry_id": "L10", "tokens_before": 12345}


def test_v1_aborted_turn_keeps_its_steps_adds_a_system_step_and_runs_no_edit():
    s = load("v1_linear.jsonl")
    assert present(s.step("L16")).text == "Adding"
    assert present(s.step("L16")).tokens == Tokens(5, 1, 0, 0, 0.0)
    call = present(s.step("L16:1"))
    assert call.meta == {"not_run": True}
    assert [e.applied for e in call.edits] == [False]
    end = present(s.step("L16:2"))
    assert (end.kind, end.text, end.is_error, end.meta) == (
        "system",
        "Request was aborted.",
        False,
        {"stop_reason": "aborted"},
    )


# --- v2: ids, hookMessage, label, session name -------------------------------------------------


def test_v2_hook_message_is_context_and_labels_are_not_steps():
    s = load("v2_hook.jsonl")
    assert s.version == "pi-v2"
    assert s.title == "Greeting test"  # the /name wins over the first prompt
    assert table(s) == [
        ("a0000001", "user", None, True),
        ("a0000002", "context", "a0000001", True),
        ("a0000003", "assistant", "a0000002", True),
        # parent is the label/session_info chain's nearest ancestor with steps
        ("a0000006", "user", "a0000003", True),
    ]
    hook = present(s.step("a0000002"))
    assert (hook.role, hook.text, hook.meta) == (
        "user",
        "Remember the style guide.",
        {"custom_type": "reminder", "display": False},
    )
    assert s.skipped == {}
    assert s.models == ["google/gemini-2.5-pro"]


# --- v3: a /tree branch -------------------------------------------------------------------------


def test_v3_tree_active_path_differs_from_file_order():
    s = load("v3_tree.jsonl")
    assert s.version == "pi-v3"
    assert table(s) == [
        ("b0000001", "model_change", None, True),
        ("b0000002", "user", "b0000001", True),
        ("b0000003", "tool_call", "b0000002", True),
        ("b0000004", "tool_result", "b0000003", True),
        ("b0000005", "assistant", "b0000004", True),
        ("b0000006", "user", "b0000005", False),
        ("b0000007", "tool_call", "b0000006", False),
        ("b0000008", "tool_result", "b0000007", False),
        ("b0000009", "context", "b0000005", True),  # the branch summary: second child of b0000005
        ("b000000b", "context", "b0000009", True),  # its parent, the extension state, has no step
        ("b000000c", "compaction", "b000000b", True),
        ("b000000d", "user", "b000000c", True),
        ("b000000e", "reasoning", "b000000d", True),
        ("b000000e:1", "assistant", "b000000e", True),
    ]
    # tokens count every branch: what was spent, not what survived
    assert s.tokens == Tokens(104, 5, 3, 4)
    assert s.models == ["anthropic/claude-opus-4-5"]
    assert s.skipped == {}


def test_v3_branch_summary_custom_message_and_compaction_by_id():
    s = load("v3_tree.jsonl")
    assert (present(s.step("b0000009")).text, present(s.step("b0000009")).meta) == (
        "Tried deleting a; abandoned.",
        {"from_id": "b0000008"},
    )
    assert (present(s.step("b000000b")).text, present(s.step("b000000b")).meta) == ("2 todos open", {"custom_type": "todo"})
    assert present(s.step("b000000c")).meta == {
        "first_kept_entry_id": "b0000005",
        "tokens_before": 5000,
        "read_files": [],
        "modified_files": ["src/a.ts"],
    }


def test_v3_multi_replacement_edit_uses_the_unified_patch_once():
    s = load("v3_tree.jsonl")
    call = present(s.step("b0000003"))
    assert call.tool_input["edits"][1] == {"oldText": "", "newText": "// one\n// two"}
    assert [e.to_dict() for e in call.edits] == [
        {
            "path": "src/a.ts",
            "op": "update",
            "hunks": [
                {
                    "old_start": 1,
                    "old_lines": 3,
                    "new_start": 1,
                    "new_lines": 3,
                    "lines": [" const a = 1;", "-const b = 2;", "+const b = 3;", " export { a, b };"],
                },
                {
                    "old_start": 11,
                    "old_lines": 0,
                    "new_start": 11,
                    "new_lines": 2,
                    "lines": ["+// one", "+// two"],
                },
            ],
        }
    ]
    assert present(s.step("b0000004")).meta == {"first_changed_line": 2}
    write = present(s.step("b0000007"))
    assert (write.active, [e.op for e in write.edits]) == (False, ["write"])


# --- OpenClaw -------------------------------------------------------------------------------------


def test_openclaw_archive_custom_entries_images_and_details_status_errors():
    s = load(OPENCLAW)
    assert s.id == "44444444-aaaa-4bbb-8ccc-000000000004"
    assert s.skipped == {}  # model-snapshot and cache-ttl are known extension state
    assert [st.id for st in s.steps] == [
        "c0000001",
        "c0000002",
        "c0000004",
        "c0000005",
        "c0000005:1",
        "c0000006",
        "c0000007",
        "c0000009",
    ]
    assert present(s.step("c0000004")).parent == "c0000002"
    assert present(s.step("c0000004")).text == "[Chat user] what is in this picture?\n[image]"
    assert s.title == "[Chat user] what is in this picture?"
    exec_call = present(s.step("c0000005"))
    assert (exec_call.tool, exec_call.tool_call_id, exec_call.edits) == ("exec", "call_oc_1|fc_1", [])
    # OpenClaw reports failures in details.status while isError stays false
    assert present(s.step("c0000006")).is_error is True
    assert present(s.step("c0000007")).is_error is True
    assert [e.applied for e in present(s.step("c0000005:1")).edits] == [False]
    assert s.tokens == Tokens(43, 6, 8, 0)


# --- damaged files ----------------------------------------------------------------------------------


def test_torn_and_glued_lines_are_reported_and_whole_entries_recovered():
    s = load("torn.jsonl")
    path = str(PI / "torn.jsonl")
    assert [(e.path, e.line) for e in s.errors] == [(path, 5), (path, 7), (path, 9)]
    assert s.errors[0].error == "torn entry (not valid JSON); recovered 1 whole entry on the same line"
    assert s.errors[1].error == "2 entries on one line (a lost newline); all recovered"
    assert s.errors[2].error.startswith("not valid JSON: ")
    assert [st.id for st in s.steps] == [f"d000000{i}" for i in range(1, 8)]
    assert all(st.active for st in s.steps)
    assert [st.tool_call_id for st in s.steps if st.kind == "tool_call"] == ["toolu_t1", "toolu_t2"]
    assert present(s.step("d0000007")).text == "end"  # the unterminated last line


def test_a_file_without_header_loads_what_it_can():
    s = load(HEADLESS)
    assert s.id == "66666666-aaaa-4bbb-8ccc-000000000006"  # from the file name
    assert s.cwd is None
    assert [(e.line, e.error) for e in s.errors] == [
        (1, 'expected a Pi session header (type "session") on the first line')
    ]
    assert [(st.id, st.kind, st.text) for st in s.steps] == [
        ("L1", "user", "headless"),
        ("L2", "assistant", "ok"),
    ]
    assert s.skipped == {"wobble": 1}
    assert s.version == "pi-v1"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        b"\x00\xff\xfe garbage",
        b"[1,2,3]\n",
        b'{"type":"session"}\n{"type":"message"}\n',
        b'{"type":"message","message":{"role":"assistant","content":"hi","usage":{"input":"x"}}}',
    ],
)
def test_bad_input_never_raises(data):
    s = pi.read(RawLog("/logs/2026_bad.jsonl", data), [])
    assert s.id == "bad"
    assert s.agent == "pi"
    orjson.dumps(s.to_dict())


def test_leaf_is_the_last_entry_even_when_it_is_a_label():
    # /tree back to e1, a second branch e4, then back to e3's branch and a label there:
    # Pi's leaf is the label, so the e2-e3 branch is the active one.
    text = lines(
        {"type": "session", "version": 3, "id": "s", "timestamp": "2026-01-01T00:00:00.000Z", "cwd": "/p"},
        {
            "type": "message",
            "id": "e1",
            "parentId": None,
            "timestamp": "2026-01-01T00:00:01.000Z",
            "message": {"role": "user", "content": "a"},
        },
        {
            "type": "message",
            "id": "e2",
            "parentId": "e1",
            "timestamp": "2026-01-01T00:00:02.000Z",
            "message": {"role": "user", "content": "b"},
        },
        {
            "type": "message",
            "id": "e3",
            "parentId": "e2",
            "timestamp": "2026-01-01T00:00:03.000Z",
            "message": {"role": "user", "content": "c"},
        },
        {
            "type": "message",
            "id": "e4",
            "parentId": "e1",
            "timestamp": "2026-01-01T00:00:04.000Z",
            "message": {"role": "user", "content": "d"},
        },
        {
            "type": "label",
            "id": "e5",
            "parentId": "e3",
            "timestamp": "2026-01-01T00:00:05.000Z",
            "targetId": "e2",
            "label": "x",
        },
    )
    s = parse(text)
    assert table(s) == [
        ("e1", "user", None, True),
        ("e2", "user", "e1", True),
        ("e3", "user", "e2", True),
        ("e4", "user", "e1", False),
    ]
    assert s.ended == "2026-01-01T00:00:05.000Z"


def test_unknown_types_roles_and_blocks_are_counted_not_fatal():
    text = lines(
        {"type": "session", "version": 3, "id": "s", "timestamp": "2026-01-01T00:00:00.000Z", "cwd": "/p"},
        {"type": "future_thing", "id": "f1", "parentId": None},
        {"type": "message", "id": "f2", "parentId": "f1", "message": {"role": "oracle", "content": "?"}},
        {
            "type": "message",
            "id": "f3",
            "parentId": "f2",
            "message": {
                "role": "assistant",
                "content": [{"type": "hologram"}, {"type": "text", "text": "ok"}],
            },
        },
        {"type": "session", "id": "again"},
    )
    s = parse(text)
    assert s.skipped == {"future_thing": 1, "message/oracle": 1, "content/hologram": 1, "session": 1}
    # the skipped block keeps its number, so the text block is named by its position
    assert [(st.id, st.text, st.parent) for st in s.steps] == [("f3:1", "ok", None)]
    assert s.errors == []


def test_ids_are_stable_when_a_v1_log_grows():
    data = (PI / "v1_linear.jsonl").read_bytes()
    first = pi.read(RawLog("/l/a.jsonl", data), [])
    again = pi.read(RawLog("/l/a.jsonl", data), [])
    assert first.to_dict() == again.to_dict()
    grown = (
        data
        + b'\n{"type":"message","timestamp":"2025-06-01T11:00:00.000Z","message":{"role":"user","content":"more"}}\n'
    )
    longer = pi.read(RawLog("/l/a.jsonl", grown), [])
    assert [st.id for st in longer.steps] == [st.id for st in first.steps] + ["L17"]
    assert present(longer.step("L17")).parent == "L16:2"


def test_message_timestamp_is_used_when_the_entry_has_none_and_titles_are_cut():
    long_prompt = "word " * 100
    text = lines(
        {"type": "session", "version": 3, "id": "s", "timestamp": "2026-01-01T00:00:00Z", "cwd": "/p"},
        {
            "type": "message",
            "id": "m1",
            "parentId": None,
            "message": {
                "role": "user",
                "content": [{"type": "image", "data": "", "mimeType": "image/png"}],
                "timestamp": 1767225601000,
            },
        },
        {
            "type": "message",
            "id": "m2",
            "parentId": "m1",
            "timestamp": "2026-01-01T01:00:02+01:00",
            "message": {"role": "user", "content": long_prompt},
        },
        {"type": "session_info", "id": "m3", "parentId": "m2", "name": "named"},
        {"type": "session_info", "id": "m4", "parentId": "m3", "name": "   "},
    )
    s = parse(text)
    assert present(s.step("m1")).text == "[image]"
    assert present(s.step("m1")).timestamp == "2026-01-01T00:00:01.000Z"
    assert present(s.step("m2")).timestamp == "2026-01-01T00:00:02.000Z"
    assert s.started == "2026-01-01T00:00:00.000Z"
    # an empty /name clears the name; an image-only prompt is not a title
    assert s.title == ("word " * 40)[:199] + "…"
    assert len(s.title) == 200


def test_edit_arguments_in_other_shapes():
    text = lines(
        {"type": "session", "version": 3, "id": "s", "timestamp": "2026-01-01T00:00:00.000Z", "cwd": "/p"},
        {
            "type": "message",
            "id": "a1",
            "parentId": None,
            "message": {
                "role": "assistant",
                "stopReason": "toolUse",
                "content": [
                    {
                        "type": "toolCall",
                        "id": "t1",
                        "name": "Edit",
                        "arguments": {"file_path": "x.py", "old_string": "a", "new_string": "b"},
                    },
                    {
                        "type": "toolCall",
                        "id": "t2",
                        "name": "edit",
                        "arguments": {
                            "path": "y.py",
                            "edits": '[{"oldText":"1","newText":"2"},{"oldText":"3","newText":"4"}]',
                        },
                    },
                    {
                        "type": "toolCall",
                        "id": "t3",
                        "name": "edit",
                        "arguments": '{"path":"z.py","oldText":"p","newText":"q"}',
                    },
                    {"type": "toolCall", "id": "t4", "name": "read", "arguments": {"path": "z.py"}},
                ],
            },
        },
    )
    s = parse(text)
    edits = {st.tool_call_id: [e.to_dict() for e in st.edits] for st in s.steps}
    assert edits == {
        "t1": [{"path": "x.py", "op": "update", "old_string": "a", "new_string": "b"}],
        "t2": [
            {"path": "y.py", "op": "update", "old_string": "1", "new_string": "2"},
            {"path": "y.py", "op": "update", "old_string": "3", "new_string": "4"},
        ],
        "t3": [{"path": "z.py", "op": "update", "old_string": "p", "new_string": "q"}],
        "t4": [],
    }
    assert present(s.step("a1:2")).tool_input == {"path": "z.py", "oldText": "p", "newText": "q"}
    # no results ever came: the calls are marked, their edits left as they were
    assert all(st.meta == {"no_result": True} for st in s.steps)


def test_error_turn_gets_a_system_step_carrying_tokens_when_it_has_no_content():
    text = lines(
        {"type": "session", "version": 3, "id": "s", "timestamp": "2026-01-01T00:00:00.000Z", "cwd": "/p"},
        {"type": "message", "id": "u1", "parentId": None, "message": {"role": "user", "content": "go"}},
        {
            "type": "message",
            "id": "a1",
            "parentId": "u1",
            "message": {
                "role": "assistant",
                "content": [],
                "provider": "openai-codex",
                "model": "gpt-5.3-codex",
                "usage": {"input": 3, "output": 0, "cacheRead": 0, "cacheWrite": 0},
                "stopReason": "error",
                "errorMessage": "No API key for provider: openai-codex",
            },
        },
    )
    s = parse(text)
    step = present(s.step("a1"))
    assert (step.kind, step.role, step.text, step.is_error, step.meta) == (
        "system",
        "system",
        "No API key for provider: openai-codex",
        True,
        {"stop_reason": "error"},
    )
    assert step.tokens == Tokens(3, 0, 0, 0)
    assert step.model == "openai-codex/gpt-5.3-codex"


def test_session_round_trips_through_its_dict():
    for name in ("v1_linear.jsonl", "v2_hook.jsonl", "v3_tree.jsonl", OPENCLAW, "torn.jsonl", HEADLESS):
        s = load(name)
        d = orjson.loads(orjson.dumps(s.to_dict()))
        assert Session.from_dict(d).to_dict() == s.to_dict()


def test_apply_patch_calls_become_edits_and_a_failed_one_is_not_applied():
    patch = "*** Begin Patch\n*** Add File: notes.txt\n+hello\n*** Update File: a.py\n@@\n-x = 1\n+x = 2\n*** End Patch"
    text = lines(
        {"type": "session", "version": 3, "id": "s", "timestamp": "2026-01-01T00:00:00.000Z", "cwd": "/p"},
        {
            "type": "message",
            "id": "a1",
            "parentId": None,
            "message": {
                "role": "assistant",
                "stopReason": "toolUse",
                "content": [
                    {
                        "type": "toolCall",
                        "id": "call_p1",
                        "name": "apply_patch",
                        "arguments": {"input": patch},
                    },
                    {
                        "type": "toolCall",
                        "id": "call_p2",
                        "name": "apply_patch",
                        "arguments": {"input": "*** Begin Patch\n*** Delete File: gone.txt\n*** End Patch"},
                    },
                ],
            },
        },
        {
            "type": "message",
            "id": "r1",
            "parentId": "a1",
            "message": {
                "role": "toolResult",
                "toolCallId": "call_p1",
                "toolName": "apply_patch",
                "content": [{"type": "text", "text": "Success"}],
                "isError": False,
            },
        },
        {
            "type": "message",
            "id": "r2",
            "parentId": "r1",
            "message": {
                "role": "toolResult",
                "toolCallId": "call_p2",
                "toolName": "apply_patch",
                "content": [{"type": "text", "text": "no such file"}],
                "isError": True,
            },
        },
    )
    s = parse(text)
    first, second = present(s.step("a1")), present(s.step("a1:1"))
    assert [(e.path, e.op, e.content, e.applied) for e in first.edits] == [
        ("notes.txt", "create", "hello\n", True),
        ("a.py", "update", None, True),
    ]
    assert first.edits[1].hunks[0].lines == ["-x = 1", "+x = 2"]
    assert [(e.path, e.op, e.applied) for e in second.edits] == [("gone.txt", "delete", False)]
    assert s.edit_calls == 2


def test_crlf_line_ends_and_a_byte_order_mark_are_not_errors():
    text = lines(
        {"type": "session", "version": 3, "id": "s", "timestamp": "2026-01-01T00:00:00.000Z", "cwd": "/p"},
        {"type": "message", "id": "u1", "parentId": None, "message": {"role": "user", "content": "hi"}},
    ).replace("\n", "\r\n")
    s = pi.read(RawLog("/l/s.jsonl", b"\xef\xbb\xbf" + text.encode()), [])
    assert (s.id, s.cwd, s.errors) == ("s", "/p", [])
    assert [(st.id, st.text) for st in s.steps] == [("u1", "hi")]


def test_a_torn_entry_whose_blocks_are_whole_still_yields_only_the_real_entry_after_it():
    whole = orjson.dumps(
        {"type": "message", "id": "m2", "parentId": None, "message": {"role": "user", "content": "kept"}}
    ).decode()
    torn = '{"type":"message","id":"m1","message":{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}'
    text = '{"type":"session","version":3,"id":"s","cwd":"/p"}\n' + torn + whole + "\n"
    s = parse(text)
    assert [(e.line, e.error) for e in s.errors] == [
        (2, "torn entry (not valid JSON); recovered 1 whole entry on the same line")
    ]
    assert [(st.id, st.text) for st in s.steps] == [("m2", "kept")]


def test_half_an_emoji_cut_by_truncation_is_read_and_stays_encodable():
    header = '{"type":"session","version":3,"id":"s","cwd":"/p"}\n'
    result = (
        '{"type":"message","id":"r1","parentId":null,"message":{"role":"toolResult","toolCallId":"t1",'
        '"toolName":"bash","content":[{"type":"text","text":"ok \\ud83d"}],"isError":false}}\n'
    )
    s = parse(header + result)
    assert [(e.line, e.error.split(" (")[0]) for e in s.errors] == [(2, "non-standard JSON")]
    assert present(s.step("r1")).text == "ok \ufffd"
    orjson.dumps(s.to_dict())
