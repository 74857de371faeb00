"""The trail tests' logs: one repository and the same edits written as each agent logs them, and
a log from another machine (ALICE's paths) for the mapping tests."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson

from support.trail_kit import Repo, iso
from tracetui.model import Session
from tracetui.sources import SessionFiles, read_session
from tracetui.trail import trail
from tracetui.trail.hunks import diff_hunks

BODY = "\n".join(f"value_{i} = {i}" for i in range(1, 9)) + "\n"
NEW_FILE = "def fresh():\n    return 'made by the agent'\n"
T = iso(10, 10)

# (file, old text, new text) of the three string edits every agent makes
EDITS = [
    ("a.py", "value_4 = 4\n", "value_4 = 4\ncommitted_and_kept = 'yes'\n"),
    ("b.py", "value_4 = 4\n", "value_4 = 4\nreverted_later = 'yes'\n"),
    ("c.py", "value_4 = 4\n", "value_4 = 4\nthrown_away = 'yes'\n"),
]


def body_repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo")
    for name in ("a.py", "b.py", "c.py"):
        repo.write(name, BODY)
    repo.commit("init", iso(9))
    for name, old, new in EDITS:
        repo.write(name, repo.read(name).replace(old, new))
    repo.write("d.py", NEW_FILE)
    return repo


def fates_after_history(repo: Repo, session_log: Path, agent: str) -> dict[str, tuple[str, int]]:
    repo.commit("work", iso(11), "a.py", "b.py")
    repo.write("b.py", BODY)
    repo.commit("cleanup", iso(12), "b.py")
    repo.git("checkout", "--", "c.py")
    session = read_session(SessionFiles(agent, session_log))
    assert session.cwd == str(repo.path)
    result = trail(session)
    return {f.patch.path: (f.state, len(f.patch.added)) for f in result.fates}


EXPECTED = {
    "a.py": ("alive", 1),
    "b.py": ("reverted", 1),
    "c.py": ("lost", 1),
    "d.py": ("uncommitted", 2),
}


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def claude_log(repo: Repo, folder: Path, edits: list[tuple[str, str, str]] = EDITS) -> Path:
    sid = "11111111-2222-4333-8444-555555555555"
    cwd = str(repo.path)
    records: list[dict] = []
    parent = None

    def line(kind: str, uuid: str, message: dict, **extra) -> None:
        nonlocal parent
        records.append(
            {"type": kind, "uuid": uuid, "parentUuid": parent, "sessionId": sid, "timestamp": T, "cwd": cwd,
             "version": "2.1.0", "isSidechain": False, "userType": "external", "message": message, **extra}
        )  # fmt: skip
        parent = uuid

    line("user", "u0", {"role": "user", "content": "please edit the files"})
    calls = [(f"toolu_{i}", name, old, new) for i, (name, old, new) in enumerate(edits)]
    for i, (tid, name, old, new) in enumerate(calls):
        path = str(repo.path / name)
        line("assistant", f"a{i}", {"id": f"msg_{i}", "type": "message", "role": "assistant", "model": "claude-test",
             "content": [{"type": "tool_use", "id": tid, "name": "Edit",
                          "input": {"file_path": path, "old_string": old, "new_string": new}}],
             "usage": {"input_tokens": 1, "output_tokens": 1}})  # fmt: skip
        hunks = diff_hunks(BODY.splitlines(), BODY.replace(old, new).splitlines())
        patch = [{"oldStart": h.old_start, "oldLines": h.old_lines, "newStart": h.new_start, "newLines": h.new_lines,
                  "lines": h.lines} for h in hunks]  # fmt: skip
        line("user", f"r{i}", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": "ok"}]},
             toolUseResult={"filePath": path, "oldString": old, "newString": new, "originalFile": BODY,
                            "structuredPatch": patch, "userModified": False, "replaceAll": False})  # fmt: skip
    path = str(repo.path / "d.py")
    line("assistant", "a9", {"id": "msg_9", "type": "message", "role": "assistant", "model": "claude-test",
         "content": [{"type": "tool_use", "id": "toolu_9", "name": "Write", "input": {"file_path": path, "content": NEW_FILE}}],
         "usage": {"input_tokens": 1, "output_tokens": 1}})  # fmt: skip
    line("user", "r9", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "ok"}]},
         toolUseResult={"type": "create", "filePath": path, "content": NEW_FILE, "structuredPatch": []})  # fmt: skip
    return _jsonl(folder / "-repo" / f"{sid}.jsonl", records)


def logged_elsewhere(tmp_path: Path, edits: list[tuple[str, str, str]], who: str, folder: str = "proj",
                     write: bool = False) -> Session:
    """A Claude Code log of `edits` made in /home/WHO/FOLDER, a folder this machine does not have, and
    of a Write of a new d.py only if `write`."""
    where: Any = SimpleNamespace(path=Path(f"/home/{who}/{folder}"))
    log = claude_log(where, tmp_path / "logs" / who, edits)
    if not write:
        kept = [x for x in log.read_bytes().splitlines(keepends=True) if b'"uuid":"a9"' not in x]
        log.write_bytes(b"".join(x for x in kept if b'"uuid":"r9"' not in x))
    return read_session(SessionFiles("claude", log))


def codex_log(repo: Repo, folder: Path, edits: list[tuple[str, str, str]] = EDITS) -> Path:
    sid = "0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"
    cwd = str(repo.path)
    records: list[dict] = [
        {"timestamp": T, "type": "session_meta", "payload": {"id": sid, "timestamp": T, "cwd": cwd,
         "originator": "codex_cli_rs", "cli_version": "0.50.0", "instructions": None}},
        {"timestamp": T, "type": "turn_context", "payload": {"cwd": cwd, "approval_policy": "never",
         "sandbox_policy": {"type": "workspace-write"}, "model": "gpt-test", "summary": "auto"}},
        {"timestamp": T, "type": "event_msg", "payload": {"type": "user_message", "message": "please edit the files"}},
    ]  # fmt: skip
    for i, (name, old, new) in enumerate(edits):
        lines = [x for h in diff_hunks(BODY.splitlines(), BODY.replace(old, new).splitlines(), 1) for x in h.lines]
        body = "\n".join(lines)
        patch = f"*** Begin Patch\n*** Update File: {name}\n@@\n{body}\n*** End Patch\n"
        records.append({"timestamp": T, "type": "response_item", "payload": {"type": "custom_tool_call",
                        "status": "completed", "call_id": f"call_{i}", "name": "apply_patch", "input": patch}})  # fmt: skip
        records.append({"timestamp": T, "type": "response_item", "payload": {"type": "custom_tool_call_output",
                        "call_id": f"call_{i}", "output": f"Success. Updated the following files:\nM {name}\n"}})  # fmt: skip
    body = "".join("+" + x + "\n" for x in NEW_FILE.splitlines())
    patch = f"*** Begin Patch\n*** Add File: d.py\n{body}*** End Patch\n"
    records.append({"timestamp": T, "type": "response_item", "payload": {"type": "custom_tool_call",
                    "status": "completed", "call_id": "call_9", "name": "apply_patch", "input": patch}})  # fmt: skip
    records.append({"timestamp": T, "type": "response_item", "payload": {"type": "custom_tool_call_output",
                    "call_id": "call_9", "output": "Success. Updated the following files:\nA d.py\n"}})  # fmt: skip
    return _jsonl(folder / "2026" / "01" / "01" / f"rollout-2026-01-01T10-10-00-{sid}.jsonl", records)


def pi_log(repo: Repo, folder: Path, edits: list[tuple[str, str, str]] = EDITS) -> Path:
    sid = "22222222-3333-4444-8555-666666666666"
    cwd = str(repo.path)
    records: list[dict] = [{"type": "session", "version": 3, "id": sid, "timestamp": T, "cwd": cwd}]
    parent = None

    def entry(eid: str, message: dict) -> None:
        nonlocal parent
        records.append({"type": "message", "id": eid, "parentId": parent, "timestamp": T, "message": message})
        parent = eid

    entry("e0000000", {"role": "user", "content": "please edit the files", "timestamp": 1})
    calls = [(f"call_{i}", "edit", {"path": name, "oldText": old, "newText": new}) for i, (name, old, new) in enumerate(edits)]
    calls.append(("call_9", "write", {"path": "d.py", "content": NEW_FILE}))
    for i, (cid, tool, args) in enumerate(calls):
        entry(f"a000000{i}", {"role": "assistant", "content": [{"type": "toolCall", "id": cid, "name": tool, "arguments": args}],
              "api": "anthropic-messages", "provider": "anthropic", "model": "test", "stopReason": "toolUse",
              "usage": {"input": 1, "output": 1, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 2}, "timestamp": 2})  # fmt: skip
        text = f"Successfully replaced text in {args['path']}." if tool == "edit" else f"Wrote {args['path']}"
        entry(f"r000000{i}", {"role": "toolResult", "toolCallId": cid, "toolName": tool,
              "content": [{"type": "text", "text": text}], "isError": False, "timestamp": 3})  # fmt: skip
    return _jsonl(folder / f"--repo--/2026-01-01T10-10-00-000Z_{sid}.jsonl", records)


# Every scenario of issue 4, in each agent's format: (file, old text, new text) of one edit each.
RICH = [
    ("keep.py", "value_4 = 4\n", "value_4 = 4\nkept_as_is = 'yes'\n"),
    ("later.py", "value_4 = 4\n", "value_4 = 4\nedited_later = 'first'\n"),
    ("revert.py", "value_4 = 4\n", "value_4 = 4\nreverted_later = 'yes'\n"),
    ("lost.py", "value_4 = 4\n", "value_4 = 4\nthrown_away = 'yes'\n"),
    ("wip.py", "value_4 = 4\n", "value_4 = 4\nnot_committed_yet = 'yes'\n"),
    ("branch.py", "value_4 = 4\n", "value_4 = 4\non_a_branch = 'yes'\n"),
    ("rename.py", "value_4 = 4\n", "value_4 = 4\nrenamed_later = 'yes'\n"),
    ("delete.py", "value_4 = 4\nvalue_5 = 5\n", ""),
    ("space.py", "value_4 = 4\n", "value_4 = 4\nif ready:\n    go(now=True)\n"),
]


def rich_history(tmp_path: Path, make, agent: str):
    repo = Repo(tmp_path / "repo")
    for name, _, _ in RICH:
        repo.write(name, BODY)
    repo.commit("init", iso(9))
    for name, old, new in RICH:
        repo.write(name, repo.read(name).replace(old, new))
    repo.write("d.py", NEW_FILE)  # every log also writes this new file
    log = make(repo, tmp_path / "logs", RICH)
    repo.commit("wip", iso(11), "keep.py", "later.py", "revert.py", "rename.py", "delete.py", "space.py")
    repo.git("commit", "-q", "--amend", "-m", "agent work", when=iso(11, 2))
    accepted = repo.head()
    repo.write("later.py", repo.read("later.py").replace("'first'", "'second, by hand'"))
    repo.commit("tweak", iso(12), "later.py")
    repo.write("revert.py", BODY)
    repo.commit("tidy", iso(12, 30), "revert.py")
    repo.git("mv", "rename.py", "renamed.py", when=iso(13))
    repo.commit("move", iso(13), "renamed.py")
    repo.write("space.py", repo.read("space.py").replace("    go(now=True)", "\tgo( now=True )"))
    repo.commit("format", iso(13, 30), "space.py")
    repo.git("checkout", "--", "lost.py")
    repo.git("switch", "-q", "-c", "feature", when=iso(14))
    on_branch = repo.commit("feature", iso(14), "branch.py")
    repo.git("switch", "-q", "main")
    session = read_session(SessionFiles(agent, log))
    return trail(session), accepted, on_branch


ALICE = "/home/alice/work/proj"  # where the agent worked; nothing is there on this machine


def alice_edits(root: str) -> list[tuple[str, str, str]]:
    """Three edits named relative to the cwd (root/sub), one by absolute path above it."""
    return [
        ("a.py", "value_4 = 4\n", "value_4 = 4\ncommitted_and_kept = 'yes'\n"),
        ("b.py", "value_4 = 4\n", "value_4 = 4\nreverted_later = 'yes'\n"),
        ("c.py", "value_4 = 4\n", "value_4 = 4\nthrown_away = 'yes'\n"),
        (f"{root}/top.py", "value_4 = 4\n", "value_4 = 4\nat_the_top = 'yes'\n"),
    ]


def alice_project(tmp_path: Path) -> Repo:
    """The repository with the agent's work in its tree, then committed, reverted and discarded."""
    repo = Repo(tmp_path / "proj")
    for name in ("sub/a.py", "sub/b.py", "sub/c.py", "top.py"):
        repo.write(name, BODY)
    repo.write("sub/unrelated.txt", "not touched\n")
    repo.commit("init", iso(9))
    for name, old, new in alice_edits(str(repo.path)):
        target = name if name.startswith("/") else f"sub/{name}"
        rel = str(Path(target).relative_to(repo.path)) if target.startswith("/") else target
        repo.write(rel, repo.read(rel).replace(old, new))
    repo.write("sub/d.py", NEW_FILE)
    repo.commit("work", iso(11), "sub/a.py", "sub/b.py", "top.py")
    repo.write("sub/b.py", BODY)
    repo.commit("cleanup", iso(12), "sub/b.py")
    repo.git("checkout", "--", "sub/c.py")
    return repo



def unrelated_clone(tmp_path: Path) -> Repo:
    """A clone beside alice's project that holds none of the files her logs name."""
    other = Repo(tmp_path / "other")
    other.write("lib/main.rs", "fn main() {}\n")
    other.commit("init", iso(9))
    return other

def mapped_log(make, root: str, folder: Path, agent: str) -> Session:
    logged = SimpleNamespace(path=Path(root) / "sub")  # the builders only read the cwd from it
    return read_session(SessionFiles(agent, make(logged, folder, alice_edits(root))))


def grow_claude_log(log: Path, text: str) -> None:
    """One more user prompt at the end of a Claude Code log `claude_log` wrote."""
    last = orjson.loads(log.read_bytes().splitlines()[-1])
    more = {**last, "uuid": "late", "parentUuid": last["uuid"], "type": "user",
            "message": {"role": "user", "content": text}}  # fmt: skip
    log.write_bytes(log.read_bytes() + orjson.dumps(more) + b"\n")


def age(path: Path, seconds: int = 600) -> None:
    """`path` (and all under it) last changed `seconds` ago: a clone nobody is working in."""
    import os
    import time

    then = time.time() - seconds
    for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
        os.utime(p, (then, then), follow_symlinks=False)
