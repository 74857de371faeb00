"""Survival: where each patch landed in git, and what became of it at a reference revision.

For each patch: the *accepting commit* is the first commit, on any ref, made after the step
(allowing a minute of clock slack) whose version of the file holds at least half of the patch's
evidence lines (evidence.py). Then, at the reference revision (default HEAD):

More in docs/internals/trail.md, `trail/survival.py`.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pygit2
from pygit2.enums import DeltaStatus, DiffFind, SortMode

from tracetui import collector
from tracetui.errors import NotFound, TracetuiError
from tracetui.model import Session, StepKind
from tracetui.trail import evidence as ev
from tracetui.trail.copies import agent_copy
from tracetui.trail.history import History, ref_tips, renamed_in_diff, walk
from tracetui.trail.mapping import map_repository
from tracetui.trail.line_identity import byte_norms, norm, norms_of
from tracetui.trail.patch import Patch
from tracetui.trail.patches import is_notebook, session_patches
from tracetui.trail.snapshot import apply_snapshots

SLACK_SECONDS = 60
# 6: shell renames, partly replaced patches, missing blobs; 7: a deletion of unseen lines judged by
# history; 8: lines written again after a commit; 9: a long deleted block barely back stays deleted;
# 10: lines that carry nothing of their own (a shebang, a lone `fi`) alone are no patch surviving;
# shell renames by cp then rm, git -C, in a subshell; 11: a file a subtree merge moved is followed;
# a session whose files are mostly gone is placed by history; 12: a commit only branches hold is judged
# at the branch the log names; 13: a hunk's lines lose a CR ending, lines a step wrote back changed only
# in whitespace are not its own, a cwd in the clone's repository keeps the top at or above it
CACHE_VERSION = 13
STATES = ("alive", "transformed", "reverted", "lost", "uncommitted", "unknown")


@dataclass(slots=True)
class Fate:
    """A patch's survival state, the commit that accepted it, and the evidence.

    `kept`: evidence lines in place at the reference (for a deletion: still deleted);
    `changed`: lines edited into similar new lines; `dropped`: lines gone (for a deletion: back).
    `commits`: later commits, in the judged history, that changed the patch's lines.
    """

    patch: Patch
    state: str
    commit: str | None = None
    kept: int = 0
    changed: int = 0
    dropped: int = 0
    commits: list[str] = field(default_factory=list)
    judged_at: str | None = None  # the ref judged at when not the reference (unmerged branch)
    path_now: str | None = None  # the file's name at the judged revision, when renamed
    superseded_by: str | None = None  # a later step of the same session that replaced its lines
    reason: str | None = None  # why the state is unknown
    evidence: int = 0  # how many of the patch's lines were looked for (blank and bare-punctuation lines are not)
    # True when the verdict rests on partial evidence beyond the patch's own (`Patch.partial`): the
    # clone lacks a git object of the file's history (a partial clone, a mirror missing objects).
    partial: bool = False

    def to_dict(self) -> dict[str, Any]:
        p = self.patch
        d: dict[str, Any] = {
            "step": p.step_id,
            "path": p.path,
            "state": self.state,
            "commit": self.commit,
            "added": len(p.added),
            "removed": len(p.removed),
            "kept": self.kept,
            "changed": self.changed,
            "dropped": self.dropped,
            "evidence": self.evidence,
            "commits": list(self.commits),
            "op": p.op,
            "tool": p.tool,
            "timestamp": p.timestamp,
            "old_path": p.old_path,
            "path_now": self.path_now,
            "judged_at": self.judged_at,
            "superseded_by": self.superseded_by,
            # True when the file before the step could not be rebuilt (the replay went stale and no
            # version in git fits the edit): older copies were counted in git at the step's time.
            "partial": p.partial or self.partial,
        }
        if self.reason:
            d["reason"] = self.reason
        return d


@dataclass(slots=True)
class Trail:
    """A session's patches and their fates against one repository and reference."""

    repo: str | None  # the repository's work tree (or git dir when bare); None when not found
    ref: str
    fates: list[Fate]
    note: str | None = None  # e.g. "repository not found ..."
    ref_commit: str | None = None
    cached: bool = False

    @property
    def patches(self) -> list[Patch]:
        return [f.patch for f in self.fates]

    @property
    def own(self) -> list[Fate]:
        """The fates of the session's own patches: not those of the steps a fork copied from its
        parent, which are the parent's work (its trail judges them) and are here only so the fork's
        own edits are replayed on the files as they were. What the trail pane and `trail` list."""
        return [f for f in self.fates if not f.patch.copied]

    @property
    def copied(self) -> int:
        """How many of the patches are a fork's copies of its parent's (left out of `own`)."""
        return sum(1 for f in self.fates if f.patch.copied)

    def rows(self) -> list[dict[str, Any]]:
        """The `trail --json` rows: the session's own patches (`own`)."""
        return [f.to_dict() for f in self.own]

    def for_step(self, step_id: str) -> list[Fate]:
        """The fates of one step's patches (an edit call may touch several files)."""
        return [f for f in self.fates if f.patch.step_id == step_id]


def summarize(trail: Trail) -> dict[str, Any]:
    """Counts for a header line: patches by state, files and steps touched."""
    states = {s: 0 for s in STATES}
    for f in trail.fates:
        states[f.state] = states.get(f.state, 0) + 1
    return {
        "patches": len(trail.fates),
        "states": {k: v for k, v in states.items() if v},
        "files": sorted({f.patch.path for f in trail.fates}),
        "steps": len({f.patch.step_id for f in trail.fates}),
        "repo": trail.repo,
        "ref": trail.ref,
        "note": trail.note,
    }


# -- entry point ---------------------------------------------------------------------------------

def _collector_paused() -> AbstractContextManager[None]:
    """Judge with Python's cyclic garbage collector off (`tracetui.collector.paused`).

    A trail fills Counters, dicts and lists by the hundred thousand and keeps them to its end; every
    young collection walked them again (before-compaction: 453 collections, 0.25 s of its 2.9 s of
    CPU) and found nothing: what the trail throws away is freed by reference counting, not cycles
    (its peak memory is the same with the collector off).
    """
    return collector.paused()


def trail(
    session: Session,
    repo: str | Path | None = None,
    ref: str = "HEAD",
    cache_dir: Path | None = None,
) -> Trail:
    """The session's trail: patches and their survival at `ref` in `repo` (found from the cwd by default).

    Raises TracetuiError when `repo` is given but is not a repository, or `ref` does not resolve.
    Without a repository the patches are still listed, with state "unknown" and a note saying why.
    """
    mapped = map_repository(session, repo)
    found = mapped.repo
    # A revision the repository lacks is the user's mistake whether or not it holds the session's files.
    ref_commit = resolve_ref(found, ref) if found is not None else None
    if found is None or mapped.logged_root is None:
        # No repository, or one that holds none of the session's files: list the patches unjudged.
        patches = session_patches(session)
        reason = "no repository" if found is None else "not in the repository"
        fates = [Fate(p, "unknown", reason=reason) for p in patches]
        _mark_superseded(fates)
        return Trail(mapped.name, ref, fates, note=mapped.note)
    # The logged folder that is the clone's top level (the work tree itself when the clone is there).
    root = mapped.logged_root
    repo_name = mapped.name or found.path.rstrip("/")
    with _collector_paused():
        base = _base_reader(found, session)
        patches = session_patches(session, root=root, base=base, at=_AtTime(found))
        patches = apply_snapshots(found, session, patches)
        key = _cache_key(found, session, patches, ref, ref_commit) if cache_dir is not None else None
        if key is not None and cache_dir is not None:
            cached = _cache_load(Path(cache_dir), key, patches)
            if cached is not None:
                return Trail(repo_name, ref, cached, note=mapped.note, ref_commit=ref_commit, cached=True)
        try:
            fates = judge(found, patches, ref_commit, branch=session.git.branch if session.git else None)
            if any(f.state in ("lost", "uncommitted") for f in fates) and not _clocks_agree(found, patches):
                _judge_without_clocks(found, session, root, ref_commit, fates)
        except (pygit2.GitError, MissingObject) as exc:
            raise TracetuiError(f"could not read the git history of {repo_name}: {exc}") from None
        _mark_superseded(fates)
    # A verdict the clone's missing objects left unknown changes when they arrive (a fetch moves no ref).
    if key is not None and cache_dir is not None and not any(f.partial for f in fates):
        _cache_store(Path(cache_dir), key, fates)
    return Trail(repo_name, ref, fates, note=mapped.note, ref_commit=ref_commit)


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


