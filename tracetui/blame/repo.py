"""Which repository and which revision a blame is about, and the bucket's line index opened
for it."""

from __future__ import annotations

import os
import posixpath
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pygit2

from tracetui.blame.index import index_path, LineIndex, Refresh
from tracetui.errors import NotFound, TracetuiError
from tracetui.regular_file import discover_git_dir


# -- the repository and the index ------------------------------------------------------------------


def open_repo(repo: str | Path | None, near: str | None = None) -> pygit2.Repository:
    """The repository at `repo`, else the one holding `near` (a file), else the current folder's."""
    where = str(repo) if repo is not None else (_existing_parent(near) if near else os.getcwd())
    try:
        found = discover_git_dir(where)
    except (ValueError, pygit2.GitError):
        found = None
    if found is None and repo is None and near:
        found = _discover(os.getcwd())
    if found is None:
        raise NotFound(
            f"no git repository at {where}"
            if repo is not None
            else f"{where} is not inside a git repository (pass --repo)"
        )
    return pygit2.Repository(found)


def _discover(where: str) -> str | None:
    try:
        return discover_git_dir(where)
    except (ValueError, pygit2.GitError):
        return None


def _existing_parent(path: str) -> str:
    p = os.path.abspath(path)
    while p and not os.path.isdir(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


def repo_name(repo: pygit2.Repository) -> str:
    return (repo.workdir or repo.path).rstrip("/") or "/"


def trail_repo(repo: pygit2.Repository) -> str:
    """Where the trail finds the repository again: its work tree, as a user names it, unless no
    repository is found from there (a mirror whose git folder sits beside its files, not `.git` in
    them), then its git folder."""
    top = repo_name(repo)
    return top if repo.workdir is None or _discover(top) is not None else repo.path


def resolve(repo: pygit2.Repository, rev: str) -> pygit2.Commit:
    try:
        return repo.revparse_single(rev).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        raise NotFound(f"revision {rev!r} not found in the repository") from None


def relative_name(repo: pygit2.Repository, file: str, repo_given: bool) -> str:
    """FILE as a path inside the repository: relative to the current folder when it lies inside
    the work tree (how a user names a file), else relative to the repository's top."""
    top = repo.workdir.rstrip("/") if repo.workdir else None
    name = file.replace("\\", "/") if os.sep == "\\" else file
    if top:
        full = os.path.abspath(name)
        for t in {top, os.path.realpath(top)}:
            for f in (full, os.path.realpath(full)):
                if f.startswith(t + "/"):
                    return f[len(t) + 1 :]
        if os.path.isabs(name):
            raise NotFound(f"{file} is not inside the repository at {top}")
    rel = posixpath.normpath(name.lstrip("/"))
    if rel.startswith("../") or rel in ("", ".", ".."):
        raise NotFound(f"{file} is not a file inside the repository")
    return rel


def open_index(library: Any, progress: Callable[[int, int], None] | None = None) -> tuple[LineIndex, Refresh]:
    """The library's line index, brought up to date with its sessions."""
    index = LineIndex(index_path(getattr(library, "cache_dir", None)))
    try:
        refresh = index.refresh(library, progress)
    except sqlite3.Error as exc:
        index.close()
        raise TracetuiError(f"could not write the blame index at {index.path}: {exc}") from None
    except BaseException:
        index.close()
        raise
    return index, refresh
