"""Where a Gemini CLI session ran: its cwd from the paths it names, the project root file beside it,
and a title from `logs.json` (format: docs/formats/gemini.md)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import orjson

from tracetui.errors import TracetuiError
from tracetui.model import LineError, LineErrors
from tracetui.regular_file import open_regular, outside
from tracetui.sources import RawLog
from tracetui.sources.common import titles
from tracetui.sources.common.coerce import as_list, as_str
from tracetui.sources.common.jsonl import load_document
from tracetui.sources.gemini.files import LOGS, MAX_PROJECT_ROOT, PROJECT_ROOT


_SEPARATORS = re.compile(r"[\\/]")


def _cwd(project_hash: str, paths: list[tuple[str, str]]) -> str | None:
    """The project root: an ancestor of a path in the log whose sha256 is `projectHash`, else the
    prefix a relative path argument leaves on its absolute `filePath`."""
    seen: set[str] = set()
    if project_hash:
        for _, absolute in paths:
            cut = len(absolute)
            while True:
                cut = max(absolute.rfind("/", 0, cut), absolute.rfind("\\", 0, cut))
                if cut <= 0:
                    break
                candidate = absolute[:cut]
                if candidate in seen:
                    break
                seen.add(candidate)
                if hashlib.sha256(candidate.encode("utf-8", "surrogatepass")).hexdigest() == project_hash:
                    return candidate
    for relative, absolute in paths:
        if relative == absolute or _is_absolute(relative):
            continue
        tail = _SEPARATORS.sub("/", relative).lstrip("./")
        flat = _SEPARATORS.sub("/", absolute)
        if tail and flat.endswith("/" + tail):
            return absolute[: len(absolute) - len(tail) - 1]
    return None


def _project_root(log: RawLog) -> str | None:
    return _root_text(log.data)


def _root_text(data: bytes) -> str | None:
    """The path a `.project_root` holds (one line), or None where it holds no absolute path."""
    if len(data) > MAX_PROJECT_ROOT:
        return None
    text = data.decode("utf-8", "replace").strip()
    return text if text and "\n" not in text and "\0" not in text and _is_absolute(text) else None


def _root_beside(logs: Path) -> str | None:
    """The project root of a `tmp/<slug>/logs.json`: what `.project_root` beside it says."""
    marker = logs.parent / PROJECT_ROOT
    if logs.name != LOGS or not marker.is_file() or outside(marker, logs.parent) is not None:
        return None  # a link out of the folder names no file of Gemini's (discovery refuses it too)
    try:
        with open_regular(marker) as fh:
            return _root_text(fh.read(MAX_PROJECT_ROOT + 1))
    except (OSError, TracetuiError):  # none (older layouts) or unreadable: the prompts say no cwd
        return None


def _own_root(root: str | None, project_hash: str) -> str | None:
    """The project root file's path, unless the session's projectHash says it is another folder's
    (a slug folder reused for a moved project keeps sessions of the old root)."""
    if root is None:
        return None
    if project_hash and len(project_hash) == 64:
        own = hashlib.sha256(root.encode("utf-8", "surrogatepass")).hexdigest() == project_hash
        return root if own else None
    return root


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or bool(re.match(r"[A-Za-z]:[\\/]", path))


def _first(value: Any) -> str | None:
    items = [v for v in as_list(value) if isinstance(v, str) and v]
    return items[0] if items else None


def _title_from_logs(log: RawLog, session_id: str, errors: LineErrors) -> str | None:
    """The first prompt `logs.json` has for this session (slash commands only if nothing else)."""
    try:
        entries, _ = load_document(log.data)
    except orjson.JSONDecodeError:
        errors.append(LineError(log.path, 1, "not a valid JSON document; no title taken from it"))
        return None
    prompts = [
        titles.prompt_text(as_str(e.get("message")))
        for e in as_list(entries)
        if isinstance(e, dict) and str(e.get("sessionId")) == session_id
    ]
    prompts = [p for p in prompts if p]
    typed = [p for p in prompts if not titles.is_weak(p)]
    picks = typed or prompts
    return titles.clip(picks[0]) if picks else None
