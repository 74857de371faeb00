"""What makes a clone a session's own: the names it goes by, its commits and its remotes.

One rule for the trail (`mapping.belongs`) and for blame (`blame.lines._Matcher`), which asks it
per posting: a logged folder named as the clone, a logged commit the clone has, a logged remote
among the clone's. More in docs/internals/trail.md ("Whose clone").
"""

from __future__ import annotations

import re
from pathlib import Path

import pygit2

from tracetui.model import project_of


def clone_names(given: str | Path, clone: pygit2.Repository) -> set[str]:
    """The names a clone goes by, lower-cased: its folder as given, its work tree's or its git
    folder's (`name.git`), and `name` for a mirror kept as `owner+name/repo`."""
    folders = [Path(given), Path(clone.workdir or clone.path.rstrip("/"))]
    names: set[str] = set()
    for folder in folders:
        if folder.name == "repo" and "+" in folder.parent.name:
            folder = folder.parent
        name = folder.name.rsplit("+", 1)[-1].removesuffix(".git").lower()
        if name:
            names.add(name)
    return names


def folder_name(folder: str | None) -> str:
    """A logged folder's name as `clone_names` are compared with it: its last component, lower-cased."""
    return (project_of(folder) or "").lower()


# A clone's name this long or longer may begin a longer folder name (`short` kept as `shortrezerv`):
# then the session must show text it wrote in the clone (`mapping.holds_written_text`), which a fork's
# or a copy's work (`proj-fork`) does not show of its upstream. A shorter name begins too many.
STEM_MIN = 4
# How many folders above a logged root may bear the clone's name: a worktree's folder under it
# (`worktrees/NAME/WORKTREE`, `workspaces/NAME/CITY`); one, since `src`, `work` or `code` above it
# names no project.
ABOVE_MAX = 1


_COMMIT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


def logged_commit_id(commit: str | None) -> str | None:
    """A logged commit as a full commit id (SHA-1 or SHA-256, lower-cased), or None. Only a full id
    is the log's word: a revision (`HEAD`, `main`, `HEAD~1`, `:/text`) is resolved by the clone, so
    it named every clone, and a prefix of a few digits is held by many."""
    if not isinstance(commit, str):
        return None
    commit = commit.strip().lower()
    return commit if _COMMIT_ID.fullmatch(commit) else None


def has_commit(repo: pygit2.Repository, commit: str | None) -> bool:
    """Whether the clone has the commit a log names (a full commit id: `logged_commit_id`)."""
    wanted = logged_commit_id(commit)
    if wanted is None:
        return False
    try:
        return isinstance(repo.get(wanted), pygit2.Commit)
    except (KeyError, ValueError, TypeError, pygit2.GitError):
        return False


def remote_keys(repo: pygit2.Repository) -> set[str]:
    """The clone's remotes, each as `remote_key`."""
    keys: set[str] = set()
    try:
        for remote in repo.remotes:
            if remote.url:
                keys.add(remote_key(remote.url))
    except pygit2.GitError:
        pass
    return keys


def remote_key(url: str) -> str:
    """A remote URL reduced to host/owner/name: https, ssh and scp-like forms of one repository agree."""
    u = url.strip().lower()
    u = re.sub(r"^[a-z][a-z0-9+.-]*://", "", u)
    u = re.sub(r"^[^/@]*@", "", u)  # user (and token) before the host
    u = re.sub(r"^([^/:]+):(?!\d+/)", r"\1/", u)  # scp-like host:owner/name
    u = re.sub(r":\d+/", "/", u)  # a port
    return u.rstrip("/").removesuffix(".git")


class CloneId:
    """One clone's names and remotes, read once, for the questions asked of many logs or postings."""

    def __init__(self, given: str | Path, repo: pygit2.Repository) -> None:
        self.repo = repo
        self.names = clone_names(given, repo)
        self._remotes: set[str] | None = None

    def named(self, folder: str | None) -> bool:
        """Whether a logged folder bears the clone's name (then it may be the clone's top)."""
        return folder_name(folder) in self.names

    def named_above(self, root: str | None) -> bool:
        """Whether a logged root the mapping placed at the clone's top by its files, or one of the
        ABOVE_MAX folders above it (a worktree's), bears the clone's name. Not asked of a posting's
        folder (blame's guesses: `proj/sub` is no worktree of `proj`)."""
        parts = [p for p in (root or "").replace("\\", "/").lower().split("/") if p]
        return not self.names.isdisjoint(parts[-1 - ABOVE_MAX :])

    def begins(self, folder_names: set[str]) -> bool:
        """Whether one of `folder_names` (lower-cased) is longer than a name of the clone's, of STEM_MIN
        characters or more, and begins with it: a copy's or a fork's folder as often as the clone's."""
        stems = [n for n in self.names if len(n) >= STEM_MIN]
        return any(f != n and f.startswith(n) for f in folder_names for n in stems)

    def has_commit(self, commit: str | None) -> bool:
        return has_commit(self.repo, commit)

    def has_remote(self, url: str | None) -> bool:
        if not url:
            return False
        if self._remotes is None:
            self._remotes = remote_keys(self.repo)
        return remote_key(url) in self._remotes

    def logged_word(self, commit: str | None, remote: str | None) -> bool:
        """The log's own word that this is its repository: its commit is here, or its remote is ours."""
        return self.has_commit(commit) or self.has_remote(remote)
