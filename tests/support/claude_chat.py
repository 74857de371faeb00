"""A one-exchange Claude Code log (a prompt and a text answer), written where Claude Code writes it,
for tests that plant a string in a prompt or a working folder and follow it through sync and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def claude_chat(folder: Path, sid: str, cwd: str, prompt: str, answer: str = "ok") -> Path:
    """Write the log under `folder/claude/<cwd as Claude names its project folder>/` and return
    `folder/claude` (a sync's source)."""
    base = {"sessionId": sid, "cwd": cwd, "version": "2.0.30", "isSidechain": False, "userType": "external",
            "timestamp": "2026-03-01T10:00:01.000Z"}
    ask = {**base, "type": "user", "uuid": "u1", "parentUuid": None,
           "message": {"role": "user", "content": prompt}}
    said = {**base, "type": "assistant", "uuid": "u2", "parentUuid": "u1",
            "message": {"id": "m1", "type": "message", "role": "assistant", "model": "claude-test",
                        "content": [{"type": "text", "text": answer}], "usage": {"input_tokens": 1}}}
    path = folder / "claude" / cwd.replace("/", "-") / f"{sid}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(ask) + "\n" + json.dumps(said) + "\n")
    return folder / "claude"


def claude_tool_call(folder: Path, sid: str, cwd: str, prompt: str, tool_input: Any, result: str,
                     answer: str = "stored", tool: str = "mcp__store__put") -> Path:
    """A Claude Code log of one tool call: the prompt, the call with `tool_input`, its `result`, then
    `answer`; written as `claude_chat` writes, and `folder/claude` returned."""
    base = {"sessionId": sid, "cwd": cwd, "version": "2.0.30", "isSidechain": False, "userType": "external"}

    def said(uuid: str, parent: str, n: int, content: list[dict[str, Any]]) -> dict[str, Any]:
        return {**base, "type": "assistant", "uuid": uuid, "parentUuid": parent,
                "timestamp": f"2026-03-01T10:00:0{2 * n}.000Z",
                "message": {"id": f"m{n}", "type": "message", "role": "assistant", "model": "claude-test",
                            "content": content, "usage": {"input_tokens": 1}}}

    records = [
        {**base, "type": "user", "uuid": "u1", "parentUuid": None, "timestamp": "2026-03-01T10:00:01.000Z",
         "message": {"role": "user", "content": prompt}},
        said("u2", "u1", 1, [{"type": "tool_use", "id": "t1", "name": tool, "input": tool_input}]),
        {**base, "type": "user", "uuid": "u3", "parentUuid": "u2", "timestamp": "2026-03-01T10:00:03.000Z",
         "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": result}]}},
        said("u4", "u3", 2, [{"type": "text", "text": answer}]),
    ]
    path = folder / "claude" / cwd.replace("/", "-") / f"{sid}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder / "claude"


def claude_record(sid: str, uuid: str, parent: str | None, kind: str, content: Any, ts: str,
                  cwd: str = "/home/dev/shop") -> dict[str, Any]:
    """One Claude Code line: a user's (`kind` "user") or an assistant's message of `content`, the
    assistant's with a message id and a model, as a hand-made log's records are written."""
    message = {"role": "user" if kind == "user" else "assistant", "content": content}
    if kind == "assistant":
        message |= {"id": f"m-{uuid}", "model": "claude-sonnet-4-5"}
    return {"type": kind, "uuid": uuid, "parentUuid": parent, "sessionId": sid, "timestamp": ts, "cwd": cwd,
            "message": message}