def _judge_without_clocks(repo, session: Session, root, ref_commit, fates: list[Fate]) -> None:
    """Judge the patches no commit took again, trusting content only.

    When the log was written with another clock than the commits (all of them look older than the
    session), "the first commit after the step" finds nothing and a time-chosen base commit may
    already hold the session's work. Then the base is only the commit the log names (if any), and
    the accepting commit is the first one that holds the patch at whatever time.
    """
    named = _named_commit(repo, session)
    # No `at`: with clocks that disagree, "git at the step's time" would be a version holding the work itself.
    patches = session_patches(session, root=root or session.cwd, base=_reader(repo, named) if named else None)
    patches = apply_snapshots(repo, session, patches)
    if len(patches) != len(fates):
        return
    branch = session.git.branch if session.git else None
    again = judge(repo, patches, ref_commit, use_time=False, branch=branch)
    for i, fate in enumerate(fates):
        if fate.state in ("lost", "uncommitted") and again[i].commit is not None:
            fates[i] = again[i]


def _named_commit(repo: pygit2.Repository, session: Session) -> pygit2.Commit | None:
    if session.git and session.git.commit:
        try:
            return repo.revparse_single(session.git.commit).peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError):
            pass
    return None


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
            tips = [c for _, c in ref_tips(self.repo)]
            found: list[tuple[int, pygit2.Commit]] = []
            if tips:
                walker = self.repo.walk(tips[0], SortMode.TIME)
                for c in tips[1:]:
                    walker.push(c)
                found = [(c.commit_time, c) for c in walker]
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


# -- judging -------------------------------------------------------------------------------------


# the lines a file gained between two versions, their norms, and (made on first use) their 4-grams
_Gained = tuple[list[str], set[str], Callable[[], dict[str, list[int]]]]
_Pair = tuple[ev.FileLines, ev.FileLines]  # a path at a commit's first parent, and at the commit


