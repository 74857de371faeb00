"""Reading git for the trail: a ref resolved, a log's times, the commit a session started from,
blobs as text, and a reader of the repository as it was at a moment.
"""

from __future__ import annotations

from datetime import datetime

import pygit2

from tracetui.errors import NotFound
from tracetui.model import Session, StepKind
from tracetui.trail.clone_id import has_commit, logged_commit_id
from tracetui.trail.fates import SLACK_SECONDS
from tracetui.trail.history import CommitTable, commit_table, newest_commits, ref_tips
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
        self.by_time: list[tuple[int, str]] | None = None  # the commit table's, newest first
        self.memo: dict[tuple[str, int], list[str]] = {}
        self.blobs: dict[tuple[str, str], str | None] = {}  # (commit, path) -> the file's blob there

    def _listed(self) -> list[tuple[int, pygit2.Commit]]:
        """libgit2's walk by time: it orders the commits made in one second as `by_time` cannot."""
        if self.commits is None:
            found = [(c.commit_time, c) for c in newest_commits(self.repo)]
            found.sort(key=lambda t: -t[0])
            self.commits = found
        return self.commits

    def _by_time(self) -> list[tuple[int, str]] | None:
        """The refs' commits newest first from the commit table the judging walks anyway (libgit2's
        own walk by time, 30 ms on pi-mono's 3,350 commits, is not made): commits made in the same
        second in no particular order. None where git cannot list them."""
        if self.by_time is None:
            table = _table(self.repo)
            if table is None:
                return None
            self.by_time = sorted(((t, c) for c, t in table.time.items()), key=lambda x: -x[0])
        return self.by_time

    def __call__(self, path: str, timestamp: str | None) -> list[str]:
        t = epoch(timestamp)
        if t is None:
            return []
        key = (path, int(t))
        if key in self.memo:
            return self.memo[key]
        listed = self._by_time()
        texts = self._texts(path, t, listed) if listed is not None else None
        if texts is None:
            texts = self._texts(path, t, [(ctime, str(c.id)) for ctime, c in self._listed()])
            assert texts is not None
        self.memo[key] = texts
        return texts

    def _texts(self, path: str, t: float, listed: list[tuple[int, str]]) -> list[str] | None:
        """The lookup over `listed`; None where commits of one second that it looks at hold different
        versions, whose order the list does not know (only `_listed`'s is the answer)."""
        texts: list[str] = []
        seen: set[str] = set()
        mine: list[tuple[int, str]] = []  # the commits looked at
        scanned = end = 0
        for end, (ctime, cid) in enumerate(listed):  # `end`: where the loop stopped
            if ctime > t + SLACK_SECONDS:
                continue
            scanned += 1
            if scanned > self.SCAN or len(texts) >= self.KEEP:
                break
            mine.append((ctime, cid))
            blob = self._blob(cid, path)
            if blob is None or blob in seen:
                continue
            seen.add(blob)
            try:
                texts.append(_blob_text(self.repo, blob))
            except MissingObject:
                continue  # a version the clone lacks is no version to rebuild from
        if listed is not self.by_time or not mine:
            return texts
        # In any order of a second's commits the same versions come in the same order, where each
        # second's commits hold one version: those looked at, and those of the last one's second.
        last = mine[-1][0]
        for x in listed[end:]:
            if x[0] != last:
                break
            if x[1] != mine[-1][1]:
                mine.append(x)
        for (t0, c0), (t1, c1) in zip(mine, mine[1:]):
            if t0 == t1 and self._blob(c0, path) != self._blob(c1, path):
                return None
        return texts

    def _blob(self, commit: str, path: str) -> str | None:
        """The id of the file `path` at `commit`, None where it is not a file there."""
        key = (commit, path)
        if key not in self.blobs:
            try:
                entry = self.repo[commit].peel(pygit2.Commit).tree[path]
            except (KeyError, ValueError):
                entry = None
            self.blobs[key] = str(entry.id) if entry is not None and entry.type_str == "blob" else None
        return self.blobs[key]


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
    table = _table(repo)
    cid = str(commit.id)
    if table is not None and cid in table.time:
        # The refs' commits listed once for the judging's walk: the first parents followed in it
        # rather than read again one by one (1,891 of pi-mono's, 16 ms).
        time, parents = table.time, table.parents
        while time[cid] > start and parents[cid]:
            cid = parents[cid][0]
        return repo[cid].peel(pygit2.Commit) if time[cid] <= start else None
    while commit.commit_time > start and commit.parents:
        commit = commit.parents[0]
    return commit if commit.commit_time <= start else None


def _table(repo: pygit2.Repository) -> CommitTable | None:
    """The refs' commits (`commit_table`), None where git cannot list them."""
    tips = [c for _, c in ref_tips(repo)]
    try:
        return commit_table(repo, tips) if tips else None
    except (pygit2.GitError, KeyError, ValueError):
        return None


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
