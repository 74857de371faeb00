"""Which commits descend from which: many questions of one blame, answered from one walk.

A file's blame asks, for each line, whether the commit that accepted its writer's patch is an
ancestor of the line's commit. libgit2's `descendant_of` finds a merge base for each pair (6 ms a
pair on badlogic/pi-mono: 1.6 s for a CHANGELOG's 272 pairs). Past a few questions, or at once where
the judging listed the refs' commits, every ref's history is walked once, parents first, and each
asked ancestor's descendants are marked in a single pass over the commits after it.
"""

from __future__ import annotations

import pygit2

from tracetui.trail.history import has_commit_table, History, walk

WALK_AFTER = 8  # pairs asked of libgit2 before the history is walked (a blame of a few lines asks fewer)


class Descent:
    def __init__(self, repo: pygit2.Repository) -> None:
        self.repo = repo
        self._asked: dict[tuple[str, str], bool] = {}
        self._history: History | None = None  # every ref's commits, parents first (the trail's walk)
        self._below: dict[str, set[str]] = {}  # ancestor -> its strict descendants
        self._table: bool | None = None  # `_listed`'s answer

    def strictly_after(self, commit: str, ancestor: str) -> bool:
        """Whether `ancestor` is a strict ancestor of `commit` (False for commits git cannot read)."""
        if commit == ancestor:
            return False
        key = (commit, ancestor)
        found = self._asked.get(key)
        if found is None:
            found = self._asked[key] = self._answer(commit, ancestor)
        return found

    def _answer(self, commit: str, ancestor: str) -> bool:
        if self._history is None and (len(self._asked) >= WALK_AFTER or self._listed()):
            try:  # no paths followed: the walk records each commit's parents and place only
                self._history = walk(self.repo, (), float("inf"))
            except (pygit2.GitError, KeyError, ValueError):  # a shallow or damaged history: ask libgit2
                self._history = History(self.repo, [], float("inf"))
        h = self._history
        if h is not None and commit in h.position and ancestor in h.position:
            below = self._below.get(ancestor)
            if below is None:
                below = self._below[ancestor] = self._descendants(h, ancestor)
            return commit in below
        try:  # a commit no ref reaches (a detached revision), or before the walk
            return self.repo.descendant_of(commit, ancestor)
        except (pygit2.GitError, KeyError, ValueError):
            return False

    def _listed(self) -> bool:
        """Whether the judging listed the refs' commits already (`commit_table`), asked once: the walk
        then costs nothing, and libgit2 takes 6 ms a pair (8 pairs were 0.04 s of a big file's blame)."""
        if self._table is None:
            self._table = has_commit_table(self.repo)
        return self._table

    @staticmethod
    def _descendants(h: History, ancestor: str) -> set[str]:
        # The ancestor among them while marking, so that one set test in C asks of each commit whether
        # a parent is either (a generator per commit was most of a big file's descent questions).
        reach = {ancestor}
        parents = h.parents
        for cid in h.order[h.position[ancestor] + 1 :]:
            if not reach.isdisjoint(parents[cid]):
                reach.add(cid)
        reach.discard(ancestor)
        return reach
