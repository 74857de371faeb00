"""The blame tests' world: a repository with human and agent commits and two sessions' logs in
their agents' shapes (tests/unit/blame/test_blame.py tells its history)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from support.trail_kit import Repo, iso
from tracetui.cli import main
from tracetui.library import MemoryLibrary
from tracetui.model import FileEdit, Session, Step, StepKind
from tracetui.sources import SessionFiles, read_session

CLAUDE_SID = "aaaaaaaa-2222-4333-8444-555555555555"
CODEX_SID = "0199bbbb-bbbb-7ccc-8ddd-eeeeeeeeeeee"
PROMPT_A = "add a greeting\x1b[2J\x9b31m\u202eevil"
PROMPT_B = "now a farewell"
BASE = "import os\n\nBASE = 1\n"
GREET = "\ndef greet(name):\n    return 'hello ' + name\n"
FAREWELL = "def farewell(name):\n    return 'bye ' + name\n"
SHARED = "SHARED_SETTING = 'written by the elsewhere session'\n"


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def claude_log(
    folder: Path, cwd: str, when: str, prompt: str, name: str, old: str, new: str, original: str
) -> Path:
    records: list[dict] = []
    parent = None

    def line(kind: str, uuid: str, message: dict, **extra) -> None:
        nonlocal parent
        records.append(
            {"type": kind, "uuid": uuid, "parentUuid": parent, "sessionId": CLAUDE_SID, "timestamp": when, "cwd": cwd,
             "version": "2.1.0", "isSidechain": False, "userType": "external", "message": message, **extra}
        )  # fmt: skip
        parent = uuid

    path = f"{cwd}/{name}"
    line("user", "u0", {"role": "user", "content": prompt})
    line("assistant", "a0", {"id": "msg_0", "type": "message", "role": "assistant", "model": "claude-test",
         "content": [{"type": "tool_use", "id": "toolu_0", "name": "Edit",
                      "input": {"file_path": path, "old_string": old, "new_string": new}}],
         "usage": {"input_tokens": 1, "output_tokens": 1}})  # fmt: skip
    line("user", "r0", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_0", "content": "ok"}]},
         toolUseResult={"filePath": path, "oldString": old, "newString": new, "originalFile": original,
                        "userModified": False, "replaceAll": False})  # fmt: skip
    return _jsonl(folder / "claude" / "-repo" / f"{CLAUDE_SID}.jsonl", records)


def codex_log(folder: Path, cwd: str, when: str, prompt: str, name: str, context: str, added: str) -> Path:
    records: list[dict] = [
        {"timestamp": when, "type": "session_meta", "payload": {"id": CODEX_SID, "timestamp": when, "cwd": cwd,
         "originator": "codex_cli_rs", "cli_version": "0.50.0", "instructions": None}},
        {"timestamp": when, "type": "turn_context", "payload": {"cwd": cwd, "approval_policy": "never",
         "sandbox_policy": {"type": "workspace-write"}, "model": "gpt-test", "summary": "auto"}},
        {"timestamp": when, "type": "event_msg", "payload": {"type": "user_message", "message": prompt}},
    ]  # fmt: skip
    body = "".join(" " + x + "\n" for x in context.splitlines()) + "".join(
        "+" + x + "\n" for x in added.splitlines()
    )
    patch = f"*** Begin Patch\n*** Update File: {name}\n@@\n{body}*** End Patch\n"
    records.append({"timestamp": when, "type": "response_item", "payload": {"type": "custom_tool_call",
                    "status": "completed", "call_id": "call_0", "name": "apply_patch", "input": patch}})  # fmt: skip
    records.append({"timestamp": when, "type": "response_item", "payload": {"type": "custom_tool_call_output",
                    "call_id": "call_0", "output": f"Success. Updated the following files:\nM {name}\n"}})  # fmt: skip
    return _jsonl(
        folder / "codex" / "2026" / "01" / "01" / f"rollout-2026-01-01T12-00-00-{CODEX_SID}.jsonl", records
    )


def model_session(sid: str, cwd: str, when: str, path: str, content: str, prompt: str) -> Session:
    """A session held in memory that created one file (the stand-in for a log kept in another folder)."""
    steps = [
        Step(id=f"{sid}-u", index=0, kind=StepKind.USER, role="user", text=prompt, timestamp=when),
        Step(id=f"{sid}-e", index=1, kind=StepKind.TOOL_CALL, role="assistant", tool="Write", tool_call_id="t1",
             timestamp=when, parent=f"{sid}-u", edits=[FileEdit(path=path, op="create", content=content)]),
    ]  # fmt: skip
    return Session(id=sid, agent="claude", source=f"{sid}.jsonl", cwd=cwd, started=when, steps=steps)


class World:
    def __init__(self, repo: Repo, logs: Path, commits: dict[str, str], extra: list[Session]) -> None:
        self.repo, self.logs, self.c, self.extra = repo, logs, commits, extra

    def sessions(self) -> list[Session]:
        claude = read_session(SessionFiles("claude", next((self.logs / "claude").rglob("*.jsonl"))))
        codex = read_session(SessionFiles("codex", next((self.logs / "codex").rglob("*.jsonl"))))
        return [claude, codex, *self.extra]

    def library(self) -> MemoryLibrary:
        return MemoryLibrary(self.sessions())


def build(tmp_path: Path) -> World:
    repo = Repo(tmp_path / "repo")
    logs = tmp_path / "logs"
    repo.write("app.py", BASE)
    c = {"h0": repo.commit("start", iso(9))}
    before = repo.read("app.py")
    repo.write("app.py", before + GREET)
    claude_log(logs, str(repo.path), iso(10), PROMPT_A, "app.py", "BASE = 1\n", "BASE = 1\n" + GREET, before)
    c["c1"] = repo.commit("greet", iso(10, 30))
    repo.write("app.py", repo.read("app.py").replace("'hello '", "'hi '") + "HUMAN_ONLY = True\n")
    c["c2"] = repo.commit("by hand", iso(11))
    repo.write("app.py", repo.read("app.py") + FAREWELL)
    codex_log(logs, str(repo.path), iso(12), PROMPT_B, "app.py", "HUMAN_ONLY = True", FAREWELL)
    c["c3"] = repo.commit("farewell", iso(12, 30))
    # other.py: its line written by a session logged in a clone of this repository elsewhere (the
    # folder has the repository's name), while a session of another project wrote the same text.
    repo.write("other.py", "# settings\n" + SHARED)
    elsewhere = model_session("sess-elsewhere", "/home/someone/work/repo", iso(13), "/home/someone/work/repo/other.py",
                              "# settings\n" + SHARED, "settings please")  # fmt: skip
    stranger = model_session("sess-stranger", "/home/x/otherproj", iso(13, 5), "/home/x/otherproj/other.py",
                             SHARED, "unrelated")  # fmt: skip
    c["c4"] = repo.commit("settings", iso(13, 30))
    return World(repo, logs, c, [elsewhere, stranger])


def synced(world: World, bucket: Path) -> None:
    """Both of the world's logs synced into `bucket`."""
    sources = ["--source", f"claude={world.logs / 'claude'}", "--source", f"codex={world.logs / 'codex'}"]
    assert main(["--bucket", str(bucket), "sync", *sources, "--json"]) == 0


