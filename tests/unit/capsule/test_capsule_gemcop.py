"""A Gemini CLI and a Copilot CLI session sealed into a capsule from the bucket, verified, and
replayed on the repository the test builds: the agent's two edits apply and the check reproduces."""

from __future__ import annotations

import difflib
import hashlib
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import FIXTURES

from tracetui.cli import main

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402
from support.sandboxed import requires_sandbox

README = "# calc\n\nAdds numbers.\n"
README_AFTER = "# calc\n\nAdds two numbers.\n"
T = "2026-05-03T10:00:00.000Z"


def _diff(before: str, after: str, a: str, b: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), a, b))


def _write_gemini(root: Path, repo: Path) -> tuple[Path, str]:
    sid = "66666666-7777-4888-8999-aaaaaaaaaaaa"
    cwd = str(repo)
    chats = root / "tmp" / "proj" / "chats"
    chats.mkdir(parents=True)

    def call(cid: str, name: str, args: dict[str, Any], display: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": cid,
            "name": name,
            "args": args,
            "status": "success",
            "timestamp": T,
            "resultDisplay": display,
            "result": [{"functionResponse": {"id": cid, "name": name, "response": {"output": "ok"}}}],
        }

    test = call(
        "write_file_1_0",
        "write_file",
        {"file_path": f"{cwd}/test_calc.py", "content": kit.TEST},
        {
            "fileDiff": _diff("", kit.TEST, "test_calc.py\tOriginal", "test_calc.py\tWritten"),
            "fileName": "test_calc.py",
            "filePath": f"{cwd}/test_calc.py",
            "originalContent": "",
            "newContent": kit.TEST,
            "isNewFile": True,
        },
    )
    readme = call(
        "replace_2_0",
        "replace",
        {"file_path": "README.md", "old_string": "Adds numbers.", "new_string": "Adds two numbers."},
        {
            "fileDiff": _diff(README, README_AFTER, "README.md\tCurrent", "README.md\tProposed"),
            "fileName": "README.md",
            "filePath": f"{cwd}/README.md",
            "originalContent": README,
            "newContent": README_AFTER,
            "isNewFile": False,
        },
    )
    rows = [
        {
            "sessionId": sid,
            "projectHash": hashlib.sha256(cwd.encode()).hexdigest(),
            "startTime": T,
            "lastUpdated": T,
        },
        {"id": "u1", "timestamp": T, "type": "user", "content": [{"text": "please add a test for add()"}]},
        {
            "id": "g1",
            "timestamp": T,
            "type": "gemini",
            "content": "Adding the test.",
            "model": "gemini-2.5-pro",
            "toolCalls": [test, readme],
            "tokens": {"input": 10, "output": 5, "cached": 0, "thoughts": 0, "tool": 0, "total": 15},
        },
        {
            "id": "g2",
            "timestamp": T,
            "type": "gemini",
            "content": "The new test fails: add subtracts.",
            "model": "gemini-2.5-pro",
        },
    ]
    (chats / "session-2026-05-03T10-00-66666666.jsonl").write_bytes(
        b"".join(orjson.dumps(r) + b"\n" for r in rows)
    )
    return root, sid


def _write_copilot(root: Path, repo: Path) -> tuple[Path, str]:
    sid = "77777777-8888-4999-8aaa-bbbbbbbbbbbb"
    cwd = str(repo)
    folder = root / "session-state" / sid
    folder.mkdir(parents=True)
    events: list[dict[str, Any]] = []

    def event(kind: str, data: dict[str, Any]) -> None:
        events.append(
            {"type": kind, "data": data, "id": f"ev-{len(events)}", "timestamp": T, "parentId": None}
        )

    test_args = {"path": f"{cwd}/test_calc.py", "file_text": kit.TEST}
    readme_args = {"path": f"{cwd}/README.md", "old_str": "Adds numbers.", "new_str": "Adds two numbers."}
    event(
        "session.start",
        {
            "sessionId": sid,
            "version": 1,
            "copilotVersion": "1.0.10",
            "startTime": T,
            "context": {"cwd": cwd, "gitRoot": cwd, "branch": "main"},
        },
    )
    event("user.message", {"content": "please add a test for add()"})
    event(
        "assistant.message",
        {
            "messageId": "m1",
            "content": "Adding the test.",
            "outputTokens": 5,
            "toolRequests": [
                {"toolCallId": "c1", "name": "create", "arguments": test_args},
                {"toolCallId": "c2", "name": "edit", "arguments": readme_args},
            ],
        },
    )
    for cid, name, args, before, after, rel in (
        ("c1", "create", test_args, "", kit.TEST, "test_calc.py"),
        ("c2", "edit", readme_args, README, README_AFTER, "README.md"),
    ):
        event("tool.execution_start", {"toolCallId": cid, "toolName": name, "arguments": args})
        diff = f"\ndiff --git a{cwd}/{rel} b{cwd}/{rel}\n" + _diff(
            before, after, f"a{cwd}/{rel}", f"b{cwd}/{rel}"
        )
        event(
            "tool.execution_complete",
            {"toolCallId": cid, "success": True, "result": {"content": "ok", "detailedContent": diff}},
        )
    event(
        "assistant.message",
        {"messageId": "m2", "content": "The new test fails: add subtracts.", "toolRequests": []},
    )
    (folder / "events.jsonl").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    return root, sid


@pytest.mark.parametrize(("agent", "write"), [("gemini", _write_gemini), ("copilot", _write_copilot)])
@requires_sandbox
def test_seal_verify_and_replay(tmp_path, capsys, agent, write):
    repo, base = kit.make_repo(tmp_path)
    logs, sid = write(tmp_path / "logs", repo)
    bucket = str(tmp_path / "bucket")
    assert main(["--bucket", bucket, "sync", "--source", f"{agent}={logs}", "--json"]) == 0
    assert orjson.loads(capsys.readouterr().out)["sessions"] == 1
    capsule = tmp_path / "ep.capsule"
    code = main(
        [
            "--bucket",
            bucket,
            "seal",
            sid[:8],
            "-o",
            str(capsule),
            "--repo",
            str(repo),
            "--accept-suggested",
            "--json",
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    sealed = orjson.loads(out)
    assert sealed["ok"] is True and sealed["patches"] == 2 and sealed["base"] == base
    assert main(["capsule", "verify", str(capsule), "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["agent"] == agent
    assert main(["replay", str(capsule), "--repo", str(repo), "--check", kit.CHECK, "--json"]) == 1  # reproduces
    verdict = orjson.loads(capsys.readouterr().out)
    assert (verdict["verdict"], verdict["applied"], verdict["failed"], verdict["base"]) == (
        "reproduces",
        2,
        0,
        base,
    )
