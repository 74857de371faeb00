"""Counts a user reads in `ls`: each tool call once, and the edit calls that succeeded.

Hand-made logs for the shapes that broke them (a resumed Claude session that re-logs its history
with the same tool_use ids; OpenClaw edits that name the file `file`), and every real corpus file
checked against its raw records, read here independently of the readers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import orjson
import pytest
from shared_data import CORPUS, requires_corpus

from tracetui.cli import main
from tracetui.model import StepKind
from tracetui.sources import RawLog, group, read_session
from tracetui.sources.claude import reader as claude_code
from tracetui.sources.pi import reader as pi
from tracetui.trail import session_patches
from tracetui.views.format import step_summary

SID = "33333333-4444-4555-8666-777777777777"
T = "2026-01-01T10:00:00.000Z"
BODY = "one\ntwo\nthree\n"


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def _claude_records(cwd: str, copy: str, parent: str | None) -> list[dict]:
    """The first part of a session: a prompt, an Edit and its result, a reply (uuids suffixed by `copy`)."""
    path = f"{cwd}/a.txt"
    base = {"sessionId": SID, "timestamp": T, "cwd": cwd, "version": "2.1.0", "isSidechain": False,
            "userType": "external"}  # fmt: skip
    patch = [{"oldStart": 1, "oldLines": 3, "newStart": 1, "newLines": 3, "lines": [" one", "-two", "+TWO", " three"]}]
    return [
        {**base, "type": "user", "uuid": f"u0{copy}", "parentUuid": parent,
         "message": {"role": "user", "content": "change two"}},
        {**base, "type": "assistant", "uuid": f"a1{copy}", "parentUuid": f"u0{copy}",
         "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
                     "content": [{"type": "tool_use", "id": "toolu_A", "name": "Edit",
                                  "input": {"file_path": path, "old_string": "two", "new_string": "TWO"}}],
                     "usage": {"input_tokens": 5, "output_tokens": 5}}},
        {**base, "type": "user", "uuid": f"r1{copy}", "parentUuid": f"a1{copy}",
         "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_A", "content": "ok"}]},
         "toolUseResult": {"filePath": path, "oldString": "two", "newString": "TWO", "originalFile": BODY,
                           "structuredPatch": patch, "userModified": False, "replaceAll": False}},
        {**base, "type": "assistant", "uuid": f"a2{copy}", "parentUuid": f"r1{copy}",
         "message": {"id": "msg_2", "type": "message", "role": "assistant", "model": "claude-test",
                     "content": [{"type": "text", "text": "done"}], "usage": {"input_tokens": 5, "output_tokens": 1}}},
    ]  # fmt: skip


def _resumed_claude_log(folder: Path, cwd: str = "/home/dev/proj", fork: bool = False) -> Path:
    """The session, then its history written again under new uuids (a resume), then new work.

    With `fork`, the copy hangs off the first prompt, so the original reply is a branch left behind.
    """
    base = {"sessionId": SID, "timestamp": T, "cwd": cwd, "version": "2.1.0", "isSidechain": False,
            "userType": "external"}  # fmt: skip
    again = _claude_records(cwd, "-again", None)
    if fork:
        again = again[1:]
        again[0]["parentUuid"] = "u0"
    records = _claude_records(cwd, "", None) + again
    records += [
        {**base, "type": "user", "uuid": "u3", "parentUuid": "a2-again",
         "message": {"role": "user", "content": "now write b"}},
        {**base, "type": "assistant", "uuid": "a4", "parentUuid": "u3",
         "message": {"id": "msg_4", "type": "message", "role": "assistant", "model": "claude-test",
                     "content": [{"type": "tool_use", "id": "toolu_B", "name": "Write",
                                  "input": {"file_path": f"{cwd}/b.txt", "content": "bee\n"}},
                                 {"type": "tool_use", "id": "toolu_C", "name": "Edit",
                                  "input": {"file_path": f"{cwd}/a.txt", "old_string": "zzz", "new_string": "y"}}],
                     "usage": {"input_tokens": 5, "output_tokens": 5}}},
        {**base, "type": "user", "uuid": "r4", "parentUuid": "a4",
         "message": {"role": "user", "content": [
             {"type": "tool_result", "tool_use_id": "toolu_B", "content": "ok"},
             {"type": "tool_result", "tool_use_id": "toolu_C", "is_error": True,
              "content": "<tool_use_error>String to replace not found in file.</tool_use_error>"}]},
         "toolUseResult": {"type": "create", "filePath": f"{cwd}/b.txt", "content": "bee\n", "structuredPatch": []}},
    ]  # fmt: skip
    return _jsonl(folder / "-home-dev-proj" / f"{SID}.jsonl", records)


def test_a_resumed_claude_session_counts_and_patches_each_call_once(tmp_path):
    log = _resumed_claude_log(tmp_path / "logs")
    s = claude_code.read(RawLog(str(log), log.read_bytes()), [])
    calls = [st for st in s.steps if st.kind == StepKind.TOOL_CALL]
    assert [c.tool_call_id for c in calls] == ["toolu_A", "toolu_A", "toolu_B", "toolu_C"]  # both copies shown
    relogged = [st for st in s.steps if "relogged" in st.meta]
    assert [(st.kind, st.tool_call_id) for st in relogged] == [("tool_call", "toolu_A"), ("tool_result", "toolu_A")]
    kept = next(c for c in calls if c.tool_call_id == "toolu_A" and "relogged" not in c.meta)
    assert relogged[0].meta["relogged"] == kept.id
    assert kept.active  # the copy on the path the session went on keeps the call
    assert relogged[0].edits == []
    assert [(e.path, e.applied, len(e.hunks)) for e in kept.edits] == [("/home/dev/proj/a.txt", True, 1)]
    assert (s.tool_calls, s.edit_calls, s.applied_edit_calls) == (3, 3, 2)
    # the timeline and palette still list the copy, and say what it is
    assert step_summary(relogged[0]) == "(re-logged copy) /home/dev/proj/a.txt"
    assert step_summary(kept) == "/home/dev/proj/a.txt"
    assert s.tokens.input == 15  # one response's usage, however often it is logged
    assert [(p.path, p.added, p.removed) for p in session_patches(s)] == [
        ("a.txt", ["TWO"], ["two"]),
        ("b.txt", ["bee"], []),
    ]


def test_the_copy_on_the_active_path_keeps_the_call_and_its_applied_edit(tmp_path):
    log = _resumed_claude_log(tmp_path / "logs", fork=True)
    s = claude_code.read(RawLog(str(log), log.read_bytes()), [])
    first, again = (st for st in s.steps if st.kind == StepKind.TOOL_CALL and st.tool_call_id == "toolu_A")
    assert (first.id, first.active, again.id, again.active) == ("a1", False, "a1-again", True)
    assert first.meta["relogged"] == "a1-again" and first.edits == []
    assert [(e.path, e.applied, len(e.hunks)) for e in again.edits] == [("/home/dev/proj/a.txt", True, 1)]
    assert (s.tool_calls, s.applied_edit_calls) == (3, 2)
    assert [(p.step_id, p.path) for p in session_patches(s)] == [("a1-again", "a.txt"), ("a4", "b.txt")]


def test_ls_counts_tool_calls_once_and_only_edits_that_succeeded(tmp_path, capsys):
    logs = tmp_path / "logs"
    _resumed_claude_log(logs)
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={logs}", "--json"]) == 0
    capsys.readouterr()
    assert main(["--bucket", str(bucket), "ls", "--json"]) == 0
    [row] = orjson.loads(capsys.readouterr().out)
    assert (row["tool_calls"], row["edits"]) == (3, 2)


def _pi(*records: dict) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def test_openclaw_edits_naming_the_file_by_any_alias_are_read():
    def call(cid: str, name: str, arguments: dict) -> dict:
        return {"type": "toolCall", "id": cid, "name": name, "arguments": arguments}

    def result(eid: str, parent: str, cid: str, name: str, error: bool = False) -> dict:
        return {"type": "message", "id": eid, "parentId": parent, "timestamp": T,
                "message": {"role": "toolResult", "toolCallId": cid, "toolName": name, "isError": error,
                            "content": [{"type": "text", "text": "failed" if error else "ok"}]}}  # fmt: skip

    data = _pi(
        {"type": "session", "version": 3, "id": "oc", "timestamp": T, "cwd": "/home/oc/workspace"},
        {"type": "message", "id": "m1", "parentId": None, "timestamp": T, "message": {
            "role": "assistant", "stopReason": "toolUse", "content": [
                call("t1", "edit", {"file": "notes.md", "oldText": "a", "newText": "b"}),
                call("t2", "write", {"filename": "new.md", "content": "hi\n"}),
                call("t3", "edit", {"filepath": "/home/oc/workspace/c.md", "old_text": "x", "new_text": "y"}),
                call("t4", "edit", {"file": "gone.md", "oldText": "q", "newText": "r"}),
            ]}},
        result("m2", "m1", "t1", "edit"),
        result("m3", "m2", "t2", "write"),
        result("m4", "m3", "t3", "edit"),
        result("m5", "m4", "t4", "edit", error=True),
    )  # fmt: skip
    s = pi.read(RawLog("/logs/oc.jsonl", data), [])
    edits = {st.tool_call_id: [(e.path, e.op, e.old_string, e.new_string, e.applied) for e in st.edits]
             for st in s.steps if st.kind == StepKind.TOOL_CALL}  # fmt: skip
    assert edits == {
        "t1": [("notes.md", "update", "a", "b", True)],
        "t2": [("new.md", "write", None, None, True)],
        "t3": [("/home/oc/workspace/c.md", "update", "x", "y", True)],
        "t4": [("gone.md", "update", "q", "r", False)],
    }
    assert (s.tool_calls, s.applied_edit_calls) == (4, 3)
    assert [p.path for p in session_patches(s)] == ["notes.md", "new.md", "c.md"]


# -- every corpus file against its raw records ---------------------------------------------------------

_CODEX_CALLS = frozenset({"function_call", "custom_tool_call", "local_shell_call", "web_search_call"})
_CLAUDE_EDITS = frozenset({"Edit", "MultiEdit", "Write", "NotebookEdit"})
_PI_FILE_KEYS = ("path", "file_path", "file", "filename", "filepath")


def _records(path: Path):
    """Every JSON object in a log: a line each, several on a line that lost its newline, or one document."""
    data = path.read_bytes()
    if path.suffix == ".json":
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        items = doc.get("items") if isinstance(doc, dict) else doc
        yield from (i for i in items or [] if isinstance(i, dict))
        return
    decoder = json.JSONDecoder()
    for raw in data.split(b"\n"):
        text = raw.decode("utf-8", "replace").strip()
        at = 0
        while at < len(text):
            try:
                obj, at = decoder.raw_decode(text, at)
            except ValueError:
                break
            if isinstance(obj, dict):
                yield obj


class _Raw:
    """Tool calls (by id; a call the log gives no id counts alone) and edit calls that succeeded."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.unnamed = 0
        self.edits: set[str | None] = set()  # ids as logged: a missing one is None
        self.answered: set[str | None] = set()  # ids as logged: a missing one is None
        self.failed: set[str | None] = set()  # ids as logged: a missing one is None

    def call(self, cid: object) -> None:
        if isinstance(cid, str) and cid:
            self.ids.add(cid)
        else:
            self.unnamed += 1

    @property
    def tool_calls(self) -> int:
        return len(self.ids) + self.unnamed

    @property
    def succeeded(self) -> int:
        return len((self.edits & self.answered) - self.failed)


