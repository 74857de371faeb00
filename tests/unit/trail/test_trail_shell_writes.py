"""A file a shell command rewrote (issue 34): the replay's text of it is no longer known, and the next
patch's own removed lines say what was there.

The case from the issue, as a git history the test builds and logs written line by line in Codex's
and Claude Code's record shapes: step A adds a file, a `python - <<'PY'` heredoc rewrites it to a
three-line stub, step B replaces the stub with the full text (its patch removes the stub's three
lines), and the commit holds B's text. Read as if the shell did nothing, A's text is held before B,
B's lines are copies of it, the commit goes to A and B is lost. B wrote the committed lines; A's were
overwritten before any commit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.trail_kit import Repo, iso

from tracetui.model import Session
from tracetui.sources import group, read_session
from tracetui.trail import trail
from tracetui.trail.shell_writes import shell_writes

FULL = "".join(f"def rate_{i}(amount):\n    return round(amount * {i} / 100, 2)\n\n" for i in range(1, 7))
STUB = "def rate_1(amount, *rest):\n    raise NotImplementedError\n# the rest comes next\n"
STUB_SCRIPT = (
    "python3 - <<'PY'\n"
    "from pathlib import Path\n"
    "Path('app/rates.py').write_text(\"def rate_1(amount, *rest):\\n    raise NotImplementedError\\n"
    "# the rest comes next\\n\")\n"
    "PY"
)


def _plus(text: str) -> str:
    return "".join(f"+{line}\n" for line in text.splitlines())


def _minus(text: str) -> str:
    return "".join(f"-{line}\n" for line in text.splitlines())


def _codex_log(cwd: Path, out: Path, steps: list[tuple[str, str, str]]) -> Path:
    """A Codex rollout: ("patch", time, apply_patch body) and ("shell", time, command) in order."""
    sid = "0199cdcd-1111-7222-8333-444455556666"
    meta = {"id": sid, "timestamp": iso(10), "cwd": str(cwd), "originator": "codex_cli_rs",
            "cli_version": "0.60.1", "instructions": None, "source": "cli", "model_provider": "openai"}  # fmt: skip
    records = [
        {"timestamp": iso(10), "type": "session_meta", "payload": meta},
        {"timestamp": iso(10), "type": "turn_context",
         "payload": {"cwd": str(cwd), "approval_policy": "on-request", "model": "gpt-5-codex"}},
        {"timestamp": iso(10), "type": "response_item",
         "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "rates"}]}},
    ]  # fmt: skip
    for i, (kind, when, body) in enumerate(steps):
        cid = f"call_{i}"
        if kind == "patch":
            call = {"type": "custom_tool_call", "status": "completed", "call_id": cid, "name": "apply_patch",
                    "input": f"*** Begin Patch\n{body}*** End Patch"}  # fmt: skip
            out_text = json.dumps({"output": "Success. Updated the following files:\n", "metadata": {"exit_code": 0}})
            result = {"type": "custom_tool_call_output", "call_id": cid, "output": out_text}
        else:
            args = json.dumps({"command": ["bash", "-lc", body], "workdir": str(cwd)})
            call = {"type": "function_call", "name": "shell", "arguments": args, "call_id": cid}
            out_text = json.dumps({"output": "", "metadata": {"exit_code": 0, "duration_seconds": 0.1}})
            result = {"type": "function_call_output", "call_id": cid, "output": out_text}
        records.append({"timestamp": when, "type": "response_item", "payload": call})
        records.append({"timestamp": when, "type": "response_item", "payload": result})
    path = out / "sessions" / "2026" / "01" / "01" / f"rollout-2026-01-01T10-00-00-{sid}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _claude_log(cwd: Path, out: Path, steps: list[tuple[str, str, dict, dict]]) -> Path:
    """A Claude Code log: (tool, time, input, toolUseResult) calls in order."""
    sid = "5b5b5b5b-1111-4222-8333-444455556666"
    records: list[dict] = []
    parent: str | None = None

    def add(kind: str, when: str, message: dict, **extra) -> None:
        nonlocal parent
        uuid = f"00000000-0000-4000-8000-{len(records):012d}"
        records.append({"parentUuid": parent, "isSidechain": False, "userType": "external", "cwd": str(cwd),
                        "sessionId": sid, "version": "2.1.90", "gitBranch": "main", "type": kind,
                        "message": message, "uuid": uuid, "timestamp": when, **extra})  # fmt: skip
        parent = uuid

    add("user", iso(10), {"role": "user", "content": "rates"})
    for i, (tool, when, tool_input, result) in enumerate(steps):
        tid = f"toolu_{i:04d}"
        block = {"type": "tool_use", "id": tid, "name": tool, "input": tool_input}
        add("assistant", when, {"id": f"msg_{i}", "type": "message", "role": "assistant", "model": "claude-opus-4-5",
                                "content": [block], "stop_reason": None,
                                "usage": {"input_tokens": 1, "output_tokens": 1}})  # fmt: skip
        add("user", when, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": "ok"}]},
            toolUseResult=result)  # fmt: skip
    path = out / "projects" / "-scratch" / f"{sid}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _read(agent: str, log: Path) -> Session:
    groups = group(agent, [log])
    assert len(groups) == 1
    return read_session(groups[0])


def _history(tmp_path: Path) -> tuple[Repo, str]:
    """The repository: the session's files written as the steps wrote them, committed after B."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "rates\n")
    repo.commit("init", iso(9))
    repo.write("app/rates.py", FULL)
    return repo, repo.commit("rates", iso(10, 30))


