"""A folder copied into a clone from the repository the agent worked in (a vendored library, a project
pasted into a monorepo without its history): the clone holds none of the session's files by name, but
holds them under one folder, with the text the session wrote. More in docs/internals/trail.md,
`trail/copied_in.py`."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pygit2

from tracetui.model import Session
from tracetui.trail.content_evidence import WRITTEN_AGREEING, text_agrees, written_lines
from tracetui.trail.paths import relative_path

NAMES_MOST = 50_000  # files of the clone's HEAD listed at most: a larger tree is not searched
NAMES_KEPT = 2  # HEAD trees whose name lists are kept (a blame or an export asks one clone per session)
_kept: dict[str, dict[str, list[str]]] = {}
_keeping = threading.Lock()  # the app judges trails in worker threads


@dataclass(frozen=True, slots=True)
class Copied:
    """The logged folder whose files the clone holds under `folder` (`held` of them)."""

    root: str
    folder: str
    held: int


def copied_folder(
    session: Session, repo: pygit2.Repository, paths: list[str], versions: Callable[[str], Iterable[bytes]]
) -> Copied | None:
    """Where the clone's HEAD holds at least half of the logged `paths` under one folder of it (each the
    path's tail below one logged folder), and the texts there hold WRITTEN_AGREEING of the long lines the
    session wrote under that logged folder; None otherwise. `versions(rel)`: the clone's texts of a file."""
    names = _names_by_base(repo)
    distinct = list(dict.fromkeys(paths))
    if not names or not distinct:
        return None
    score: Counter[tuple[str, str]] = Counter()
    for path in distinct:
        parts = path.split("/")
        pairs = {pair for full in names.get(parts[-1], ()) for pair in _splits(parts, full.split("/"))}
        score.update(pairs)
    if not score:
        return None
    # the most files, then the highest logged folder (the longest tail the two names share)
    (root, folder), held = max(score.items(), key=lambda kv: (kv[1], -len(kv[0][0])))
    if 2 * held < len(distinct):
        return None
    lines = {p: ls for p, ls in written_lines(session).items() if ls and relative_path(p, root)[1]}
    if not lines:
        return None  # a session that wrote no long line there shows nothing of its own

    def under(rel: str) -> Iterable[bytes]:
        # a logged name's `..` (hostile, or a path not normalised) is never walked out of the copy
        return () if ".." in rel.split("/") else versions(f"{folder}/{rel}")

    if not text_agrees(lines, root, under, lambda rels: (), share=WRITTEN_AGREEING):
        return None
    return Copied(root, folder, held)


def _splits(logged: list[str], held: list[str]) -> Iterator[tuple[str, str]]:
    """(logged folder, clone folder) for each tail the two names share, below a folder of the clone (a
    tail that is the clone's whole name is the mapping's own case, a file at the top)."""
    i = 1
    while i < len(held) and i < len(logged) and logged[-i] == held[-i]:
        yield "/".join(logged[:-i]) or "/", "/".join(held[:-i])
        i += 1


def _names_by_base(repo: pygit2.Repository) -> dict[str, list[str]]:
    """The file names of the clone's HEAD, by their last part; none past NAMES_MOST (or no HEAD). Kept
    by the tree's id: listing 42,888 names took 0.07-0.12 s, asked again for every session."""
    try:
        tree = repo.head.peel(pygit2.Commit).tree
    except (KeyError, ValueError, pygit2.GitError):
        return {}
    key = str(tree.id)
    with _keeping:
        found = _kept.get(key)
    if found is None:
        found = _listed(repo, tree)
        with _keeping:
            while len(_kept) >= NAMES_KEPT:
                _kept.pop(next(iter(_kept)))
            _kept[key] = found
    return found


def _listed(repo: pygit2.Repository, tree: pygit2.Tree) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    count = 0
    stack: list[tuple[str, pygit2.Tree]] = [("", tree)]
    while stack:
        prefix, folder = stack.pop()
        for entry in folder:
            name = entry.name
            if name is None:
                continue  # a name pygit2 cannot decode is no logged path's
            if entry.type_str == "tree":
                stack.append((f"{prefix}{name}/", repo[entry.id].peel(pygit2.Tree)))
            elif entry.type_str == "blob":
                count += 1
                if count > NAMES_MOST:
                    return {}
                out.setdefault(name, []).append(prefix + name)
    return out
