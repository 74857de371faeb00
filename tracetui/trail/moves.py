"""Lines that left their file: moved or copied to another (git's blame -C rule of a block),
merged into a reworded line, renamed with their file, or only in the work tree.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import pygit2

from tracetui.errors import TracetuiError
from tracetui.regular_file import read_inside
from tracetui.trail import evidence as ev

from tracetui.trail import file_lines as fl
from tracetui.trail.copies import agent_copy
from tracetui.trail.fates import Fate, SLACK_SECONDS
from tracetui.trail.file_versions import _Candidate, _closest, FileVersions, _gained, _likely, _small_blob, _small_file
from tracetui.trail.git_read import _text
from tracetui.trail.history import History
from tracetui.trail.line_identity import MOVED_BLOCK_ALNUM, alnum, norm, norms_of
from tracetui.trail.patch import Patch


def _landed_elsewhere(
    patch: Patch, probe: ev.Probe, history: History, files: FileVersions, t, ref_commit, tips, coarse: bool = False
) -> Fate | None:
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
            blob = _small_blob(repo, tree, name, files.sizes)
            if not files.holds_any(blob, probe.want_keys()):
                continue
            at = files.some(blob)
            before = files.some(_small_blob(repo, old_tree, name, files.sizes)) if old_tree is not None else fl.EMPTY
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
            now = name if _small_blob(repo, judged_tree, name, files.sizes) is not None else files.followed(history, cid, judged, name)
            final_blob = _small_blob(repo, judged_tree, now, files.sizes) if now is not None else None
            full = files.full(final_blob)
            kept = ev.kept(shifted, full)
            changed = 0
            if kept < probe.size:
                changed = ev.changed(probe, full, None, kept, files.fresh_lines(final_blob, blob), coarse)
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


def _moved(probe: ev.Probe, history: History, files: FileVersions, path: str, since: str, judged: str):
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


def _moves_matter(probe: ev.Probe, history: History, files: FileVersions, path: str, since: str, judged: str,
                  need: int) -> bool:  # fmt: skip
    """Whether `_moved` may answer a file that keeps `need` or more of the lines; False where surely not.

    A destination keeps at most the lines gone from the file at its commit (`_gone`): commits where
    fewer are gone are not searched. The first destination found at another commit settles it: it
    or one at a commit not searched is `_moved`'s answer, which keeps fewer than `need`. With `need`
    the lines kept in place or those missing, whichever is fewer, such an answer changes neither the
    state (not alive) nor the path a patch lives at (`_followed_to`), which is all a blame shows:
    most of a long patch's searches are skipped (judge's `counts=False`).
    """
    line = history.ancestry(judged)
    prev = since
    norms = sum(probe.want_n.values())
    held_at: dict[int, int] = {}  # version (uid) -> its norms in place, along the walk
    for cid, before, now in files.steps(history, path, history.position[since], line):
        if before is now or ev.same_for(probe, before, now):
            if before.uid in held_at:
                held_at[now.uid] = held_at[before.uid]  # none of the probe's norms counts differently
            prev = cid
            continue  # nothing dropped
        # At most the lines `_gone` finds gone, without listing them: every line where none of its
        # norms is in place, else at most the norms missing (counted as `_gone` counts them).
        held = held_at[now.uid] = _held(probe, before, now, held_at)
        if (probe.size if held == 0 else norms - held) >= need:
            drop = ev.kept(probe, before) - ev.kept(probe, now)
            if drop > 0:
                found = _destination(_gone(probe, now), history, files, path, prev, cid, drop, judged)
                if found is None and history.blob_at(cid, path) is None:
                    found = _merged_into(probe, history, files, path, prev, cid, judged)
                if found is not None:
                    return found[1] >= need
        prev = cid
    return False


def _held(probe: ev.Probe, before: fl.FileLines, now: fl.FileLines, held_at: dict[int, int]) -> int:
    """`ev.present_norms(probe, now)`, from `before`'s where `now` was counted from it: a step changes
    a few norms, and a long patch's thousand were looked up in each of hundreds of versions."""
    was, since = held_at.get(before.uid), now.since
    if was is None or since is None or since[0] != before.uid:
        return ev.present_norms(probe, now)
    return was + ev.present_change(probe, before, now, since[1])


