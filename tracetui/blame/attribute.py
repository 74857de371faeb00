"""Attribution: from a line in git back to the step that wrote it.

For a line as it is at a revision, git's blame gives the commit that introduced it (following the
file's renames). The line index (index.py) gives every patch, in any session of the bucket, that
added a line of the same identity (whitespace aside, as the trail matches lines). A patch explains
the line when

More in docs/internals/blame.md, `blame/attribute.py`.
"""

from __future__ import annotations

import os
import posixpath
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pygit2

from tracetui.blame.index import LineIndex, Posting, Refresh, index_path, line_key
from tracetui.errors import NotFound, TracetuiError, UsageError
from tracetui.regular_file import refuse_special_git_files
from tracetui.trail import map_repository, trail
from tracetui.trail.patches import SPLIT_MIN, SPLIT_SPAN, norm

SLACK_SECONDS = 60  # the trail's clock slack between a log's clock and git's
# A log written in a folder not recognisable by name, commit or remote is this repository's when the
# trail's mapping places it here and the clone holds at least this many of its files: one file of a
# common name (README.md) is held by every clone.
MAPPED_FILES = 2
# A patch to a file of the same name in another folder explains lines only as a block of at least
# this many: one `## Usage` line in one README says nothing about another folder's README.
MOVED_BLOCK = 3
MOVED_DEPTH = 8  # folders above a patch's file looked at for this repository's logged root
STATE_HUMAN = "human"
STATE_UNKNOWN = "unknown"
# A line whose only candidate patch is `lost` (the trail: it reached no commit) is a human's when that
# patch was written this long before the line's commit: the commit wrote the text anew (a generic
# line, `raise SystemExit(0)`, days later); closer to it, who wrote it is not known.
LOST_STALE_SECONDS = 86_400


@dataclass(slots=True)
class BlameLine:
    """One line of a file at a revision and who wrote it.

    `kind` is "agent" (a step's patch wrote it: `writer`), "human" (its commit, no session) or
    "unknown". `state` is the writing patch's survival state (the trail's, at the blamed revision)
    for an agent line, else "human" or "unknown".
    """

    path: str
    line: int
    text: str
    commit: str | None
    kind: str
    state: str
    writer: Posting | None = None
    author: str | None = None
    committed: str | None = None  # the commit's time, ISO-8601 UTC
    reason: str | None = None
    # The trail's patch state is the whole patch's: a patch whose other lines a later step of the
    # session replaced is `lost` (superseded_by names that step) even though this line lives on.
    superseded_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        w = self.writer
        return {
            "path": self.path,
            "line": self.line,
            "commit": self.commit,
            "session": w.session if w else None,
            "step": w.step if w else None,
            "index": w.index if w else None,
            "agent": w.agent if w else None,
            "state": self.state,
            "prompt": w.prompt if w else None,
            "kind": self.kind,
            "text": self.text,
            "time": w.timestamp if w else None,
            "prompt_step": w.prompt_step if w else None,
            "logged_path": w.path if w else None,
            "author": self.author,
            "committed": self.committed,
            "open": open_hint(w),
            "reason": self.reason,
            "superseded_by": self.superseded_by,
        }


def open_hint(w: Posting | None) -> str | None:
    """How to open the writer's step in the CLI, by the number every face shows (the app opens it there)."""
    return f"tracetui show {w.session} --step {w.index}" if w else None


@dataclass(slots=True)
class FileBlame:
    """A file at a revision, line by line."""

    repo: str
    ref: str
    ref_commit: str
    path: str
    lines: list[BlameLine]
    refresh: Refresh | None = None

    def rows(self) -> list[dict[str, Any]]:
        return [x.to_dict() for x in self.lines]


@dataclass(slots=True)
class Contribution:
    """A step's share of a commit's added lines."""

    session: str
    agent: str
    step: str
    index: int
    time: str | None
    prompt: str | None
    prompt_step: str | None
    lines: int = 0
    share: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session, "agent": self.agent, "step": self.step, "index": self.index,
            "time": self.time, "prompt": self.prompt, "prompt_step": self.prompt_step,
            "lines": self.lines, "share": round(self.share, 4),
            "open": f"tracetui show {self.session} --step {self.index}",
        }  # fmt: skip


