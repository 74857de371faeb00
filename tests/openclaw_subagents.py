"""OpenClaw transcripts of a parent that spawns three subagents (`sessions_spawn`) and the children's own
transcripts, in the shapes real backups show (tests/unit/sources/pi/test_subagent_openclaw.py tells the story):
one child announced by 2026.3's `Stats:` line, one by 2026.4's completion event, one never announced."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

PARENT = "6a000000-0000-4000-8000-000000000001"
CHILD_OLD = "c0000000-0000-4000-8000-00000000000a"  # announced by a 2026.3 Stats line
CHILD_NEW = "c0000000-0000-4000-8000-00000000000b"  # announced by a 2026.4 completion event
CHILD_QUIET = "c0000000-0000-4000-8000-00000000000c"  # spawned, never announced
KEY_OLD = "agent:main:subagent:4b000000-0000-4000-8000-0000000000a1"
KEY_NEW = "agent:main:subagent:4b000000-0000-4000-8000-0000000000b1"
KEY_QUIET = "agent:main:subagent:4b000000-0000-4000-8000-0000000000c1"


def header(sid: str, minute: int) -> dict[str, Any]:
    return {"type": "session", "version": 3, "id": sid, "timestamp": f"2026-03-05T15:{minute:02d}:00.000Z",
            "cwd": "C:\\Users\\u\\.openclaw\\workspace"}  # fmt: skip


def message(eid: str, parent: str | None, minute: int, body: dict[str, Any]) -> dict[str, Any]:
    stamp = f"2026-03-05T15:{minute:02d}:00.000Z"
    return {"type": "message", "id": eid, "parentId": parent, "timestamp": stamp, "message": body}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}], "timestamp": 1}


def spawn(call: str, task: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "toolCall", "id": call, "name": "sessions_spawn",
            "arguments": {"task": task, "label": task}}], "provider": "deepseek",
            "model": "deepseek-chat", "stopReason": "toolUse", "timestamp": 2}  # fmt: skip


def spawned(call: str, key: str) -> dict[str, Any]:
    details = {"status": "accepted", "childSessionKey": key, "runId": "r-" + call}
    return {"role": "toolResult", "toolCallId": call, "toolName": "sessions_spawn",
            "content": [{"type": "text", "text": json.dumps(details, indent=2)}], "details": details,
            "isError": False, "timestamp": 3}  # fmt: skip


def answer(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": [{"type": "text", "text": text}], "provider": "deepseek",
            "model": "deepseek-chat", "stopReason": "stop", "timestamp": 4}  # fmt: skip


STATS = (
    'A background task "forum" just completed successfully.\n\nFindings:\nthree topics\n\n'
    f"Stats: runtime 1m2s • tokens n/a • sessionKey {KEY_OLD} • sessionId {CHILD_OLD} • transcript "
    f"C:\\Users\\u\\.openclaw\\agents\\main\\sessions\\{CHILD_OLD}.jsonl\n\nSummarize this naturally."
)
EVENT = (
    "[Sun 2026-04-05 02:00 UTC] OpenClaw runtime context (internal):\n\n[Internal task completion event]\n"
    f"source: subagent\nsession_key: {KEY_NEW}\nsession_id: {CHILD_NEW}\ntype: subagent task\n"
    "status: completed successfully\n"
)


def parent_log(announce: bool = True) -> bytes:
    rows = [
        header(PARENT, 30),
        message("e1", None, 30, user("show me subagents")),
        message("e2", "e1", 31, spawn("call_old", "read the forum")),
        message("e3", "e2", 31, spawned("call_old", KEY_OLD)),
        message("e4", "e3", 32, spawn("call_new", "check health")),
        message("e5", "e4", 32, spawned("call_new", KEY_NEW)),
        message("e6", "e5", 33, spawn("call_quiet", "sum up the day")),
        message("e7", "e6", 33, spawned("call_quiet", KEY_QUIET)),
        message("e8", "e7", 34, answer("three running")),
    ]
    if announce:
        rows += [message("e9", "e8", 40, user(STATS)), message("e10", "e9", 41, user(EVENT))]
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def child_log(sid: str, task: str, minute: int) -> bytes:
    rows = [header(sid, minute), message("k1", None, minute, user(task))]
    rows.append(message("k2", "k1", minute, answer("done")))
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


def write_sessions(folder: Path) -> Path:
    sessions = folder / ".openclaw" / "agents" / "main" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / f"{PARENT}.jsonl").write_bytes(parent_log())
    # OpenClaw archives a done child's transcript
    archived = sessions / f"{CHILD_OLD}.jsonl.deleted.2026-03-05T16-36-36.730Z"
    archived.write_bytes(child_log(CHILD_OLD, "read the forum", 31))
    (sessions / f"{CHILD_NEW}.jsonl").write_bytes(child_log(CHILD_NEW, "check health", 32))
    (sessions / f"{CHILD_QUIET}.jsonl").write_bytes(child_log(CHILD_QUIET, "sum up the day", 33))
    return sessions
