"""Which Claude Code files make up which session (the reader's `group`).

Real disks hold `<slug>/<sessionId>.jsonl`, subagents in `<slug>/<sessionId>/subagents/agent-<id>.jsonl`
with an `agent-<id>.meta.json` sidecar, and (2.0.x) `<slug>/agent-<7hex>.jsonl` at project level.
Copies elsewhere may flatten those paths with `__` for `/`; both spellings are understood. A file's
parent session comes from the `sessionId` inside its records first (the only thing the project-level
layout has), from its path second.
"""

from __future__ import annotations

import re
from pathlib import Path

import orjson

from tracetui.sources import SessionFiles

AGENT = "claude"
META_SUFFIX = ".meta.json"
_UUID_TAIL = re.compile(r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")
_HEAD_BYTES = 64 * 1024  # the first few lines are enough to find a sessionId
_HEAD_LINES = 8


def name_parts(path: Path | str) -> list[str]:
    """The path's components, splitting flattened `a__b__c` names as well as real folders."""
    parts: list[str] = []
    for part in Path(path).parts:
        parts.extend(p for p in part.split("__") if p)
    return parts


def base_name(path: Path | str) -> str:
    """The file's own name, with any flattened folder prefix removed."""
    parts = name_parts(path)
    return parts[-1] if parts else ""


def is_meta(path: Path | str) -> bool:
    return base_name(path).endswith(META_SUFFIX)


def is_agent_file(path: Path | str) -> bool:
    name = base_name(path)
    return name.startswith("agent-") and name.endswith(".jsonl")


def agent_id_from_name(path: Path | str) -> str | None:
    """`agent-<id>.jsonl` / `agent-<id>.meta.json` -> `<id>`."""
    name = base_name(path)
    for suffix in (META_SUFFIX, ".jsonl"):
        if name.startswith("agent-") and name.endswith(suffix):
            return name[len("agent-") : -len(suffix)] or None
    return None


def uuid_tail(stem: str) -> str | None:
    match = _UUID_TAIL.search(stem)
    return match.group(1).lower() if match else None


def session_from_path(path: Path | str) -> str | None:
    """The parent session a subagent file's path names: `<sessionId>/subagents/agent-…`."""
    parts = name_parts(path)
    for i in range(len(parts) - 2, 0, -1):
        if parts[i] == "subagents":
            # workflow runs nest one level deeper: <sessionId>/subagents/workflows/wf_x/agent-…
            return uuid_tail(parts[i - 1])
    return None


def main_session_id(path: Path | str) -> str | None:
    """A main transcript's session id from its name (`<sessionId>.jsonl`)."""
    name = base_name(path)
    return uuid_tail(name.removesuffix(".jsonl"))


def head_session_id(path: Path) -> str | None:
    """The first `sessionId` among a file's first lines, or None (unreadable, empty, not JSON)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return None
    return session_id_in(head)


def session_id_in(data: bytes) -> str | None:
    for line in data.split(b"\n")[:_HEAD_LINES]:
        if b'"sessionId"' not in line:
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # a torn line (or the cut at _HEAD_BYTES): try the next one
        if isinstance(record, dict) and isinstance(record.get("sessionId"), str) and record["sessionId"]:
            return record["sessionId"]
    return None


def _is_transcript(path: Path) -> bool:
    name = base_name(path)
    if not name.endswith(".jsonl"):
        return False
    # Files under a session's subagents folder that are not agents (workflow journals) are not
    # conversations of their own.
    return is_agent_file(path) or "subagents" not in name_parts(path)[:-1]


def group(paths: list[Path]) -> list[SessionFiles]:
    """Main transcripts become sessions; agent files and sidecars join their parent session.

    Never fails on a file: an unreadable or empty one simply carries no session id.
    """
    mains: dict[str, SessionFiles] = {}
    by_path: dict[Path, SessionFiles] = {}
    agents: list[Path] = []
    metas: list[Path] = []
    order: list[SessionFiles] = []

    for path in sorted({Path(p) for p in paths}):
        if is_meta(path):
            metas.append(path)
        elif not _is_transcript(path):
            continue
        elif is_agent_file(path):
            agents.append(path)
        else:
            files = SessionFiles(AGENT, path)
            order.append(files)
            by_path[path] = files
            sid = main_session_id(path) or head_session_id(path)
            if sid and sid not in mains:
                mains[sid] = files

    agent_home: dict[str, SessionFiles] = {}  # agent id -> the session its transcript joined
    for path in agents:
        sid = head_session_id(path) or session_from_path(path)
        parent = mains.get(sid) if sid else None
        if parent is None:
            parent = SessionFiles(AGENT, path)  # its parent transcript is absent: a session of its own
            order.append(parent)
        else:
            parent.companions.append(path)
        aid = agent_id_from_name(path)
        if aid:
            agent_home.setdefault(aid, parent)

    for path in metas:
        aid = agent_id_from_name(path)
        home = agent_home.get(aid) if aid else None
        if home is None:
            sid = session_from_path(path)
            home = mains.get(sid) if sid else None
        if home is not None:
            home.companions.append(path)
        # A sidecar with neither its transcript nor its parent session has nothing to attach to.

    for files in order:
        files.companions.sort()
    return order
