"""A session's trail judged one file at a time, as a caller asks about some of its steps (blame).

A patch's fate depends on its file's history and on the session's other patches to that file, never
on the patches to other files, so judging a file's patches alone gives the fates the whole trail
gives them, at a fraction of its cost on a session that edited many files.
More in docs/internals/trail.md, `trail/by_file.py`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pygit2

from tracetui.errors import TracetuiError
from tracetui.line_cost import line_cost, of_fates, remember
from tracetui.model import Session
from tracetui.trail.fates import Fate, Trail
from tracetui.trail.history import ref_tips
from tracetui.trail.git_read import (
    _AtTime,
    _base_reader,
    _clocks_agree,
    _named_commit,
    _reader,
    MissingObject,
    resolve_ref,
)
from tracetui.trail.judging import _collector_paused, _mark_superseded, judge
from tracetui.trail.mapping import map_repository
from tracetui.trail.patch import Patch
from tracetui.trail.patches import file_patches, session_patches
from tracetui.trail.snapshot import apply_snapshots, snapshots
from tracetui.trail.trail_cache import _cache_key, _cache_load, _cache_store

COPIES = "a copy of the parent session's patch: the parent's trail judges it"
_ASTRAY = ("lost", "uncommitted")  # the states a disagreeing clock can give (`trail`)


class TrailByFile:
    """The fates of one session's patches at `ref`: the whole trail where its cache is fresh (or there
    is nothing to judge), else each file's patches judged when a step that touched it is asked about,
    and cached by file. Raises as `trail` does for a repository given that is not one, or a bad `ref`."""

    def __init__(self, session: Session, repo: str | Path | None = None, ref: str = "HEAD",
                 cache_dir: Path | None = None, own_only: bool = False,
                 later_commits: bool = True, only: frozenset[str] | None = None,
                 counts: bool = True) -> None:  # fmt: skip
        self.session = session
        # False: the fates judged here have no `commits` (`judge`'s `later_commits`; a blame shows
        # none), or their states but not their exact counts (`judge`'s `counts`). They are cached
        # apart, so that a trail never shows them; a trail's are read here.
        self.later_commits = later_commits
        self.counts = counts
        self.ref = ref
        self.cache_dir = cache_dir
        self.fates: dict[int, Fate] = {}  # by the patch's place in `patches`
        self.cached = False  # the whole trail was the cache's
        self._unclocked: list[Patch] | None = None
        self._clocks: bool | None = None
        self._passes = 0  # judgements made (the whole trail's cache read counts none)
        self._places: dict[int, int] | None = None  # Patch.index -> its first place (`of_patch`)
        self._kept = False  # the whole trail stored in the cache
        self._tips: list[tuple[str, str]] | None = None  # the refs, for the cache's keys
        # The places of stubs (`file_patches`): with `only`, the other files' patches are replayed
        # only once one is asked about (0.13 s of a Pi session of 136 patches, 93 of other files).
        self._stubs: set[int] = set()
        mapped = map_repository(session, repo)
        self.repo, self.root, self.note = mapped.repo, mapped.logged_root, mapped.note
        # A revision the repository lacks is the user's mistake whether or not it holds the session's files.
        self.ref_commit = resolve_ref(self.repo, ref) if self.repo is not None else None
        judged = self.repo is not None and self.root is not None
        self.name = mapped.name or (self.repo.path.rstrip("/") if judged and self.repo is not None else None)
        if self.repo is None or self.root is None:
            # No repository, or one that holds none of the session's files: the patches listed unjudged.
            self.patches = session_patches(session)
            reason = "no repository" if self.repo is None else "not in the repository"
            unjudged = [Fate(p, "unknown", reason=reason) for p in self.patches]
            _mark_superseded(unjudged)
            self.fates = dict(enumerate(unjudged))
            if repo is None:  # a clone given for other sessions (`export --repo`) says nothing of this one
                _remember(cache_dir, session, unjudged, ref)
            return
        with _collector_paused():
            self.patches, self._stubs = self._replay(None if own_only else only)
            if own_only and self.patches and all(p.copied for p in self.patches):
                # A fork with no patch of its own: its copies are the parent's work, which the parent's
                # trail judges (a Pi fork of 136 copies took 4 s to list none). Listed unjudged, and
                # not kept, so a caller of the whole trail judges them.
                self.fates = {i: Fate(p, "unknown", reason=COPIES) for i, p in enumerate(self.patches)}
                self._kept = True
                return
            cached = None if self._stubs else self._cached(self.patches)
        if cached is not None:
            self.fates = dict(enumerate(cached))
            self.cached = self._kept = True
            _remember(cache_dir, session, cached, ref)

    def whole(self) -> Trail:
        """The trail: every file judged, those not judged yet in one pass (a file's own cache first)."""
        self._judge_paths(dict.fromkeys(p.path for i, p in enumerate(self.patches) if i not in self.fates))
        fates = [self.fates[i] for i in range(len(self.patches))]
        if self.repo is None or self.root is None:
            return Trail(self.name, self.ref, fates, note=self.note)
        return Trail(self.name, self.ref, fates, note=self.note, ref_commit=self.ref_commit, cached=self.cached,
                     root=self.root)  # fmt: skip

    def of_step(self, step_id: str) -> list[Fate]:
        """The fates of the step's patches, in the session's order (each file it touched judged whole)."""
        self.judge_steps({step_id})
        return [self.fates[i] for i, p in enumerate(self.patches) if p.step_id == step_id and i in self.fates]

    def of_patch(self, index: int) -> Fate | None:
        """The fate of the session's patch of that order (`Patch.index`), its file judged now; None
        where the session has no such patch. Asked for each line a blame shows: found by a map made
        once, not a walk over the patches."""
        if self._places is None:
            self._places = {}
            for i, p in enumerate(self.patches):
                self._places.setdefault(p.index, i)
        place = self._places.get(index)
        if place is None:
            return None
        if place not in self.fates:
            self._judge_paths({self.patches[place].path: None})
        return self.fates.get(place)

    def judge_patches(self, indexes: set[int]) -> None:
        """Judge the files of these patches (by `Patch.index`) that are not judged yet, in one pass:
        a blame of one file needs its own patches' fates, not those of every file their steps touched."""
        asked = (p.path for i, p in enumerate(self.patches) if p.index in indexes and i not in self.fates)
        self._judge_paths(dict.fromkeys(asked))

    def judge_steps(self, steps: set[str]) -> None:
        """Judge the files these steps touched that are not judged yet, in one pass over the history.
        A pass walks the history whatever it judges, so a second pass judges every file left: a
        caller that goes on asking (a blame of several files) pays for two walks at most."""
        asked = (p.path for i, p in enumerate(self.patches) if p.step_id in steps and i not in self.fates)
        self._judge_paths(dict.fromkeys(asked))

    def _replay(self, only: frozenset[str] | None) -> tuple[list[Patch], set[int]]:
        """The session's patches, and the places of stubs: with `only`, its other files' edits are
        stubs, unless a rename touches its files or the session has snapshots (a patch of each file
        a step changed)."""
        assert self.repo is not None and self.root is not None
        base, at = _base_reader(self.repo, self.session), _AtTime(self.repo)
        some = file_patches(self.session, only, root=self.root, base=base, at=at) if only else None
        if some is not None and some[1] and len(snapshots(self.repo, self.session.id)) < 2:
            return some  # as `apply_snapshots` would leave it
        patches = some[0] if some is not None and not some[1] else None  # a stub-free list is the whole
        if patches is None:
            patches = session_patches(self.session, root=self.root, base=base, at=at)
        return apply_snapshots(self.repo, self.session, patches), set()

    def _unstub(self) -> None:
        """Every patch replayed, once a stub's file is asked about; the fates judged stay (a file's
        patches are the same whichever files are replayed), the whole trail's cache fills the rest."""
        with _collector_paused():
            self.patches, self._stubs = self._replay(None)
            self._places = None
            cached = self._cached(self.patches)
        if cached is not None:
            self.cached = not self.fates
            self.fates = {**dict(enumerate(cached)), **self.fates}
            self._kept = True
            _remember(self.cache_dir, self.session, cached, self.ref)

    def _judge_paths(self, paths: dict[str, None]) -> None:
        if self._stubs:
            asked = [i for i, p in enumerate(self.patches) if p.path in paths]
            if not self._stubs.isdisjoint(asked) or (self._passes and any(i not in self.fates for i in asked)):
                self._unstub()
        todo: list[int] = []
        for path in paths:
            places = [i for i, p in enumerate(self.patches) if p.path == path]
            if all(i in self.fates for i in places):
                continue  # the whole trail's cache, read as the stubs were replayed (`_unstub`)
            cached = self._cached([self.patches[i] for i in places])
            if cached is None:
                todo.extend(places)
            else:
                self.fates.update(zip(places, cached))
        if todo and self._passes:
            todo = [i for i in range(len(self.patches)) if i not in self.fates]
        if todo:
            self._passes += 1
            self._judge(sorted(todo))
        self._keep_whole()

    def _judge(self, places: list[int]) -> None:
        assert self.repo is not None
        patches = [self.patches[i] for i in places]
        branch = self.session.git.branch if self.session.git else None
        with _collector_paused():
            try:
                later = self.later_commits
                fates = judge(self.repo, patches, self.ref_commit, branch=branch, later_commits=later,
                              counts=self.counts, cache_dir=self.cache_dir)  # fmt: skip
                if any(f.state in _ASTRAY for f in fates) and not self._clocks_agree():
                    self._judge_without_clocks(places, fates, branch)
            except (pygit2.GitError, MissingObject) as exc:
                raise TracetuiError(f"could not read the git history of {self.name}: {exc}") from None
            _mark_superseded(fates)
        self.fates.update(zip(places, fates))
        if self.cache_dir is None or len(self.fates) == len(self.patches):
            return  # every file judged: the whole trail is kept (`_keep_whole`), not each file's
        by_path: dict[str, list[Fate]] = {}
        for fate in fates:
            by_path.setdefault(fate.patch.path, []).append(fate)
        for mine in by_path.values():  # each file's fates under the key of its own patches
            if not any(f.partial for f in mine):
                _cache_store(Path(self.cache_dir), self._stored([f.patch for f in mine]), mine)

    def _keep_whole(self) -> None:
        """Once every file is judged: the whole trail in the cache, as `trail` reads it, and the cost
        per surviving line. A verdict the clone's missing objects left unknown is not kept (it changes
        when they arrive, and a fetch moves no ref)."""
        if self._kept or self.repo is None or self.root is None or len(self.fates) < len(self.patches):
            return
        self._kept = True
        whole = [self.fates[i] for i in range(len(self.patches))]
        if self.cache_dir is not None and not any(f.partial for f in whole):
            _cache_store(Path(self.cache_dir), self._stored(self.patches), whole)
        _remember(self.cache_dir, self.session, whole, self.ref)

    def _cached(self, patches: list[Patch]) -> list[Fate] | None:
        if self.cache_dir is None:
            return None
        key = self._key(patches)
        found = _cache_load(Path(self.cache_dir), key, patches)  # a trail's, with its later commits
        if found is None and not self.later_commits:
            found = _cache_load(Path(self.cache_dir), _without_later(key), patches)
        if found is None and not self.counts:
            found = _cache_load(Path(self.cache_dir), _apart(key, self.later_commits, False), patches)
        return found

    def _stored(self, patches: list[Patch]) -> str:
        """The key these fates are cached under: apart from a trail's where they lack the later commits
        or the exact counts."""
        return _apart(self._key(patches), self.later_commits, self.counts)

    def _key(self, patches: list[Patch]) -> str:
        assert self.repo is not None
        if self._tips is None:
            self._tips = ref_tips(self.repo)  # read once: 6 ms on a clone of 233 refs, and a key per file
        return _cache_key(self.repo, self.session, patches, self.ref, self.ref_commit, self._tips)

    def _clocks_agree(self) -> bool:
        if self._clocks is None:
            assert self.repo is not None
            self._clocks = _clocks_agree(self.repo, self.patches)  # over the session, as `trail` asks
        return self._clocks

    def _judge_without_clocks(self, places: list[int], fates: list[Fate], branch: str | None) -> None:
        """`trail`'s second judgement of patches no commit took, trusting content only, for one file."""
        assert self.repo is not None
        if self._unclocked is None:
            named = _named_commit(self.repo, self.session)
            base = _reader(self.repo, named) if named else None
            again = session_patches(self.session, root=self.root or self.session.cwd, base=base)
            again = apply_snapshots(self.repo, self.session, again)
            self._unclocked = again if len(again) == len(self.patches) else []
        if not self._unclocked:
            return
        unclocked = [self._unclocked[i] for i in places]
        again_fates = judge(self.repo, unclocked, self.ref_commit, use_time=False, branch=branch,
                            later_commits=self.later_commits, counts=self.counts,
                            cache_dir=self.cache_dir)  # fmt: skip
        for j, fate in enumerate(fates):
            if fate.state in _ASTRAY and again_fates[j].commit is not None:
                fates[j] = again_fates[j]


def _without_later(key: str) -> str:
    return hashlib.sha256(f"{key} without later commits".encode()).hexdigest()


def _apart(key: str, later_commits: bool, counts: bool) -> str:
    """The key of fates judged without the later commits or the exact counts (a trail's where neither)."""
    if counts:
        return key if later_commits else _without_later(key)
    without = "" if later_commits else "without later commits, "
    return hashlib.sha256(f"{key} {without}states only".encode()).hexdigest()


def _remember(cache_dir: Path | None, session: Session, fates: list[Fate], ref: str) -> None:
    """The session's cost per surviving line, kept for `ls` and `cost` where a trail at HEAD is judged."""
    if cache_dir is not None and ref == "HEAD":
        remember(Path(cache_dir), session, line_cost(session, of_fates(fates), ref))
