"""`blame_commit` and `blame_range`: a commit's or a range's added lines, each explained by a
step or left to a human, with the files' former names followed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pygit2

from tracetui.blame.copy_counts import CopyCounts
from tracetui.blame.file_blame import Judged, _copies_made_later, _fates, _not_lost
from tracetui.blame.index import LineIndex
from tracetui.blame.line_origins import former_names
from tracetui.blame.lines import _attribute, _iso, _Line, _Matcher, file_keys, git_lines
from tracetui.blame.moved_in import moved_in
from tracetui.blame.repo import open_index, open_repo, resolve
from tracetui.blame.results import CommitBlame, Contribution, RangeBlame
from tracetui.errors import TracetuiError, UsageError


# -- blame of a commit and of a range --------------------------------------------------------------


def blame_commit(
    library: Any,
    rev: str,
    repo: str | Path | None = None,
    index: LineIndex | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CommitBlame:
    """Every step that contributed to the commit `rev`, with its share of the added lines."""
    r = open_repo(repo)
    commit = resolve(r, rev)
    shared = _Shared(r, library)
    try:
        if index is None:
            index, _ = open_index(library, progress)
            try:
                return _commit(r, commit, index, library, shared)
            finally:
                index.close()
        return _commit(r, commit, index, library, shared)
    finally:
        shared.counts.close()  # git's readers of diffs and file versions, where any was started


class _Shared:
    """What the commits of one blame (a range) share: every answer here is the repository's or the
    bucket's, the same for each commit. Each commit blamed on its own made them all again: the
    trail at HEAD of every writing session (its patches replayed from the log, one session for
    every commit it wrote in), the sessions and the repository recognition, the files counted."""

    def __init__(self, r: pygit2.Repository, library: Any) -> None:
        self.library = library
        self.r = r
        self.matcher = _Matcher(r, library.session)
        self.counts = CopyCounts(r)
        self.fates: dict[str, Judged] = {}

    def fates_of(self, sessions: set[str]) -> dict[str, Judged]:
        """The trail's fates at HEAD of these sessions (each judged once per blame)."""
        missing = sessions - set(self.fates)
        if missing:
            self.fates.update(_fates(self.library, self.r, "HEAD", missing))
        return {sid: self.fates[sid] for sid in sessions}


def _commit(
    r: pygit2.Repository, commit: pygit2.Commit, index: LineIndex, library: Any, shared: _Shared
) -> CommitBlame:
    parents = commit.parents
    if parents:
        diff = parents[0].tree.diff_to_tree(commit.tree)
    else:
        diff = commit.tree.diff_to_tree(swap=True)
    diff.find_similar()
    when = float(commit.commit_time)
    seq: list[_Line] = []
    for patch in diff:
        if patch is None or patch.delta.is_binary:
            continue
        new, old = patch.delta.new_file.path, patch.delta.old_file.path
        names = (new,) if old == new else (new, old)
        around: list[int | None] | None = None  # the new file's lines: an added line's neighbours
        for hunk in patch.hunks:
            for line in hunk.lines:
                if line.origin == "+":
                    if around is None:
                        around = _new_keys(r, patch)
                    text = line.content.rstrip("\r\n")
                    seq.append(_Line(new, line.new_lineno, text, str(commit.id), names, when, around=around))
    matcher = shared.matcher
    _attribute(seq, index, matcher)
    _retry_former_names(r, commit, seq, index, matcher)
    moved_in(seq, r, index, matcher, shared.counts)
    writers = {x.writer.session for x in seq if x.writer}
    if writers:
        # Where each writing patch landed, from the trail at HEAD (cached, as the app's trail pane).
        _copies_made_later(seq, shared.fates_of(writers), r, index, matcher, shared.counts)
        _not_lost(seq, shared.fates_of, index, matcher, "HEAD")
    steps: dict[tuple[str, str], Contribution] = {}
    unexplained = []
    for x in seq:
        w = x.writer
        if w is None:
            row = {"path": x.path, "line": x.line, "text": x.text, "kind": x.kind}
            if x.reason is not None:
                row["reason"] = x.reason
            unexplained.append(row)
            continue
        c = steps.get((w.session, w.step))
        if c is None:
            c = steps[(w.session, w.step)] = Contribution(
                w.session, w.agent, w.step, w.index, w.timestamp, w.prompt, w.prompt_step
            )
        c.lines += 1
    total = len(seq)
    for c in steps.values():
        c.share = c.lines / total if total else 0.0
    return CommitBlame(
        commit=str(commit.id),
        message=commit.message,
        author=commit.author.name,
        committed=_iso(commit.commit_time),
        added=total,
        steps=sorted(steps.values(), key=lambda c: (-c.lines, c.session, c.index)),
        unexplained=unexplained,
        merge=len(parents) > 1,
    )


def _new_keys(r: pygit2.Repository, patch: pygit2.Patch) -> list[int | None] | None:
    """The keys of the lines of a patch's new file (its context lines are an added line's
    neighbours as much as the added ones), or None where git cannot read it."""
    try:
        data = r[patch.delta.new_file.id].peel(pygit2.Blob).data
    except (KeyError, ValueError, pygit2.GitError):
        return None
    return file_keys(git_lines(data.decode("utf-8", errors="replace")))


FORMER_NAMES_FILES = 20  # files of one commit whose former names are looked up (one git blame each)


def _retry_former_names(
    r: pygit2.Repository, commit: pygit2.Commit, seq: list[_Line], index: LineIndex, matcher: _Matcher
) -> None:
    """Lines of a file that no patch explains under its names in this commit are tried again under
    every name the file had before (git's blame follows renames): a revert undone after a rename
    brings back lines a step wrote under the old name. Only for files with such lines."""
    paths = list(dict.fromkeys(x.path for x in seq if x.writer is None and x.key is not None and not x.later))
    for path in paths[:FORMER_NAMES_FILES]:
        try:
            former = set(former_names(r, path, commit))
        except TracetuiError:
            continue
        lines = [x for x in seq if x.path == path]
        extra = former - set(lines[0].names)
        if not extra:
            continue
        for x in lines:
            x.names = (*x.names, *sorted(extra))
        _attribute([x for x in lines if x.writer is None], index, matcher)


def blame_range(
    library: Any,
    spec: str,
    repo: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RangeBlame:
    """`BASE..HEAD`: the commits HEAD has and BASE has not, oldest first, each blamed (merge commits
    are listed but not blamed: their lines are the merged commits')."""
    if spec.count("..") != 1 or "..." in spec:
        raise UsageError(f"a range is BASE..HEAD, not {spec!r}")
    base_rev, head_rev = spec.split("..")
    r = open_repo(repo)
    base = resolve(r, base_rev or "HEAD")
    head = resolve(r, head_rev or "HEAD")
    walker = r.walk(head.id, pygit2.enums.SortMode.TOPOLOGICAL | pygit2.enums.SortMode.REVERSE)
    walker.hide(base.id)
    commits = list(walker)
    index, _ = open_index(library, progress)
    out = RangeBlame(str(base.id), str(head.id), [])
    shared = _Shared(r, library)
    try:
        for c in commits:
            if len(c.parents) > 1:
                out.commits.append(
                    CommitBlame(
                        str(c.id), c.message, c.author.name, _iso(c.commit_time), 0, [], [], merge=True
                    )
                )
                continue
            out.commits.append(_commit(r, c, index, library, shared))
    finally:
        index.close()
        shared.counts.close()
    return out