def _claude(raw: _Raw, rec: dict) -> None:
    message = rec.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if rec.get("type") == "assistant" and block.get("type") in ("tool_use", "server_tool_use"):
            raw.call(block.get("id"))
            args = block.get("input")
            if block.get("name") in _CLAUDE_EDITS and isinstance(args, dict):
                if args.get("file_path") or args.get("notebook_path"):
                    raw.edits.add(block["id"])
        elif block.get("type") == "tool_result":
            raw.answered.add(block.get("tool_use_id"))
            if block.get("is_error") is True:
                raw.failed.add(block.get("tool_use_id"))


def _pi_record(raw: _Raw, rec: dict) -> None:
    message = rec.get("message")
    if rec.get("type") != "message" or not isinstance(message, dict):
        return
    role = message.get("role")
    if role == "bashExecution":
        raw.call(f"bash:{rec.get('id')}" if rec.get("id") else None)  # a user's `!cmd`: a call with no id
    elif role == "assistant" and isinstance(message.get("content"), list):
        for block in message["content"]:
            if not isinstance(block, dict) or block.get("type") != "toolCall":
                continue
            raw.call(block.get("id"))
            args = block.get("arguments")
            if isinstance(args, str):
                try:
                    args = orjson.loads(args)
                except orjson.JSONDecodeError:
                    args = None
            name = str(block.get("name") or "").lower()
            if isinstance(args, dict) and (
                name == "apply_patch" or (name in ("edit", "write") and any(args.get(k) for k in _PI_FILE_KEYS))
            ):
                raw.edits.add(block["id"])
    elif role == "toolResult":
        raw.answered.add(message.get("toolCallId"))
        details = message.get("details")
        if message.get("isError") is True or (isinstance(details, dict) and details.get("status") == "error"):
            raw.failed.add(message.get("toolCallId"))