def _stub_patch(path: str) -> list[dict]:
    """jsdiff's structuredPatch of the stub replaced by the full text, as Claude Code logs it."""
    old, new = STUB.splitlines(), FULL.splitlines()
    lines = [f"-{x}" for x in old] + [f"+{x}" for x in new]
    return [{"oldStart": 1, "oldLines": len(old), "newStart": 1, "newLines": len(new), "lines": lines}]


def _codex_session(tmp_path: Path, repo: Repo) -> Session:
    steps = [
        ("patch", iso(10, 1), f"*** Add File: app/rates.py\n{_plus(FULL)}"),
        ("shell", iso(10, 2), STUB_SCRIPT),
        ("patch", iso(10, 3), f"*** Update File: app/rates.py\n@@\n{_minus(STUB)}{_plus(FULL)}"),
    ]
    return _read("codex", _codex_log(repo.path, tmp_path / "codex", steps))


def _claude_session(tmp_path: Path, repo: Repo, tool: str) -> Session:
    path = str(repo.path / "app/rates.py")
    if tool == "Write":
        second = ("Write", iso(10, 3), {"file_path": path, "content": FULL},
                  {"type": "update", "filePath": path, "content": FULL, "originalFile": STUB,
                   "structuredPatch": _stub_patch(path)})  # fmt: skip
    else:
        second = ("Edit", iso(10, 3), {"file_path": path, "old_string": STUB, "new_string": FULL},
                  {"filePath": path, "oldString": STUB, "newString": FULL, "originalFile": STUB,
                   "structuredPatch": _stub_patch(path)})  # fmt: skip
    steps: list[tuple[str, str, dict, dict]] = [
        ("Write", iso(10, 1), {"file_path": path, "content": FULL},
         {"type": "create", "filePath": path, "content": FULL}),
        ("Bash", iso(10, 2), {"command": STUB_SCRIPT}, {"stdout": "", "stderr": "", "interrupted": False}),
        second,
    ]  # fmt: skip
    return _read("claude", _claude_log(repo.path, tmp_path / "claude", steps))


CASES = ["codex", "claude-Write", "claude-Edit"]