class _Files:
    """Counted file versions by blob id: each blob is read and counted once per trail.

    Per path only the lines some patch of that path looks for are counted; `full` counts all
    (needed only to find edited lines at the judged revision).
    """

    def __init__(
        self, repo: pygit2.Repository, wanted: dict[str, frozenset[str]], splits: dict[str, frozenset[str]] | None = None
    ) -> None:
        self.repo = repo
        self.wanted = wanted
        self.splits = splits or {}
        self.cache: dict[tuple[str, str | None], ev.FileLines] = {}
        self.text: dict[str, str] = {}
        self.text_size = 0
        self.changed: dict[str, list[str]] = {}
        self.session_paths: set[str] = set()  # files the session itself edited
        self.fresh: dict[tuple[str | None, str | None], ev.Fresh] = {}
        self.norms: dict[str, list[str]] = {}
        # Every exact line and norm any probe of the trail looks for (of any path): a file the move
        # searches look at is counted for these only.
        self.every: frozenset[str] = frozenset()
        self.every_bytes: frozenset[bytes] = frozenset()  # the same, encoded
        self.hits: dict[str, Counter] = {}  # blob -> counts of its norms that are in `every`
        self.ratios: dict[tuple[str, str], bool] = {}  # (new line, line looked for) -> close enough
        self.names: dict[str, set[str]] = {}  # line -> the names in it (Fresh._words)
        self.renames: dict[tuple[str, str], dict[str, str]] = {}
        # (start, judged, name) -> `followed`'s answer: a function of the history and the repository,
        # which a trail does not change; every patch whose lines one commit moved asks it again.
        self.follows: dict[tuple[str, str, str], str | None] = {}
        self.windows: dict[tuple[str, str, str], list[_Candidate]] = {}  # survival._window's
        self.stepwise_pairs: dict[tuple[str | None, str], tuple[Counter, Counter]] = {}  # _step_lines'
        self.merge_gains: dict[tuple[str, str | None], _Gained] = {}  # _merged_into's candidates
        # path -> the text and counts of its last counted version (the next is counted from it)
        self.last: dict[str, tuple[str, ev.FileLines]] = {}
        # path -> its changes' order indices and commits (history order), and (commit -> versions) met
        self.path_steps: dict[str, tuple[list[int], list[str], dict[str, _Pair]]] = {}

    TEXT_KEEP = 8_000_000  # characters of texts kept for reuse (a version is read for counts, then whole)

    def _text(self, blob: str) -> str:
        found = self.text.get(blob)
        if found is None:
            found = self._keep(blob, _blob_text(self.repo, blob))
        return found

    def _keep(self, blob: str, text: str) -> str:
        self.text_size += len(text)
        while self.text_size > self.TEXT_KEEP and self.text:
            # Oldest first: a version is asked for again soon after (its counts, then all its lines
            # for a move, its lines in order for the block test), rarely much later.
            self.text_size -= len(self.text.pop(next(iter(self.text))))
        self.text[blob] = text
        return text

    def get(self, blob: str | None, path: str) -> ev.FileLines:
        if blob is None:
            return ev.EMPTY
        key = (path, blob)
        found = self.cache.get(key)
        if found is None:
            text = self._text(blob)
            wanted, splits = self.wanted.get(path, frozenset()), self.splits.get(path, frozenset())
            prior = self.last.get(path)
            if prior is None:
                found = ev.FileLines.of(text, wanted, splits, lambda: self._text(blob))
            else:
                # Versions of a path are asked for mostly in history order: the one counted last is
                # usually a few lines away from this one.
                found = ev.FileLines.after(prior[1], prior[0], text, wanted, splits, lambda: self._text(blob))
            self.last[path] = (text, found)
            self.cache[key] = found
        return found

    def touched(self, commit: str) -> list[str]:
        """Files a commit adds or changes against its first parent (cached: moves look at the same few)."""
        found = self.changed.get(commit)
        if found is None:
            c = self.repo[commit].peel(pygit2.Commit)
            old = c.parents[0].tree if c.parents else None
            diff = old.diff_to_tree(c.tree) if old is not None else c.tree.diff_to_tree(swap=True)
            # status_char: the status as a letter, without making an enum member per delta.
            found = [d.new_file.path for d in diff.deltas if d.status_char() != "D"]
            self.changed[commit] = found
        return found

    def fresh_lines(self, final: str | None, since: str | None) -> ev.Fresh:
        found = self.fresh.get((final, since))
        if found is None:
            found = ev.Fresh(self.full(final), self.full(since), self.ratios, self.names)
            self.fresh[(final, since)] = found
        return found

    def seq(self, blob: str | None) -> list[str]:
        """A version's non-blank line norms in order (for the block test of moved lines)."""
        if blob is None:
            return []
        found = self.norms.get(blob)
        if found is None:
            if len(self.norms) > 64:
                self.norms.clear()
            found = self.norms[blob] = [x for x in norms_of(self._text(blob)) if x]
        return found

    def holds_any(self, blob: str | None, keys: frozenset[str]) -> bool:
        """Whether a version has a line whose norm is one of `keys` (keys some probe of the trail looks for).

        The move searches ask this of every file near a commit, and most hold none: only the norms some
        probe looks for are counted (a filter in C, no count of every line), and those counts are kept
        for `some`.
        """
        if blob is None:
            return False
        counted = self.cache.get(("", blob)) or self.cache.get(("*", blob))
        have = counted.normal if counted is not None else self._hits(blob)
        return not have.keys().isdisjoint(keys)  # walks the smaller side (a version counted whole is long)

    def _hits(self, blob: str, keep: bool = False) -> Counter:
        """`blob`'s counts of the norms in `every`; with `keep`, its text is kept too (read whole next)."""
        found = self.hits.get(blob)
        if found is None:
            data = bytes(memoryview(_blob(self.repo, blob))) if blob not in self.text else None
            norms = byte_norms(data) if data is not None else None
            if norms is not None and data is not None:
                # Most versions are found on their bytes (the keys encoded), and not decoded: most hold
                # no key; those that hold none are settled by a set test in C, before any count.
                every = self.every_bytes
                hits = Counter() if every.isdisjoint(norms) else Counter(filter(every.__contains__, norms))
                found = Counter({k.decode("utf-8"): n for k, n in hits.items()})
                if found or keep:
                    # A version holding a key is read whole next (`some`): decode the bytes at hand
                    # rather than read the blob again.
                    self._keep(blob, str(data, "utf-8", "replace"))
            else:
                # Not to be found on its bytes (or already decoded): decode the bytes at hand, if read.
                if data is not None:
                    text = self._keep(blob, str(data, "utf-8", "replace"))
                else:
                    text = self._text(blob)
                found = Counter(filter(self.every.__contains__, norms_of(text)))
            self.hits[blob] = found
        return found

    def some(self, blob: str | None) -> ev.FileLines:
        """A version counted for the lines and norms some probe of the trail looks for: the same answers
        as `full` for every probe (a probe asks only for its own keys, joined runs included), without
        counting the lines none asks for. For the move searches' candidates: most are read once."""
        if blob is None:
            return ev.EMPTY
        found = self.cache.get(("", blob)) or self.cache.get(("*", blob))
        if found is None:
            # The norms first: found on the bytes where they can be, which keeps the decoded text.
            normal = self._hits(blob, keep=True)
            lines = self._text(blob).splitlines()
            every = self.every
            exact = Counter() if every.isdisjoint(lines) else Counter(filter(every.__contains__, lines))
            found = self.cache[("*", blob)] = ev.FileLines(exact, normal)
        return found

    def followed(self, history: History, start: str, judged: str, name: str) -> str | None:
        """The name the file `name` of commit `start` has at `judged`, followed commit by commit (as
        `git log --follow`, forwards): through a commit whose own diff git reads as renaming it, to
        None where one deletes it. Each commit's diff holds a few files, not the hundreds between
        `start` and `judged`, so git's rename detection costs little."""
        key = (start, judged, name)
        if key not in self.follows:
            self.follows[key] = self._follow(history, start, judged, name)
        return self.follows[key]

    def _follow(self, history: History, start: str, judged: str, name: str) -> str | None:
        line = history.ancestry(judged)
        repo = self.repo
        current = name
        for cid in history.order[history.position[start] + 1 :]:
            if cid not in line:
                continue
            parents = history.parents.get(cid) or []
            if not parents:
                continue
            commit = repo[cid].peel(pygit2.Commit)
            if _small_blob(repo, commit.tree, current) is not None:
                continue
            parent_tree = repo[parents[0]].peel(pygit2.Commit).tree
            if _small_blob(repo, parent_tree, current) is None:
                continue  # gone on another branch first: this commit merged it in
            renamed = self.renamed_in(parent_tree, commit.tree, current)
            if renamed is None:
                return None
            current = renamed
        return current

    def renamed_in(self, old_tree: pygit2.Tree, new_tree: pygit2.Tree, name: str) -> str | None:
        """The name `name` has in `new_tree` when git sees a rename between the two trees (one diff per pair)."""
        key = (str(old_tree.id), str(new_tree.id))
        found = self.renames.get(key)
        if found is None:
            found = self.renames[key] = _renames(self.repo, old_tree, new_tree)
        return found.get(name)

    def steps(
        self, history: History, path: str, after: int, line: set[str]
    ) -> Iterator[tuple[str, ev.FileLines, ev.FileLines]]:
        """(commit, the path at its first parent, the path there) of each commit of `line` that changed
        the path, in history order, from index `after` + 1 in `history.order` on.

        The versions of a path are counted once per trail and shared; the move search and the
        later-commits scan walk them for every patch of the path (a CHANGELOG has a thousand), so the
        pairs are kept, and a version whose counts equal its parent's is that very object.
        """
        found = self.path_steps.get(path)
        if found is None:
            changes = history.changes.get(path, [])
            found = self.path_steps[path] = ([c[1] for c in changes], [c[2] for c in changes], {})
        indices, commits, pairs = found
        for i in range(bisect_right(indices, after), len(indices)):
            cid = commits[i]
            if cid not in line:
                continue
            pair = pairs.get(cid)
            if pair is None:
                parents = history.parents.get(cid) or []
                before = self.get(history.blob_at(parents[0], path), path) if parents else ev.EMPTY
                pair = pairs[cid] = (before, self.get(history.blob_at(cid, path), path))
            yield cid, pair[0], pair[1]

    def clear(self) -> None:
        """Let go of every version counted: they refer back to this (to read a text again), a cycle that
        reference counting alone would not free once the trail is done."""
        for kept in (self.cache, self.fresh, self.last, self.path_steps, self.windows):
            kept.clear()

    def full(self, blob: str | None) -> ev.FileLines:
        if blob is None:
            return ev.EMPTY
        key = ("", blob)
        found = self.cache.get(key)
        if found is None:
            found = ev.FileLines.of(self._text(blob))
            self.cache[key] = found
        return found


def judge(
    repo: pygit2.Repository,
    patches: list[Patch],
    ref_commit: str | None,
    use_time: bool = True,
    branch: str | None = None,
) -> list[Fate]:
    """The fates of `patches` at `ref_commit`, from one walk of the history.

    `use_time=False` ignores the steps' times (the accepting commit may be any that holds a patch).
    `branch` is the branch the session's log names: of the refs that hold a commit the reference's
    history lacks, it is the one judged at.
    """
    with _collector_paused():
        return _judge(repo, patches, ref_commit, use_time, branch)


def logged_branch_first(tips: list[tuple[str, str]], branch: str | None) -> list[tuple[str, str]]:
    """`tips` with the refs of the session's logged branch (local, then remote-tracking) first.

    Two branches may hold the commit that took a patch (a pull request's branch made from the one the
    agent worked on); the one the agent worked on is where its work is, not the first by name."""
    if not branch:
        return tips
    name = branch.removeprefix("refs/heads/")

    def rank(tip: tuple[str, str]) -> int:
        ref = tip[0]
        if ref == "refs/heads/" + name:
            return 0
        if ref.startswith("refs/remotes/") and ref.split("/", 3)[3:] == [name]:
            return 1
        return 2

    return sorted(tips, key=rank)  # stable: the rest keep their order


