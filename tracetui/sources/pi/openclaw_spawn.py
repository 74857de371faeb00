"""OpenClaw's subagents, tied to the session that spawned them.

More in docs/formats/pi.md, `sources/pi/openclaw_spawn.py`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from tracetui.model import Step, StepKind
from tracetui.regular_file import NotRegularFile, open_regular, outside
from tracetui.sources.common.jsonl import loads_within_depth

TOOL = "sessions_spawn"
KEY = "child_session_key"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_KEY = r"agent:[A-Za-z0-9_.-]{1,100}:subagent:[A-Za-z0-9_.:-]{1,200}"
CHILD_KEY = re.compile(rf"\A{_KEY}\Z")
SESSION_ID = re.compile(rf"\A{_UUID}\Z")
# Both announce shapes, the key first and the id right after it (bounded: a prompt may be huge).
_ANNOUNCED = (
    re.compile(rf"sessionKey ({_KEY}) \S{{1,3}} sessionId ({_UUID})"),
    re.compile(rf"session_key: ({_KEY})[ \t]*\r?\n[ \t]*session_id: ({_UUID})"),
)


def child_key(details: Any) -> str | None:
    """The child's session key a spawn result's details name, when it has the shape of one."""
    if not isinstance(details, dict):
        return None
    key = details.get("childSessionKey")
    return key if isinstance(key, str) and CHILD_KEY.match(key) else None


def announced(text: str) -> dict[str, str]:
    """The (key, session id) pairs a message announcing children's ends gives."""
    if "agent:" not in text:
        return {}
    return {found.group(1): found.group(2) for pattern in _ANNOUNCED for found in pattern.finditer(text)}


def tie(steps: list[Step], known: dict[str, str] | None = None) -> None:
    """Give each spawning call whose child's key the log (or `known`: key -> session id) pairs with a
    session id that id as meta agent_thread."""
    calls = [s for s in steps if s.kind == StepKind.TOOL_CALL and isinstance(s.meta.get(KEY), str)]
    if not calls:
        return
    ids: dict[str, str] = dict(known or {})
    for step in steps:
        if step.kind in (StepKind.USER, StepKind.CONTEXT) and step.text:
            ids.update(announced(step.text))
    for call in calls:
        child = ids.get(call.meta[KEY])
        if child is not None and SESSION_ID.match(child):
            call.meta["agent_thread"] = child


# OpenClaw's session store (sessions.json) runs to megabytes; a file far past that is no store of its.
_STORE_LIMIT = 64 * 1024 * 1024


def store_index(log: Path) -> dict[str, str]:
    """{child key: session id} from the `sessions.json` beside a transcript: its entries whose key has
    a subagent's shape and whose `sessionId` is a uuid. {} where the file is absent, not a regular
    file, a link out of the folder, too big or not JSON."""
    store_path = log.parent / "sessions.json"
    if outside(store_path, log.parent) is not None:  # a link out of the folder is no store of OpenClaw's
        return {}
    try:
        with open_regular(store_path) as handle:
            data = handle.read(_STORE_LIMIT + 1)
    except (OSError, NotRegularFile):
        return {}
    if len(data) > _STORE_LIMIT:
        return {}
    try:
        store = loads_within_depth(data)
    except orjson.JSONDecodeError:
        return {}
    out: dict[str, str] = {}
    for key, entry in store.items() if isinstance(store, dict) else ():
        child = entry.get("sessionId") if isinstance(entry, dict) else None
        if CHILD_KEY.match(key) and isinstance(child, str) and SESSION_ID.match(child):
            out[key] = child
    return out
