"""A hand-made Codex parent and the subagent it spawned (multi-agent runs, 2026 builds), each a rollout of
its own: the parent's spawn_agent call names the child's thread (collab_agent_spawn_end), the child's
session_meta names the parent (source.subagent.thread_spawn.parent_thread_id)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

PARENT = "019e1111-0000-7000-8000-00000000000a"
CHILD = "019e1111-0000-7000-8000-0000000000c1"
ORPHAN = "019e1111-0000-7000-8000-0000000000c2"  # a subagent whose parent's log is not there
GONE = "019effff-0000-7000-8000-0000000000ff"  # the parent the orphan names
SPAWN_CALL = "call_spawn_1"

_T = "2026-05-02T09:00:{:02d}.000Z"


def _line(second: int, kind: str, payload: dict[str, Any]) -> bytes:
    return orjson.dumps({"timestamp": _T.format(second), "type": kind, "payload": payload})


def _text(role: str, text: str) -> dict[str, Any]:
    part = "input_text" if role == "user" else "output_text"
    return {"type": "message", "role": role, "content": [{"type": part, "text": text}]}


def parent_rollout(child: str = CHILD) -> bytes:
    lines = [
        _line(0, "session_meta", {"id": PARENT, "cwd": "/w/calc", "cli_version": "0.140.0", "source": "cli"}),
        _line(0, "turn_context", {"cwd": "/w/calc", "model": "gpt-5.5"}),
        _line(1, "response_item", _text("user", "split the audit between two explorers")),
        _line(2, "response_item", _text("assistant", "spawning an explorer")),
        _line(3, "response_item", {"type": "function_call", "name": "spawn_agent", "call_id": SPAWN_CALL,
                                   "arguments": orjson.dumps({"message": "map the parser"}).decode()}),
        _line(3, "event_msg", {"type": "collab_agent_spawn_end", "call_id": SPAWN_CALL,
                               "new_thread_id": child,
                               "new_agent_nickname": "Ada", "new_agent_role": "explorer"}),
        _line(4, "response_item", {"type": "function_call_output", "call_id": SPAWN_CALL,
                                   "output": "spawned"}),
        _line(9, "response_item", _text("assistant", "the explorer mapped the parser")),
    ]
    return b"\n".join(lines) + b"\n"


def child_rollout(sid: str = CHILD, parent: str = PARENT) -> bytes:
    spawn = {"parent_thread_id": parent, "depth": 1, "agent_nickname": "Ada", "agent_role": "explorer"}
    lines = [
        _line(3, "session_meta", {"id": sid, "cwd": "/w/calc", "cli_version": "0.140.0",
                                  "source": {"subagent": {"thread_spawn": spawn}}}),
        _line(3, "turn_context", {"cwd": "/w/calc", "model": "gpt-5.5"}),
        _line(4, "response_item", _text("user", "map the parser")),
        _line(8, "response_item", _text("assistant", "the parser is in calc/parse.py")),
    ]
    return b"\n".join(lines) + b"\n"


def write_pair(folder: Path, orphan: bool = False) -> Path:
    """The parent's and the child's rollouts in `folder` (and an orphan subagent naming a parent
    nobody has, with `orphan`); returns the folder."""
    day = folder / "2026" / "05" / "02"
    day.mkdir(parents=True, exist_ok=True)
    (day / f"rollout-2026-05-02T09-00-00-{PARENT}.jsonl").write_bytes(parent_rollout())
    (day / f"rollout-2026-05-02T09-00-03-{CHILD}.jsonl").write_bytes(child_rollout())
    if orphan:
        (day / f"rollout-2026-05-02T09-00-05-{ORPHAN}.jsonl").write_bytes(child_rollout(ORPHAN, GONE))
    return folder
