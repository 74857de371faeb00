"""Where the bucket lives and where each agent keeps its logs (docs/design.md, "Bucket")."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from tracetui.errors import TracetuiError, UsageError
from tracetui.folder_walk import walk
from tracetui.model import LineError
from tracetui.regular_file import is_regular, outside_real
from tracetui.safe_text import safe_line
from tracetui.sources import registry

BY_ENVIRONMENT = "$TRACETUI_BUCKET"


def bucket_dir(explicit: str | Path | None = None) -> Path:
    """--bucket DIR, else $TRACETUI_BUCKET, else the platform's user data dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("TRACETUI_BUCKET")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("tracetui"))


def bucket_named_by(explicit: str | Path | None = None) -> str | None:
    """What named the bucket `bucket_dir` gives: "--bucket", BY_ENVIRONMENT, or None for the default."""
    if explicit:
        return "--bucket"
    return BY_ENVIRONMENT if os.environ.get("TRACETUI_BUCKET") else None


def may_make_bucket(explicit: str | Path | None, makes: bool) -> bool:
    """Whether opening the bucket may make it where there is none: always for a command that `makes`
    one (sync, watch), else only the default one, as on a first run. A bucket the user named (with
    --bucket or $TRACETUI_BUCKET) that does not exist is a mistyped path: a command that only reads
    made an empty bucket there, and answered from it as if the user's sessions were gone."""
    return makes or bucket_named_by(explicit) is None


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
    found: dict[str, str] = {}
    left: dict[str, str] = {}
    patterns = registry.get(agent).patterns
    names = _names_pattern(tuple(p for p in patterns if "/" not in p))
    nested = [p for p in patterns if "/" in p]
    for root in map(Path, roots):
        if root.is_file():
            found[os.path.abspath(root)] = os.path.abspath(root)
            continue
        if not root.is_dir():
            continue  # a default folder that does not exist: that agent is simply not installed
        base = os.path.realpath(root)
        if names is not None:
            _walk_names(str(root), names, base, found, left)
        for pattern in nested:
            _glob_nested(root, pattern, base, found, left)
    if refused is not None:
        refused.extend(LineError(k, 0, left_folder(left[k])) for k in sorted(left) if k not in found)
    return [Path(found[k]) for k in sorted(found)]


@functools.lru_cache(maxsize=32)
def _names_pattern(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for file-name globs, matched as `Path.glob` matches a name (case as given)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


def _walk_names(root: str, names: re.Pattern[str], base: str, found: dict[str, str], left: dict[str, str]) -> None:
    """Files under `root` whose names match, as `Path.rglob` finds them: folders are entered but not
    folders that are links, so a file leaves the root only as a link itself, and only a link's real
    path is looked up (a realpath a file or a folder was most of discovery's time)."""
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue  # unreadable, or gone since its parent was listed
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                    continue
                if names.fullmatch(entry.name) is None or not entry.is_file():
                    continue
                link = entry.is_symlink()
            except OSError:
                continue
            key = os.path.abspath(entry.path)
            real = outside_real(key, base) if link else None
            if real is None:
                found[key] = key
            else:
                left[key] = real


def _glob_nested(root: Path, pattern: str, base: str, found: dict[str, str], left: dict[str, str]) -> None:
    """Files matching a pattern of several parts (`chats/*/*.json`): its inner folders may be links."""
    folders: dict[str, str | None] = {}  # a folder -> its real path where that leaves the root
    # As `root.rglob(pattern)`, whose walk recursed once a level: a source folder nested past the
    # recursion limit stopped the sync with a traceback. Only the pattern's few parts are globbed.
    for path in (p for here, _, _ in walk(root) for p in Path(here).glob(pattern)):
        if not path.is_file():
            continue
        key = os.path.abspath(path)
        # A file leaves the root only through a link: itself, or a folder on its way.
        parent = os.path.dirname(key)
        if parent not in folders:
            folders[parent] = outside_real(parent, base)
        real = None if folders[parent] is None and not os.path.islink(key) else outside_real(key, base)
        if real is None:
            found[key] = key
        else:
            left[key] = real


def left_folder(real: str) -> str:
    """The sync report's line for a log that leads out of its source folder (see `discover`)."""
    return f"not read: the log is a link out of its source folder, to {safe_line(real)}"
