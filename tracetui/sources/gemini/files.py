"""Which files make a Gemini CLI session, and how they group (format: docs/formats/gemini.md)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from tracetui.sources import SessionFiles
from tracetui.sources.gemini import split as gemini_split


NAME = "gemini"


LOGS = "logs.json"


# Since the short project slugs (2026-02), `tmp/<slug>/.project_root` holds the project's root path:
# the cwd of every session under it, where no path in the log leads back to the projectHash.
PROJECT_ROOT = ".project_root"


MAX_PROJECT_ROOT = 64 << 10  # a path, not a document: a larger file is not read


# A session `logs.json` alone remembers (see `stage`): its prompts, written by the bucket.
PROMPTS_PREFIX = "gemini-prompts-"


PROMPTS_FORMAT = "gemini-prompts"


MAX_LOGS = 64 << 20  # a logs.json larger than this is not read (the bucket's line limit)


def _is_logs(path: Path) -> bool:
    # `logs.json`, or a flattened copy of one (`owner__repo__.gemini__tmp__proj__logs.json`).
    return path.name == LOGS or path.name.endswith("__" + LOGS)


def _is_project_root(path: Path) -> bool:
    # `.project_root`, or a flattened copy of one (`owner__repo__.gemini__tmp__proj__.project_root`).
    return path.name == PROJECT_ROOT or path.name.endswith("__" + PROJECT_ROOT)


def _not_a_session(path: Path) -> bool:
    """`/chat save` checkpoints and `/restore` snapshots: JSON beside the sessions, no session."""
    name = path.name
    return (
        path.suffix not in (".json", ".jsonl")
        or name.startswith("checkpoint-")
        or "__checkpoint-" in name
        or "__checkpoints__" in name
        or path.parent.name in ("checkpoints", "tool-outputs")
    )


_TIMED_NAME = re.compile(r"session-\d{4}-\d\d-\d\dT\d\d-\d\d-(.+)\Z")
_HEX8 = re.compile(r"[0-9a-f]{8}")  # a UUID's start, as the CLI names a session's files


def _short_id(path: Path) -> str:
    """The first 8 characters of the session id that `session-<time>-<id8>.json[l]` ends with (after
    the time: an id of another shape than a UUID may hold a dash in them, `a2a-serv`)."""
    stem = path.stem
    timed = _TIMED_NAME.search(stem)
    if timed:
        return timed.group(1)
    return stem.rsplit("session-", 1)[-1].rsplit("-", 1)[-1] if "session-" in stem else stem


def group(paths: list[Path]) -> list[SessionFiles]:
    """One session per session file, with its subagent files (`chats/<parent id>/*.json[l]`) and
    its project's `logs.json`. A v1 `.json` migrated to `.jsonl` on resume is a companion of the
    `.jsonl` (the same session). `logs.json` alone is no session.

    Flattened copies (`owner__repo__.gemini__tmp__proj__chats__session-….json`, as collections of
    logs name them) group the same way: a `…logs.json` goes with the sessions in its folder whose
    names start with what precedes `logs.json` in its own.
    """
    logs: dict[Path, list[Path]] = {}  # folder -> the logs.json files in it
    roots: dict[Path, list[Path]] = {}  # folder -> the .project_root files in it
    mains: list[Path] = []
    nested: dict[Path, list[Path]] = {}  # chats/<dir> -> files in it
    for path in sorted(set(paths)):
        if _is_logs(path):
            logs.setdefault(path.parent, []).append(path)
        elif _is_project_root(path):
            roots.setdefault(path.parent, []).append(path)
        elif _not_a_session(path):
            continue
        elif path.parent.parent.name == "chats" and not path.name.startswith("session-"):
            nested.setdefault(path.parent, []).append(path)
        else:
            mains.append(path)
    names = set(mains)
    # Sessions that share an id's first characters in one folder (a fixed id such as the a2a server's,
    # in every file): which of them a subagent folder named by that id belongs to is not known, so
    # none takes it and its files are sessions of their own.
    read_alone = [p for p in mains if not (p.suffix == ".json" and p.with_suffix(".jsonl") in names)]
    shared = Counter((p.parent, _short_id(p)) for p in read_alone)
    # But a UUID's start shared by files of one folder is one session's: 0.61's `--resume` opens a
    # file of its own (the session context alone) beside the session's. Its first file (by minute)
    # keeps its subagents.
    first: dict[tuple[Path, str], Path] = {}
    for p in read_alone:
        first.setdefault((p.parent, _short_id(p)), p)
    # A conversation the stage cut out of a shared file (`gemini_split`) reads with that file's
    # logs.json and .project_root: it is its project's as much as the file's first conversation.
    origins = {gemini_split.part_key(p): p for p in mains if not gemini_split.is_part(p)}
    out: list[SessionFiles] = []
    claimed: set[Path] = set()
    for path in mains:
        if path.suffix == ".json" and path.with_suffix(".jsonl") in names:
            continue  # read as the companion of its migrated .jsonl
        companions: list[Path] = []
        legacy = path.with_suffix(".json")
        if path.suffix == ".jsonl" and legacy in names:
            companions.append(legacy)
        place = origins.get(path.parent.name, path) if gemini_split.is_part(path) else path
        if place.parent.name == "chats":
            short = _short_id(path)
            owner = shared[(path.parent, short)] == 1 or (
                _HEX8.fullmatch(short) is not None and first.get((path.parent, short)) is path
            )
            alone = place is path and owner  # a part claims no subagent
            for folder, files in nested.items() if alone else ():
                if folder.parent == path.parent and short and folder.name.startswith(short):
                    companions.extend(files)
                    claimed.add(folder)
            companions.extend(logs.get(place.parent.parent, [])[:1])
            companions.extend(roots.get(place.parent.parent, [])[:1])
        companions.extend(
            [
                log
                for log in logs.get(place.parent, [])
                if log.name == LOGS or place.name.startswith(log.name[: -len(LOGS)])
            ][:1]
        )
        companions.extend(
            [
                root
                for root in roots.get(place.parent, [])
                if root.name != PROJECT_ROOT and place.name.startswith(root.name[: -len(PROJECT_ROOT)])
            ][:1]
        )
        out.append(SessionFiles(NAME, path, companions))
    for folder, files in nested.items():
        if folder not in claimed:  # a subagent whose parent's file is gone: a session of its own
            out.extend(SessionFiles(NAME, f) for f in files)
    return out