_PATCH_DONE = re.compile(r"^(Success\. Updated the following files|Done!)", re.M)  # apply_patch's own words


def _applies_patch(command: object) -> bool:
    """A shell command that is apply_patch itself: argv, or a script of `[cd DIR &&] apply_patch <<EOF`."""
    if isinstance(command, list) and len(command) == 2 and command[0] in ("apply_patch", "applypatch"):
        return True
    if isinstance(command, list) and len(command) == 3 and command[1] in ("-lc", "-c", "-l"):
        command = command[2]
    if not isinstance(command, str):
        return False
    script = command.strip()
    if script.startswith("cd ") and "&&" in script:
        script = script.split("&&", 1)[1].strip()
    return script.startswith(("apply_patch <<", "apply_patch<<", "applypatch <<"))


def _codex(raw: _Raw, rec: dict) -> None:
    item = rec.get("payload") if rec.get("type") == "response_item" else rec
    if not isinstance(item, dict):
        return
    kind, cid = item.get("type"), item.get("call_id")
    if kind in _CODEX_CALLS:
        raw.call(cid or (item.get("id") if kind != "web_search_call" else None))
    for call in item.get("tool_calls") or []:  # the TypeScript CLI's chat-style items
        if isinstance(call, dict):
            raw.call(call.get("id"))
    args = item.get("arguments")
    if isinstance(args, str):
        try:
            args = orjson.loads(args)
        except orjson.JSONDecodeError:
            args = None
    action = item.get("action")
    if (
        (kind == "custom_tool_call" and item.get("name") == "apply_patch")
        or (kind == "function_call" and item.get("name") == "apply_patch")
        or (kind == "function_call" and isinstance(args, dict) and _applies_patch(args.get("command", args.get("cmd"))))
        or (kind == "local_shell_call" and isinstance(action, dict) and _applies_patch(action.get("command")))
    ):
        raw.edits.add(cid)
    if kind in ("function_call_output", "custom_tool_call_output"):
        out = item.get("output")
        if isinstance(out, str) and out.startswith("{"):
            try:
                out = orjson.loads(out)
            except orjson.JSONDecodeError:
                pass
        if isinstance(out, dict):
            meta = out.get("metadata")
            code = meta.get("exit_code") if isinstance(meta, dict) else None
            out = out.get("output") if code in (None, 0) else None
        if isinstance(out, str) and _PATCH_DONE.search(out.lstrip()):
            raw.answered.add(cid)  # a Codex patch succeeded only where apply_patch said so