@dataclass(slots=True)
class CommitBlame:
    """What sessions explain of one commit's added lines."""

    commit: str
    message: str
    author: str
    committed: str
    added: int  # lines the commit adds (against its first parent)
    steps: list[Contribution]
    unexplained: list[dict[str, Any]]  # {"path", "line", "text"}
    merge: bool = False

    @property
    def explained(self) -> int:
        return sum(c.lines for c in self.steps)

    def sessions(self) -> list[dict[str, Any]]:
        """Per session: its lines, share and the prompts that drove its steps here (in step order)."""
        out: dict[str, dict[str, Any]] = {}
        for c in sorted(self.steps, key=lambda c: (c.session, c.index)):
            s = out.setdefault(
                c.session, {"session": c.session, "agent": c.agent, "lines": 0, "steps": 0, "prompts": []}
            )
            s["lines"] += c.lines
            s["steps"] += 1
            if c.prompt and c.prompt not in s["prompts"]:
                s["prompts"].append(c.prompt)
        for s in out.values():
            s["share"] = round(s["lines"] / self.added, 4) if self.added else 0.0
        return sorted(out.values(), key=lambda s: -s["lines"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "message": self.message,
            "author": self.author,
            "committed": self.committed,
            "merge": self.merge,
            "added": self.added,
            "explained": self.explained,
            "share": round(self.explained / self.added, 4) if self.added else 0.0,
            "sessions": self.sessions(),
            "steps": [c.to_dict() for c in self.steps],
            "unexplained": self.unexplained,
        }


@dataclass(slots=True)
class RangeBlame:
    """A pull request's view: its commits, oldest first, each with what sessions explain."""

    base: str
    head: str
    commits: list[CommitBlame]

    def to_dict(self) -> dict[str, Any]:
        added = sum(c.added for c in self.commits)
        explained = sum(c.explained for c in self.commits)
        return {
            "base": self.base,
            "head": self.head,
            "added": added,
            "explained": explained,
            "share": round(explained / added, 4) if added else 0.0,
            "commits": [c.to_dict() for c in self.commits],
        }


# -- the repository and the index ------------------------------------------------------------------


def open_repo(repo: str | Path | None, near: str | None = None) -> pygit2.Repository:
    """The repository at `repo`, else the one holding `near` (a file), else the current folder's."""
    where = str(repo) if repo is not None else (_existing_parent(near) if near else os.getcwd())
    try:
        found = pygit2.discover_repository(where)
    except (ValueError, pygit2.GitError):
        found = None
    if found is None and repo is None and near:
        found = _discover(os.getcwd())
    if found is None:
        raise NotFound(
            f"no git repository at {where}"
            if repo is not None
            else f"{where} is not inside a git repository (pass --repo)"
        )
    refuse_special_git_files(found)  # a FIFO among its files blocked the open for ever
    return pygit2.Repository(found)


def _discover(where: str) -> str | None:
    try:
        return pygit2.discover_repository(where)
    except (ValueError, pygit2.GitError):
        return None


def _existing_parent(path: str) -> str:
    p = os.path.abspath(path)
    while p and not os.path.isdir(p):
        parent = os.path.dirname(p)
        if parent == p:
            break
        p = parent
    return p


def repo_name(repo: pygit2.Repository) -> str:
    return (repo.workdir or repo.path).rstrip("/") or "/"


def resolve(repo: pygit2.Repository, rev: str) -> pygit2.Commit:
    try:
        return repo.revparse_single(rev).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        raise NotFound(f"revision {rev!r} not found in the repository") from None


def relative_name(repo: pygit2.Repository, file: str, repo_given: bool) -> str:
    """FILE as a path inside the repository: relative to the current folder when it lies inside
    the work tree (how a user names a file), else relative to the repository's top."""
    top = repo.workdir.rstrip("/") if repo.workdir else None
    name = file.replace("\\", "/") if os.sep == "\\" else file
    if top:
        full = os.path.abspath(name)
        for t in {top, os.path.realpath(top)}:
            for f in (full, os.path.realpath(full)):
                if f.startswith(t + "/"):
                    return f[len(t) + 1 :]
        if os.path.isabs(name):
            raise NotFound(f"{file} is not inside the repository at {top}")
    rel = posixpath.normpath(name.lstrip("/"))
    if rel.startswith("../") or rel in ("", ".", ".."):
        raise NotFound(f"{file} is not a file inside the repository")
    return rel


def open_index(library: Any, progress: Callable[[int, int], None] | None = None) -> tuple[LineIndex, Refresh]:
    """The library's line index, brought up to date with its sessions."""
    index = LineIndex(index_path(getattr(library, "cache_dir", None)))
    try:
        refresh = index.refresh(library, progress)
    except sqlite3.Error as exc:
        index.close()
        raise TracetuiError(f"could not write the blame index at {index.path}: {exc}") from None
    except BaseException:
        index.close()
        raise
    return index, refresh


# -- choosing a writer -----------------------------------------------------------------------------


class _Matcher:
    """Picks the patch that explains a line, with the repository-recognition answers cached."""

    def __init__(self, repo: pygit2.Repository, session_of: Callable[[str], Any] | None = None) -> None:
        self.repo = repo
        self.session_of = session_of
        self.mapped: dict[str, str | None] = {}
        self.top = repo.workdir.rstrip("/") if repo.workdir else None
        self.base = posixpath.basename(self.top) if self.top else None
        self.memo: dict[tuple[str, str, str | None, str | None], bool] = {}
        self._remotes: set[str] | None = None

    def tier(self, p: Posting, names: Iterable[str]) -> int | None:
        for name in names:
            if not name:
                continue
            if self.top and p.path == f"{self.top}/{name}":
                return 0
            if p.path == name or p.path.endswith("/" + name):
                root = p.path[: -len(name)].rstrip("/")
                if self._ours(root, p):
                    return 1
        # A file moved to another folder before (or when) it was committed keeps its name: the
        # patch counts, below any patch of the file's own path, when a folder above it is ours.
        bases = {posixpath.basename(n) for n in names if n}
        if posixpath.basename(p.path) in bases:
            folder = posixpath.dirname(p.path)
            for _ in range(MOVED_DEPTH):
                if not folder or folder in ("/", "."):
                    break
                if self._ours(folder, p):
                    return 2
                folder = posixpath.dirname(folder)
        return None

    def _ours(self, root: str, p: Posting) -> bool:
        key = (root, p.session, p.commit, p.remote)
        found = self.memo.get(key)
        if found is None:
            found = (
                bool(self.base)
                and posixpath.basename(root) == self.base
                or bool(p.commit)
                and self._has_commit(p.commit or "")
                or bool(p.remote)
                and _remote_key(p.remote or "") in self.remotes()
                or self._mapped_root(p.session) == root
            )
            self.memo[key] = found
        return found

    def _mapped_root(self, sid: str) -> str | None:
        """The session's logged folder that the trail's mapping places at this clone's top, if any."""
        if sid in self.mapped:
            return self.mapped[sid]
        root = None
        if self.session_of is not None:
            try:
                found = map_repository(self.session_of(sid), self.top or self.repo.path)
                if found.logged_root and found.held >= MAPPED_FILES:
                    root = found.logged_root.rstrip("/")
            except Exception:  # noqa: BLE001 - an unreadable session is just not recognised
                root = None
        self.mapped[sid] = root
        return root

    def _has_commit(self, commit: str) -> bool:
        try:
            self.repo.revparse_single(commit)
            return True
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            return False

    def remotes(self) -> set[str]:
        if self._remotes is None:
            self._remotes = set()
            try:
                for r in self.repo.remotes:
                    if r.url:
                        self._remotes.add(_remote_key(r.url))
            except pygit2.GitError:
                pass
        return self._remotes

    def choose(
        self, postings: list[Posting], names: Iterable[str], when: float | None, moved: bool = True
    ) -> tuple[Posting | None, bool]:
        """(the best patch, whether only patches written after the commit matched). `moved`: a patch
        to a file of the same name in another folder may count (not for short lines, which recur)."""
        names = list(names)
        best: Posting | None = None
        best_rank: tuple[Any, ...] | None = None
        later = False
        for p in postings:
            tier = self.tier(p, names)
            if tier is None or (tier == 2 and not moved):
                continue
            if p.time is not None and when is not None and p.time > when + SLACK_SECONDS:
                later = True
                continue
            # A fork's copy of its parent's step wrote nothing: it explains a line only where no
            # other patch does (its original, in the parent, comes first however late the copy).
            rank = (
                p.copied,
                0 if p.active else 1,
                tier,
                -(p.time if p.time is not None else float("-inf")),
                -p.index,
            )
            if best_rank is None or rank < best_rank:
                best, best_rank = p, rank
        return best, later and best is None


def _remote_key(url: str) -> str:
    """A remote URL reduced to host/owner/name, so ssh and https spellings of one repository agree."""
    u = url.strip().lower()
    u = re.sub(r"^[a-z+]+://", "", u)
    u = re.sub(r"^[^@/]+@", "", u)
    u = u.replace(":", "/")
    return u.removesuffix("/").removesuffix(".git")


# -- one sequence of lines -------------------------------------------------------------------------


@dataclass(slots=True)
class _Line:
    path: str
    line: int
    text: str
    commit: str | None
    names: tuple[str, ...]
    when: float | None
    writer: Posting | None = None
    later: bool = False
    key: int | None = None
    kind: str = ""
    by_neighbours: bool = False  # a bare line given its neighbours' writer
    lost: Posting | None = None  # a patch that matched it, set aside: the trail finds it in no commit
    reason: str | None = None


def _attribute(lines: list[_Line], index: LineIndex, matcher: _Matcher) -> None:
    """Set each line's writer (and kind): by content, then bare lines from their neighbours."""
    for x in lines:
        x.key = line_key(x.text)
    postings = index.lookup(x.key for x in lines if x.key is not None)
    for x in lines:
        if x.key is None:
            continue
        x.writer, x.later = matcher.choose(postings.get(x.key, []), x.names, x.when, moved=False)
        x.kind = "agent" if x.writer else (STATE_UNKNOWN if x.later else STATE_HUMAN)
    _moved(lines, postings, matcher)
    _split(lines, index, matcher)
    _bare_lines(lines)


def _bare_lines(lines: list[_Line]) -> None:
    """A line with no letter or digit goes with its neighbours' writer when they agree."""
    for x in lines:
        if x.by_neighbours:  # again, after writers changed
            x.writer, x.by_neighbours = None, False
    by_commit_agent = {x.commit for x in lines if x.writer is not None}
    for i, x in enumerate(lines):
        if x.key is not None or x.writer is not None:
            continue
        above = _neighbour(lines, i, -1)
        below = _neighbour(lines, i, 1)
        writers = [n.writer for n in (above, below) if n is not None]
        if (
            writers
            and all(w is not None for w in writers)
            and len({(w.session, w.step) for w in writers if w}) == 1
        ):
            x.writer, x.by_neighbours = writers[0], True
            x.kind = "agent"
        elif x.commit in by_commit_agent:
            x.kind = STATE_UNKNOWN
        else:
            x.kind = STATE_HUMAN


def _moved(lines: list[_Line], postings: dict[int, list[Posting]], matcher: _Matcher) -> None:
    """Lines no patch of the file's own names explains, given to a patch of a file of the same name
    in another folder of the repository when it explains a block of them (MOVED_BLOCK lines)."""
    found: list[tuple[_Line, Posting]] = []
    for x in lines:
        if x.key is None or x.writer is not None or x.later:
            continue
        w, _ = matcher.choose(postings.get(x.key, []), x.names, x.when)
        if w is not None:
            found.append((x, w))
    blocks = Counter((x.path, w.session, w.patch) for x, w in found)
    for x, w in found:
        if blocks[(x.path, w.session, w.patch)] >= MOVED_BLOCK:
            x.writer, x.kind = w, "agent"


def _split(lines: list[_Line], index: LineIndex, matcher: _Matcher) -> None:
    """Lines no patch explains alone, looked for as a patch's line that a formatter split over 2 to
    SPLIT_SPAN consecutive lines of one commit (a long call broken at its brackets)."""
    runs: list[tuple[int, int, int]] = []  # (first, last, key)
    for i, x in enumerate(lines):
        if x.writer is not None or x.later:
            continue
        joined = norm(x.text)
        for j in range(i + 1, min(i + SPLIT_SPAN, len(lines))):
            n, prev = lines[j], lines[j - 1]
            if n.commit != x.commit or n.path != x.path or n.line != prev.line + 1 or n.writer is not None:
                break
            part = norm(n.text)
            if not part:
                break
            joined += part
            if len(joined) >= SPLIT_MIN:
                key = line_key(joined)
                if key is not None:
                    runs.append((i, j, key))
    if not runs:
        return
    postings = index.lookup(k for _, _, k in runs)
    for first, last, key in sorted(runs, key=lambda r: r[0] - r[1]):  # the longest runs first
        run = lines[first : last + 1]
        if any(x.writer is not None for x in run):
            continue
        writer, _ = matcher.choose(postings.get(key, []), run[0].names, run[0].when)
        if writer is not None:
            for x in run:
                x.writer, x.kind = writer, "agent"


def _neighbour(lines: list[_Line], i: int, step: int) -> _Line | None:
    """The nearest line with evidence in direction `step`, in the same commit and file, contiguous."""
    here = lines[i]
    j = i + step
    last = here
    while 0 <= j < len(lines):
        n = lines[j]
        if n.commit != here.commit or n.path != here.path or abs(n.line - last.line) != 1:
            return None
        if n.key is not None:
            return n
        last = n
        j += step
    return None


def _iso(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).isoformat().replace("+00:00", "Z")


# -- blame of a file -------------------------------------------------------------------------------


def blame_file(
    library: Any,
    file: str,
    repo: str | Path | None = None,
    ref: str = "HEAD",
    lines: tuple[int, int] | None = None,
    states: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> FileBlame:
    """Each line of `file` as it is at `ref`, with the step that wrote it (the app's Blame screen and
    `tracetui blame` call this). `lines` is an inclusive 1-based range. `states` adds the writing
    patches' survival states from the trail (cached in the library's cache folder)."""
    r = open_repo(repo, file)
    rel = relative_name(r, file, repo is not None)
    commit = resolve(r, ref)
    try:
        entry = commit.tree[rel]
    except (KeyError, ValueError):
        raise NotFound(f"{rel} is not in {ref} ({str(commit.id)[:10]})") from None
    if entry.type_str != "blob":
        raise TracetuiError(f"{rel} is a folder at {ref}, not a file")
    data = r[entry.id].peel(pygit2.Blob).data
    if b"\0" in data[:8000]:
        raise TracetuiError(f"{rel} is a binary file: it has no lines to blame")
    texts = data.decode("utf-8", errors="replace").splitlines()
    first, last = (1, len(texts)) if lines is None else lines
    if texts and (first < 1 or last > len(texts) or first > last):
        raise TracetuiError(f"lines {first}-{last} are outside {rel}, which has {len(texts)} lines at {ref}")
    out = FileBlame(repo_name(r), ref, str(commit.id), rel, [])
    if not texts:
        return out
    try:
        # The whole file, even for a few lines: its hunks name every name the file had.
        blame = r.blame(rel, newest_commit=commit.id)
    except (pygit2.GitError, KeyError, ValueError) as exc:
        raise TracetuiError(f"git could not blame {rel}: {exc}") from None
    commits: dict[str, pygit2.Commit] = {}
    seq: list[_Line] = []
    former: dict[str, None] = {}
    for h in blame:
        if h.orig_path:
            former.setdefault(h.orig_path, None)
    for n in range(first, last + 1):
        hunk: pygit2.BlameHunk | None
        try:
            hunk = blame.for_line(n)
        except (IndexError, ValueError, pygit2.GitError):
            hunk = None
        cid = str(hunk.final_commit_id) if hunk is not None else None
        if cid and cid not in commits:
            commits[cid] = r[cid].peel(pygit2.Commit)
        c = commits.get(cid) if cid else None
        seq.append(_Line(rel, n, texts[n - 1], cid, (rel,), float(c.commit_time) if c else None))
    # Every name blame followed the file back to is one of its names: a line a later commit brings
    # back (a revert undone) after a rename was still written under the old name.
    names = (rel, *(x for x in former if x != rel))
    for x in seq:
        x.names = names
    index, out.refresh = open_index(library, progress)
    matcher = _Matcher(r, library.session)
    try:
        _attribute(seq, index, matcher)
        fates = _fates(library, r, ref, {x.writer.session for x in seq if x.writer}) if states else {}
        if states:
            _copies_made_later(seq, fates, r, index, matcher)
            fates.update(_fates(library, r, ref, {x.writer.session for x in seq if x.writer} - set(fates)))

            def fates_of(sessions: set[str]) -> dict[str, list[Any]]:
                fates.update(_fates(library, r, ref, sessions - set(fates)))
                return fates

            _not_lost(seq, fates_of, index, matcher, ref)
    finally:
        index.close()
    for x in seq:
        c = commits.get(x.commit) if x.commit else None
        fate = _fate(fates.get(x.writer.session), x.writer, x.names) if x.writer is not None else None
        if x.writer is not None:
            state = str(fate.state) if fate is not None else STATE_UNKNOWN
        else:
            state = x.kind
        reason = x.reason  # set where a lost patch was set aside
        if reason is None and x.kind == STATE_UNKNOWN:
            reason = (
                "only patches written after its commit match"
                if x.later
                else "a bare line between different writers"
            )
        elif reason is None and x.commit is None:
            reason = "git gave no commit for this line"
        out.lines.append(
            BlameLine(
                x.path, x.line, x.text, x.commit, x.kind, state, x.writer,
                author=c.author.name if c else None,
                committed=_iso(c.commit_time) if c else None,
                reason=reason,
                superseded_by=fate.superseded_by if fate is not None else None,
            )
        )  # fmt: skip
    return out


def _copies_made_later(
    lines: list[_Line],
    fates: dict[str, list[Any]],
    r: pygit2.Repository,
    index: LineIndex,
    matcher: _Matcher,
    counts: _KeyCounts | None = None,
) -> None:
    """Lines a commit wrote anew that a patch had already brought in an earlier commit.

    A patch's text reaches git in the commit that accepted it (the trail's). A later commit that
    holds the same text (`#[serde(default)]` above a new field, days after the session) wrote a copy
    of its own when it added more copies of that line than it took out, over all its files; when it
    only moved lines (within a file, or to another), the patch's text went with them and the patch
    keeps them, as it keeps copies the commit puts back after a revert took them out. A line of
    such a new copy goes to the next patch that had not landed before its commit, else to its
    commit's author. Where a commit both moved and added copies of one text, which is which is not
    known, and the lines keep their patch. `counts` may be shared by the commits of a range."""
    counts = counts if counts is not None else _KeyCounts(r)
    groups: dict[tuple[str, int, str, tuple[str, ...]], list[_Line]] = {}
    for x in lines:
        w = x.writer
        if w is None or x.key is None or x.commit is None:
            continue
        landed, path = _landed(fates, w, x.names)
        if landed is not None and counts.landed_before(landed, x.commit):
            groups.setdefault((x.commit, x.key, landed, (path, *x.names) if path else x.names), []).append(x)
    if not groups:
        return
    postings = index.lookup({key for _, key, _, _ in groups})
    changed = False
    for (commit, key, landed, names), xs in groups.items():
        # Copies lost since the patch landed (a revert) that this commit puts back are the patch's.
        lost = counts.in_file(landed, names, key) - counts.in_file(counts.parent(commit), names[1:] or names, key)
        if counts.net_new(commit, key) - max(0, lost) < len(xs):
            continue
        for x in xs:
            rest = [
                p for p in postings.get(key, []) if not counts.landed_before(_landed(fates, p, x.names)[0], commit)
            ]
            x.writer, x.later = matcher.choose(rest, x.names, x.when, moved=False)
            x.kind = "agent" if x.writer else (STATE_UNKNOWN if x.later else STATE_HUMAN)
        changed = True
    if changed:
        _bare_lines(lines)


def _not_lost(
    lines: list[_Line],
    fates_of: Callable[[set[str]], dict[str, list[Any]]],
    index: LineIndex,
    matcher: _Matcher,
    ref: str,
) -> None:
    """Blame and the trail judge as one: a line in a commit was not put there by a patch the trail
    finds in no commit (`lost`). Such a writer is set aside and the line goes to the next patch that
    explains it, else it is `human` (the lost patch was written LOST_STALE_SECONDS or more before the
    line's commit) or `unknown`, with the reason. A lost patch whose other lines a later step replaced
    is set aside too: the trail's state is the patch's, and a line of it at the revision contradicts
    it (the later step's own patch, where it holds the line, is the next candidate)."""
    set_aside: dict[int, set[tuple[str, int]]] = {}
    for _ in range(4):  # a few candidates deep: each round judges the new writers' sessions
        fates = fates_of({x.writer.session for x in lines if x.writer is not None})
        lost = [
            x for x in lines
            if x.writer is not None and not x.by_neighbours and _is_lost(fates, x.writer, x.names)
        ]  # fmt: skip
        if not lost:
            break
        postings = index.lookup({x.key for x in lost if x.key is not None})
        for x in lost:
            w = x.writer
            assert w is not None
            x.lost = x.lost or w
            aside = set_aside.setdefault(id(x), set())
            aside.add((w.session, w.patch))
            rest = [p for p in postings.get(x.key, []) if (p.session, p.patch) not in aside] if x.key else []
            x.writer, later = matcher.choose(rest, x.names, x.when, moved=False)
            x.later = x.later or later
            x.kind = "agent" if x.writer else STATE_UNKNOWN
    for x in lines:
        if x.writer is not None or x.lost is None:
            continue
        p = x.lost
        who = f"{p.agent} session {p.session[:12]} step {p.index}"
        age = (x.when - p.time) if x.when is not None and p.time is not None else None
        if age is not None and age >= LOST_STALE_SECONDS:
            x.kind = STATE_HUMAN
            x.reason = (
                f"the only patch with this text ({who}) is lost at {ref}: it reached no commit, "
                f"{age / 86_400:.0f} days before this line's commit wrote it"
            )
        else:
            x.kind = STATE_UNKNOWN
            x.reason = f"the only patch with this text ({who}) is lost at {ref}: it reached no commit"
    _bare_lines(lines)


def _is_lost(fates: dict[str, list[Any]], w: Posting, names: tuple[str, ...]) -> bool:
    fate = _fate(fates.get(w.session), w, names)
    return fate is not None and fate.state == "lost"


def _landed(fates: dict[str, list[Any]], p: Posting, names: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The commit that accepted the posting's patch, and the file's name in the repository then."""
    fate = _fate(fates.get(p.session), p, names)
    if fate is None:
        return None, None
    return fate.commit, fate.patch.path if fate.patch.inside else None


class _KeyCounts:
    """How many copies of a text a commit added, and which commits came after which."""

    def __init__(self, r: pygit2.Repository) -> None:
        self.r = r
        self._net: dict[str, Counter[int]] = {}
        self._after: dict[tuple[str, str], bool] = {}
        self._files: dict[tuple[str, tuple[str, ...]], Counter[int]] = {}
        # blob id -> its lines' counts: a version is read once, whichever commit or list of names
        # asks for it (the commit that landed a patch and the parent of a later one often share it)
        self._blobs: dict[str, Counter[int]] = {}

    def parent(self, commit: str) -> str | None:
        try:
            parents = self.r[commit].peel(pygit2.Commit).parent_ids
        except (KeyError, ValueError, pygit2.GitError):
            return None
        return str(parents[0]) if parents else None

    def in_file(self, commit: str | None, names: tuple[str, ...], key: int) -> int:
        """Copies of the text in the file at `commit`, under the first of `names` it has then."""
        if commit is None:
            return 0
        if (commit, names) not in self._files:
            found: Counter[int] = Counter()
            try:
                tree = self.r[commit].peel(pygit2.Commit).tree
                for name in names:
                    try:
                        entry = tree[name]
                    except (KeyError, ValueError):
                        continue
                    if entry.type_str == "blob":
                        found = self._counted(str(entry.id))
                    break
            except (KeyError, ValueError, pygit2.GitError):
                pass
            self._files[(commit, names)] = found
        return self._files[(commit, names)][key]

    def _counted(self, blob: str) -> Counter[int]:
        found = self._blobs.get(blob)
        if found is None:
            text = self.r[blob].peel(pygit2.Blob).data.decode("utf-8", errors="replace")
            found = self._blobs[blob] = Counter(k for k in map(line_key, text.splitlines()) if k is not None)
        return found

    def landed_before(self, landed: str | None, commit: str) -> bool:
        """Whether `landed` is a strict ancestor of `commit`."""
        if not landed or landed == commit:
            return False
        if (commit, landed) not in self._after:
            try:
                self._after[(commit, landed)] = self.r.descendant_of(commit, landed)
            except (pygit2.GitError, KeyError, ValueError):
                self._after[(commit, landed)] = False
        return self._after[(commit, landed)]

    def net_new(self, commit: str, key: int) -> int:
        """Lines of this text the commit added beyond those it took out, over all its files: a block
        moved within a file or to another (a module split into a package) adds none."""
        if commit not in self._net:
            net: Counter[int] = Counter()
            try:
                c = self.r[commit].peel(pygit2.Commit)
                diff = c.parents[0].tree.diff_to_tree(c.tree) if c.parents else c.tree.diff_to_tree(swap=True)
                for patch in diff:
                    if patch is None or patch.delta.is_binary:
                        continue
                    for hunk in patch.hunks:
                        for line in hunk.lines:
                            if line.origin in "+-":
                                k = line_key(line.content.rstrip("\r\n"))
                                if k is not None:
                                    net[k] += 1 if line.origin == "+" else -1
            except (KeyError, ValueError, pygit2.GitError):
                pass
            self._net[commit] = net
        return self._net[commit][key]


def _fates(library: Any, r: pygit2.Repository, ref: str, sessions: set[str]) -> dict[str, list[Any]]:
    """The trail's fates of each writing session, judged at `ref` (from the trail's cache when fresh)."""
    out: dict[str, list[Any]] = {}
    cache = getattr(library, "cache_dir", None)
    for sid in sorted(sessions):
        try:
            session = library.session(sid)
            out[sid] = trail(session, repo=repo_name(r), ref=ref, cache_dir=cache).fates
        except Exception:  # noqa: BLE001 - a state is extra: the attribution stands without it
            out[sid] = []
    return out


def _fate(fates: list[Any] | None, w: Posting, names: tuple[str, ...]) -> Any | None:
    """The trail's fate of the writer's patch to this file (a step may edit several files)."""
    mine = [f for f in fates or [] if f.patch.step_id == w.step]
    for f in mine:
        if f.patch.index == w.patch:  # the very patch (a step may delete a file and write it again)
            return f
    for f in mine:
        for where in (f.path_now, f.patch.path):
            if where and any(where == n or where.endswith("/" + n) for n in names):
                return f
    return mine[0] if len(mine) == 1 else None


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
    if index is None:
        index, _ = open_index(library, progress)
        try:
            return _commit(r, commit, index, library, _Shared(r, library))
        finally:
            index.close()
    return _commit(r, commit, index, library, _Shared(r, library))


class _Shared:
    """What the commits of one blame (a range) share: every answer here is the repository's or the
    bucket's, the same for each commit. Each commit blamed on its own made them all again: the
    trail at HEAD of every writing session (its patches replayed from the log, one session for
    every commit it wrote in), the sessions and the repository recognition, the files counted."""

    def __init__(self, r: pygit2.Repository, library: Any) -> None:
        self.library = library
        self.r = r
        self.matcher = _Matcher(r, library.session)
        self.counts = _KeyCounts(r)
        self.fates: dict[str, list[Any]] = {}

    def fates_of(self, sessions: set[str]) -> dict[str, list[Any]]:
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
        for hunk in patch.hunks:
            for line in hunk.lines:
                if line.origin == "+":
                    seq.append(
                        _Line(new, line.new_lineno, line.content.rstrip("\r\n"), str(commit.id), names, when)
                    )
    matcher = shared.matcher
    _attribute(seq, index, matcher)
    _retry_former_names(r, commit, seq, index, matcher)
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
            former = {h.orig_path for h in r.blame(path, newest_commit=commit.id) if h.orig_path}
        except (pygit2.GitError, KeyError, ValueError):
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
    return out
