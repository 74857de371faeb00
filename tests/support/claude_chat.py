"""A one-exchange Claude Code log (a prompt and a text answer), written where Claude Code writes it,
for tests that plant a string in a prompt or a working folder and follow it through sync and export."""

from __future__ import annotations

import json
from pathlib import Path


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
