"""Where the bucket lives and where each agent keeps its logs (docs/design.md, "Bucket")."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import platformdirs

from tracetui.errors import TracetuiError
from tracetui.sources import registry
from tracetui.regular_file import is_regular

def bucket_dir(explicit: str | Path | None = None) -> Path:
    """--bucket DIR, else $TRACETUI_BUCKET, else the platform's user data dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("TRACETUI_BUCKET")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("tracetui"))


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
            raise TracetuiError(f"--source expects AGENT=PATH (AGENT is {registry.spoken_names()}), got {spec!r}")
        if agent not in registry.names():
            raise TracetuiError(f"unknown agent {agent!r} in --source {spec!r}: expected {registry.spoken_names()}")
        path = Path(raw).expanduser()
        if not path.exists():
            raise TracetuiError(f"source path {str(path)!r} does not exist")
        if not (path.is_dir() or is_regular(path)):
            raise TracetuiError(f"source path {str(path)!r} is neither a folder nor a regular file")
        out.setdefault(agent, []).append(path)
    return out


def discover(agent: str, roots: Iterable[Path | str]) -> list[Path]:
    """Every log file of one agent under `roots` (a root may be a single file); sorted, no repeats."""
    found: dict[str, Path] = {}
    for root in map(Path, roots):
        if root.is_file():
            found[os.path.abspath(root)] = Path(os.path.abspath(root))
            continue
        if not root.is_dir():
            continue  # a default folder that does not exist: that agent is simply not installed
        for pattern in registry.get(agent).patterns:
            for path in root.rglob(pattern):
                if path.is_file():
                    found[os.path.abspath(path)] = Path(os.path.abspath(path))
    return [found[k] for k in sorted(found)]
