"""The Copilot CLI reader on hand-made logs (tests/fixtures/copilot, a `~/.copilot/session-state`)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.model import StepKind
from tracetui.sources import RawLog, SessionFiles, read_session, registry
from tracetui.sources.copilot import reader as copilot

STATE = FIXTURES / "copilot" / "session-state"
SID = "3c4d5e6f-4444-4d4d-9e9e-112233445566"
FOLDER = STATE / SID
EVENTS = FOLDER / "events.jsonl"
FLAT = STATE / "7a8b9c0d-5555-4e4e-8f8f-665544332211.jsonl"
CHECKPOINT = FOLDER / "checkpoints" / "001-greeting-added.md"


def _all() -> list[Path]:
    return sorted(p for p in STATE.rglob("*") if p.is_file())


def _session(path: Path = EVENTS):
    [files] = [g for g in copilot.group(_all()) if g.main == path]
    return read_session(files)


def test_grouping():
    groups = {g.main: sorted(c.name for c in g.companions) for g in copilot.group(_all())}
    assert groups == {EVENTS: ["001-greeting-added.md", "workspace.yaml"], FLAT: []}


def test_session_metadata_from_start_and_workspace():
    session = _session()
    assert (session.id, session.version, session.cwd) == (SID, "1.0.12", "/home/dev/garden")
    assert session.git is not None and session.git.to_dict() == {
        "branch": "main",
        "commit": "0123456789abcdef0123456789abcdef01234567",
        "remote": "https://github.com/dev/garden",  # `repository` on hostType github
    }
    assert session.title == "Greeting In Hello"  # workspace.yaml's summary
    assert session.models == ["claude-sonnet-4.6", "gpt-5-mini"]
    assert (session.started, session.ended) == ("2026-05-02T09:00:00.000Z", "2026-05-02T09:03:00.000Z")


def test_tokens_per_message_and_the_shutdown_totals():
    session = _session()
    per_step = {s.id: s.tokens.output for s in session.steps if s.tokens is not None and s.kind != "system"}
    assert sorted(per_step.values()) == [10, 25, 40, 120]
    # the shutdown's modelMetrics are the authoritative totals; inputTokens counts the cached prompt too
    assert session.tokens.to_dict() == {"input": 3900, "output": 195, "cache_read": 3000, "cache_write": 100}
    without = b"\n".join(x for x in EVENTS.read_bytes().splitlines() if b'"session.shutdown"' not in x)
    assert copilot.read(RawLog(str(EVENTS), without), []).tokens.output == 195


def test_calls_pair_with_results_by_tool_call_id():
    session = _session()
    calls = [s for s in session.steps if s.kind == StepKind.TOOL_CALL]
    results = [s for s in session.steps if s.kind == StepKind.TOOL_RESULT]
    assert [c.tool_call_id for c in calls] == [
        "call_view_1",
        "call_edit_2",
        "call_create_3",
        "call_task_4",
        "call_grep_5",
    ]
    assert sorted(r.tool_call_id for r in results) == sorted(c.tool_call_id for c in calls)
    failed = next(r for r in results if r.tool_call_id == "call_create_3")
    assert failed.is_error and failed.text == "Parent directory does not exist"
    view = calls[0]
    view_result = next(r for r in results if r.tool_call_id == "call_view_1")
    edit_result = next(r for r in results if r.tool_call_id == "call_edit_2")
    assert "detailed" not in view_result.meta and edit_result.meta["detailed"].startswith("\ndiff --git")
    assert (view.tool, view.tool_input, view.meta) == (
        "view",
        {"path": "/home/dev/garden/hello.py"},
        {"intention": "view hello.py"},
    )


def test_edits_take_the_result_diff_and_fail_with_the_call():
    session = _session()
    edit = next(s for s in session.steps if s.tool == "edit" and s.kind == StepKind.TOOL_CALL).edits[0]
    assert (edit.path, edit.op, edit.old_string, edit.new_string) == (
        "/home/dev/garden/hello.py",
        "update",
        "    pass",
        "    print('hello')",
    )
    assert [h.to_dict() for h in edit.hunks] == [
        {
            "old_start": 1,
            "old_lines": 2,
            "new_start": 1,
            "new_lines": 2,
            "lines": [" def main():", "-    pass", "+    print('hello')"],
        }
    ]
    create = next(s for s in session.steps if s.tool == "create" and s.kind == StepKind.TOOL_CALL).edits[0]
    assert (create.op, create.content, create.applied) == ("create", "# Notes\n", False)
    assert session.edit_calls == 2


def test_subagent_events_run_inside_its_pair():
    session = _session()
    [agent] = session.subagents
    assert (agent.id, agent.agent_type, agent.description) == (
        "call_task_4",
        "explore",
        "find callers of main",
    )
    task = session.step(agent.spawned_by or "")
    assert task is not None and task.tool == "task" and task.subagent is None
    inside = [(s.kind, s.tool) for s in session.steps if s.subagent == "call_task_4"]
    assert inside == [
        (StepKind.SUBAGENT_START, None),
        (StepKind.TOOL_CALL, "grep"),
        (StepKind.TOOL_RESULT, "grep"),
        (StepKind.SUBAGENT_END, None),
    ]
    start = session.step("subagent:call_task_4:start")
    end = session.step("subagent:call_task_4:end")
    assert start is not None and start.parent == task.id
    grep = next(s for s in session.steps if s.tool == "grep" and s.kind == StepKind.TOOL_CALL)
    assert grep.parent == start.id
    result = next(
        s for s in session.steps if s.tool_call_id == "call_task_4" and s.kind == StepKind.TOOL_RESULT
    )
    assert result.parent == task.id  # the main thread goes on from its own last step
    assert end is not None and end.meta == {
        "total_tokens": 900,
        "tool_calls": 1,
        "duration_ms": 1500,
        "model": "gpt-5-mini",
    }


def test_compaction_text_is_the_checkpoint_file():
    session = _session()
    [compaction] = [s for s in session.steps if s.kind == StepKind.COMPACTION]
    assert compaction.text == CHECKPOINT.read_text()
    assert compaction.meta["checkpoint_number"] == 1 and compaction.meta["tokens_before"] == 150000
    # without the file, the event's own summary
    alone = read_session(SessionFiles("copilot", EVENTS))
    [compaction] = [s for s in alone.steps if s.kind == StepKind.COMPACTION]
    assert compaction.text == "<overview>inline summary</overview>"


def test_context_system_and_model_change_steps():
    session = _session()
    kinds = [s.kind for s in session.steps]
    assert kinds[:2] == [StepKind.CONTEXT, StepKind.USER]
    user = session.steps[1]
    assert user.text == "greet in hello.py" and user.meta == {
        "attachments": ["@hello.py"],
        "agent_mode": "interactive",
    }
    [change] = [s for s in session.steps if s.kind == StepKind.MODEL_CHANGE]
    assert change.text == "gpt-5-mini"
    systems = [(s.text, s.is_error) for s in session.steps if s.kind == StepKind.SYSTEM]
    assert systems == [
        ("MCP server 'github' is slow.", False),
        ("429 Too Many Requests", True),
        ("user initiated", False),
        ("claude-sonnet-4.6: 2 requests", False),  # the shutdown's usage beyond the messages' output
        ("gpt-5-mini: 2 requests", False),
    ]
    assert session.skipped == {} and session.errors == []


def test_the_early_flat_layout():
    session = _session(FLAT)
    assert (session.id, session.version, session.cwd) == (
        "7a8b9c0d-5555-4e4e-8f8f-665544332211",
        "copilot",
        None,
    )
    assert session.title == "make a readme"  # the injected date is not part of the title
    call = next(s for s in session.steps if s.tool == "str_replace_editor")
    [edit] = call.edits
    assert (edit.op, edit.path, edit.content, len(edit.hunks)) == (
        "create",
        "/home/dev/garden/README.md",
        "# Garden\n",
        1,
    )
    unanswered = next(s for s in session.steps if s.tool == "powershell")
    assert unanswered.meta == {"no_result": True}


def test_bad_lines_cost_only_themselves():
    lines = EVENTS.read_bytes().splitlines(keepends=True)
    torn = b"".join(lines[:3]) + b'{"type": "user.mess\n' + b"[1]\n" + b"".join(lines[3:])
    session = copilot.read(RawLog(str(EVENTS), torn), [])
    assert [e.line for e in session.errors] == [4, 5]
    assert len(session.steps) == len(copilot.read(RawLog(str(EVENTS), EVENTS.read_bytes()), []).steps)
    odd = copilot.read(
        RawLog(
            str(FLAT),
            b'{"type": "assistant.message", "data": {"toolRequests": [5, {"name": 3}]}}\n'
            b'{"type": "tool.execution_complete", "data": {"result": "x"}}\n'
            b'{"type": "future.event", "data": {}}\n',
        ),
        [],
    )
    assert odd.id == FLAT.stem and odd.skipped == {"future.event": 1}


def test_workspace_yaml_quoting():
    text = "id: x\nsummary: \"Fix \\\"the\\\" bug\"\ncwd: 'C:\\\\it''s'\n  nested: no\n"
    assert copilot._yaml_scalars(text) == {"id": "x", "summary": 'Fix "the" bug', "cwd": "C:\\\\it's"}


def test_registered_with_its_folders(tmp_path):
    agent = registry.get("copilot")
    assert agent.folders({}, tmp_path) == [tmp_path / ".copilot" / "session-state"]
    assert agent.folders({"COPILOT_HOME": "/c"}, tmp_path) == [Path("/c/session-state")]


def test_discovery_in_the_default_folder(tmp_path, monkeypatch):
    from tracetui.bucket.locations import default_sources, discover

    home = tmp_path / "copilot-home"
    shutil.copytree(STATE, home / "session-state")
    monkeypatch.setenv("COPILOT_HOME", str(home))
    [folder] = default_sources()["copilot"]
    found = {p.name for p in discover("copilot", [folder])}
    assert found == {"events.jsonl", "workspace.yaml", "001-greeting-added.md", FLAT.name}
    assert orjson.loads(EVENTS.read_bytes().splitlines()[0])["type"] == "session.start"


def test_arguments_written_as_a_json_string_are_parsed():
    request = {
        "toolCallId": "c1",
        "name": "edit",
        "arguments": '{"path": "/p/a.py", "old_str": "a", "new_str": "b"}',
    }
    line = {"type": "assistant.message", "id": "e1", "data": {"content": "", "toolRequests": [request]}}
    session = copilot.read(RawLog(str(FLAT), orjson.dumps(line) + b"\n"), [])
    [call] = session.steps
    assert call.tool_input == {"path": "/p/a.py", "old_str": "a", "new_str": "b"}
    assert [(e.path, e.old_string) for e in call.edits] == [("/p/a.py", "a")]


SHUTDOWN = FIXTURES / "copilot-later" / "session-state" / "5e6f7a8b-6666-4f4f-9a9a-aabbccddeeff"


def test_the_shutdown_usage_is_priced_and_its_input_counted_once():
    """Copilot CLI 1.0.60's shutdown, as XEFF09/dotfiles's four real sessions write it: `inputTokens`
    is the whole prompt, cache reads and writes included (`tokenDetails.input` is the rest), and no
    message carries input. The usage beyond what the messages counted is a step of its own, so the
    price is of all of it (it was of the messages' output alone, $0.095 for a $0.48 session), and
    the run after a resume, not shut down, still counts its messages' output."""
    from tracetui.cost import request_cost, session_cost
    from tracetui.model import Tokens

    session = read_session(SessionFiles("copilot", SHUTDOWN / "events.jsonl"))
    assert session.tokens.to_dict() == {
        "input": 2000, "output": 107, "cache_read": 500000, "cache_write": 50000
    }
    (usage,) = [s for s in session.steps if s.kind == StepKind.SYSTEM]
    assert usage.model == "claude-sonnet-4.6" and usage.text == "claude-sonnet-4.6: 2 requests"
    assert usage.tokens is not None and usage.tokens.to_dict() == {
        "input": 2000, "output": 60, "cache_read": 500000, "cache_write": 50000
    }
    assert usage.meta == {"event": "session.shutdown", "shutdownType": "routine"}
    priced = session_cost(session)
    whole = request_cost(Tokens(2000, 107, 500000, 50000), "claude-sonnet-4.6", "2026-06-08T02:34:00Z")
    assert whole is not None and priced.cost_usd == pytest.approx(whole)
    assert session.tokens.input_recorded


LATER = FIXTURES / "copilot-later" / "session-state"


def test_a_summary_written_over_several_lines_is_the_title():
    """LAF-US/IDAHO-VAULT's real workspace.yaml files (Copilot in VS Code, spring 2026) write a long
    first prompt as a block scalar (`summary: |-` and indented lines) or as a double-quoted scalar
    whose lines go on below it: the title read `|-`, or the opening quote and its first line."""
    block = read_session(SessionFiles("copilot", SHUTDOWN / "events.jsonl", [SHUTDOWN / "workspace.yaml"]))
    assert block.title is not None and block.title.startswith(
        "Tidy the garden notes. Two files need it. - Check each note first and change only what is wrong."
    )
    folder = LATER / "6f7a8b9c-7777-4a5a-8b8b-bbccddeeff00"
    quoted = read_session(SessionFiles("copilot", folder / "events.jsonl", [folder / "workspace.yaml"]))
    assert quoted.title == (
        "The other agent says: \"'the build is green. The plan is now: Step one - merge Step two - tag "
        "Shall I go on?..."
    )


def test_the_name_newer_builds_give_a_session_is_its_title():
    """Copilot CLI 1.0.60 (XEFF09/dotfiles's real sessions) names each session in workspace.yaml
    (`name`, `user_named: false`) and writes no `summary`: the title was the first prompt (`/init`)."""
    folder = LATER / "7a8b9c0d-8888-4b6b-9c9c-ccddeeff0011"
    session = read_session(SessionFiles("copilot", folder / "events.jsonl", [folder / "workspace.yaml"]))
    assert session.title == "Set Up The Orchard Project"
    assert [s.text for s in session.steps if s.kind == StepKind.USER] == ["/init"]


def test_a_session_vs_code_hosts_takes_its_chat_title():
    """LAF-US/IDAHO-VAULT's real sessions, run from VS Code, keep `vscode.metadata.json` beside
    events.jsonl, with the chat's `customTitle`: the session's own title, before any summary."""
    folder = LATER / "6f7a8b9c-7777-4a5a-8b8b-bbccddeeff00"
    [files] = [g for g in copilot.group(sorted(folder.iterdir())) if g.main.name == "events.jsonl"]
    assert sorted(p.name for p in files.companions) == ["vscode.metadata.json", "workspace.yaml"]
    session = read_session(files)
    assert session.title == "Merge and tag the release" and session.errors == []
    broken = copilot.read(
        RawLog(str(folder / "events.jsonl"), (folder / "events.jsonl").read_bytes()),
        [RawLog(str(folder / "vscode.metadata.json"), b"{not json")],
    )
    assert broken.title is not None and broken.title.startswith("The other agent says")
    assert [e.error.split(":")[0] for e in broken.errors] == ["not a valid JSON document"]


def _events(tmp_path: Path, *events: dict) -> Path:
    folder = tmp_path / "session-state" / "9e9e9e9e-1111-4222-8333-444455556666"
    folder.mkdir(parents=True)
    stamped = [{"id": f"e{i}", "timestamp": f"2026-11-26T07:00:{i:02d}.000Z", "parentId": None, **e}
               for i, e in enumerate(events)]
    (folder / "events.jsonl").write_bytes(b"\n".join(orjson.dumps(e) for e in stamped) + b"\n")
    return folder / "events.jsonl"


def _record(call: str, prompt: int, output: int, read: int = 0) -> dict:
    return {"type": "session.usage_record", "data": {"usage": {
        "model": "claude-sonnet-4.5", "inputTokens": prompt, "outputTokens": output, "cacheReadTokens": read,
        "cacheWriteTokens": 0, "apiCallId": call, "accounting": {"usageId": call}}}}


def _said(call: str, text: str) -> dict:
    return {"type": "assistant.message", "data": {"messageId": f"m-{call}", "model": "claude-sonnet-4.5",
                                                   "content": text, "toolRequests": [], "apiCallId": call}}


def _shutdown(requests: int, prompt: int, output: int, read: int = 0) -> dict:
    metrics = {"requests": {"count": requests, "cost": 0}, "usage": {
        "inputTokens": prompt, "outputTokens": output, "cacheReadTokens": read, "cacheWriteTokens": 0}}
    return {"type": "session.shutdown",
            "data": {"shutdownType": "routine", "modelMetrics": {"claude-sonnet-4.5": metrics}}}


def test_each_requests_usage_record_is_counted_once_on_its_message(tmp_path):
    """Copilot CLI 1.0.1xx writes each request's whole usage (`session.usage_record`) before its message,
    and the run's totals at its shutdown; after a resume its shutdown totals the whole session
    (1.0.102, `tests/agents`). Each request counts once, on its message, input and cache too; a
    record written again counts once; a request with no message is a step of its own; a shutdown adds
    only what no record held, whether it totals the run or the session."""
    start = {"type": "session.start", "data": {"sessionId": "9e9e9e9e-1111-4222-8333-444455556666",
                                               "copilotVersion": "1.0.102", "context": {"cwd": "/w"}}}
    prompt = {"type": "user.message", "data": {"content": "tidy"}}
    path = _events(
        tmp_path, start, prompt,
        _record("r1", 120, 20, read=100), _record("r1", 120, 20, read=100), _said("r1", "one"),
        _record("r2", 50, 5),  # stopped before its message
        _shutdown(2, 170, 25, read=100),
        {"type": "session.resume", "data": {}}, {"type": "user.message", "data": {"content": "again"}},
        _record("r3", 60, 7), _said("r3", "three"),
        _shutdown(3, 230 + 1000, 32, read=100),  # the session's totals, with 1,000 input no record held
    )
    session = read_session(SessionFiles("copilot", path))
    assert session.skipped == {} and session.errors == []
    tokens = {(s.kind, s.text): s.tokens.to_dict() for s in session.steps if s.tokens is not None}
    zero = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
    assert tokens == {
        (StepKind.ASSISTANT, "one"): {"input": 20, "output": 20, "cache_read": 100, "cache_write": 0},
        (StepKind.SYSTEM, "claude-sonnet-4.5: a request with no message"): {**zero, "input": 50, "output": 5},
        (StepKind.SYSTEM, "claude-sonnet-4.5: 2 requests"): zero,
        (StepKind.ASSISTANT, "three"): {**zero, "input": 60, "output": 7},
        (StepKind.SYSTEM, "claude-sonnet-4.5: 3 requests"): {**zero, "input": 1000},
    }
    assert session.tokens.to_dict() == {"input": 1130, "output": 32, "cache_read": 100, "cache_write": 0}
    assert not any(s.tokens.partial for s in session.steps if s.tokens is not None)


def test_the_persisted_events_of_1_0_102_s_schema_are_known(tmp_path):
    """Events 1.0.102's own schema marks as persisted: a skill's text delivered during a tool phase is
    context the model was sent; receipts, settings and the historical permission claims are known
    bookkeeping, not unread records."""
    start = {"type": "session.start", "data": {"sessionId": "9e9e9e9e-1111-4222-8333-444455556666",
                                               "copilotVersion": "1.0.102", "context": {"cwd": "/w"}}}
    quiet = ["session.completion_receipt", "session.mode_notice_delivered", "session.model_deselected",
             "session.permission_recovery", "session.request_body_compression_disabled",
             "subagent.configured", "mcp.oauth_recovery_completed", "human_response.recorded",
             "skill.invoked_ref", "skill.context_delivered_ref", "permission.carriedForward",
             "permission.messageAuthorization"]
    skill = {"content": "<skill>tidy rules</skill>", "source": "skill-tidy"}
    path = _events(
        tmp_path, start, {"type": "user.message", "data": {"content": "tidy"}},
        *({"type": kind, "data": {"requestId": "q1"}} for kind in quiet),
        {"type": "skill.context_delivered", "data": skill},
    )
    session = read_session(SessionFiles("copilot", path))
    assert session.skipped == {} and session.errors == []
    assert [(s.kind, s.text, s.meta) for s in session.steps] == [
        (StepKind.USER, "tidy", {}), (StepKind.CONTEXT, skill["content"], {"source": "skill-tidy"})]


def test_a_shell_calls_exit_status_is_read_though_the_call_succeeded(tmp_path):
    """A command that exits non-zero is `success: true`: its status is the marker Copilot's shell
    wrapper appends (1.0.1x: `<exited with exit code N>`, as the corpus's three sessions end 77 results)
    or, in 1.0.10x, `shellExecution.exitCode` beside `<shellId: S completed with exit code N>`. A test
    run's label needs it; a marker written by the command itself, earlier in the output, or in
    another tool's result is not it."""
    from tracetui.export.labels import test_runs

    start = {"type": "session.start", "data": {"sessionId": "9e9e9e9e-1111-4222-8333-444455556666",
                                               "copilotVersion": "1.0.102", "context": {"cwd": "/w"}}}

    def call(n: int, tool: str, command: str) -> dict:
        args = {"command": command} if tool != "view" else {"path": command}
        return {"type": "assistant.message", "data": {"messageId": f"m{n}", "content": "", "toolRequests": [
            {"toolCallId": f"c{n}", "name": tool, "arguments": args}]}}

    def done(n: int, content: str, **extra: Any) -> dict:
        return {"type": "tool.execution_complete",
                "data": {"toolCallId": f"c{n}", "success": True, "result": {"content": content}, **extra}}

    path = _events(
        tmp_path, start, {"type": "user.message", "data": {"content": "test it"}},
        call(1, "powershell", "pytest -q"), done(1, "1 failed\n<exited with exit code 1>"),
        call(2, "bash", "pytest -q"), done(2, "2 passed\n<shellId: 0 completed with exit code 0>",
                                            shellExecution={"exitCode": 0}),
        call(3, "bash", "echo '<exited with exit code 0>'; false"), done(3, "<exited with exit code 0>\nnope"),
        call(4, "view", "/w/notes.txt"), done(4, "a file that says\n<exited with exit code 0>"),
        call(5, "bash", "make test"), done(5, "<shellId: 1 completed with exit code 2>",
                                           shellExecution={"exitCode": 2}),
    )
    session = read_session(SessionFiles("copilot", path))
    codes = [s.meta.get("exit_code") for s in session.steps if s.kind == StepKind.TOOL_RESULT]
    assert codes == [1, 0, None, None, 2]
    assert [(r["command"], r["exit_code"]) for r in test_runs(session)] == [
        ("pytest -q", 1), ("pytest -q", 0), ("make test", 2)]
