"""Which files make a Copilot CLI session, and how they group (format: docs/formats/copilot.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from tracetui.sources import SessionFiles


NAME = "copilot"


EVENTS = "events.jsonl"


SESSION_STATE = "session-state"  # under `copilot_home`: a folder per session, `<id>/events.jsonl`


WORKSPACE = "workspace.yaml"


VSCODE = "vscode.metadata.json"  # a session hosted by VS Code: its chat's `customTitle`


LEGACY_FOLDER = "history-session-state"


_CHECKPOINT = re.compile(r"(\d+)-[^/\\]*\.md\Z")


def _flat_prefix(path: Path) -> str | None:
    """`owner__repo__.copilot__session-state__<id>__` for a flattened copy of `<id>/events.jsonl`
    (as collections of logs name them), else None."""
    name = path.name
    return name[: -len(EVENTS)] if name.endswith("__" + EVENTS) else None


def _is_checkpoint(path: Path) -> bool:
    name = path.name
    return path.suffix == ".md" and (
        (path.parent.name == "checkpoints" and bool(_CHECKPOINT.match(name))) or "__checkpoints__" in name
    )


def _is_legacy(path: Path) -> bool:
    """A session of the first builds (to late 2025): one JSON document in `history-session-state/`
    (or a flattened copy naming that folder)."""
    return path.suffix == ".json" and (path.parent.name == LEGACY_FOLDER or f"{LEGACY_FOLDER}__" in path.name)


def group(paths: list[Path]) -> list[SessionFiles]:
    """A legacy `history-session-state/<id>.json` is a session, a flat `<id>.jsonl` is one, so is
    `<id>/events.jsonl`, with its folder's `workspace.yaml` and `checkpoints/NNN-*.md` as
    companions (a flattened copy, `…__<id>__events.jsonl`, takes the `…__<id>__workspace.yaml` and
    `…__<id>__checkpoints__…md` beside it)."""
    by_folder: dict[Path, list[Path]] = {}
    extras: list[Path] = []  # workspace.yaml and checkpoints, by their folder or their flattened name
    mains: list[Path] = []
    for path in sorted(set(paths)):
        if path.suffix == ".jsonl" or _is_legacy(path):
            mains.append(path)
        elif path.name in (WORKSPACE, VSCODE) or (_is_checkpoint(path) and path.parent.name == "checkpoints"):
            folder = path.parent if path.name in (WORKSPACE, VSCODE) else path.parent.parent
            by_folder.setdefault(folder, []).append(path)
        elif path.name.endswith(("__" + WORKSPACE, "__" + VSCODE)) or _is_checkpoint(path):
            extras.append(path)
    out: list[SessionFiles] = []
    folders = {p.parent for p in mains if p.name == EVENTS}
    for path in mains:
        if path.name != EVENTS and path.parent in folders:
            continue  # another .jsonl inside a session's folder is not a session
        if path.name == EVENTS:
            companions = list(by_folder.get(path.parent, []))
        else:
            prefix = _flat_prefix(path)
            companions = [
                e for e in extras if prefix and e.parent == path.parent and e.name.startswith(prefix)
            ]
        out.append(SessionFiles(NAME, path, companions))
    return out


def _id_from_path(path: str) -> str:
    p = Path(path.replace("\\", "/"))
    if p.name == EVENTS:
        return p.parent.name
    return p.name.split("__")[-2] if _flat_prefix(p) else p.stem


def copilot_home(env: Mapping[str, str], home: Path) -> Path:
    """The folder Copilot CLI keeps its state in: COPILOT_HOME moves the whole `~/.copilot`."""
    return Path(env["COPILOT_HOME"]) if env.get("COPILOT_HOME") else home / ".copilot"


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    # Older builds honoured XDG_CONFIG_HOME where COPILOT_HOME is not set. The legacy
    # `history-session-state/` is looked in only where it is left: no build writes it now.
    root = copilot_home(env, home)
    folders = [root / SESSION_STATE, *_legacy_folder(root)]
    if env.get("COPILOT_HOME"):
        return folders
    if env.get("XDG_CONFIG_HOME"):
        folders.append(Path(env["XDG_CONFIG_HOME"]) / ".copilot" / SESSION_STATE)
    return folders


def _legacy_folder(root: Path) -> list[Path]:
    folder = root / LEGACY_FOLDER
    try:
        return [folder] if folder.is_dir() else []
    except OSError:
        return []
