"""Where the bucket lives and where each agent keeps its logs (docs/design.md, "Bucket")."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from tracetui.errors import TracetuiError, UsageError
from tracetui.sources import registry
from tracetui.model import LineError
from tracetui.regular_file import is_regular, outside_real
from tracetui.safe_text import safe_line

def bucket_dir(explicit: str | Path | None = None) -> Path:
    """--bucket DIR, else $TRACETUI_BUCKET, else the platform's user data dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("TRACETUI_BUCKET")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("tracetui"))


@dataclass(frozen=True, slots=True)
class SourceFolder:
    """A folder (or file) a sync reads an agent's logs from, and whether it is there."""

    agent: str
    label: str  # the agent as people say it: "Claude Code"
    path: str
    exists: bool

    def to_dict(self) -> dict[str, Any]:
        return {"agent": self.agent, "path": self.path, "exists": self.exists}


def source_folders(sources: dict[str, list[Path]] | None = None) -> list[SourceFolder]:
    """Where a sync looks: `sources` (from --source), else every agent's default folders."""
    chosen = default_sources() if sources is None else sources
    return [
        SourceFolder(agent, registry.get(agent).label, str(path), Path(path).exists())
        for agent, paths in chosen.items()
        for path in paths
    ]


def default_sources() -> dict[str, list[Path]]:
    """Each agent's log folders, honouring the agents' own environment variables (the registry's)."""
    return {agent.name: agent.default_folders() for agent in registry.agents()}


def parse_sources(specs: Sequence[str] | None) -> dict[str, list[Path]] | None:
    """`--source AGENT=PATH` values -> {agent: [paths]}; None when none were given (use defaults)."""
    if not specs:
        return None
    out: dict[str, list[Path]] = {}
    for spec in specs:
        agent, sep, raw = spec.partition("=")
        agent = agent.strip().lower()
        if not sep or not raw:
            raise UsageError(f"--source expects AGENT=PATH (AGENT is {registry.spoken_names()}), got {spec!r}")
        if agent not in registry.names():
            raise UsageError(f"unknown agent {agent!r} in --source {spec!r}: expected {registry.spoken_names()}")
        path = Path(raw).expanduser()
        if not path.exists():
            raise TracetuiError(f"source path {str(path)!r} does not exist")
        if not (path.is_dir() or is_regular(path)):
            raise TracetuiError(f"source path {str(path)!r} is neither a folder nor a regular file")
        out.setdefault(agent, []).append(path)
    return out


def discover(agent: str, roots: Iterable[Path | str], refused: list[LineError] | None = None) -> list[Path]:
    """Every log file of one agent under `roots` (a root may be a single file); sorted, no repeats.
    A root is taken as named, a link too (the user's or the agent's own choice of folder); a file
    under a root folder whose real path leaves that folder (a link to /etc/passwd, a linked folder
    leading out) is left out, with one line in `refused` saying so."""
    found: dict[str, Path] = {}
    left: dict[str, str] = {}
    for root in map(Path, roots):
        if root.is_file():
            found[os.path.abspath(root)] = Path(os.path.abspath(root))
            continue
        if not root.is_dir():
            continue  # a default folder that does not exist: that agent is simply not installed
        base = os.path.realpath(root)
        folders: dict[str, str | None] = {}  # a folder -> its real path where that leaves the root
        for pattern in registry.get(agent).patterns:
            for path in root.rglob(pattern):
                if not path.is_file():
                    continue
                key = os.path.abspath(path)
                # A file leaves the root only through a link: itself, or a folder on its way. One
                # lstat a file and a realpath a folder (a realpath a file doubled discovery's time).
                parent = os.path.dirname(key)
                if parent not in folders:
                    folders[parent] = outside_real(parent, base)
                real = None if folders[parent] is None and not os.path.islink(key) else outside_real(key, base)
                if real is None:
                    found[key] = Path(key)
                else:
                    left[key] = real
    if refused is not None:
        refused.extend(LineError(k, 0, left_folder(left[k])) for k in sorted(left) if k not in found)
    return [found[k] for k in sorted(found)]


def left_folder(real: str) -> str:
    """The sync report's line for a log that leads out of its source folder (see `discover`)."""
    return f"not read: the log is a link out of its source folder, to {safe_line(real)}"
