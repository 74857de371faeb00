"""Tiny session logs in each agent's real record shapes, read back through `tracetui.sources`.

A test describes a session as turns (a prompt, a shell call and its output, a Write, an Edit) and
gets the `Session` a user's sync would give: the file is written under the folder layout the agent
uses, grouped and read by the registered reader, so the texts the redaction scans are the texts a
reader really produces (Codex's output wrapper, Gemini's function responses, OpenCode's parts...).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tracetui.model import Session
from tracetui.sources import group, read_session

CWD = "/home/dev/shop"


@dataclass(frozen=True, slots=True)
class Prompt:
    text: str


@dataclass(frozen=True, slots=True)
class Shell:
    command: str
    output: str


@dataclass(frozen=True, slots=True)
class Write:
    path: str
    content: str


@dataclass(frozen=True, slots=True)
class Edit:
    path: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Read:
    """The agent's own file-reading tool, whose output numbers the lines its own way."""

    path: str
    content: str


Turn = Prompt | Shell | Write | Edit | Read


def _numbered(content: str, style: str) -> str:
    lines = content.rstrip("\n").split("\n")
    if style == "arrow":  # Claude Code's Read
        return "\n".join(f"{i:>6}\u2192{line}" for i, line in enumerate(lines, 1))
    if style == "tab":  # `cat -n`
        return "\n".join(f"{i:>6}\t{line}" for i, line in enumerate(lines, 1))
    if style == "pipe":  # OpenCode's read
        return "<file>\n" + "\n".join(f"{i:05d}| {line}" for i, line in enumerate(lines, 1)) + "\n</file>"
    if style == "dot":  # Copilot's view
        return "\n".join(f"{i}.\t{line}" for i, line in enumerate(lines, 1))
    return content


class _Clock:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"2026-03-01T10:{self.n // 60 % 60:02d}:{self.n % 60:02d}.{self.n // 3600:03d}Z"

    def ms(self) -> int:
        self.n += 1
        return 1772359200000 + self.n * 1000


def _jsonl(records: list[dict]) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode()


def _claude(turns: list[Turn], root: Path) -> Path:
    sid = "5a5a5a5a-1111-4222-8333-444455556666"
    t = _Clock()
    records: list[dict] = []
    parent: str | None = None

    def add(kind: str, message: dict, **extra) -> None:
        nonlocal parent
        uuid = f"00000000-0000-4000-8000-{len(records):012d}"
        rec = {
            "parentUuid": parent, "isSidechain": False, "userType": "external", "cwd": CWD, "sessionId": sid,
            "version": "2.1.90", "gitBranch": "main", "type": kind, "message": message, "uuid": uuid,
            "timestamp": t(),
        }  # fmt: skip
        rec.update(extra)
        records.append(rec)
        parent = uuid

    def call(i: int, name: str, tool_input: dict, result: str, tur: dict) -> None:
        tid = f"toolu_{i:04d}"
        block = {"type": "tool_use", "id": tid, "name": name, "input": tool_input}
        add("assistant", {"id": f"msg_{i}", "type": "message", "role": "assistant", "model": "claude-opus-4-5",
                          "content": [block], "stop_reason": None,
                          "usage": {"input_tokens": 1, "output_tokens": 1}}, requestId=f"req_{i}")  # fmt: skip
        add("user", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tid, "content": result}]},
            toolUseResult=tur)  # fmt: skip

    for i, turn in enumerate(turns):
        if isinstance(turn, Prompt):
            add("user", {"role": "user", "content": turn.text})
        elif isinstance(turn, Shell):
            call(i, "Bash", {"command": turn.command, "description": "Run it"}, turn.output,
                 {"stdout": turn.output, "stderr": "", "interrupted": False})  # fmt: skip
        elif isinstance(turn, Write):
            path = f"{CWD}/{turn.path}"
            call(i, "Write", {"file_path": path, "content": turn.content}, f"File created successfully at: {path}",
                 {"type": "create", "filePath": path, "content": turn.content})  # fmt: skip
        elif isinstance(turn, Read):
            path = f"{CWD}/{turn.path}"
            call(i, "Read", {"file_path": path}, _numbered(turn.content, "arrow"),
                 {"type": "text", "file": {"filePath": path, "content": turn.content}})  # fmt: skip
        else:
            path = f"{CWD}/{turn.path}"
            call(i, "Edit", {"file_path": path, "old_string": turn.old, "new_string": turn.new},
                 f"The file {path} has been updated.",
                 {"filePath": path, "oldString": turn.old, "newString": turn.new})  # fmt: skip
    out = root / "projects" / "-home-dev-shop" / f"{sid}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(_jsonl(records))
    return out


