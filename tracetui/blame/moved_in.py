"""Lines a commit moved into the blamed file from another file of the repository, given to the patch
that wrote them there. Why: docs/internals/blame.md, `blame/moved_in.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pygit2

from tracetui.blame.copy_counts import CopyCounts
from tracetui.blame.index import LineIndex, Posting
from tracetui.blame.lines import _bare_lines, _Line, _Matcher
from tracetui.blame.results import MOVED_BLOCK
from tracetui.trail.line_identity import MOVE_BLOCK, alnum, norm

SOURCES_MAX = 200  # files a commit changed that are looked at as where its lines came from


def moved_in(
    lines: list[_Line], r: pygit2.Repository, index: LineIndex, matcher: _Matcher, counts: CopyCounts
) -> None:
    """Lines no patch of the file's own names explains, whose commit took their text out of another file
    it changed (the first parent held more copies there than the commit does): a patch of that file
    explains them as a block (`_block`), and the file joins the line's names (git's `blame -C` would
    have followed the line there)."""
    waiting = [(x, x.key, x.commit) for x in lines if x.key is not None and x.writer is None and not x.later]
    if not _block(x for x, _, _ in waiting):
        return
    postings = index.lookup({key for _, key, _ in waiting})
    by_commit: dict[str, list[tuple[_Line, list[Posting]]]] = {}
    for x, key, commit in waiting:
        if commit is not None and postings.get(key):
            by_commit.setdefault(commit, []).append((x, postings[key]))
    found: list[tuple[_Line, str, Posting]] = []
    for commit, xs in by_commit.items():
        if not _block(x for x, _ in xs):
            continue
        parent = counts.parent(commit)
        sources = _changed(r, parent, commit, set(xs[0][0].names))
        for x, candidates in xs:
            text = norm(x.text)
            for name in _named_by(candidates, sources):
                if counts.in_file(parent, (name,), text) <= counts.in_file(commit, (name,), text):
                    continue
                w, _ = matcher.choose(candidates, (name,), x.when, moved=False)
                if w is not None:
                    found.append((x, name, w))
                    break
    blocks: dict[tuple, list[_Line]] = {}
    for x, name, w in found:
        blocks.setdefault((x.commit, name, w.session, w.patch), []).append(x)
    changed = False
    for x, name, w in found:
        if _block(blocks[(x.commit, name, w.session, w.patch)]):
            x.writer, x.kind, x.names = w, "agent", (*x.names, name)
            changed = True
    if changed:
        _bare_lines(lines)


def _block(lines: Iterable[_Line]) -> bool:
    """Whether lines moved together are a block: MOVED_BLOCK lines, or fewer that hold MOVE_BLOCK
    alphanumerics between them, the trail's rule for a move (`moves._block_at`, git's `blame -C`)."""
    n = weight = 0
    for x in lines:
        n, weight = n + 1, weight + alnum(x.text)
        if n >= MOVED_BLOCK or weight >= MOVE_BLOCK:
            return True
    return False


def _changed(r: pygit2.Repository, parent: str | None, commit: str, own: set[str]) -> list[str]:
    """The files the commit changed or deleted against its first parent, the line's own names aside."""
    if parent is None:
        return []
    try:
        diff = r[parent].peel(pygit2.Commit).tree.diff_to_tree(r[commit].peel(pygit2.Commit).tree)
    except (KeyError, ValueError, pygit2.GitError):
        return []
    names: list[str] = []
    for delta in diff.deltas:
        name = delta.old_file.path
        if delta.status != pygit2.enums.DeltaStatus.ADDED and name not in own and name not in names:
            names.append(name)
        if len(names) >= SOURCES_MAX:
            break
    return names


def _named_by(postings: list[Posting], sources: list[str]) -> list[str]:
    """Of the files the commit changed, those a posting of the line's text was written to (by name: the
    matcher then asks whether the posting's folder is this repository)."""
    return [name for name in sources if any(p.path == name or p.path.endswith("/" + name) for p in postings)]
