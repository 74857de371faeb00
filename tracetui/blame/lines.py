"""Attribution: from a line in git back to the step that wrote it.

Lines matched to the patches that wrote them: the session's repository (`_Matcher`), the index's
postings, lines moved or split by a later step. The rules that choose a writer: docs/internals/blame.md,
`blame/lines.py`.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pygit2

from tracetui.blame.index import exact_key, line_key, LineIndex, NEAR_LINES, near_key, Posting
from tracetui.blame.repo import trail_repo
from tracetui.blame.results import (
    MAPPED_FILES,
    MOVED_DEPTH,
    PLACED_MIN,
    SLACK_SECONDS,
    STATE_HUMAN,
    STATE_UNKNOWN,
)
from tracetui.trail import map_repository
from tracetui.trail.clone_id import CloneId
from tracetui.trail.mapping import holds_logged_text, holds_written_text
from tracetui.trail.line_identity import MOVED_BLOCK_LINES, norm, SPLIT_MIN, SPLIT_SPAN


# Of twins, writing the line's exact text (its indentation) weighs as a neighbour one line off.
EXACT_WEIGHT = 1.0


# -- choosing a writer -----------------------------------------------------------------------------


class _Matcher:
    """Picks the patch that explains a line, with the repository-recognition answers cached."""

    def __init__(self, repo: pygit2.Repository, session_of: Callable[[str], Any] | None = None) -> None:
        self.repo = repo
        self.session_of = session_of
        self.mapped: dict[str, str | None] = {}
        self.top = repo.workdir.rstrip("/") if repo.workdir else None
        # Whose clone this is: the trail's rule (its names, commits and remotes), asked per posting.
        self.clone = CloneId(trail_repo(repo), repo)
        self.memo: dict[tuple[str, str, str | None, str | None], bool] = {}
        self.texts: dict[tuple[str, str], bool] = {}
        self._last: tuple[str, Any] | None = None
        self._parent_times: dict[str, float | None] = {}

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
            # The clone's own folder is where the agent worked (the trail's rule too): no text asked.
            found = (
                root == self.top
                or self.clone.logged_word(p.commit, p.remote)
                or self.clone.named(root) and self._holds_text(p.session, root)
                or self._mapped_root(p.session) == root
            )
            self.memo[key] = found
        return found

    def _holds_text(self, sid: str, root: str) -> bool:
        """Whether this clone holds the text the session's log kept under `root`, a folder named as
        the clone: the trail's content rule (`holds_logged_text`), once per session and folder. A
        matcher given no sessions goes by the name alone; an unreadable session shows no text."""
        if self.session_of is None:
            return True
        key = (sid, root)
        if key not in self.texts:
            session = self._session(sid)
            try:
                self.texts[key] = session is not None and holds_logged_text(session, self.repo, root)
            except Exception:  # noqa: BLE001 - a clone git cannot read shows no text
                self.texts[key] = False
        return self.texts[key]

    def held(self, sid: str) -> Any:
        """The session, where it is the one kept (`_session`'s last); else None, and none is read."""
        return self._last[1] if self._last is not None and self._last[0] == sid else None

    def _session(self, sid: str) -> Any:
        """The session, None when unreadable; the last one read is kept, for the name's and the
        mapping's questions asked of one posting in turn (all of them would be a bucket's worth)."""
        if self._last is None or self._last[0] != sid:
            try:
                session = self.session_of(sid) if self.session_of is not None else None
            except Exception:  # noqa: BLE001 - an unreadable session is just not recognised
                session = None
            self._last = (sid, session)
        return self._last[1]

    def _mapped_root(self, sid: str) -> str | None:
        """The session's logged folder that the trail's mapping places at this clone's top, if any,
        when the clone holds the text the log kept there."""
        if sid in self.mapped:
            return self.mapped[sid]
        root = None
        session = self._session(sid)
        if session is not None:
            try:
                found = map_repository(session, trail_repo(self.repo))
                if found.logged_root and found.copied_to:
                    root = found.logged_root.rstrip("/")  # the copy's text was the mapping's proof
                elif found.logged_root and found.held >= 1:
                    root = found.logged_root.rstrip("/")
                    # Names alone are no proof (every JS project holds a README.md and a package.json):
                    # as the trail's `belongs`, a clone taken without the log's word must hold the log's
                    # text; where it holds one file of the session's, the text the session wrote there.
                    if found.held >= MAPPED_FILES:
                        root = root if self._holds_text(sid, root) else None
                    elif not holds_written_text(session, self.repo, root):
                        root = None
            except Exception:  # noqa: BLE001 - an unreadable session is just not recognised
                root = None
        self.mapped[sid] = root
        return root

    def parent_time(self, commit: str) -> float | None:
        """The commit time of the commit's first parent (None for a root commit or an unknown one)."""
        if commit not in self._parent_times:
            found = None
            try:
                parents = self.repo[commit].peel(pygit2.Commit).parents
                if parents:
                    found = float(parents[0].commit_time)
            except (KeyError, ValueError, pygit2.GitError):
                found = None
            self._parent_times[commit] = found
        return self._parent_times[commit]

    def choose(
        self,
        postings: list[Posting],
        names: Iterable[str],
        when: float | None,
        moved: bool = True,
        near: dict[tuple[str, int], float] | None = None,
        ties: list[Posting] | None = None,
        exact: set[tuple[str, int]] | None = None,
    ) -> tuple[Posting | None, bool]:
        """(the best patch, whether only patches written after the commit matched). `moved`: a patch
        to a file of the same name in another folder may count (not for short lines, which recur).
        `near`: for a line several patches added, how near each patch had its neighbours (`_near`).
        `ties` is filled with the other patches that rank as high as the best but for their time.
        `exact`: the patches that wrote the line's exact text, which counts as one neighbour more."""
        names = list(names)
        best: Posting | None = None
        best_rank: tuple[Any, ...] | None = None
        ranked: list[tuple[tuple[Any, ...], Posting]] = []
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
            # Of twins (one text added in several places), the patch that wrote the line's
            # neighbours placed it here; the others wrote it elsewhere. Else the latest patch.
            rank = (
                p.copied,
                0 if p.active else 1,
                tier,
                -_placed(p, near, exact),
                -(p.time if p.time is not None else float("-inf")),
                -p.index,
            )
            ranked.append((rank, p))
            if best_rank is None or rank < best_rank:
                best, best_rank = p, rank
        # (twins none of which had the line's neighbours near are no ties: nothing says where)
        if ties is not None and best is not None and best_rank is not None and _placed(best, near, None) > 0:
            ties.extend(
                p for rank, p in ranked
                if rank[:4] == best_rank[:4] and (p.session, p.patch) != (best.session, best.patch)
            )  # fmt: skip
        return best, later and best is None


def _placed(p: Posting, near: dict[tuple[str, int], float] | None, exact: set[tuple[str, int]] | None) -> float:
    """How surely the patch placed a twin line where it is (0.0 for a line with no twins)."""
    if not near:
        return 0.0
    mine = (p.session, p.patch)
    return near.get(mine, 0.0) + (EXACT_WEIGHT if exact and mine in exact else 0.0)


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
    split: bool = False  # a part of a patch's line that a formatter split over lines (`_split`)
    lost: Posting | None = None  # a patch that matched it, set aside: the trail finds it in no commit
    reason: str | None = None
    # The keys of every line of the file the line is in (that version of it: `line` is 1-based in
    # it), shared by its lines; and, for a line several patches added, how many of its neighbours
    # each of those patches (session, patch) added too.
    around: list[int | None] | None = None
    near: dict[tuple[str, int], float] | None = None
    # Of those patches, the ones that wrote the line with its indentation as it stands.
    exact: set[tuple[str, int]] | None = None
    # Twins as near as its writer (two patches wrote the same block): settled by its neighbours.
    ties: list[Posting] | None = None


def git_lines(text: str) -> list[str]:
    """A file's lines as git numbers them: cut at each newline only, a carriage return before it
    dropped. Python's `splitlines` also cuts at a form feed, U+2028 and five more, and every line
    after one took the commit of another."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [x[:-1] if x.endswith("\r") else x for x in lines]


def file_keys(texts: list[str]) -> list[int | None]:
    """The index keys of a file's lines, for `_Line.around`."""
    return [line_key(t) for t in texts]


def _attribute(
    lines: list[_Line], index: LineIndex, matcher: _Matcher, keys: list[int | None] | None = None
) -> None:
    """Set each line's writer (and kind): by content, then bare lines from their neighbours. `keys`: the
    lines' `line_key`s, where the caller made them."""
    for x, key in zip(lines, keys if keys is not None else [line_key(x.text) for x in lines], strict=True):
        x.key = key
    postings = index.lookup(x.key for x in lines if x.key is not None)
    _near(lines, postings, index)
    for x in lines:
        if x.key is None:
            continue
        ties: list[Posting] | None = [] if x.near is not None else None
        x.reason = None  # (attributed again: a former name of the file)
        x.writer, x.later = matcher.choose(
            postings.get(x.key, []), x.names, x.when, moved=False, near=x.near, ties=ties, exact=x.exact
        )
        x.ties = ties or None
        x.kind = "agent" if x.writer else (STATE_UNKNOWN if x.later else STATE_HUMAN)
    _settle_ties(lines)
    _moved(lines, postings, matcher)
    _split(lines, index, matcher)
    _placed_by_none(lines, postings, matcher)
    _bare_lines(lines)


def _near(lines: list[_Line], postings: dict[int, list[Posting]], index: LineIndex) -> None:
    """For each line whose text more than one patch added, how near each of those patches had the
    line's neighbours in the file: NEAR_LINES lines with evidence on each side, each weighing 1/its
    distance in lines (a rule's closing brace and the blank line after it keep the next rule's
    lines further off than the line's own rule).

    A generic line (`opacity: 0.9;`, `content: "";`) has twins: patches that wrote the same text in
    another rule or function. The patch that placed it here had its neighbours around it, added or
    as its hunk's context (the rule it is in); a twin's neighbours are other lines. The line may
    have moved a little since (a human moved it two lines down): most of them are still near."""
    wanted: dict[int, tuple[set[tuple[str, int]], list[tuple[int, int]]]] = {}
    for i, x in enumerate(lines):
        if x.key is None or x.around is None:
            continue
        twins = {(p.session, p.patch) for p in postings.get(x.key, [])}
        if len(twins) > 1:
            near = [(near_key(x.key, k), d) for k, d in _near_keys(x.around, x.line - 1, x.key)]
            wanted[i] = (twins, near)
    if not wanted:
        return
    exact = {i: exact_key(lines[i].text) for i in wanted}
    found = index.lookup({k for _, keys in wanted.values() for k, _ in keys} | set(exact.values()))
    for i, (twins, keys) in wanted.items():
        score = dict.fromkeys(twins, 0.0)
        for k, distance in keys:
            for p in {(p.session, p.patch) for p in found.get(k, [])}:
                if p in score:
                    score[p] += 1 / distance
        lines[i].near = score
        lines[i].exact = {(p.session, p.patch) for p in found.get(exact[i], [])} & twins


def _settle_ties(lines: list[_Line]) -> None:
    """A line two patches placed alike (one wrote a block, another wrote it again elsewhere: the
    same neighbours around the same text) goes to the one of them that wrote its nearest settled
    neighbour, above, else below (in one file, contiguous); else it stays the latest's."""
    order = list(range(len(lines)))
    for step, indexes in ((-1, order), (1, order[::-1])):  # a run of tied lines settles in turn
        for i in indexes:
            x = lines[i]
            if not x.ties or x.writer is None:
                continue
            n = _settled_neighbour(lines, i, step)
            if n is not None and n.writer is not None:
                mine = {(p.session, p.patch): p for p in (x.writer, *x.ties)}
                found = mine.get((n.writer.session, n.writer.patch))
                if found is not None:
                    x.writer, x.ties = found, None


def _placed_by_none(lines: list[_Line], postings: dict[int, list[Posting]], matcher: _Matcher) -> None:
    """A line whose text several patches wrote, none of them near its neighbours (PLACED_MIN), in a
    commit that none of them can have reached (each was written before the commit's parent): the
    text is there, but no patch placed it there (a human wrote it again in new code a day later).
    Who wrote it is not known; the latest twin would be a guess."""
    for x in lines:
        w = x.writer
        if w is None or x.near is None or x.commit is None or x.key is None or x.by_neighbours:
            continue
        if x.near.get((w.session, w.patch), 0.0) >= PLACED_MIN:
            continue
        parent = matcher.parent_time(x.commit)
        if parent is None:
            continue
        names, until = list(x.names), (x.when or 0.0) + SLACK_SECONDS
        twins = {
            (p.session, p.patch): p.time for p in postings.get(x.key, [])
            if matcher.tier(p, names) in (0, 1) and (x.when is None or p.time is None or p.time <= until)
        }  # fmt: skip
        if len(twins) < 2 or any(t is None or t + SLACK_SECONDS >= parent for t in twins.values()):
            continue  # one patch of this file wrote the text (moved, re-indented), or one may be here
        x.writer, x.ties, x.kind = None, None, STATE_UNKNOWN
        x.reason = (
            f"{len(twins)} patches wrote this text beside other lines, all before this line's commit's "
            "parent: who wrote it here is not known"
        )


SETTLE_SPAN = 40  # lines looked through for a tied line's settled neighbour


def _settled_neighbour(lines: list[_Line], i: int, step: int) -> _Line | None:
    """The nearest line with a writer and no ties in direction `step`, contiguous in one file."""
    here = lines[i]
    j, last = i + step, here
    while 0 <= j < len(lines) and abs(j - i) <= SETTLE_SPAN:
        n = lines[j]
        if n.path != here.path or abs(n.line - last.line) != 1:
            return None
        if n.writer is not None and not n.ties:
            return n
        if n.key is not None and n.writer is None:
            return None  # a line no patch wrote: the block ends
        last = n
        j += step
    return None


def _near_keys(around: list[int | None], at: int, key: int) -> list[tuple[int, int]]:
    """(key, distance in lines) of up to NEAR_LINES lines with evidence above `at` and as many below
    (not its twins)."""
    out: list[tuple[int, int]] = []
    for step in (-1, 1):
        j, taken = at + step, 0
        while 0 <= j < len(around) and taken < NEAR_LINES:
            k = around[j]
            if k is not None and k != key:
                out.append((k, abs(j - at)))
                taken += 1
            j += step
    return out


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
    in another folder of the repository when it explains a block of them (MOVED_BLOCK_LINES lines: one
    `## Usage` line in one README says nothing about another folder's README)."""
    found: list[tuple[_Line, Posting]] = []
    for x in lines:
        if x.key is None or x.writer is not None or x.later:
            continue
        w, _ = matcher.choose(postings.get(x.key, []), x.names, x.when)
        if w is not None:
            found.append((x, w))
    blocks = Counter((x.path, w.session, w.patch) for x, w in found)
    for x, w in found:
        if blocks[(x.path, w.session, w.patch)] >= MOVED_BLOCK_LINES:
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
                x.writer, x.kind, x.split = writer, "agent", True


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