def _fits(inside: Counter, want_n: Counter) -> bool:
    return all(want_n.get(k, 0) >= n for k, n in inside.items())


@dataclass(slots=True)
class _Left:
    """The lines of a probe that left its file (`_gone`), and their norms: what a file of the move
    window must hold to be looked at. The probe of those lines (`narrowed`) is made only for a file
    that holds one: most windows hold none, and a long patch's probe copies thousands of joined runs."""

    probe: ev.Probe
    lines: list[str] | None  # None: every line of `probe` left
    want_n: Counter
    keys: frozenset[str]
    made: ev.Probe | None = None

    def narrowed(self) -> ev.Probe:
        if self.made is None:
            self.made = _narrowed(self.probe, self.lines or [], self.want_n)
        return self.made


def _gone(probe: ev.Probe, now: fl.FileLines) -> _Left:
    """The lines of the probe that left the file by `now` (a version after the one that accepted it):
    only those can have moved. A line still in place that another file of the window also holds (the
    import block a new test shares with its class, code a plan document quotes) is no move; counted
    there too, it made a patch whose other lines were rewritten read alive."""
    # What stays is what `now` still holds beyond the copies the file had before the step (whatever
    # `before` held: a line a formatter joined there is found as a whole line nowhere).
    # Only a norm `now` holds can stay (the others' copies beyond the floor are none): those alone are
    # looked up, not each of a long patch's thousand norms at every commit that dropped some.
    floor, have, want = probe.floor_n, now.normal, probe.want_n
    room: dict[str, int] | None = None
    for k in ev._both(want, have):
        n = want[k]
        stays = min(n, max(have.get(k, 0) - floor.get(k, 0), 0))
        if stays > 0:
            if room is None:
                room = dict(want)
            room[k] = n - stays
    if room is None:
        return _Left(probe, None, probe.want_n, probe.want_keys(), probe)
    lines: list[str] = []
    norms: list[str] = []
    for line, k in zip(probe.lines, probe.norms()):
        if room.get(k, 0) > 0:
            room[k] -= 1
            lines.append(line)
            norms.append(k)
    want_n = Counter(norms)
    return _Left(probe, lines, want_n, frozenset(want_n))


def _narrowed(probe: ev.Probe, lines: list[str], want_n: Counter) -> ev.Probe:
    """`probe` kept to `lines` (some of its own, whose norms `want_n` counts) and the joined runs of them:
    those whose every norm is still wanted as often as the run holds it."""
    # A run's counts are positive (a Counter of its lines), and nearly all are 1: a run holding a norm
    # `want_n` lacks cannot fit, and one of distinct norms all in `want_n` fits. Both tested in C;
    # only a run that repeats a line is counted norm by norm.
    have = want_n.keys()
    joins = [
        j for j in probe.joins
        if j[1].keys() <= have and (len(j[1]) == sum(j[1].values()) or _fits(j[1], want_n))
    ]  # fmt: skip
    return ev.Probe(
        False, lines, Counter(lines), {x: probe.floor.get(x, 0) for x in set(lines)}, want_n,
        {k: probe.floor_n.get(k, 0) for k in want_n}, probe.exact_only, joins, probe.split_floor,
    )  # fmt: skip


MERGE_ANCHOR = 16  # alphanumerics of a line that must move verbatim for a reworded merge to count


