"""One walk over a repository's history, shared by every patch of a session.

The walk visits every commit reachable from any ref (branches, tags, remotes, HEAD) once, parents
before children, and for each commit newer than the session notes the blob of every file the
session touched, following a file through renames (git's similarity detection, only on the commits
where a followed name disappears). Patches then only look up blobs; nothing walks per patch.

The trail's own snapshot refs (refs/tracetui/...) are left out: a snapshot is not a commit anyone
made, so it must never count as one.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pygit2
from pygit2.enums import DeltaStatus, DiffFind, ObjectType, SortMode

from tracetui.errors import TracetuiError
from tracetui.regular_file import read_regular
from tracetui.trail.copies import agent_copy

SNAPSHOT_NAMESPACE = "refs/tracetui/"


@dataclass(slots=True)
class History:
    repo: pygit2.Repository
    paths: list[str]
    since: float
    time: dict[str, int] = field(default_factory=dict)  # commit -> committer time (epoch s)
    parents: dict[str, list[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # parents before children
    # commit -> {followed path -> blob id or None}; only for commits at or after `since`
    blobs: dict[str, dict[str, str | None]] = field(default_factory=dict)
    trees: dict[str, str] = field(default_factory=dict)  # commit -> tree id (recorded commits only)
    # commit -> {followed path -> its name in that commit}; only where a rename happened on the way
    names: dict[str, dict[str, str]] = field(default_factory=dict)
    # followed path -> [(time, order index, commit)] where the file differs from its first parent
    changes: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    _ancestry: dict[str, set[str]] = field(default_factory=dict)
    position: dict[str, int] = field(default_factory=dict)  # commit -> its index in `order`
    # Followed paths whose history could not be read whole: a commit dropped the name and git could
    # not tell where it went, the clone lacking a blob to compare (a partial clone, a mirror missing
    # objects). Their patches are unknown, on partial evidence, instead of reading as reverted.
    unreadable: set[str] = field(default_factory=set)

    def name_at(self, commit: str, path: str) -> str:
        return self.names.get(commit, {}).get(path, path)

    def blob_at(self, commit: str, path: str) -> str | None:
        known = self.blobs.get(commit)
        if known is not None and path in known:
            return known[path]
        return _lookup(self.repo[commit].peel(pygit2.Commit).tree, self.name_at(commit, path))

    def blob_named(self, commit: str, name: str) -> str | None:
        """The blob of the file called `name` at `commit`, not followed through renames."""
        return _lookup(self.repo[commit].peel(pygit2.Commit).tree, name)

    def ancestry(self, commit: str) -> set[str]:
        """Every commit reachable from `commit`, itself included (from the walk's own table)."""
        found = self._ancestry.get(commit)
        if found is not None:
            return found
        seen: set[str] = set()
        stack = [commit]
        while stack:
            c = stack.pop()
            if c in seen:
                continue
            seen.add(c)
            stack.extend(self.parents.get(c, ()))
        self._ancestry[commit] = seen
        return seen

    def ancestors_from(self, commit: str, lo: int) -> set[str]:
        """The commits of `ancestry(commit)` at index `lo` or later in `order`.

        Parents come before children in `order`, so every path down to such an ancestor stays at or
        after `lo`: the search stops there instead of walking the whole history.
        """
        seen: set[str] = set()
        stack = [commit]
        position = self.position
        while stack:
            c = stack.pop()
            if c in seen or position.get(c, -1) < lo:
                continue
            seen.add(c)
            stack.extend(self.parents.get(c, ()))
        return seen


def _lookup(tree: pygit2.Tree, path: str) -> str | None:
    try:
        entry = tree[path]
    except (KeyError, ValueError):
        return None
    return str(entry.id) if entry.type == ObjectType.BLOB else None


def ref_tips(repo: pygit2.Repository) -> list[tuple[str, str]]:
    """(ref name, commit id) of every ref that leads to a commit, branches first, snapshots left out."""
    tips: list[tuple[str, str]] = []
    for name in repo.references:
        if name.startswith(SNAPSHOT_NAMESPACE) or name == "refs/stash":
            continue
        try:
            commit = repo.references[name].peel(pygit2.Commit)
        except (pygit2.GitError, KeyError, ValueError, pygit2.InvalidSpecError):
            continue
        tips.append((name, str(commit.id)))
    if not repo.head_is_unborn:
        try:
            tips.append(("HEAD", str(repo.head.peel(pygit2.Commit).id)))
        except pygit2.GitError:
            pass
    rank = {"refs/heads/": 0, "refs/tags/": 1, "refs/remotes/": 2}

    def key(t: tuple[str, str]) -> tuple[int, str]:
        for prefix, r in rank.items():
            if t[0].startswith(prefix):
                return (r, t[0])
        return (3, t[0])

    return sorted(tips, key=key)


def newest_commits(repo: pygit2.Repository, limit: int | None = None) -> Iterator[pygit2.Commit]:
    """The commits of every ref (`ref_tips`), newest first, at most `limit`; a walk git cannot go
    on with ends there (what was given still counts)."""
    starts = [c for _, c in ref_tips(repo)]
    if not starts:
        return
    try:
        walker = repo.walk(starts[0], SortMode.TIME)
        for c in starts[1:]:
            walker.push(c)
        for n, commit in enumerate(walker):
            if limit is not None and n >= limit:
                return
            yield commit
    except (pygit2.GitError, KeyError, ValueError):
        return


def walk(repo: pygit2.Repository, paths: Iterable[str], since: float, extra: Iterable[str] = ()) -> History:
    """Walk all refs (plus `extra` commits) once; record blobs of `paths` in commits from `since` on."""
    history = History(repo, sorted(set(paths)), since)
    tips = [c for _, c in ref_tips(repo)]
    starts = tips + list(extra)
    if not starts:
        return history
    diffs: dict[str, pygit2.Diff] = {}
    if set(starts) == set(tips):  # a commit pushed twice changes nothing: the clone's table is the walk's
        table = commit_table(repo, tips)
        history.time, history.parents = dict(table.time), dict(table.parents)
        history.order, history.position = list(table.order), dict(table.position)
        if history.paths:
            for index, cid in enumerate(table.order):
                if table.time[cid] >= since:
                    _record(history, repo[cid].peel(pygit2.Commit), cid, table.parents[cid], index, diffs)
        return history
    walker = repo.walk(starts[0], SortMode.TOPOLOGICAL | SortMode.REVERSE)
    for c in starts[1:]:
        walker.push(c)
    for index, commit in enumerate(walker):
        cid = str(commit.id)
        parents = [str(p) for p in commit.parent_ids]
        history.time[cid] = commit.commit_time
        history.parents[cid] = parents
        history.position[cid] = len(history.order)
        history.order.append(cid)
        if commit.commit_time < since or not history.paths:
            continue
        _record(history, commit, cid, parents, index, diffs)
    return history


@dataclass(frozen=True, slots=True)
class CommitTable:
    """Every commit the refs reach, parents first: what each walk of one blame (the judging's, the
    descent's) read again, 0.02-0.03 s each on pi-mono's 3,239 commits."""

    order: list[str]
    time: dict[str, int]
    parents: dict[str, list[str]]
    position: dict[str, int]


_TABLE: dict[tuple[str, ...], CommitTable] = {}  # the last clone's, by its refs' commits


def _shallow_stamp(repo: pygit2.Repository) -> str:
    try:
        st = os.stat(os.path.join(repo.path, "shallow"))
    except OSError:
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"


SHALLOW_MOST = 1 << 20  # bytes of a shallow clone's list of boundary commits read (41 a commit)


def shallow_boundary(repo: pygit2.Repository) -> frozenset[str]:
    """The commits a shallow clone holds without their parents (git's `shallow` file): the first of
    them to hold a patch is no proof the patch was taken there. Empty for a whole clone, or where the
    file cannot be read as a regular file. Read once per state of the file, not once per patch judged."""
    return _boundary(repo.path, _shallow_stamp(repo))


@functools.lru_cache(maxsize=8)
def _boundary(path: str, stamp: str) -> frozenset[str]:
    try:
        data = read_regular(os.path.join(path, "shallow"), SHALLOW_MOST)
    except (OSError, TracetuiError):
        return frozenset()
    return frozenset(x for x in data.decode("ascii", "replace").split() if len(x) in (40, 64))


def has_commit_table(repo: pygit2.Repository) -> bool:
    """Whether the refs' commits are listed already (`commit_table`): a walk of them costs nothing."""
    tips = [c for _, c in ref_tips(repo)]
    return bool(tips) and (repo.path, _shallow_stamp(repo), *tips) in _TABLE


def commit_table(repo: pygit2.Repository, tips: list[str]) -> CommitTable:
    """The commits of `tips` (the refs' commits), parents first, walked once while the refs stay."""
    key = (repo.path, _shallow_stamp(repo), *tips)  # a deepened shallow clone has more history
    found = _TABLE.get(key)
    if found is not None:
        return found
    table = CommitTable([], {}, {}, {})
    walker = repo.walk(tips[0], SortMode.TOPOLOGICAL | SortMode.REVERSE)
    for c in tips[1:]:
        walker.push(c)
    for commit in walker:
        cid = str(commit.id)
        table.time[cid] = commit.commit_time
        table.parents[cid] = [str(p) for p in commit.parent_ids]
        table.position[cid] = len(table.order)
        table.order.append(cid)
    _TABLE.clear()  # one clone's at a time: a long session of the app blames one repository
    _TABLE[key] = table
    return table


def _record(history: History, commit: pygit2.Commit, cid: str, parents: list[str], index: int, diffs: dict) -> None:
    repo = history.repo
    first = parents[0] if parents else None
    parent_blobs = history.blobs.get(first) if first else None
    tree_id = str(commit.tree_id)
    history.trees[cid] = tree_id
    if parent_blobs is not None and first is not None and history.trees.get(first) == tree_id:
        history.blobs[cid] = parent_blobs  # same tree: share the parent's table
        if first in history.names:
            history.names[cid] = history.names[first]
        return
    inherited = history.names.get(first, {}) if first else {}
    names = inherited
    tree = commit.tree
    blobs: dict[str, str | None] = {}
    for path in history.paths:
        name = names.get(path, path)
        if parent_blobs is not None:
            before = parent_blobs[path]
        else:
            before = history.blob_at(first, path) if first else None
        blob = _lookup(tree, name)
        if blob is None and before is not None and first is not None:
            try:
                renamed = _renamed_to(repo, repo[first].peel(pygit2.Commit).tree, tree, name, diffs, cid)
            except (pygit2.GitError, KeyError):
                renamed = _renamed_exactly(repo, repo[first].peel(pygit2.Commit).tree, tree, name)
                if renamed is None:
                    history.unreadable.add(path)
            if renamed is not None:
                if names is inherited:
                    names = dict(inherited)  # copy on write: most commits rename nothing
                names[path] = renamed
                blob = _lookup(tree, renamed)
        elif blob is None and before is None and len(parents) > 1:
            renamed = _merged_in_renamed(history, tree, parents[1:], path, diffs, cid)
            if renamed is not None:
                if names is inherited:
                    names = dict(inherited)
                names[path] = renamed
                blob = _lookup(tree, renamed)
        blobs[path] = blob
        if blob != before:
            history.changes.setdefault(path, []).append((commit.commit_time, index, cid))
    history.blobs[cid] = blobs
    if names:
        history.names[cid] = names


def _merged_in_renamed(
    history: History, tree: pygit2.Tree, others: list[str], path: str, diffs: dict, cid: str
) -> str | None:
    """The name a merge gave a file that only a later parent had: `git subtree add` (a monorepo made
    of older repositories) merges a history whose files sit at its root, writing them under a folder,
    so the first parent never had the file and the other had it under its old name. Followed as a
    rename from that parent; None where the merge dropped it or git pairs it with nothing."""
    repo = history.repo
    for other in others:
        name = history.name_at(other, path)
        if history.blob_at(other, path) is None:
            continue
        old_tree = repo[other].peel(pygit2.Commit).tree
        try:
            return _renamed_to(repo, old_tree, tree, name, diffs, f"{cid}:{other}")
        except (pygit2.GitError, KeyError):
            renamed = _renamed_exactly(repo, old_tree, tree, name)
            if renamed is None:
                history.unreadable.add(path)
            return renamed
    return None


def _renamed_exactly(repo, old_tree, new_tree, name: str) -> str | None:
    """A rename git finds without reading any blob (the same content under a new name); None when
    there is none, or when even that cannot be read."""
    try:
        diff = repo.diff(old_tree, new_tree)
        diff.find_similar(flags=DiffFind.FIND_RENAMES | DiffFind.FIND_EXACT_MATCH_ONLY)
        return renamed_in_diff(repo, diff, name)
    except (pygit2.GitError, KeyError):
        pass
    return None


def _renamed_to(repo, old_tree, new_tree, name: str, diffs: dict, key: str) -> str | None:
    diff = diffs.get(key)
    if diff is None:
        diff = repo.diff(old_tree, new_tree)
        diff.find_similar()
        commit = key.split(":")[0]
        for other in [k for k in diffs if k.split(":")[0] != commit]:
            del diffs[other]  # one commit's diffs at a time (one per parent): memory stays flat
        diffs[key] = diff
    return renamed_in_diff(repo, diff, name)


def renamed_in_diff(repo: pygit2.Repository, diff: pygit2.Diff, name: str) -> str | None:
    """The new name git's rename detection (already run on `diff`) gives the file `name`, else None.

    Never an agent's backup copy (copies.py): where git paired the file with one (a home folder's
    commit that drops the file and adds Claude Code's copy of it), the file it added that is most like
    the old one (half its lines, as git's own threshold) is the rename, else there is none."""
    for delta in diff.deltas:
        if delta.status != DeltaStatus.RENAMED or delta.old_file.path != name:
            continue
        if not agent_copy(delta.new_file.path):
            return delta.new_file.path
        return _likeliest_added(repo, diff, delta.old_file.id)
    return None


RENAME_CANDIDATES = 50  # added files compared with a file git paired with a backup copy


def _likeliest_added(repo: pygit2.Repository, diff: pygit2.Diff, old: pygit2.Oid) -> str | None:
    added = [d for d in diff.deltas if d.status == DeltaStatus.ADDED and not agent_copy(d.new_file.path)]
    best: tuple[float, str] | None = None
    try:
        before = repo[old].peel(pygit2.Blob)
        size = max(1, len(before.data.splitlines()))
        for d in added[:RENAME_CANDIDATES]:
            after = repo[d.new_file.id].peel(pygit2.Blob)
            context, _, _ = before.diff(after).line_stats
            score = context / max(size, len(after.data.splitlines()), 1)
            if score >= 0.5 and (best is None or score > best[0]):
                best = (score, d.new_file.path)
    except (KeyError, pygit2.GitError):
        return None  # a blob the clone lacks: no rename known
    return best[1] if best else None
