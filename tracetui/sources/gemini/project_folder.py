"""Where Gemini CLI keeps a project's sessions: `~/.gemini/tmp/<slug>/chats/`, the slug found as the
CLI's own project registry finds it (docs/formats/gemini.md, `sources/gemini/project_folder.py`).

Since the short slugs (0.2x), the CLI names a project's folder by a slug of its root's last name
(`shop`, `shop-1`, ...). `projects.json` maps a root to its slug; a `.project_root` file in
`tmp/<slug>/` (and `history/<slug>/`) says which root owns the slug. A new session for a root the
CLI never ran in gets the slug the CLI would claim, with its `.project_root` marker: at start the
CLI finds the marker, adopts the slug and writes `projects.json` itself (tracetui never writes it).
Everything read here (the registry, the markers) is taken as data: a slug that is not one plain
folder name is passed over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import orjson

from tracetui.errors import TracetuiError
from tracetui.regular_file import open_regular
from tracetui.sources.common.jsonl import loads_within_depth

REGISTRY = "projects.json"
MARKER = ".project_root"
MAX_REGISTRY = 4 << 20  # larger is no registry the CLI wrote
MAX_MARKER = 64 << 10
_PLAIN = re.compile(r"[a-z0-9][a-z0-9-]{0,200}")  # what `slugify` makes (and its `-N` suffixes)
SLUG_LIMIT = 197  # a longer slug, with its `-999`, is no `_PLAIN` one


@dataclass(slots=True)
class Folder:
    chats: Path  # the folder session files go in
    marker: Path | None  # a `.project_root` to write first (a slug the CLI has not claimed yet)


def slugify(name: str) -> str:
    """The CLI's `ProjectRegistry.slugify`: lower case, every other character a dash, dashes merged."""
    slug = re.sub(r"-+", "-", re.sub(r"[^a-z0-9]", "-", name.lower())).strip("-")
    return slug or "project"


def chats_folder(cwd: str, gemini: Path) -> Folder:
    """The `chats/` folder the CLI, started in `cwd`, lists sessions from (`gemini`: ~/.gemini)."""
    bases = [gemini / "tmp", gemini / "history"]
    known = _registry(gemini / REGISTRY)
    slug = known.get(cwd)
    if slug is not None and _plain(slug) and all(_owner(b / slug) in (None, cwd) for b in bases):
        return Folder(gemini / "tmp" / slug / "chats", None)
    for base in bases:  # a folder whose marker names this root (the registry lost it)
        if base.is_dir():
            for entry in sorted(base.iterdir()):
                if _plain(entry.name) and _owner(entry) == cwd:
                    return Folder(gemini / "tmp" / entry.name / "chats",
                                  None if _owner(gemini / "tmp" / entry.name) == cwd else
                                  gemini / "tmp" / entry.name / MARKER)
    taken = set(known.values())
    base_name = slugify(cwd.rstrip("/").rsplit("/", 1)[-1])
    if len(base_name) > SLUG_LIMIT:  # every name tried failed to open: "no free project folder" misled
        raise TracetuiError(f"the working folder's name is too long for Gemini CLI's project folders "
                            f"({len(base_name)} characters, at most {SLUG_LIMIT})")
    for n in range(1000):
        candidate = base_name if n == 0 else f"{base_name}-{n}"
        if candidate in taken or any(_owner(b / candidate) not in (None, cwd) for b in bases):
            continue
        return Folder(gemini / "tmp" / candidate / "chats", gemini / "tmp" / candidate / MARKER)
    raise TracetuiError(f"no free project folder for {base_name!r} under {gemini / 'tmp'}")


def _plain(slug: str) -> bool:
    return bool(_PLAIN.fullmatch(slug))


def _registry(path: Path) -> dict[str, str]:
    """`projects.json`'s root -> slug map, or {} for a missing or unreadable one (the CLI resets it)."""
    try:
        with open_regular(path) as f:  # a FIFO in its place blocked the resume for ever: no registry
            data = f.read(MAX_REGISTRY + 1)
        doc = loads_within_depth(data) if len(data) <= MAX_REGISTRY else None
    except (OSError, orjson.JSONDecodeError, TracetuiError):
        return {}
    projects = doc.get("projects") if isinstance(doc, dict) else None
    if not isinstance(projects, dict):
        return {}
    return {k: v for k, v in projects.items() if isinstance(k, str) and isinstance(v, str)}


def _owner(folder: Path) -> str | None:
    """The root a slug folder's marker names (trimmed, as the CLI reads it), or None where none is;
    an unreadable marker names no root of ours ("" never equals a cwd)."""
    marker = folder / MARKER
    try:
        with open_regular(marker) as f:  # a FIFO in its place blocked the resume for ever
            return f.read(MAX_MARKER).decode("utf-8", "replace").strip()
    except FileNotFoundError:
        return None
    except (OSError, TracetuiError):
        return ""
