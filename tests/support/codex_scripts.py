"""Codex rollouts whose patches a script applied (the `exec` tool's `tools.apply_patch`), built
record by record."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

META = {"id": "019f0000-0000-7000-8000-00000000c0de", "cwd": "/w/game", "originator": "codex_vscode",
        "cli_version": "0.145.0", "source": "vscode"}  # fmt: skip
PATCH = "*** Begin Patch\n*** Update File: /w/game/src/buff.lua\n@@\n-return 1\n+return 2\n*** End Patch"
SCRIPT = f"const patch = {orjson.dumps(PATCH).decode()};\ntext(await tools.apply_patch(patch));\n"
DIFF = "@@ -3,3 +3,3 @@\n local M = {}\n-return 1\n+return 2\n \n"


def rollout(*records: tuple[str, dict[str, Any]]) -> Any:
    lines = [{"timestamp": "2026-07-01T08:00:00.000Z", "type": "session_meta", "payload": META}]
    for i, (kind, payload) in enumerate(records):
        lines.append({"timestamp": f"2026-07-01T08:00:{i + 1:02d}.000Z", "type": kind, "payload": payload})
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    return codex.read(RawLog("/h/.codex/sessions/2026/07/01/rollout-x.jsonl", data), [])


def user(text: str) -> tuple[str, dict[str, Any]]:
    content = [{"type": "input_text", "text": text}]
    return "response_item", {"type": "message", "role": "user", "content": content}


def script(call_id: str, source: str) -> tuple[str, dict[str, Any]]:
    return "response_item", {"type": "custom_tool_call", "status": "completed", "call_id": call_id,
                             "name": "exec", "input": source}  # fmt: skip


def done(call_id: str, text: str = "Script completed\nWall time 0.0 seconds\nOutput:\n") -> tuple[str, dict]:
    return "response_item", {"type": "custom_tool_call_output", "call_id": call_id,
                             "output": [{"type": "input_text", "text": text}]}  # fmt: skip


def applied(call_id: str, changes: dict[str, Any], success: bool = True) -> tuple[str, dict[str, Any]]:
    return "event_msg", {"type": "patch_apply_end", "call_id": call_id, "turn_id": "t1", "stdout": "",
                         "stderr": "", "success": success, "changes": changes,
                         "status": "completed" if success else "failed"}  # fmt: skip
