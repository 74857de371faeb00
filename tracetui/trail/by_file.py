"""A session's trail judged one file at a time, as a caller asks about some of its steps (blame).

A patch's fate depends on its file's history and on the session's other patches to that file, never
on the patches to other files, so judging a file's patches alone gives the fates the whole trail
gives them, at a fraction of its cost on a session that edited many files.
More in docs/internals/trail.md, `trail/by_file.py`.
"""

from __future__ import annotations

from pathlib import Path

from tracetui.model import Session
from tracetui.trail.fates import Fate
from tracetui.trail.git_read import _AtTime, _base_reader, _clocks_agree, _named_commit, _reader, resolve_ref
from tracetui.trail.judging import _collector_paused, _mark_superseded, judge
from tracetui.trail.mapping import map_repository
from tracetui.trail.patch import Patch
from tracetui.trail.patches import session_patches
from tracetui.trail.snapshot import apply_snapshots
from tracetui.trail.survival import _remember, trail
from tracetui.trail.trail_cache import _cache_key, _cache_load, _cache_store

_ASTRAY = ("lost", "uncommitted")  # the states a disagreeing clock can give (`trail`)


class TrailByFile:
    """The fates of one session's patches at `ref`: the whole trail where its cache is fresh (or there
    is nothing to judge), else each file's patches judged when a step that touched it is asked about,
    and cached by file. Raises as `trail` does for a repository given that is not one, or a bad `ref`."""

    def __init__(self, session: Session, repo: str | Path | None = None, ref: str = "HEAD",
                 cache_dir: Path | None = None) -> None:  # fmt: skip
        self.session = session
        self.ref = ref
        self.cache_dir = cache_dir
        self.fates: dict[int, Fate] = {}  # by the patch's place in `patches`
        self._unclocked: list[Patch] | None = None
        self._clocks: bool | None = None
        self._passes = 0  # judgements made (the whole trail's cache read counts none)
        mapped = map_repository(session, repo)
        self.repo, self.root = mapped.repo, mapped.logged_root
        if self.repo is None or self.root is None:
            whole = trail(session, repo, ref, cache_dir).fates  # listed unjudged, as the trail lists them
            self.patches = [f.patch for f in whole]
            self.fates = dict(enumerate(whole))
            return
        self.ref_commit = resolve_ref(self.repo, ref)
        with _collector_paused():
            self.patches = session_patches(session, root=self.root, base=_base_reader(self.repo, session),
                                           at=_AtTime(self.repo))  # fmt: skip
            self.patches = apply_snapshots(self.repo, session, self.patches)
            cached = self._cached(self.patches)
        if cached is not None:
            self.fates = dict(enumerate(cached))
            _remember(cache_dir, session, cached, ref)

    def of_step(self, step_id: str) -> list[Fate]:
        """The fates of the step's patches, in the session's order (each file it touched judged whole)."""
        self.judge_steps({step_id})
        return [self.fates[i] for i, p in enumerate(self.patches) if p.step_id == step_id and i in self.fates]

    def judge_steps(self, steps: set[str]) -> None:
        """Judge the files these steps touched that are not judged yet, in one pass over the history.
        A pass walks the history whatever it judges, so a second pass judges every file left: a
        caller that goes on asking (a blame of several files) pays for two walks at most."""
        asked = (p.path for i, p in enumerate(self.patches) if p.step_id in steps and i not in self.fates)
        paths = dict.fromkeys(asked)
        todo: list[int] = []
        for path in paths:
            places = [i for i, p in enumerate(self.patches) if p.path == path]
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

    def _judge(self, places: list[int]) -> None:
        assert self.repo is not None
        patches = [self.patches[i] for i in places]
        branch = self.session.git.branch if self.session.git else None
        with _collector_paused():
            fates = judge(self.repo, patches, self.ref_commit, branch=branch)
            if any(f.state in _ASTRAY for f in fates) and not self._clocks_agree():
                self._judge_without_clocks(places, fates, branch)
            _mark_superseded(fates)
        self.fates.update(zip(places, fates))
        if self.cache_dir is None:
            return
        if len(self.fates) == len(self.patches) and not any(f.partial for f in self.fates.values()):
            whole = [self.fates[i] for i in range(len(self.patches))]  # the whole trail, as `trail` keeps it
            _cache_store(Path(self.cache_dir), self._key(self.patches), whole)
            _remember(self.cache_dir, self.session, whole, self.ref)
        by_path: dict[str, list[Fate]] = {}
        for fate in fates:
            by_path.setdefault(fate.patch.path, []).append(fate)
        for mine in by_path.values():  # each file's fates under the key of its own patches
            if not any(f.partial for f in mine):
                _cache_store(Path(self.cache_dir), self._key([f.patch for f in mine]), mine)

    def _cached(self, patches: list[Patch]) -> list[Fate] | None:
        if self.cache_dir is None:
            return None
        return _cache_load(Path(self.cache_dir), self._key(patches), patches)

    def _key(self, patches: list[Patch]) -> str:
        assert self.repo is not None
        return _cache_key(self.repo, self.session, patches, self.ref, self.ref_commit)

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
        again_fates = judge(self.repo, unclocked, self.ref_commit, use_time=False, branch=branch)
        for j, fate in enumerate(fates):
            if fate.state in _ASTRAY and again_fates[j].commit is not None:
                fates[j] = again_fates[j]
