"""Which Claude Code files make up which session (the reader's `group`).

Real disks hold `<slug>/<sessionId>.jsonl`, subagents in `<slug>/<sessionId>/subagents/agent-<id>.jsonl`
with an `agent-<id>.meta.json` sidecar, and (2.0.x) `<slug>/agent-<7hex>.jsonl` at project level.
Copies elsewhere may flatten those paths with `__` for `/`; both spellings are understood. A file's
parent session comes from the `sessionId` inside its records first (the only thing the project-level
layout has), from its path second.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from tracetui.sources import SessionFiles

NAME = "claude"
META_SUFFIX = ".meta.json"
_UUID_TAIL = re.compile(r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")
_FIRST_READ = 4096
_HEAD_BYTES = 64 * 1024  # give up on finding a sessionId beyond this
_KEY = b'"sessionId"'


def name_parts(path: Path | str) -> list[str]:
    """The path's components, splitting flattened `a__b__c` names as well as real folders."""
    return list(_name_parts(os.fspath(path)))


@lru_cache(maxsize=8192)
def _name_parts(path: str) -> tuple[str, ...]:
    # Asked five times a file by `group` on every sync (a name, a sidecar, a transcript, an agent's
    # file): made once. A no-change sync of 1,854 Claude files spent 0.1 s making Paths for it.
    return tuple(p for part in Path(path).parts for p in part.split("__") if p)


def base_name(path: Path | str) -> str:
    """The file's own name, with any flattened folder prefix removed."""
    parts = _name_parts(os.fspath(path))
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
    """The first `sessionId` near the start of a file, or None (unreadable, empty, not JSON).

    `group` runs on every sync over every agent file, so this reads a few KB, not the file: the
    key sits in the envelope of the first record, though a long first prompt can push it further.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(_FIRST_READ)
            found = session_id_in(head)
            if found is None and len(head) == _FIRST_READ:
                head += handle.read(_HEAD_BYTES - _FIRST_READ)
                found = session_id_in(head)
    except OSError:
        return None
    return found


def session_id_in(data: bytes) -> str | None:
    """The value of the first `"sessionId": "<value>"` key in raw JSONL bytes (lines may be cut)."""
    at = 0
    while True:
        at = data.find(_KEY, at)
        if at < 0:
            return None
        at += len(_KEY)
        rest = data[at : at + 200].lstrip()
        # An occurrence inside a string value is escaped (\"sessionId\") and never matches _KEY.
        if rest[:1] == b":":
            rest = rest[1:].lstrip()
            if rest[:1] == b'"':
                end = rest.find(b'"', 1)
                if end > 1:
                    try:
                        return rest[1:end].decode()
                    except UnicodeDecodeError:
                        return None


# Claude Code cuts a project folder's name this long and ends it with a hash of the whole cwd.
_FOLDER_NAME_LIMIT = 200


def project_folder(cwd: str) -> str:
    """The name of the folder Claude Code keeps a cwd's sessions in: every character but an ASCII
    letter or digit a dash (one per UTF-16 unit, as its JavaScript replaces them)."""
    return "".join(c if c.isascii() and c.isalnum() else "-" * (2 if ord(c) > 0xFFFF else 1) for c in cwd)


def in_cwd_folder(path: str, cwd: str) -> bool:
    """Whether a log at `path` sits in the folder Claude Code keeps `cwd`'s sessions in (a flattened
    copy's folder is the part of its name before the file's own)."""
    parts = name_parts(path.replace("\\", "/"))
    if len(parts) < 2 or not cwd:
        return False
    folder, wanted = parts[-2], project_folder(cwd)
    if len(wanted) <= _FOLDER_NAME_LIMIT:
        return folder == wanted
    return folder.startswith(wanted[:_FOLDER_NAME_LIMIT] + "-")


def _is_transcript(path: Path) -> bool:
    name = base_name(path)
    if not name.endswith(".jsonl"):
        return False
    # Files under a session's subagents folder that are not agents (workflow journals) are not
    # conversations of their own. The folder must follow a session id: a home directory that
    # happens to be called "subagents" says nothing.
    return is_agent_file(path) or session_from_path(path) is None


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
            files = SessionFiles(NAME, path)
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
            parent = SessionFiles(NAME, path)  # its parent transcript is absent: a session of its own
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