def _judge(
    repo: pygit2.Repository,
    patches: list[Patch],
    ref_commit: str | None,
    use_time: bool,
    branch: str | None = None,
) -> list[Fate]:
    times = [t for t in (epoch(p.timestamp) for p in patches) if t is not None]
    since = (min(times) - SLACK_SECONDS) if use_time and times and len(times) == len(patches) else 0.0
    paths = {p.path for p in patches if p.inside}
    extra = [ref_commit] if ref_commit else []
    history = walk(repo, paths, since, extra)
    probes = [_untaken(p, ev.probe(p), history, use_time) for p in patches]
    by_path: dict[str, list[ev.Probe]] = {}
    for patch, probe in zip(patches, probes):
        if probe is not None:
            by_path.setdefault(patch.path, []).append(probe)
    files = _Files(
        repo, {path: ev.wanted_keys(ps) for path, ps in by_path.items()}, {path: ev.split_keys(ps) for path, ps in by_path.items()}
    )
    tips = logged_branch_first(ref_tips(repo), branch)
    head = str(repo.head.peel(pygit2.Commit).id) if not repo.head_is_unborn else None
    workdir = repo.workdir
    files.every = ev.wanted_keys([p for p in probes if p is not None])
    files.every_bytes = _encoded(files.every)
    files.session_paths = {p.path for p in patches} | {p.old_path for p in patches if p.old_path}
    try:
        return [_judge_read(patch, probe, history, files, ref_commit, tips, head, workdir, use_time)
                for patch, probe in zip(patches, probes)]  # fmt: skip
    finally:
        files.clear()


MISSING = "the clone lacks some of the git objects of this file's history (a partial clone?)"


def _judge_read(patch, probe, history: History, files: _Files, ref_commit, tips, head, workdir, use_time) -> Fate:
    """`_judge_one`, or unknown on partial evidence where the clone lacks an object the file's history
    needs: one file's missing blob leaves the other files' verdicts as they are."""
    if patch.inside and probe is not None and patch.path in history.unreadable:
        return Fate(patch, "unknown", reason=MISSING, partial=True)
    try:
        return _judge_one(patch, probe, history, files, ref_commit, tips, head, workdir, use_time)
    except (MissingObject, pygit2.GitError):
        return Fate(patch, "unknown", reason=MISSING, partial=True)


def _untaken(patch: Patch, probe: ev.Probe | None, history: History, use_time: bool) -> ev.Probe | None:
    """The probe without the lines a later step of the session removed before any commit of the file.

    Such a line never reached a commit as this patch's: a copy found later is a twin (`return null;`
    in another function, written by a shell command), not the patch's line kept. A line another step
    wrote again (`written_again`) is the patch's moved only where that commit holds it: written again
    after the commit, the commit held none of it, and the later copy is the other step's.
    """
    if probe is None or not (patch.taken_back or patch.written_again) or not use_time:
        return probe
    t = epoch(patch.timestamp)
    if t is None:
        return probe
    changes = history.changes.get(patch.path, [])
    first, first_id = min(((ctime, cid) for ctime, _, cid in changes if ctime >= t - SLACK_SECONDS), default=(None, None))
    removals = list(patch.taken_back or [])
    if patch.written_again and first_id is not None:
        removals += _not_held(patch, probe, history, first_id)
    taken: Counter = Counter()
    likely: Counter = Counter()
    for key, when in removals:
        r = epoch(when)
        # removed clearly before the file's first commit after the step (else a commit may hold it)
        if r is not None and (first is None or r + SLACK_SECONDS <= first):
            taken[key] += 1
        elif r is not None and first is not None and r < first:
            likely[key] += 1  # by the log's clock before it: not the patch's own when a commit takes it
    return ev.without(probe, taken, likely) if taken or likely else probe


def _not_held(patch: Patch, probe: ev.Probe, history: History, commit: str) -> list[tuple[str, str | None]]:
    """The removals of `written_again` whose line `commit` (the file's first after the step) holds no
    more copies of than the patch's floor: written again only after it, never the patch's there."""
    wanted = {k for k, _ in patch.written_again or [] if k in probe.want_n}
    if not wanted:
        return []
    try:
        blob = history.blob_at(commit, patch.path)
        if blob is None:
            return []  # not there under this name (moved by a shell command?): no evidence either way
        seq = norms_of(_blob_text(history.repo, blob))
    except (MissingObject, pygit2.GitError, KeyError):
        return []  # the version cannot be read: the lines stay the patch's, as before
    held = Counter(k for k in seq if k in wanted)
    spare = {k: max(held[k] - probe.floor_n.get(k, 0), 0) for k in wanted}
    out: list[tuple[str, str | None]] = []
    for key, when in reversed(patch.written_again or []):
        if key not in wanted:
            continue
        if spare[key] > 0:
            spare[key] -= 1  # a copy in the commit: the line moved there, still the patch's
        else:
            out.append((key, when))
    return out[::-1]


def _encoded(keys: frozenset[str]) -> frozenset[bytes]:
    """The keys in UTF-8; a key that has none (a lone surrogate from a log) is in no decoded text either."""
    out: set[bytes] = set()
    for k in keys:
        try:
            out.add(k.encode("utf-8"))
        except UnicodeEncodeError:
            pass
    return frozenset(out)