def _raw_counts(agent: str, files: list[str]) -> _Raw:
    raw = _Raw()
    read = {"claude": _claude, "pi": _pi_record, "codex": _codex}[agent]
    for name in files:
        if name.endswith(".meta.json"):
            continue
        records = list(_records(Path(name)))
        if agent == "pi":
            records = _pi_own(records)
        elif agent == "claude":
            # a Claude Code fork's entries copied from its parent (`forkedFrom`) count where it is listed
            records = [r for r in records if not isinstance(r.get("forkedFrom"), dict)]
        for rec in records:
            read(raw, rec)
    return raw


def _pi_own(records: list[dict]) -> list[dict]:
    """A Pi fork's records without the leading ones older than its header: the copy of its parent's
    history (`parentSession`, v1 `branchedFrom`), counted where the parent is listed."""
    head = records[0] if records and records[0].get("type") == "session" else None
    if head is None or not (head.get("parentSession") or head.get("branchedFrom")):
        return records
    body = records[1:]
    copied = 0
    while copied < len(body) and str(body[copied].get("timestamp", "")) < str(head.get("timestamp", "")):
        copied += 1
    return [head] + body[copied:]


@requires_corpus
@pytest.mark.corpus
@pytest.mark.parametrize("agent", ["claude", "codex", "pi"])
def test_ls_counts_match_the_raw_logs(tmp_path, capsys, agent):
    folder = CORPUS / agent
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"{agent}={folder}", "--json"]) == 0
    capsys.readouterr()
    assert main(["--bucket", str(bucket), "ls", "--all", "--json"]) == 0  # hidden (empty) sessions too
    rows = {r["source"]: r for r in orjson.loads(capsys.readouterr().out)}
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    checked = edits = 0
    for session_files in group(agent, files):
        session = read_session(session_files)
        row = rows[session.source]
        raw = _raw_counts(agent, session.files)
        assert row["tool_calls"] == raw.tool_calls, session.source
        assert row["edits"] == raw.succeeded, session.source
        assert row["edits"] == session.applied_edit_calls
        checked += 1
        edits += row["edits"]
    assert checked == len(rows) and edits > 0