def synced_with_prompt(tmp_path: Path, monkeypatch: Any, prompt: str) -> World:
    """A world whose Claude session was asked `prompt` (a gate test plants a secret there), synced
    into `tmp_path / "bucket"`."""
    monkeypatch.setitem(globals(), "PROMPT_A", prompt)  # what `build` reads
    made = build(tmp_path)
    synced(made, tmp_path / "bucket")
    return made


def gate_reads(monkeypatch: Any) -> list[str]:
    """The sessions blame's gate reads in this process from now on (a forked child's are its own)."""
    import tracetui.blame.log_gate as log_gate

    seen: list[str] = []
    real = log_gate._read

    def counted(library: Any, sid: str, env: Any, held: Any = None) -> Any:
        seen.append(sid)
        return real(library, sid, env, held)

    monkeypatch.setattr(log_gate, "_read", counted)
    return seen


def agent_trace_out(world: World, tmp_path: Path, capsys: Any, monkeypatch: Any) -> str:
    """What `blame app.py --format agent-trace` prints in the world's clone, after both logs are
    synced into a new bucket."""
    bucket = tmp_path / "bucket"
    synced(world, bucket)
    capsys.readouterr()
    monkeypatch.chdir(world.repo.path)
    assert main(["--bucket", str(bucket), "blame", "app.py", "--format", "agent-trace"]) == 0
    return str(capsys.readouterr().out)