def _merged_into(
    probe: ev.Probe, history: History, files: FileVersions, path: str, prev: str, cid: str, judged: str
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
    # A merge needs an anchor verbatim among a file's new lines: a file holding no anchor's norm is not
    # diffed (`_gained` counts both its versions whole).
    anchors = frozenset(norm(x) for x in held if sum(c.isalnum() for c in x) >= MERGE_ANCHOR)
    if not anchors:
        return None
    best = None
    for name, blob, old_blob in _window(history, files, path, prev, cid):
        if blob is None or not files.holds_any(blob, anchors):
            continue
        new, new_norms, grams = _gained(files, blob, old_blob)
        verbatim = [x for x in held if norm(x) in new_norms]
        if not any(sum(c.isalnum() for c in x) >= MERGE_ANCHOR for x in verbatim):
            continue
        score, need = len(verbatim), max(2, (len(held) + 1) // 2)
        untried = [x for x in held if norm(x) not in new_norms]
        for i, x in enumerate(untried):
            # Enough, or too few left to make enough (a file that took no merge fails most lines'
            # close search, the costliest step here): the rest need not be tried.
            if score >= need or score + len(untried) - i < need:
                break
            if fl.near(x, new) and _closest(x, _likely(x, new, grams())) is not None:
                score += 1
        if score >= 2 and 2 * score >= len(held) and (best is None or score > best[0]):
            best = (len(verbatim), score, name, blob, old_blob)
    if best is None:
        return None
    gained, _, name, blob, old_blob = best
    shifted = _shifted(probe, files.some(old_blob))
    judged_tree = repo[judged].peel(pygit2.Commit).tree
    now_name: str | None = name
    if _small_blob(repo, judged_tree, name, files.sizes) is None:
        now_name = files.followed(history, cid, judged, name)
    if now_name is None:
        return (name, 0, None, blob)
    final = _small_blob(repo, judged_tree, now_name, files.sizes)
    return (now_name, min(gained, ev.kept(shifted, files.full(final))), final, blob)


def _window(history: History, files: FileVersions, path: str, prev: str, cid: str) -> list[_Candidate]:
    """(name, blob at `cid`, blob at `prev`) of the files a move from `path` at `cid` may have gone to:
    those changed between the two by the commits of the move window but `path` itself."""
    own = history.name_at(cid, path)
    return [c for c in _changed_in_window(history, files, prev, cid) if c[0] != own]


def _changed_in_window(history: History, files: FileVersions, prev: str, cid: str) -> list[_Candidate]:
    """Every file the commits of the move window between `prev` and `cid` changed, with its blobs at
    both (made once per window: every patch of every path that lost lines there asks for it)."""
    key = (prev, cid)
    found = files.windows.get(key)
    if found is not None:
        return found
    repo = history.repo
    lo, hi = history.position[prev], history.position[cid]
    first = max(lo + 1, hi - MOVE_WINDOW + 1)
    changed: dict[str, pygit2.DiffDelta] | None = None
    if _first_parents_to(history, prev, cid, first):
        # Every file that differs was changed by a commit of the window and is there at `cid`, so the
        # commits' own diffs would name it again; not so a file gone by `cid` (a commit beside the chain
        # may have changed it first): then the names are the commits' as below.
        changed = _tree_diff(repo, prev, cid)
        names: Iterable[str] = changed
        if any(d.status_char() == "D" for d in changed.values()):
            names = _touched_in_window(history, files, cid, first, hi).intersection(changed)
    else:
        names = _touched_in_window(history, files, cid, first, hi)
    found = []
    if names:
        # One diff of the two trees, not a look-up of each name in each: a path's look-up parses every
        # tree above it again (about 0.2 ms), and a window touches hundreds of files. A file unchanged
        # since `prev` is not in the diff: every line it holds was already there, nothing moved in.
        if changed is None:
            changed = _tree_diff(repo, prev, cid)
            names = changed.keys() & names
        for name in sorted(names):
            if agent_copy(name):
                continue
            delta = changed[name]
            blob = _small_file(repo, delta.new_file, files.sizes)
            old_blob = _small_file(repo, delta.old_file, files.sizes)
            if old_blob != blob:
                found.append((name, blob, old_blob))
        # Only the versions at `cid`: one before is read where the one after holds a line looked for
        # (`_destination`, `_merged_into`), which most do not; asked too, git's answers ahead of the
        # wanted ones were read (and kept) first: 699 of agent-session.ts's 1,804 never taken.
        files.ask([new for _, new, _ in found], counted=True)
    files.windows[key] = found
    return found


def _touched_in_window(history: History, files: FileVersions, cid: str, first: int, hi: int) -> set[str]:
    """The files the window's commits (the ancestors of `cid` at index `first` to `hi`) changed."""
    ancestry = history.ancestors_from(cid, first)
    names: set[str] = set()
    for c in history.order[first : hi + 1]:
        if c in ancestry:
            names.update(files.touched(c))
    return names


def _tree_diff(repo: pygit2.Repository, prev: str, cid: str) -> dict[str, pygit2.DiffDelta]:
    """Each file that differs between the two commits' trees, by its name at `cid`."""
    old_tree, new_tree = repo[prev].peel(pygit2.Commit).tree, repo[cid].peel(pygit2.Commit).tree
    return {d.new_file.path: d for d in old_tree.diff_to_tree(new_tree).deltas}


def _first_parents_to(history: History, prev: str, cid: str, first: int) -> bool:
    """Whether `cid`'s first parents lead to `prev` through commits of the window alone (at index
    `first` or later): then every file that differs between the two and is there at `cid` was changed
    by one of them against its first parent, and `FileVersions.touched` (a tree diff per commit) need not
    be asked to name it."""
    position, parents = history.position, history.parents
    c = cid
    while c != prev:
        if position.get(c, -1) < first:
            return False
        up = parents.get(c)
        if not up:
            return False
        c = up[0]
    return True


def _destination(
    left: _Left, history: History, files: FileVersions, path: str, prev: str, cid: str, drop: int, judged: str
):
    repo = history.repo
    window = _window(history, files, path, prev, cid)
    if not window:
        return None
    parents = history.parents.get(cid) or []
    source: list[str] | None = None  # the file before the move, read only if some candidate gained enough
    best = None
    for name, blob, old_blob in window:
        if not files.holds_any(blob, left.keys):
            continue
        most = _most_gained(left, files.key_counts(cast(str, blob)))
        if most is not None and (2 * most < drop or (best is not None and most <= best[0])):
            continue  # it cannot gain enough, nor more than one found: neither version need be counted
        probe = left.narrowed()  # the narrowed probe's own keys are `left.keys`
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
    now_name = name if _small_blob(repo, judged_tree, name, files.sizes) is not None else files.followed(history, cid, judged, name)
    if now_name is None:
        return (name, 0, None, blob)
    final = _small_blob(repo, judged_tree, now_name, files.sizes)
    return (now_name, min(best[0], ev.kept(shifted, files.full(final))), final, blob)


def _most_gained(left: _Left, have: Counter) -> int | None:
    """At most what a version whose key counts are `have` gained of `left` (`_destination`'s `gained`),
    or None where it cannot be told from them. A line is found in place at most as often as the version
    holds its norm (an exact line's copies are among its norm's), floors only lower that; a joined run
    of the probe that the version holds counts lines whose norms it may lack."""
    if left.probe.joins and not left.probe.join_keys().isdisjoint(have.keys()):
        return None
    want = left.want_n
    return sum(min(want[k], have[k]) for k in fl._common(have, left.keys))


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
    """Whether src[i] == dst[j] sits in a run of equal lines holding MOVED_BLOCK_ALNUM alphanumerics.

    The run is grown backwards, then forwards, and the growing stops once it holds enough: a whole
    file moved would otherwise be walked once per line looked for.
    """
    have = alnum(src[i])
    lo = 1
    while have < MOVED_BLOCK_ALNUM and i - lo >= 0 and j - lo >= 0 and src[i - lo] == dst[j - lo]:
        have += alnum(src[i - lo])
        lo += 1
    hi = 1
    while have < MOVED_BLOCK_ALNUM and i + hi < len(src) and j + hi < len(dst) and src[i + hi] == dst[j + hi]:
        have += alnum(src[i + hi])
        hi += 1
    return have >= MOVED_BLOCK_ALNUM



def _shifted(probe: ev.Probe, old: fl.FileLines) -> ev.Probe:
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


def _later_commits(probe, history: History, files: FileVersions, path: str, accept: str, judged: str) -> list[str]:
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


# The most of a work tree's copy of a file read: past it the copy tells the trail nothing.
WORKTREE_MOST = 64 << 20


def _worktree_lines(workdir: str | None, name: str) -> fl.FileLines | None:
    if not workdir:
        return None
    try:
        # A regular file of a sane size inside the work tree only: the work tree is anyone's, and a
        # FIFO there blocked the read for ever, a link to /dev/zero or a sparse file of gigabytes took
        # the memory, a link out of it (to /proc/self/environ) was read as the project's file.
        return fl.FileLines.of(_text(read_inside(workdir, name, WORKTREE_MOST)))
    except FileNotFoundError:
        return fl.EMPTY
    except (OSError, ValueError, TracetuiError):  # ValueError: a NUL byte in a name the log gave
        return None
