"""The trail on hand-made Gemini CLI and Copilot CLI logs of the same work as test_trail_formats:
each agent edits the same files of a real repository, then history happens to them."""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.trail_logs import (
    BODY,
    EDITS,
    EXPECTED,
    NEW_FILE,
    T,
    claude_log,
    fates_after_history,
    body_repo,
    rich_history,
)
from support.trail_kit import Repo

from tracetui.sources import SessionFiles, read_session
from tracetui.trail.patches import session_patches


def _jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def _unified(name: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(True), after.splitlines(True), f"{name}\tCurrent", f"{name}\tProposed"
    )
    return f"Index: {name}\n{'=' * 67}\n" + "".join(lines)


def _gemini_log(
    repo: Repo, folder: Path, edits: list[tuple[str, str, str]] = EDITS, display: bool = True
) -> Path:
    """A v2 session; with `display`, each edit's record carries the diff and the file before and
    after (2026), else only the arguments, with absolute paths (2025)."""
    sid = "33333333-4444-4555-8666-777777777777"
    cwd = str(repo.path)
    rows: list[dict[str, Any]] = [
        {
            "sessionId": sid,
            "projectHash": hashlib.sha256(cwd.encode()).hexdigest(),
            "startTime": T,
            "lastUpdated": T,
        },
        {"id": "u0", "timestamp": T, "type": "user", "content": [{"text": "please edit the files"}]},
    ]
    calls: list[dict[str, Any]] = []
    for i, (name, old, new) in enumerate(edits):
        after = BODY.replace(old, new)
        call: dict[str, Any] = {
            "id": f"replace_{i}",
            "name": "replace",
            "status": "success",
            "timestamp": T,
            "args": {"file_path": name if display else f"{cwd}/{name}", "old_string": old, "new_string": new},
            "result": [
                {
                    "functionResponse": {
                        "id": f"replace_{i}",
                        "name": "replace",
                        "response": {"output": "Successfully modified file"},
                    }
                }
            ],
        }
        if display:
            call["resultDisplay"] = {
                "fileDiff": _unified(name, BODY, after),
                "fileName": name,
                "filePath": f"{cwd}/{name}",
                "originalContent": BODY,
                "newContent": after,
                "isNewFile": False,
            }
        calls.append(call)
    write: dict[str, Any] = {
        "id": "write_9",
        "name": "write_file",
        "status": "success",
        "timestamp": T,
        "args": {"file_path": f"{cwd}/d.py", "content": NEW_FILE},
        "result": [
            {
                "functionResponse": {
                    "id": "write_9",
                    "name": "write_file",
                    "response": {"output": "Successfully created"},
                }
            }
        ],
    }
    if display:
        write["resultDisplay"] = {
            "fileDiff": _unified("d.py", "", NEW_FILE),
            "fileName": "d.py",
            "filePath": f"{cwd}/d.py",
            "originalContent": "",
            "newContent": NEW_FILE,
            "isNewFile": True,
        }
    calls.append(write)
    for i, call in enumerate(calls):
        # each record written twice, the second time with its tokens: the last copy wins
        record = {
            "id": f"g{i}",
            "timestamp": T,
            "type": "gemini",
            "content": "",
            "model": "gemini-test",
            "toolCalls": [call],
        }
        rows.append(record)
        rows.append(
            {**record, "tokens": {"input": 2, "output": 1, "cached": 0, "thoughts": 0, "tool": 0, "total": 3}}
        )
    return _jsonl(folder / "tmp" / "repo" / "chats" / "session-2026-01-01T10-10-33333333.jsonl", rows)


def _gemini_args_only(repo: Repo, folder: Path, edits: list[tuple[str, str, str]] = EDITS) -> Path:
    return _gemini_log(repo, folder, edits, display=False)


def _git_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(True), after.splitlines(True), "a" + path, "b" + path)
    body = "".join(list(lines)[2:])
    return f"\ndiff --git a{path} b{path}\nindex 0000000..0000000 100644\n--- a{path}\n+++ b{path}\n{body}"