def _judge_one(patch, probe, history: History, files: _Files, ref_commit, tips, head, workdir, use_time=True) -> Fate:
    if not patch.inside:
        return Fate(patch, "unknown", reason="outside the repository")
    path = patch.path
    t = epoch(patch.timestamp) if use_time else None
    changes = sorted(history.changes.get(path, []))
    size = probe.size if probe is not None else 0
    if patch.op == "delete" and patch.undone_by is not None and t is not None:
        step, when = patch.undone_by
        back = epoch(when)
        first = min((ctime for ctime, _, _ in changes if ctime >= t - SLACK_SECONDS), default=None)
        if back is not None and (first is None or back + SLACK_SECONDS <= first):
            # The session wrote the file again before any commit of it: no commit saw it deleted.
            return Fate(patch, "lost", dropped=size, superseded_by=step, evidence=size)
    if probe is None and patch.op == "delete" and t is not None:
        # The deleted file's lines are unknown (a shell command made it, the log never showed it), but
        # the first commit of the file after the step tells whether the deletion reached one: a commit
        # that holds the file again saw no deletion (a shell command wrote it back before it).
        after = next((cid for ctime, _, cid in changes if ctime >= t - SLACK_SECONDS), None)
        if after is not None and history.blob_named(after, path) is not None:
            return Fate(patch, "lost")
    if probe is None:
        return Fate(patch, "unknown", reason="no line to look for")
    if is_notebook(patch.path):
        # A notebook stores its cells as JSON strings: an edit's lines never appear as file lines.
        return Fate(patch, "unknown", reason="notebook cells are not matched line by line")
    # A deleted file is looked for under its own name: the commit that deleted it may also add a file
    # git pairs with it as a rename (a module the session split it into), which is not the file.
    literal = patch.op == "delete"

    def blob_at(commit: str) -> str | None:
        return history.blob_named(commit, path) if literal else history.blob_at(commit, path)

    def name_at(commit: str) -> str:
        return path if literal else history.name_at(commit, path)
    accept = None
    for ctime, _, cid in changes:
        if t is not None and ctime < t - SLACK_SECONDS:
            continue
        if ev.reached(probe, files.get(blob_at(cid), path)):
            accept = cid
            break
    ref_lines = files.get(blob_at(ref_commit), path) if ref_commit else ev.EMPTY
    if accept is None and ref_commit and ev.reached(probe, ref_lines):
        # In the reference but no commit after the step holds it (clock skew): take the first that does.
        for _, _, cid in changes:
            if cid in history.ancestry(ref_commit) and ev.reached(probe, files.get(blob_at(cid), path)):
                accept = cid
                break
    if accept is None:
        name = name_at(head) if head else path
        work = _worktree_lines(workdir, name)
        if work is ev.EMPTY and probe.deletion and patch.op != "delete":
            work = None  # a file that is not there holds no deletion made inside it
        if work is not None and ev.reached(probe, work):
            k = ev.kept(probe, work)
            return Fate(patch, "uncommitted", kept=k, dropped=probe.size - k, path_now=_renamed(name, path), evidence=probe.size)
        elsewhere = _landed_elsewhere(patch, probe, history, files, t, ref_commit, tips) if not probe.deletion else None
        if elsewhere is not None:
            return elsewhere
        moved_work = _worktree_lines(workdir, patch.renamed_to) if patch.renamed_to else None
        if patch.renamed_to and moved_work is not None and ev.reached(probe, moved_work):
            # Renamed by a shell command of the session, not committed: the work tree holds it there.
            k = ev.kept(probe, moved_work)
            return Fate(patch, "uncommitted", kept=k, dropped=probe.size - k, path_now=patch.renamed_to, evidence=probe.size)
        k = ev.kept(probe, ref_lines)
        return Fate(patch, "lost", kept=k, dropped=probe.size - k, evidence=probe.size)

    judged, judged_at, baseline = ref_commit, None, accept
    if judged is None or accept not in history.ancestry(judged):
        # First reached elsewhere. If the reference's own history took it later (a cherry-pick, a
        # rebase whose old branch still exists), judge it there; else at the branch that has it.
        on_ref = None
        if judged is not None:
            line = history.ancestry(judged)
            for ctime, _, cid in changes:
                if cid in line and (t is None or ctime >= t - SLACK_SECONDS):
                    if ev.reached(probe, files.get(blob_at(cid), path)):
                        on_ref = cid
                        break
        if on_ref is not None:
            baseline = on_ref
        else:
            for name, tip in tips:
                if accept in history.ancestry(tip):
                    judged, judged_at = tip, name
                    break
    final_blob, accept_blob = blob_at(judged), blob_at(baseline)
    final, accepted = files.get(final_blob, path), files.get(accept_blob, path)
    kept = ev.kept(probe, final)
    path_now = _renamed(name_at(judged), path)
    changed = (
        ev.changed(probe, files.full(final_blob), None, kept, files.fresh_lines(final_blob, accept_blob)) if kept < probe.size else 0
    )
    if kept == 0 and changed and _undone(patch, files.full(final_blob)):
        changed = 0  # the "edited" lines are the ones the patch replaced, back as they were
    if kept + changed < probe.size and not probe.deletion:
        moved = _moved(probe, history, files, path, baseline, judged)
        if moved is not None:
            # Lines that left the file for another one (a module split into a package) are followed there.
            dest_name, dest_kept, dest_final, dest_since = moved
            in_place = kept
            kept = min(probe.size, kept + dest_kept)
            more = ev.changed(probe, files.full(dest_final), None, kept, files.fresh_lines(dest_final, dest_since)) if kept < probe.size else 0
            changed = min(probe.size - kept, changed + more)
            # The file that holds most of it now; one that holds none of it, kept or changed (deleted
            # since, or a document that quoted the lines once), is not where the patch lives.
            if dest_kept >= in_place and (dest_kept or more):
                path_now = dest_name
    if kept and not changed and path_now == _renamed(name_at(judged), path) and _bare_only(probe, final):
        kept = 0  # a shebang and a `fi` left of a script rewritten whole are not its lines kept
    stepwise = not probe.deletion and not probe.exact_only and probe.size <= STEPWISE_LINES
    if kept == 0 and changed == 0 and stepwise:
        changed = _edited_stepwise(patch, probe, history, files, baseline, judged)
    if kept == probe.size:
        state = "alive"
    elif kept == 0 and changed == 0:
        state = "reverted"
    else:
        state = "transformed"
    if final_blob == accept_blob or (kept, ev.kept_exact(probe, final)) == (ev.kept(probe, accepted), ev.kept_exact(probe, accepted)):
        later: list[str] = []  # nothing to show: its lines are as they were accepted
    else:
        later = _later_commits(probe, history, files, path, baseline, judged)
    return Fate(
        patch,
        state,
        commit=accept,
        kept=kept,
        changed=changed,
        dropped=probe.size - kept - changed,
        commits=later,
        judged_at=judged_at,
        path_now=path_now,
        evidence=probe.size,
    )


def _bare_only(probe: ev.Probe, final: ev.FileLines) -> bool:
    """Whether the lines of the patch a version holds all carry nothing of their own (bare.py)."""
    sub = ev.substance(probe)
    return sub is not probe and not probe.deletion and ev.kept(sub, final) == 0


STEPWISE_LINES = 8  # patches this short that read as reverted are followed commit by commit


def _edited_stepwise(
    patch: Patch, probe: ev.Probe, history: History, files: _Files, since: str, judged: str
) -> int:
    """How many of a short patch's lines live on at `judged` edited a little at a time.

    A line edited by several commits (a sentence reworded three times) may end far from what the
    patch wrote, while each commit's version is close to the one before it: as `git log -L` would,
    each line is followed through the commits that changed the file, to the new line closest to it.
    Only the stretches where two versions differ are read (a README changed by 166 commits). A line
    edited back to what the patch replaced is the patch undone, not edited.
    """
    path = patch.path
    undone = {norm(x) for x in patch.removed}
    line = history.ancestry(judged)
    start = history.position[since]
    forms: list[str | None] = list(probe.lines)
    prev = history.blob_at(since, path)
    for _, index, cid in sorted(history.changes.get(path, []), key=lambda c: c[1]):
        if index <= start or cid not in line:
            continue
        blob = history.blob_at(cid, path)
        if blob is None:
            return 0  # the file went away (a move is searched for apart)
        gone, came = _step_lines(files, prev, blob)
        new = [x for x, n in came.items() if n > gone.get(x, 0)]  # lines the commit added, not moved
        for i, form in enumerate(forms):
            if form is None or gone.get(form, 0) <= came.get(form, 0):
                continue  # untouched, or still there
            close = _closest(form, new)
            forms[i] = close if close is not None and norm(close) not in undone else None
        prev = blob
        if not any(forms):
            return 0
    final = files.full(history.blob_at(judged, path))
    kept = [form for form in forms if form is not None and form not in probe.want]
    return sum(1 for form in kept if final.exact.get(form, 0) > 0)


def _undone(patch: Patch, final: ev.FileLines) -> bool:
    """Whether every line a replacing patch removed is back as often as the file had it before the
    step (the patch reverted, maybe in steps): the lines close to the patch's are then those."""
    removed = {norm(x) for x in patch.removed if any(c.isalnum() for c in x)}
    before = patch.before_norms
    if not removed or before is None or not patch.added:
        return False
    return all(final.normal.get(k, 0) >= before.get(k, 1) for k in removed)


def _gained(files: _Files, blob: str, old_blob: str | None) -> _Gained:
    """The non-blank lines a file gained from `old_blob` to `blob`, their norms, and (made on first
    use) their 4-grams' positions; once per pair: every patch of a deleted file asks the same files."""
    key = (blob, old_blob)
    found = files.merge_gains.get(key)
    if found is None:
        now, was = files.full(blob).exact, files.full(old_blob).exact
        new = [x for x, n in now.items() if n > was.get(x, 0) and x.strip()]
        made: list[dict[str, list[int]]] = []

        def grams() -> dict[str, list[int]]:
            if not made:
                index: dict[str, list[int]] = {}
                for i, x in enumerate(new):
                    for piece in {x[j : j + 4] for j in range(max(1, len(x) - 3))}:
                        index.setdefault(piece, []).append(i)
                made.append(index)
            return made[0]

        found = files.merge_gains[key] = (new, {norm(x) for x in new}, grams)
    return found


