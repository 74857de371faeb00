"""A unified-exec process still running when its output was written, in a log with no exec_command_end
event (Quelklef/shell-ws's Codex rollout of 2026-03-18): the `write_stdin` poll that says it exited
holds the exit code, which is the exec call's own, and so a test run's status (export/labels.py)."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.export import labels
from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

LOG = "/x/rollout-2026-03-18T11-04-43-019d021f-0000-7000-8000-000000000001.jsonl"


def rollout(*records: tuple[str, dict[str, Any]]) -> bytes:
    lines: list[dict[str, Any]] = [
        {"timestamp": "2026-03-18T11:04:43.000Z", "type": "session_meta",
         "payload": {"id": "019d021f-0000-7000-8000-000000000001", "cwd": "/w/p", "cli_version": "0.114.0"}},
    ]  # fmt: skip
    for i, (kind, payload) in enumerate(records):
        lines.append({"timestamp": f"2026-03-18T11:05:{i:02d}.000Z", "type": kind, "payload": payload})
    return b"\n".join(orjson.dumps(x) for x in lines) + b"\n"


def call(call_id: str, name: str, arguments: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "response_item", {"type": "function_call", "name": name, "call_id": call_id,
                             "arguments": orjson.dumps(arguments).decode()}  # fmt: skip


def output(call_id: str, head: str, body: str = "") -> tuple[str, dict[str, Any]]:
    text = f"Chunk ID: 1\nWall time: 1.0 seconds\n{head}\nOriginal token count: 0\nOutput:\n{body}"
    return "response_item", {"type": "function_call_output", "call_id": call_id, "output": text}


def running(sid: int) -> str:
    return f"Process running with session ID {sid}"


def poll(call_id: str, sid: int) -> tuple[str, dict[str, Any]]:
    return call(call_id, "write_stdin", {"session_id": sid, "chars": "", "yield_time_ms": 1000})


def exec_results(data: bytes) -> list[tuple[str | None, Any, bool]]:
    s = codex.read(RawLog(LOG, data), [])
    calls = {st.tool_call_id: st.tool for st in s.steps if st.kind == StepKind.TOOL_CALL}
    return [(r.tool_call_id, r.meta.get("exit_code"), r.is_error) for r in s.steps
            if r.kind == StepKind.TOOL_RESULT and calls.get(r.tool_call_id) == "exec_command"]  # fmt: skip


# Two test runs that outlive their output: the first fails (its second poll says so), the second passes;
# a poll of another process and a reused session id leave each its own code.
TWO_RUNS = rollout(
    call("e1", "exec_command", {"cmd": "cargo test"}), output("e1", running(26068)),
    poll("p1", 26068), output("p1", running(26068), "   Compiling kernel\n"),
    call("e2", "exec_command", {"cmd": "sleep 100"}), output("e2", running(5221)),
    poll("p2", 26068), output("p2", "Process exited with code 101", "test result: FAILED\n"),
    call("e3", "exec_command", {"cmd": "npm run test --workspace ui"}), output("e3", running(26068)),
    poll("p3", 26068), output("p3", "Process exited with code 0", "Exit code: 7\n"),
)  # fmt: skip


def test_the_poll_that_says_the_process_exited_gives_the_exec_call_its_exit_code():
    assert exec_results(TWO_RUNS) == [("e1", 101, True), ("e2", None, False), ("e3", 0, False)]


def test_each_test_run_has_the_exit_code_its_poll_reported():
    s = codex.read(RawLog(LOG, TWO_RUNS), [])
    assert [(r["command"], r["exit_code"]) for r in labels.test_runs(s)] == [
        ("cargo test", 101),
        ("npm run test --workspace ui", 0),
    ]


def test_an_exec_command_end_event_already_read_is_not_overridden_by_a_poll():
    data = rollout(
        call("e1", "exec_command", {"cmd": "cargo test"}), output("e1", running(7)),
        ("event_msg", {"type": "exec_command_end", "call_id": "e1", "exit_code": 2}),
        poll("p1", 7), output("p1", "Process exited with code 0"),
    )  # fmt: skip
    assert exec_results(data) == [("e1", 2, True)]


def test_a_resumed_read_between_the_exec_and_its_poll_matches_a_whole_read():
    cut = TWO_RUNS.index(b'"call_id":"p2"')
    cut = TWO_RUNS.rindex(b"\n", 0, cut) + 1
    _, state = codex.resume(None, RawLog(LOG, TWO_RUNS[:cut]), [])
    resumed, _ = codex.resume(state, RawLog(LOG, TWO_RUNS), [])
    assert resumed.to_dict() == codex.read(RawLog(LOG, TWO_RUNS), []).to_dict()