def _copilot_log(repo: Repo, folder: Path, edits: list[tuple[str, str, str]] = EDITS) -> Path:
    sid = "44444444-5555-4666-8777-888888888888"
    cwd = str(repo.path)
    events: list[dict[str, Any]] = []

    def event(kind: str, data: dict[str, Any]) -> None:
        events.append(
            {
                "type": kind,
                "data": data,
                "id": f"ev{len(events)}",
                "timestamp": T,
                "parentId": f"ev{len(events) - 1}" if events else None,
            }
        )

    event(
        "session.start",
        {
            "sessionId": sid,
            "version": 1,
            "producer": "copilot-agent",
            "copilotVersion": "1.0.10",
            "startTime": T,
            "context": {"cwd": cwd, "gitRoot": cwd, "branch": "main"},
        },
    )
    event("user.message", {"content": "please edit the files"})
    for i, (name, old, new) in enumerate(edits):
        path = f"{cwd}/{name}"
        args = {"path": path, "old_str": old, "new_str": new}
        event(
            "assistant.message",
            {
                "messageId": f"m{i}",
                "content": "",
                "outputTokens": 1,
                "toolRequests": [{"toolCallId": f"call_{i}", "name": "edit", "arguments": args}],
            },
        )
        event("tool.execution_start", {"toolCallId": f"call_{i}", "toolName": "edit", "arguments": args})
        event(
            "tool.execution_complete",
            {
                "toolCallId": f"call_{i}",
                "success": True,
                "result": {
                    "content": f"File {path} updated with changes.",
                    "detailedContent": _git_diff(path, BODY, BODY.replace(old, new)),
                },
            },
        )
    path = f"{cwd}/d.py"
    args = {"path": path, "file_text": NEW_FILE}
    event(
        "assistant.message",
        {
            "messageId": "m9",
            "content": "",
            "toolRequests": [{"toolCallId": "call_9", "name": "create", "arguments": args}],
        },
    )
    event("tool.execution_start", {"toolCallId": "call_9", "toolName": "create", "arguments": args})
    event(
        "tool.execution_complete",
        {
            "toolCallId": "call_9",
            "success": True,
            "result": {"content": f"Created file {path}", "detailedContent": _git_diff(path, "", NEW_FILE)},
        },
    )
    return _jsonl(folder / "session-state" / sid / "events.jsonl", events)


MAKERS = [("gemini", _gemini_log), ("gemini", _gemini_args_only), ("copilot", _copilot_log)]


@pytest.mark.parametrize(("agent", "make"), MAKERS, ids=["gemini", "gemini-2025", "copilot"])
def test_each_agents_log_gives_the_same_trail(tmp_path, agent, make):
    repo = body_repo(tmp_path)
    log = make(repo, tmp_path / "logs")
    assert fates_after_history(repo, log, agent) == EXPECTED


@pytest.mark.parametrize(("agent", "make"), MAKERS, ids=["gemini", "gemini-2025", "copilot"])
def test_every_scenario_in_each_agents_format(tmp_path, agent, make):
    result, accepted, on_branch = rich_history(tmp_path, make, agent)
    got = {f.patch.path: (f.state, f.commit, f.judged_at, f.path_now) for f in result.fates}
    assert got == {
        "keep.py": ("alive", accepted, None, None),
        "later.py": ("transformed", accepted, None, None),
        "revert.py": ("reverted", accepted, None, None),
        "lost.py": ("lost", None, None, None),
        "wip.py": ("uncommitted", None, None, None),
        "branch.py": ("alive", on_branch, "refs/heads/feature", None),
        "rename.py": ("alive", accepted, None, "renamed.py"),
        "delete.py": ("alive", accepted, None, None),
        "space.py": ("alive", accepted, None, None),
        "d.py": ("uncommitted", None, None, None),
    }


@pytest.mark.parametrize(("agent", "make"), MAKERS, ids=["gemini", "gemini-2025", "copilot"])
def test_patches_are_those_of_the_same_work_logged_by_claude(tmp_path, agent, make):
    repo = body_repo(tmp_path)
    session = read_session(SessionFiles(agent, make(repo, tmp_path / "logs")))
    claude = read_session(SessionFiles("claude", claude_log(repo, tmp_path / "claude-logs")))

    def shape(s):  # what a patch says, whichever agent logged it
        return [
            (
                p.path,
                p.op if p.op != "write" else "create",
                p.exact,
                p.added,
                p.removed,
                [(h.old_start, h.old_lines, h.new_start, h.new_lines, h.lines) for h in p.hunks],
            )
            for p in session_patches(s, base=lambda path: BODY if path != "d.py" else None)
        ]

    assert shape(session) == shape(claude)
    assert [p[0] for p in shape(session)] == ["a.py", "b.py", "c.py", "d.py"]