@pytest.mark.parametrize("case", CASES)
def test_a_stub_written_by_a_python_heredoc_gives_the_commit_to_the_step_that_replaced_it(tmp_path, case):
    repo, done = _history(tmp_path)
    if case == "codex":
        session = _codex_session(tmp_path, repo)
    else:
        session = _claude_session(tmp_path, repo, case.split("-")[1])
    fates = trail(session, repo=str(repo.path)).fates
    assert len(fates) == 2
    first, second = fates
    assert (second.state, second.commit, second.kept) == ("alive", done, 12)
    # A's lines never reached a commit as A's: the heredoc overwrote them first.
    assert first.state == "lost"
    assert first.to_dict()["overwritten_by"] == session.steps[3].id  # the shell call
    if case == "codex":
        # The replay's text (A's) did not fit B: B's removed lines were taken as the file, and the row says so.
        row = second.to_dict()
        assert row["before"] == "removed lines"
        assert row["partial"] is False


# (command, the files it writes and whether whole) -- read from the text, never run
SPELLINGS = [
    (STUB_SCRIPT, [("/w/app/rates.py", True)]),
    ("cat > notes.md <<'EOF'\necho not > a.txt\nEOF\necho done >> log.txt", [("/w/notes.md", True), ("/w/log.txt", False)]),
    ("sed -i 's/a/b/' src/x.py other.py", [("/w/src/x.py", False), ("/w/other.py", False)]),
    ("sed -i.bak -e 's/x/y/' f.py", [("/w/f.py", False)]),
    ("perl -pi -e 's/a/b/' f.pl", [("/w/f.pl", False)]),
    ("echo hi | tee out.md && echo more | tee -a out2.md", [("/w/out.md", True), ("/w/out2.md", False)]),
    ("echo hi 2>/dev/null > x.txt", [("/w/x.txt", True)]),
    ("cd sub && echo 1 > $F; echo 2 > 'q r.txt'", [("/w/sub/q r.txt", True)]),
    ("python3 -c \"import json\nopen('data.json','w').write('{}')\"", [("/w/data.json", True)]),
    ("python3 -c 'print(open(\"a.py\").read())'", []),  # reads only
    ("python tool.py > out.txt", [("/w/out.txt", True)]),
    ("ls 2>&1 | head; sed 's/a/b/' f.py; cat < in.txt", []),
    ("echo x>~/n.txt", [("/home/u/n.txt", True)]),
]  # fmt: skip


@pytest.mark.parametrize("command,writes", SPELLINGS, ids=[c.splitlines()[0][:40] for c, _ in SPELLINGS])
def test_the_files_a_shell_command_writes_are_read_from_its_text(command, writes):
    assert shell_writes(command, "/w", "/home/u") == writes


def test_an_in_place_edit_that_a_later_patch_fits_takes_nothing_back(tmp_path):
    """`sed -i` changes a file in place: the earlier patch's lines stay its own, and a later patch
    whose removed lines the replay's text holds (most of them) is replayed as before."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "rates\n")
    repo.commit("init", iso(9))
    edited = FULL.replace("amount * 6 / 100", "amount * 6 / 1000")
    repo.write("app/rates.py", edited.replace("def rate_6(amount):\n", "def rate_6(amount, unit=1):\n"))
    done = repo.commit("rates", iso(10, 30))
    steps = [
        ("patch", iso(10, 1), f"*** Add File: app/rates.py\n{_plus(FULL)}"),
        ("shell", iso(10, 2), "sed -i 's|6 / 100,|6 / 1000,|' app/rates.py"),
        ("patch", iso(10, 3), "*** Update File: app/rates.py\n@@\n-def rate_6(amount):\n+def rate_6(amount, unit=1):\n"
                              "     return round(amount * 6 / 1000, 2)\n"),
    ]  # fmt: skip
    session = _read("codex", _codex_log(repo.path, tmp_path / "codex", steps))
    first, second = trail(session, repo=str(repo.path)).fates
    assert (first.state, first.commit) == ("transformed", done)
    assert "overwritten_by" not in first.to_dict() and "before" not in second.to_dict()
    assert (second.state, second.commit) == ("alive", done)
