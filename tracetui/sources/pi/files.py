"""Which files make a Pi or OpenClaw session, and how they group (format: docs/formats/pi.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from tracetui.sources import SessionFiles


NAME = "pi"


# OpenClaw's archives of a transcript it took out of use (`/reset`, a deleted session): still logs.
_ARCHIVE = re.compile(r"\.jsonl\.(?:reset|deleted)\..+\Z")


# OpenClaw's copies of a transcript taken before a compaction (`<id>.checkpoint.<uuid>.jsonl`), and
# its runtime trace (`<id>.trajectory.jsonl`): read only where the transcript itself is gone.
_CHECKPOINT = re.compile(r"\.checkpoint\.[^.]+\.jsonl\Z")


_TRACE = ".trajectory.jsonl"


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def group(paths: list[Path]) -> list[SessionFiles]:
    """One session per transcript: `*.jsonl`, and OpenClaw's archives `*.jsonl.reset.<ts>` and
    `*.jsonl.deleted.<ts>`. OpenClaw's pre-compaction checkpoints and runtime traces are not
    transcripts: a session that has neither transcript nor archive left is read from its newest
    checkpoint, else from its trace (see openclaw_trace); otherwise they are not read."""
    out: list[SessionFiles] = []
    seen: set[Path] = set()
    checkpoints: dict[tuple[Path, str], list[Path]] = {}
    traces: dict[tuple[Path, str], Path] = {}
    for path in paths:
        name = path.name
        if path in seen:
            continue
        seen.add(path)
        key = (path.parent, name.split(".", 1)[0])
        if name.endswith(_TRACE):
            traces.setdefault(key, path)
        elif _CHECKPOINT.search(name):
            checkpoints.setdefault(key, []).append(path)
        elif name.endswith(".jsonl") or _ARCHIVE.search(name):
            out.append(SessionFiles(NAME, path))
    logged = {(files.main.parent, files.main.name.split(".", 1)[0]) for files in out}
    for key, copies in checkpoints.items():
        if key not in logged:
            # Each checkpoint is the transcript as it was at a compaction: the longest is the latest.
            newest = max(copies, key=_size)
            out.append(SessionFiles(NAME, newest))
            logged.add(key)
    out.extend(SessionFiles(NAME, path) for key, path in traces.items() if key not in logged)
    return out


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _parent_id(logged: str) -> str:
    """The session id a fork's logged parent path holds in its file name (`<time>_<uuid>.jsonl`,
    OpenClaw's `<uuid>.jsonl`), else the path as logged."""
    name = logged.replace("\\", "/").rsplit("/", 1)[-1]
    found = _UUID.findall(name)
    return found[-1] if found else logged


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    pi = Path(env["PI_CODING_AGENT_DIR"]) if env.get("PI_CODING_AGENT_DIR") else home / ".pi" / "agent"
    # OpenClaw keeps each agent's sessions in $OPENCLAW_STATE_DIR/agents/<agentId>/sessions/ (default
    # ~/.openclaw, under $OPENCLAW_HOME when set); `agents/` holds nothing else a sync picks up.
    if env.get("OPENCLAW_STATE_DIR"):
        claw = Path(env["OPENCLAW_STATE_DIR"])
    else:
        claw = (Path(env["OPENCLAW_HOME"]) if env.get("OPENCLAW_HOME") else home) / ".openclaw"
    return [pi / "sessions", claw / "agents"]
