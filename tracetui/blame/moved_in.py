"""Lines a commit moved into the blamed file from another file of the repository, given to the patch
that wrote them there. Why: docs/internals/blame.md, `blame/moved_in.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pygit2

from tracetui.blame.copy_counts import CopyCounts
from tracetui.blame.index import LineIndex, Posting
from tracetui.blame.lines import _bare_lines, _Line, _Matcher
from tracetui.trail.line_identity import MOVED_BLOCK_ALNUM, alnum, is_moved_block, norm

SOURCES_MAX = 200  # files a commit changed that are looked at as where its lines came from
RUN_SPAN = 8  # lines each side of a moved line its run is weighed over (file_blame.AROUND_ASKED holds them)


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
    at = {id(x): i for i, x in enumerate(lines)}
    found: list[tuple[_Line, str, Posting]] = []
    for commit, xs in by_commit.items():
        if not _block(x for x, _ in xs) and all(_run(lines, at[id(x)]) < MOVED_BLOCK_ALNUM for x, _ in xs):
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
        block = _block(blocks[(x.commit, name, w.session, w.patch)])
        if block or _run(lines, at[id(x)], _taken_from(counts, name, x.commit)) >= MOVED_BLOCK_ALNUM:
            x.writer, x.kind, x.names = w, "agent", (*x.names, name)
            changed = True
    if changed:
        _bare_lines(lines)


def _block(lines: Iterable[_Line]) -> bool:
    """Whether lines moved together are a block, as the trail counts one (`line_identity.is_moved_block`)."""
    return is_moved_block(x.text for x in lines)


def _taken_from(counts: CopyCounts, name: str, commit: str | None) -> Callable[[str], bool]:
    """Whether `commit` took a text (a norm) out of the file `name`: its first parent held more copies."""
    parent = counts.parent(commit) if commit is not None else None
    return lambda text: counts.in_file(parent, (name,), text) > counts.in_file(commit, (name,), text)


def _run(lines: list[_Line], i: int, taken: Callable[[str], bool] | None = None) -> int:
    """The alphanumerics of the run of lines around `lines[i]` that its commit brought, up to RUN_SPAN
    each side (and, given `taken`, whose text it took out of the source file): a line moved with its
    neighbours is a move as the trail's `moves._block_at` counts one, whoever wrote the neighbours."""
    x = lines[i]
    weight = alnum(x.text)
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(lines) and abs(j - i) <= RUN_SPAN and weight < MOVED_BLOCK_ALNUM:
            y = lines[j]
            if y.commit != x.commit or taken is not None and alnum(y.text) and not taken(norm(y.text)):
                break
            weight += alnum(y.text)
            j += step
    return weight


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