def _likely(form: str, lines: list[str], grams: dict[str, list[int]], tries: int = 12) -> list[str]:
    """The lines sharing the most 4-grams with `form` (a line sharing none is not close to it)."""
    shared = Counter(i for piece in dict.fromkeys(form[j : j + 4] for j in range(max(1, len(form) - 3)))
                     for i in grams.get(piece, ()))  # fmt: skip
    return [lines[i] for i, _ in shared.most_common(tries)]


def _closest(form: str, lines: list[str]) -> str | None:
    """The line of `lines` closest to `form` with a difflib ratio of at least CLOSE_MATCH, else None.

    The common subsequence bounds the ratio from above and rules out most lines for a fraction of
    difflib's cost (the lines of a rewritten README all pass difflib's own quick bounds).
    """
    best, at_least = None, ev.CLOSE_MATCH
    size = len(form)
    masks = ev._char_masks(form)
    matcher = difflib.SequenceMatcher(None, "", form, autojunk=False)
    for x in lines:
        if 2.0 * ev._lcs(masks, size, x) / (len(x) + size) < at_least:
            continue
        matcher.set_seq1(x)
        r = matcher.ratio()
        if r >= at_least:
            best, at_least = x, r
    return best


def _step_lines(files: _Files, old: str | None, new: str) -> tuple[Counter, Counter]:
    """The lines one version of a file dropped and the (non-blank) lines it brought, against the one
    before (once per pair: every short patch of a file walks the same versions)."""
    found = files.stepwise_pairs.get((old, new))
    if found is None:
        a, b = (files._text(old) if old is not None else ""), files._text(new)
        stretches = ev._stretches(a, b)
        gone = Counter(x for a0, a1, _, _ in stretches for x in a[a0:a1].splitlines())
        came = Counter(x for _, _, b0, b1 in stretches for x in b[b0:b1].splitlines() if x.strip())
        found = files.stepwise_pairs[(old, new)] = (gone, came)
    return found


def _landed_elsewhere(patch: Patch, probe: ev.Probe, history: History, files: _Files, t, ref_commit, tips) -> Fate | None:
    """A patch no commit took under its own name, found in another file by one of the first commits
    after the step (the file was moved or copied before it was first committed); None if not found.

    The lines must sit there in a block as the step wrote them (its hunks' new side), as for moves.
    """
    repo = history.repo
    source = [x for h in patch.hunks for x in norms_of("\n".join(y[1:] for y in h.lines if y[:1] in (" ", "+"))) if x]
    after = [c for c in history.order if t is None or history.time.get(c, 0) >= t - SLACK_SECONDS]
    after.sort(key=lambda c: history.time.get(c, 0))
    for cid in after[:MOVE_WINDOW]:
        parents = history.parents.get(cid) or []
        tree = repo[cid].peel(pygit2.Commit).tree
        old_tree = repo[parents[0]].peel(pygit2.Commit).tree if parents else None
        # Of the files this commit took that hold the lines, the one that keeps most, then the one whose
        # name is most like the patch's: a renamed folder before a tool copied the file elsewhere
        # (a theme moved, then installed as the current theme) is where the file went.
        best: tuple[tuple[int, float], Fate] | None = None
        for name in files.touched(cid):
            if name == patch.path or agent_copy(name):
                continue
            if name in files.session_paths and name != patch.renamed_to:
                # Lines the session wrote into a file of its own are that file's patches; but for the
                # name a shell command of the session gave this file, where they live on beside them.
                continue
            blob = _small_blob(repo, tree, name)
            if not files.holds_any(blob, probe.want_keys()):
                continue
            at = files.some(blob)
            before = files.some(_small_blob(repo, old_tree, name)) if old_tree is not None else ev.EMPTY
            shifted = _shifted(probe, before)
            if not ev.reached(shifted, at) or 2 * _copied(probe, source, files.seq(blob)) < probe.size:
                continue
            judged, judged_at = ref_commit, None
            if judged is None or cid not in history.ancestry(judged):
                for ref_name, tip in tips:
                    if cid in history.ancestry(tip):
                        judged, judged_at = tip, ref_name
                        break
            judged_tree = repo[judged].peel(pygit2.Commit).tree
            now = name if _small_blob(repo, judged_tree, name) is not None else files.followed(history, cid, judged, name)
            final_blob = _small_blob(repo, judged_tree, now) if now is not None else None
            kept = ev.kept(shifted, files.full(final_blob))
            changed = ev.changed(probe, files.full(final_blob), None, kept, files.fresh_lines(final_blob, blob)) if kept < probe.size else 0
            state = "alive" if kept == probe.size else "reverted" if kept == 0 and changed == 0 else "transformed"
            rank = (kept, _name_likeness(patch.path, name))
            if best is None or rank > best[0]:
                fate = Fate(patch, state, commit=cid, kept=kept, changed=changed, dropped=probe.size - kept - changed,
                            judged_at=judged_at, path_now=now or name, evidence=probe.size)  # fmt: skip
                best = (rank, fate)
        if best is not None:
            return best[1]
    return None


MOVE_WINDOW = 40  # commits before the one that dropped a patch's lines where their new home may have appeared


def _name_likeness(a: str, b: str) -> float:
    """How alike two file names are (0..1), case aside."""
    return difflib.SequenceMatcher(None, a.lower(), b.lower(), autojunk=False).ratio()


MOVE_BLOB_LIMIT = 2_000_000  # larger files are not searched for moved lines


def _moved(probe: ev.Probe, history: History, files: _Files, path: str, since: str, judged: str):
    """Where a patch's lines went when a commit took them out of its file: (file, kept there at
    `judged`, that file's lines at `judged`, at the move) or None.

    As git's copy detection: the lines must have appeared in another file changed by the commit that
    dropped them, or by one of the commits shortly before it on the same line of history (a module
    split into a package often adds the package first and deletes the old module after).
    """
    line = history.ancestry(judged)
    prev = since
    for cid, before, now in files.steps(history, path, history.position[since], line):
        # The same counts (a change of lines no patch looks for, or none this one does): nothing dropped.
        same = before is now or ev.same_for(probe, before, now)
        drop = 0 if same else ev.kept(probe, before) - ev.kept(probe, now)
        if drop > 0:
            found = _destination(_gone(probe, now), history, files, path, prev, cid, drop, judged)
            if found is None and history.blob_at(cid, path) is None:
                found = _merged_into(probe, history, files, path, prev, cid, judged)
            if found is not None:
                return found
        prev = cid
    return None


def _gone(probe: ev.Probe, now: ev.FileLines) -> ev.Probe:
    """The probe narrowed to the lines that left the file by `now` (a version after the one that
    accepted it): only those can have moved. A line still in place that another file of the window
    also holds (the import block a new test shares with its class, code a plan document quotes) is no
    move; counted there too, it made a patch whose other lines were rewritten read alive."""
    # What stays is what `now` still holds beyond the copies the file had before the step (whatever
    # `before` held: a line a formatter joined there is found as a whole line nowhere).
    floor = probe.floor_n
    left = {k: n - min(n, max(now.normal.get(k, 0) - floor.get(k, 0), 0)) for k, n in probe.want_n.items()}
    if all(left[k] == n for k, n in probe.want_n.items()):
        return probe
    lines: list[str] = []
    room = dict(left)
    for line in probe.lines:
        k = norm(line)
        if room.get(k, 0) > 0:
            room[k] -= 1
            lines.append(line)
    want_n = Counter(norm(x) for x in lines)
    joins = [j for j in probe.joins if all(want_n.get(k, 0) >= n for k, n in j[1].items())]
    return ev.Probe(
        False, lines, Counter(lines), {x: probe.floor.get(x, 0) for x in set(lines)}, want_n,
        {k: probe.floor_n.get(k, 0) for k in want_n}, probe.exact_only, joins, probe.split_floor,
    )  # fmt: skip