def _codex(turns: list[Turn], root: Path) -> Path:
    sid = "0199abab-1111-7222-8333-444455556666"
    t = _Clock()
    records: list[dict] = [
        {"timestamp": t(), "type": "session_meta",
         "payload": {"id": sid, "timestamp": t(), "cwd": CWD, "originator": "codex_cli_rs", "cli_version": "0.60.1",
                     "instructions": None, "source": "cli", "model_provider": "openai"}},
        {"timestamp": t(), "type": "turn_context",
         "payload": {"cwd": CWD, "approval_policy": "on-request", "model": "gpt-5-codex"}},
    ]  # fmt: skip

    def item(payload: dict) -> None:
        records.append({"timestamp": t(), "type": "response_item", "payload": payload})

    def patch(i: int, body: str) -> None:
        item({"type": "custom_tool_call", "status": "completed", "call_id": f"call_{i}", "name": "apply_patch",
              "input": f"*** Begin Patch\n{body}*** End Patch"})  # fmt: skip
        out = {"output": "Success. Updated the following files:\n", "metadata": {"exit_code": 0}}
        item({"type": "custom_tool_call_output", "call_id": f"call_{i}", "output": json.dumps(out)})

    def plus(text: str) -> str:
        return "".join(f"+{line}\n" for line in text.split("\n"))

    def minus(text: str) -> str:
        return "".join(f"-{line}\n" for line in text.split("\n"))

    for i, turn in enumerate(turns):
        if isinstance(turn, Prompt):
            item({"type": "message", "role": "user", "content": [{"type": "input_text", "text": turn.text}]})
            records.append({"timestamp": t(), "type": "event_msg",
                            "payload": {"type": "user_message", "message": turn.text, "images": []}})  # fmt: skip
        elif isinstance(turn, Shell):
            args = {"command": ["bash", "-lc", turn.command], "workdir": CWD}
            item({"type": "function_call", "name": "shell", "arguments": json.dumps(args), "call_id": f"call_{i}"})
            out = {"output": turn.output, "metadata": {"exit_code": 0, "duration_seconds": 0.1}}
            item({"type": "function_call_output", "call_id": f"call_{i}", "output": json.dumps(out)})
        elif isinstance(turn, Read):
            args = {"command": ["bash", "-lc", f"cat -n {turn.path}"], "workdir": CWD}
            item({"type": "function_call", "name": "shell", "arguments": json.dumps(args), "call_id": f"call_{i}"})
            out = {"output": _numbered(turn.content, "tab"), "metadata": {"exit_code": 0, "duration_seconds": 0.1}}
            item({"type": "function_call_output", "call_id": f"call_{i}", "output": json.dumps(out)})
        elif isinstance(turn, Write):
            patch(i, f"*** Add File: {turn.path}\n{plus(turn.content)}")
        else:
            patch(i, f"*** Update File: {turn.path}\n@@\n{minus(turn.old)}{plus(turn.new)}")
    rollout = root / "sessions" / "2026" / "03" / "01" / f"rollout-2026-03-01T10-00-00-{sid}.jsonl"
    rollout.parent.mkdir(parents=True, exist_ok=True)
    rollout.write_bytes(_jsonl(records))
    return rollout


def _pi(turns: list[Turn], root: Path) -> Path:
    t = _Clock()
    records: list[dict] = [
        {"type": "session", "version": 3, "id": "35353535-aaaa-4bbb-8ccc-000000000003", "timestamp": t(), "cwd": CWD}
    ]
    parent: str | None = None

    def message(msg: dict) -> None:
        nonlocal parent
        mid = f"c{len(records):07d}"
        records.append({"type": "message", "id": mid, "parentId": parent, "timestamp": t(), "message": msg})
        parent = mid

    def call(i: int, name: str, arguments: dict, result: str) -> None:
        cid = f"toolu_pi_{i}"
        message({"role": "assistant", "content": [{"type": "toolCall", "id": cid, "name": name, "arguments": arguments}],
                 "api": "anthropic-messages", "provider": "anthropic", "model": "claude-opus-4-5",
                 "usage": {"input": 1, "output": 1, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 2},
                 "stopReason": "toolUse", "timestamp": 0})  # fmt: skip
        message({"role": "toolResult", "toolCallId": cid, "toolName": name,
                 "content": [{"type": "text", "text": result}], "isError": False, "timestamp": 0})  # fmt: skip

    for i, turn in enumerate(turns):
        if isinstance(turn, Prompt):
            message({"role": "user", "content": [{"type": "text", "text": turn.text}], "timestamp": 0})
        elif isinstance(turn, Shell):
            call(i, "bash", {"command": turn.command}, turn.output)
        elif isinstance(turn, Read):
            call(i, "read", {"path": turn.path}, turn.content)
        elif isinstance(turn, Write):
            call(i, "write", {"path": turn.path, "content": turn.content}, f"Successfully wrote to {turn.path}")
        else:
            call(i, "edit", {"path": turn.path, "edits": [{"oldText": turn.old, "newText": turn.new}]},
                 f"Successfully replaced 1 block(s) in {turn.path}.")  # fmt: skip
    out = root / "sessions" / "--home-dev-shop--" / "2026-03-01T10-00-00-000Z_35353535-aaaa-4bbb-8ccc-000000000003.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(_jsonl(records))
    return out


def _gemini(turns: list[Turn], root: Path) -> Path:
    t = _Clock()
    records: list[dict] = [
        {"sessionId": "5e5e5e5e-1111-4a4a-9b9b-0123456789ab", "projectHash": "ab" * 32, "startTime": t(),
         "lastUpdated": t(), "kind": "main"},
    ]  # fmt: skip

    def call(i: int, name: str, args: dict, output: str) -> None:
        cid = f"{name}_177700000{i:04d}_0"
        response = {"functionResponse": {"id": cid, "name": name, "response": {"output": output}}}
        records.append({"id": f"g{i}", "timestamp": t(), "type": "gemini", "content": "", "model": "gemini-2.5-pro",
                        "toolCalls": [{"id": cid, "name": name, "args": args, "result": [response],
                                       "status": "success", "timestamp": t()}]})  # fmt: skip

    for i, turn in enumerate(turns):
        if isinstance(turn, Prompt):
            records.append({"id": f"u{i}", "timestamp": t(), "type": "user", "content": [{"text": turn.text}]})
        elif isinstance(turn, Shell):
            call(i, "run_shell_command", {"command": turn.command}, turn.output)
        elif isinstance(turn, Read):
            call(i, "read_file", {"absolute_path": f"{CWD}/{turn.path}"}, turn.content)
        elif isinstance(turn, Write):
            call(i, "write_file", {"file_path": f"{CWD}/{turn.path}", "content": turn.content},
                 f"Successfully created and wrote to new file: {CWD}/{turn.path}.")  # fmt: skip
        else:
            call(i, "replace", {"file_path": f"{CWD}/{turn.path}", "old_string": turn.old, "new_string": turn.new,
                                "instruction": "update"}, f"Successfully modified file: {CWD}/{turn.path} (1 replacements).")  # fmt: skip
    out = root / "tmp" / "shop" / "chats" / "session-2026-03-01T10-00-5e5e5e5e.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(_jsonl(records))
    return out


def _copilot(turns: list[Turn], root: Path) -> Path:
    sid = "3c3c3c3c-4444-4d4d-9e9e-112233445566"
    t = _Clock()
    records: list[dict] = []

    def event(kind: str, data: dict) -> None:
        eid = f"e{len(records):03d}-0000-4000-8000-000000000000"
        parent = records[-1]["id"] if records else None
        records.append({"type": kind, "data": data, "id": eid, "timestamp": t(), "parentId": parent})

    def call(i: int, name: str, arguments: dict, result: str) -> None:
        cid = f"tooluse_{i:04d}"
        event("tool.execution_start", {"toolCallId": cid, "toolName": name, "arguments": arguments})
        event("tool.execution_complete", {"toolCallId": cid, "success": True, "result": {"content": result}})

    event("session.start", {"sessionId": sid, "version": 1, "producer": "copilot-agent", "copilotVersion": "0.0.350",
                            "startTime": t()})  # fmt: skip
    for i, turn in enumerate(turns):
        if isinstance(turn, Prompt):
            event("user.message", {"content": turn.text, "attachments": []})
        elif isinstance(turn, Shell):
            call(i, "bash", {"command": turn.command, "description": "run"}, turn.output)
        elif isinstance(turn, Read):
            call(i, "str_replace_editor", {"command": "view", "path": f"{CWD}/{turn.path}"}, _numbered(turn.content, "dot"))
        elif isinstance(turn, Write):
            call(i, "str_replace_editor", {"command": "create", "path": f"{CWD}/{turn.path}", "file_text": turn.content},
                 f"Created file {CWD}/{turn.path}")  # fmt: skip
        else:
            call(i, "str_replace_editor", {"command": "str_replace", "path": f"{CWD}/{turn.path}",
                                           "old_str": turn.old, "new_str": turn.new}, f"File {CWD}/{turn.path} updated")  # fmt: skip
    out = root / "session-state" / sid / "events.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(_jsonl(records))
    return out


def _opencode(turns: list[Turn], root: Path) -> Path:
    sid = "ses_03SHOPcccccccccccccccccc"
    t = _Clock()
    messages: list[dict] = []

    def msg(role: str, parts: list[dict]) -> None:
        mid = f"msg_{len(messages):04d}"
        info: dict = {"id": mid, "sessionID": sid, "role": role, "time": {"created": t.ms()}}
        if role == "assistant":
            info.update({"parentID": messages[-1]["info"]["id"] if messages else None, "modelID": "claude-sonnet-4",
                         "providerID": "anthropic", "mode": "build", "agent": "build",
                         "path": {"cwd": CWD, "root": CWD}, "cost": 0,
                         "tokens": {"input": 1, "output": 1, "reasoning": 0, "cache": {"read": 0, "write": 0}},
                         "finish": "tool-calls"})  # fmt: skip
        for j, part in enumerate(parts):
            part.update({"id": f"prt_{len(messages):04d}{j}", "sessionID": sid, "messageID": mid})
        messages.append({"info": info, "parts": parts})

    def call(i: int, tool: str, tool_input: dict, output: str) -> None:
        start = t.ms()
        state = {"status": "completed", "input": tool_input, "output": output, "title": tool, "metadata": {},
                 "time": {"start": start, "end": start + 10}}  # fmt: skip
        msg("assistant", [{"type": "tool", "callID": f"toolu_oc_{i}", "tool": tool, "state": state}])

    for i, turn in enumerate(turns):
        if isinstance(turn, Prompt):
            msg("user", [{"type": "text", "text": turn.text}])
        elif isinstance(turn, Shell):
            call(i, "bash", {"command": turn.command, "description": "run"}, turn.output)
        elif isinstance(turn, Read):
            call(i, "read", {"filePath": f"{CWD}/{turn.path}"}, _numbered(turn.content, "pipe"))
        elif isinstance(turn, Write):
            call(i, "write", {"filePath": f"{CWD}/{turn.path}", "content": turn.content}, "")
        else:
            call(i, "edit", {"filePath": f"{CWD}/{turn.path}", "oldString": turn.old, "newString": turn.new}, "")
    doc = {"info": {"id": sid, "slug": "shop", "version": "1.1.47", "projectID": "0f" * 20, "directory": CWD,
                    "title": "shop", "time": {"created": 1772359200000, "updated": t.ms()}},
           "messages": messages}  # fmt: skip
    out = root / "export" / f"{sid}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return out


WRITERS: dict[str, Callable[[list[Turn], Path], Path]] = {
    "claude": _claude, "codex": _codex, "pi": _pi, "gemini": _gemini, "copilot": _copilot, "opencode": _opencode,
}  # fmt: skip
AGENTS = tuple(WRITERS)


def session_of(agent: str, turns: Sequence[Turn], root: Path) -> Session:
    """The session a sync would read from a log of these turns in `agent`'s format."""
    main = WRITERS[agent](list(turns), root / agent)
    groups = group(agent, [main])
    assert len(groups) == 1, (agent, groups)
    return read_session(groups[0])
