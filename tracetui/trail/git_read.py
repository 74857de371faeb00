"""Reading git for the trail: a ref resolved, a log's times, the commit a session started from,
blobs as text, and a reader of the repository as it was at a moment.
"""

from __future__ import annotations

from datetime import datetime

import pygit2

from tracetui.errors import NotFound
from tracetui.model import Session, StepKind
from tracetui.trail.fates import SLACK_SECONDS
from tracetui.trail.clone_id import has_commit, logged_commit_id
from tracetui.trail.history import newest_commits, ref_tips
from tracetui.trail.patch import Patch


def resolve_ref(repo: pygit2.Repository, ref: str) -> str | None:
    """The commit a revision names; None for HEAD in a repository with no commit yet."""
    if ref == "HEAD" and repo.head_is_unborn:
        return None
    try:
        return str(repo.revparse_single(ref).peel(pygit2.Commit).id)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        raise NotFound(f"revision {ref!r} not found in the repository") from None


def epoch(timestamp: str | None) -> float | None:
    if not timestamp:
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _clocks_agree(repo: pygit2.Repository, patches: list[Patch]) -> bool:
    """False when every commit predates every step: the log's clock and git's cannot both be right."""
    times = [t for t in (epoch(p.timestamp) for p in patches) if t is not None]
    tips = ref_tips(repo)
    if not times or not tips:
        return True
    newest = max(repo[c].peel(pygit2.Commit).commit_time for _, c in tips)
    return newest >= min(times) - SLACK_SECONDS


def _named_commit(repo: pygit2.Repository, session: Session) -> pygit2.Commit | None:
    # A full id only: a logged `HEAD~3` or `:/text` is the clone's revision, not the log's word.
    wanted = logged_commit_id(session.git.commit if session.git else None)
    found = repo.get(wanted) if wanted is not None and has_commit(repo, wanted) else None
    return found if isinstance(found, pygit2.Commit) else None


def _base_reader(repo: pygit2.Repository, session: Session):
    """Files as they were in git when the session began (to place string edits)."""
    commit = _base_commit(repo, session)
    return _reader(repo, commit) if commit is not None else None


def _reader(repo: pygit2.Repository, commit: pygit2.Commit):
    tree = commit.tree

    def read(path: str) -> str | None:
        try:
            entry = tree[path]
        except (KeyError, ValueError):
            return ""  # not in git at the start: a new file
        if entry.type_str != "blob":
            return None
        try:
            return _blob_text(repo, entry.id)
        except MissingObject:
            return None  # in git, but the clone lacks it: unknown, as a file git does not hold as text

    return read


class _AtTime:
    """A file's texts in git at a moment (newest first): what a stale replay is rebuilt from.

    The commits of every ref are listed once, newest first; a lookup takes the distinct versions
    of the file in the few newest commits made by then (a merge that landed mid-session is one).
    """

    SCAN = 200  # commits looked at per lookup
    KEEP = 4  # distinct versions returned

    def __init__(self, repo: pygit2.Repository) -> None:
        self.repo = repo
        self.commits: list[tuple[int, pygit2.Commit]] | None = None
        self.memo: dict[tuple[str, int], list[str]] = {}

    def _listed(self) -> list[tuple[int, pygit2.Commit]]:
        if self.commits is None:
            found = [(c.commit_time, c) for c in newest_commits(self.repo)]
            found.sort(key=lambda t: -t[0])
            self.commits = found
        return self.commits

    def __call__(self, path: str, timestamp: str | None) -> list[str]:
        t = epoch(timestamp)
        if t is None:
            return []
        key = (path, int(t))
        if key in self.memo:
            return self.memo[key]
        texts: list[str] = []
        seen: set[str] = set()
        scanned = 0
        for ctime, commit in self._listed():
            if ctime > t + SLACK_SECONDS:
                continue
            scanned += 1
            if scanned > self.SCAN or len(texts) >= self.KEEP:
                break
            try:
                entry = commit.tree[path]
            except (KeyError, ValueError):
                continue
            if entry.type_str != "blob" or str(entry.id) in seen:
                continue
            seen.add(str(entry.id))
            try:
                texts.append(_blob_text(self.repo, entry.id))
            except MissingObject:
                continue  # a version the clone lacks is no version to rebuild from
        self.memo[key] = texts
        return texts


def _base_commit(repo: pygit2.Repository, session: Session) -> pygit2.Commit | None:
    named = _named_commit(repo, session)
    if named is not None:
        return named
    if repo.head_is_unborn:
        return None
    start = epoch(session.started) or min(
        (t for t in (epoch(s.timestamp) for s in session.steps if s.kind == StepKind.TOOL_CALL) if t), default=None
    )
    commit = repo.head.peel(pygit2.Commit)
    if start is None:
        return commit
    # No clock slack here: a commit made just after the start may already hold the session's first
    # edits, which would then count as older copies; an edit that does not fit an older base is
    # placed on git's versions at its own time (with the slack) instead.
    while commit.commit_time > start and commit.parents:
        commit = commit.parents[0]
    return commit if commit.commit_time <= start else None


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


class MissingObject(Exception):
    """A git object the clone lacks: a partial clone (`--filter=blob:none` without its remote), a
    mirror or copy missing objects. Only the patches whose files need it are left unknown."""


def _blob(repo: pygit2.Repository, blob: str | pygit2.Oid) -> pygit2.Blob:
    try:
        return repo[blob].peel(pygit2.Blob)
    except (KeyError, pygit2.GitError) as exc:
        raise MissingObject(f"the clone lacks git object {str(blob)[:12]}") from exc


def _blob_text(repo: pygit2.Repository, blob: str | pygit2.Oid) -> str:
    """A blob's text, decoded from the blob's own buffer (`.data` makes a copy first: twice the time)."""
    return str(memoryview(_blob(repo, blob)), "utf-8", "replace")