MERGE_ANCHOR = 16  # alphanumerics of a line that must move verbatim for a reworded merge to count


def _merged_into(
    probe: ev.Probe, history: History, files: _Files, path: str, prev: str, cid: str, judged: str
) -> tuple[str, int, str | None, str | None] | None:
    """Where a deleted file's lines of the patch went when the file was merged into another and
    reworded there (docs/theme.md into docs/themes.md): as `_destination`, or None.

    Only for a file the commit deleted (its text went somewhere or nowhere): a file changed by the
    commit or the few before it must have gained, as new lines, a distinctive line of the patch
    verbatim (a heading), and verbatim or close (the trail's edit test) at least half of the patch's
    lines the deleted file still held, two at least.
    """
    repo = history.repo
    parents = history.parents.get(cid) or []
    before = files.full(history.blob_at(parents[0], path) if parents else None)
    held = [x for x in probe.lines if before.normal.get(norm(x), 0) > 0]
    if len(held) < 2:
        return None
    best = None
    for name, blob, old_blob in _window(history, files, path, prev, cid):
        if blob is None or not files.holds_any(blob, probe.want_keys()):
            continue
        new, new_norms, grams = _gained(files, blob, old_blob)
        verbatim = [x for x in held if norm(x) in new_norms]
        if not any(sum(c.isalnum() for c in x) >= MERGE_ANCHOR for x in verbatim):
            continue
        score, need = len(verbatim), max(2, (len(held) + 1) // 2)
        for x in held:
            if score >= need:
                break  # enough: the rest need not be tried
            if norm(x) not in new_norms and _closest(x, _likely(x, new, grams())) is not None:
                score += 1
        if score >= 2 and 2 * score >= len(held) and (best is None or score > best[0]):
            best = (len(verbatim), score, name, blob, old_blob)
    if best is None:
        return None
    gained, _, name, blob, old_blob = best
    shifted = _shifted(probe, files.some(old_blob))
    judged_tree = repo[judged].peel(pygit2.Commit).tree
    now_name: str | None = name
    if _small_blob(repo, judged_tree, name) is None:
        now_name = files.followed(history, cid, judged, name)
    if now_name is None:
        return (name, 0, None, blob)
    final = _small_blob(repo, judged_tree, now_name)
    return (now_name, min(gained, ev.kept(shifted, files.full(final))), final, blob)


_Candidate = tuple[str, str | None, str | None]  # a file's name, its blob at a commit, and at an earlier one


def _window(history: History, files: _Files, path: str, prev: str, cid: str) -> list[_Candidate]:
    """(name, blob at `cid`, blob at `prev`) of the files a move from `path` at `cid` may have gone to:
    those changed between the two by the commits of the move window (made once per window: every
    patch of the path that lost lines there asks for it)."""
    key = (path, prev, cid)
    found = files.windows.get(key)
    if found is not None:
        return found
    repo = history.repo
    lo, hi = history.position[prev], history.position[cid]
    first = max(lo + 1, hi - MOVE_WINDOW + 1)
    ancestry = history.ancestors_from(cid, first)
    window = [c for c in history.order[first : hi + 1] if c in ancestry]
    candidates: set[str] = set()
    for c in window:
        candidates.update(files.touched(c))
    candidates.discard(history.name_at(cid, path))
    candidates = {name for name in candidates if not agent_copy(name)}
    found = []
    if candidates:
        old_tree = repo[prev].peel(pygit2.Commit).tree
        new_tree = repo[cid].peel(pygit2.Commit).tree
        for name in sorted(candidates):
            blob = _small_blob(repo, new_tree, name)
            old_blob = _small_blob(repo, old_tree, name)
            # Unchanged since `prev`: every line it holds was already there, nothing moved in.
            if old_blob != blob:
                found.append((name, blob, old_blob))
    files.windows[key] = found
    return found


def _destination(probe: ev.Probe, history: History, files: _Files, path: str, prev: str, cid: str, drop: int, judged: str):
    repo = history.repo
    window = _window(history, files, path, prev, cid)
    if not window:
        return None
    parents = history.parents.get(cid) or []
    source: list[str] | None = None  # the file before the move, read only if some candidate gained enough
    best = None
    for name, blob, old_blob in window:
        if not files.holds_any(blob, probe.want_keys()):
            continue
        at_move = files.some(blob)
        shifted = _shifted(probe, files.some(old_blob))
        gained = ev.kept(shifted, at_move)
        if gained > 0 and 2 * gained >= drop:
            if source is None:
                source = files.seq(history.blob_at(parents[0], path) if parents else None)
            gained = min(gained, _copied(probe, source, files.seq(blob)))
        if gained > 0 and 2 * gained >= drop and (best is None or gained > best[0]):
            best = (gained, name, shifted, blob)
    if best is None:
        return None
    _, name, shifted, blob = best
    judged_tree = repo[judged].peel(pygit2.Commit).tree
    now_name = name if _small_blob(repo, judged_tree, name) is not None else files.followed(history, cid, judged, name)
    if now_name is None:
        return (name, 0, None, blob)
    final = _small_blob(repo, judged_tree, now_name)
    return (now_name, min(best[0], ev.kept(shifted, files.full(final))), final, blob)


MOVE_BLOCK = 40  # alphanumeric characters a moved block must hold (git's blame -C default score)


def _copied(probe: ev.Probe, src: list[str], dst: list[str]) -> int:
    """How many of the probe's lines sit in `dest` inside a block of lines copied whole from `source`.

    As git's copy detection: a line counts as moved only with enough of its neighbours (blank lines
    aside) moved along with it, so a common line (an import name, a `return None`) alone is not a move.
    """
    # What to look for: the probe's lines, and the runs of them a formatter may have joined (made
    # once per probe: a move search asks for the same probe in many files).
    if probe.copy_weights is None:
        weight: dict[str, int] = {k: 1 for k in probe.want_n}
        cap: dict[str, int] = dict(probe.want_n)
        for joined, inside, _ in probe.joins:
            if joined not in weight:
                weight[joined], cap[joined] = sum(inside.values()), 1
        probe.copy_weights = (weight, cap)
    weight, cap = probe.copy_weights
    where: dict[str, list[int]] = {}
    for i, x in enumerate(src):
        if x in weight:
            where.setdefault(x, []).append(i)
    found: dict[str, int] = {}
    for j, x in enumerate(dst):
        if x not in where or found.get(x, 0) >= cap[x]:
            continue
        for i in where[x]:
            if _block_at(src, dst, i, j):
                found[x] = found.get(x, 0) + 1
                break
    return min(probe.size, sum(n * weight[k] for k, n in found.items()))


def _block_at(src: list[str], dst: list[str], i: int, j: int) -> bool:
    """Whether src[i] == dst[j] sits in a run of equal lines holding MOVE_BLOCK alphanumerics.

    The run is grown backwards, then forwards, and the growing stops once it holds enough: a whole
    file moved would otherwise be walked once per line looked for.
    """
    have = _alnum(src[i])
    lo = 1
    while have < MOVE_BLOCK and i - lo >= 0 and j - lo >= 0 and src[i - lo] == dst[j - lo]:
        have += _alnum(src[i - lo])
        lo += 1
    hi = 1
    while have < MOVE_BLOCK and i + hi < len(src) and j + hi < len(dst) and src[i + hi] == dst[j + hi]:
        have += _alnum(src[i + hi])
        hi += 1
    return have >= MOVE_BLOCK


def _alnum(line: str) -> int:
    return sum(c.isalnum() for c in line)


def _shifted(probe: ev.Probe, old: ev.FileLines) -> ev.Probe:
    """The probe as it applies to another file: copies that file already had are the floor.

    Made once per (probe, file version): a move search asks for the same candidates again and again.
    """
    found = probe.shifted.get(old.uid)
    if found is not None:
        return found
    # Only the lines that file holds have a floor above 0 (a long patch's thousand lines are looked
    # for in many files that hold a few of them).
    floor = ev.Floor({k: old.exact[k] for k in probe.want.keys() & old.exact.keys()})
    floor_n = ev.Floor({k: old.normal[k] for k in probe.want_n.keys() & old.normal.keys()})
    # A line the session took back before any commit (`_untaken`) is no copy of the patch's anywhere.
    floor.update((x, n) for x, n in probe.floor.items() if n >= ev.NEVER)
    floor_n.update((k, n) for k, n in probe.floor_n.items() if n >= ev.NEVER)
    joins = probe.joins
    if joins:
        # Copy the joins with no floor (made once per probe), then set the floor of the few that
        # file holds: a long patch has thousands of joins, a file version rarely any.
        joins = list(probe.unfloored())
        had = probe.join_keys() & old.keys()
        at = probe.join_at or {}
        for j in had:
            for i in at[j]:
                joins[i] = (j, joins[i][1], old.normal[j])
    found = ev.Probe(probe.deletion, probe.lines, probe.want, floor, probe.want_n, floor_n, probe.exact_only, joins, {})
    # Same joined norms in the same order: the index into `joins` carries over.
    found.join_set, found.join_at, found.want_set, found.joins0 = probe.join_set, probe.join_at, probe.want_set, probe.joins0
    found.bare = probe.bare  # the same lines: the same of them carry nothing
    probe.shifted[old.uid] = found
    return found


def _small_blob(repo: pygit2.Repository, tree: pygit2.Tree, name: str) -> str | None:
    try:
        entry = tree[name]
    except (KeyError, ValueError):
        return None
    if entry.type_str != "blob":
        return None
    try:
        header = repo.odb.read_header(entry.id) if hasattr(repo.odb, "read_header") else None
    except KeyError:  # pygit2.NotFoundError
        # Not in the object store (a partial clone, a copy without its largest files): nothing to
        # look in, as a file too large.
        return None
    if header is not None and header[1] > MOVE_BLOB_LIMIT:
        return None
    return str(entry.id)


def _renames(repo: pygit2.Repository, old_tree: pygit2.Tree, new_tree: pygit2.Tree) -> dict[str, str]:
    """Old name -> new name of every rename git finds between two trees (the first, where two claim one name)."""
    diff = old_tree.diff_to_tree(new_tree)
    try:
        diff.find_similar()
    except (pygit2.GitError, KeyError):
        # A blob to compare is missing (a partial clone): the renames found without reading any.
        diff = old_tree.diff_to_tree(new_tree)
        try:
            diff.find_similar(flags=DiffFind.FIND_RENAMES | DiffFind.FIND_EXACT_MATCH_ONLY)
        except (pygit2.GitError, KeyError):
            return {}
    found: dict[str, str] = {}
    for delta in diff.deltas:
        if delta.status == DeltaStatus.RENAMED and delta.old_file.path not in found:
            new = renamed_in_diff(repo, diff, delta.old_file.path)
            if new is not None:
                found[delta.old_file.path] = new
    return found


def _later_commits(probe, history: History, files: _Files, path: str, accept: str, judged: str) -> list[str]:
    """Commits after the accepting one, in the judged history, that changed the patch's lines."""
    line = history.ancestry(judged)
    out: list[str] = []
    for cid, before, now in files.steps(history, path, history.position[accept], line):
        if before is now or ev.same_for(probe, before, now):
            continue  # the same counts for this probe, so the same answers
        if (ev.kept(probe, now), ev.kept_exact(probe, now)) != (ev.kept(probe, before), ev.kept_exact(probe, before)):
            out.append(cid)
    return out


def _renamed(name: str, path: str) -> str | None:
    return name if name != path else None


def _worktree_lines(workdir: str | None, name: str) -> ev.FileLines | None:
    if not workdir:
        return None
    full = os.path.join(workdir, name)
    try:
        with open(full, "rb") as fh:
            return ev.FileLines.of(_text(fh.read()))
    except FileNotFoundError:
        return ev.EMPTY
    except (OSError, ValueError):  # ValueError: a NUL byte in a name the log gave
        return None


def _mark_superseded(fates: list[Fate]) -> None:
    """Note where a later step of the same session removed a patch's added lines before any commit."""
    by_path: dict[str, list[Fate]] = {}
    for f in fates:
        by_path.setdefault(f.patch.path, []).append(f)
    for group in by_path.values():
        for i, f in enumerate(group):
            if f.state not in ("lost", "transformed") or not f.patch.added:
                continue
            mine = {x for x in f.patch.added if x.strip()}
            for later in group[i + 1 :]:
                if later.patch.step_id == f.patch.step_id:
                    continue
                took = later.patch.removed_from
                # Where the replay knows whose lines a step removed, an identical older copy is not this one.
                if (f.patch.index in took) if took is not None else bool(mine & set(later.patch.removed)):
                    f.superseded_by = later.patch.step_id
                    break


# -- cache ---------------------------------------------------------------------------------------


def _cache_key(repo: pygit2.Repository, session: Session, patches: list[Patch], ref: str, ref_commit: str | None) -> str:
    """Results hold while the refs, the reference, the patches and the touched work-tree files do."""
    h = hashlib.sha256()
    h.update(orjson.dumps([CACHE_VERSION, session.id, ref, ref_commit, ref_tips(repo)]))
    for p in patches:
        h.update(orjson.dumps([p.to_dict(), p.before_counts, p.inside], option=orjson.OPT_NON_STR_KEYS))
    if repo.workdir:
        for path in sorted({p.path for p in patches if p.inside}):
            try:
                st = os.stat(os.path.join(repo.workdir, path))
                h.update(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode())
            except OSError:
                h.update(f"{path}:-".encode())
    return h.hexdigest()


def _cache_load(cache_dir: Path, key: str, patches: list[Patch]) -> list[Fate] | None:
    path = cache_dir / "trail" / f"{key}.json"
    try:
        rows = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(rows, list) or len(rows) != len(patches):
        return None
    try:
        return [
            Fate(
                p,
                r["state"],
                r["commit"],
                r["kept"],
                r["changed"],
                r["dropped"],
                list(r["commits"]),
                r["judged_at"],
                r["path_now"],
                r["superseded_by"],
                r.get("reason"),
                r["evidence"],
            )
            for p, r in zip(patches, rows)
        ]
    except (KeyError, TypeError):
        return None


def _cache_store(cache_dir: Path, key: str, fates: list[Fate]) -> None:
    folder = cache_dir / "trail"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(orjson.dumps([f.to_dict() for f in fates]))
        os.replace(tmp, folder / f"{key}.json")
        _prune(folder)
    except OSError:
        pass  # a cache that cannot be written only costs time


CACHE_KEEP = 500  # trails kept; every commit makes new keys, so old ones are dropped, oldest first


def _prune(folder: Path) -> None:
    entries = list(os.scandir(folder))
    if len(entries) <= CACHE_KEEP:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for entry in entries[: len(entries) - CACHE_KEEP]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass


