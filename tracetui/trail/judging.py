"""Judging each patch's fate: the accepting commit, then what the reference revision holds of
its lines (alive, transformed, reverted, lost), edits undone step by step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, cast

import pygit2

from tracetui import collector
from tracetui.trail import evidence as ev
from tracetui.trail import file_lines as fl
from tracetui.trail.blob_facts import BlobFacts
from tracetui.trail.blob_pipe import BlobPipe
from tracetui.trail.commit_paths import MIN_PATCHES, CommitPaths
from tracetui.trail.fates import SLACK_SECONDS, Fate
from tracetui.trail.file_versions import _closest, FileVersions, _step_lines
from tracetui.trail.git_command import fetches_lazily
from tracetui.trail.git_read import MissingObject, _blob_text, epoch
from tracetui.trail.history import History, ref_tips, shallow_boundary, walk
from tracetui.trail.line_identity import norm, norms_of
from tracetui.trail.moves import (
    _landed_elsewhere,
    _later_commits,
    _moved,
    _moves_matter,
    _renamed,
    _worktree_lines,
)
from tracetui.trail.patch import Patch
from tracetui.trail.patches import is_notebook
from tracetui.trail.two_cores import JudgeSetup, early, helper, judged_apart

# -- entry point ---------------------------------------------------------------------------------

def _collector_paused() -> AbstractContextManager[None]:
    """Judge with Python's cyclic garbage collector off (`tracetui.collector.paused`).

    A trail fills Counters, dicts and lists by the hundred thousand and keeps them to its end; every
    young collection walked them again (before-compaction: 453 collections, 0.25 s of its 2.9 s of
    CPU) and found nothing: what the trail throws away is freed by reference counting, not cycles
    (its peak memory is the same with the collector off).
    """
    return collector.paused()


def judge(
    repo: pygit2.Repository,
    patches: list[Patch],
    ref_commit: str | None,
    use_time: bool = True,
    branch: str | None = None,
    later_commits: bool = True,
    counts: bool = True,
    cache_dir: Path | None = None,
) -> list[Fate]:
    """The fates of `patches` at `ref_commit`, from one walk of the history.

    `use_time=False` ignores the steps' times (the accepting commit may be any that holds a patch).
    `branch` is the branch the session's log names: of the refs that hold a commit the reference's
    history lacks, it is the one judged at.
    `later_commits=False` leaves `Fate.commits` empty (the later commits that changed a patch's lines,
    which no blame shows: a tenth of a big file's judgement).
    `counts=False` gives each fate's state and path exactly, not its counts (a blame shows no count):
    `changed` is 0 where no line was edited, all the lines missing where all were, some count between
    otherwise (`evidence.changed`'s `coarse`), and `kept` leaves out lines a move took elsewhere where
    that changes neither (`moves._moves_matter`).
    `cache_dir`: where versions' counts of the keys are kept between trails (`blob_facts`), if anywhere.
    """
    with _collector_paused():
        return _judge(repo, patches, ref_commit, use_time, branch, later_commits, counts, cache_dir)


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
    later_commits: bool = True,
    counts: bool = True,
    cache_dir: Path | None = None,
) -> list[Fate]:
    started = early(len(patches), counts)
    try:
        history = walked(repo, patches, ref_commit, use_time)
    except BaseException:
        if started is not None:
            started.close(at_once=True)
        raise
    # git lists the recorded commits' files while this process makes its probes and judges (a worker,
    # if one starts, asks libgit2: the same answers).
    listed = None
    if counts and len(patches) >= MIN_PATCHES and not fetches_lazily(repo):
        listed = CommitPaths(repo.path, [c for c in history.order if c in history.blobs])
    worker = None
    try:
        weights = [_weight(p, history, use_time) for p in patches]
        # The worker is told now, so that it sets itself up while this process makes its probes.
        state = {f.name: getattr(history, f.name) for f in fields(History) if f.name != "repo"}
        setup = JudgeSetup(repo.path, patches, ref_commit, use_time, branch, later_commits, counts, state,
                           None if cache_dir is None else str(cache_dir))  # fmt: skip
        worker = helper(weights, setup, started)
        judge_at, files = judging(repo, patches, history, setup)
        files.listed, listed = listed, None
        try:
            fates = judged_apart(patches, weights, judge_at, worker)
            files.facts.store()
            return fates
        finally:
            files.clear()
    finally:
        if listed is not None:
            listed.close()  # not handed on: the setup failed
        if worker is not None:
            worker[0].close(at_once=True)


def walked(repo: pygit2.Repository, patches: list[Patch], ref_commit: str | None, use_time: bool) -> History:
    """The history of the patches' files since the session began (all of it without `use_time`)."""
    times = [t for t in (epoch(p.timestamp) for p in patches) if t is not None]
    since = (min(times) - SLACK_SECONDS) if use_time and times and len(times) == len(patches) else 0.0
    paths = {p.path for p in patches if p.inside}
    extra = [ref_commit] if ref_commit else []
    return walk(repo, paths, since, extra)


def judging(
    repo: pygit2.Repository, patches: list[Patch], history: History, setup: JudgeSetup
) -> tuple[Callable[[int], Fate], FileVersions]:
    """The judgement of the i-th patch, and the versions it reads (cleared by the caller): made alike
    here and in the worker (`judge_worker`), which must give the same fates."""
    use_time = setup.use_time
    probes = [_untaken(p, ev.probe(p), history, use_time) for p in patches]
    by_path: dict[str, list[ev.Probe]] = {}
    for patch, probe in zip(patches, probes):
        if probe is not None:
            by_path.setdefault(patch.path, []).append(probe)
    wanted = {path: ev.wanted_keys(ps) for path, ps in by_path.items()}
    files = FileVersions(repo, wanted, {path: ev.split_keys(ps) for path, ps in by_path.items()})
    tips = logged_branch_first(ref_tips(repo), setup.branch)
    head = str(repo.head.peel(pygit2.Commit).id) if not repo.head_is_unborn else None
    workdir = repo.workdir
    files.look_for(ev.wanted_keys([p for p in probes if p is not None]))
    files.facts = BlobFacts(Path(setup.facts_dir) if setup.facts_dir else None, files.every)
    files.session_paths = {p.path for p in patches} | {p.old_path for p in patches if p.old_path}
    files.pipe = None if fetches_lazily(repo) else BlobPipe(repo.path)
    ref_commit, later_commits, counts = setup.ref_commit, setup.later_commits, setup.counts

    def judge_at(i: int) -> Fate:
        return _judge_read(patches[i], probes[i], history, files, ref_commit, tips, head, workdir, use_time,
                           later_commits, counts)  # fmt: skip

    return judge_at, files


def _weight(patch: Patch, history: History, use_time: bool) -> int:
    """What judging the patch may cost, for `judged_apart`: the versions of its file after its step."""
    t = epoch(patch.timestamp) if use_time else None
    changes = history.changes.get(patch.path, [])
    if t is None:
        return 1 + len(changes)
    return 1 + sum(1 for ctime, _, _ in changes if ctime >= t - SLACK_SECONDS)


MISSING = "the clone lacks some of the git objects of this file's history (a partial clone?)"
SUBMODULE = "inside a submodule: another repository holds its lines (judge them in a clone of it)"


def in_submodule(repo: pygit2.Repository, ref_commit: str | None, path: str) -> bool:
    """Whether a folder of `path` is a submodule (a gitlink) at the reference: this repository holds only
    a commit id there, and the submodule's own work tree would read as this one's uncommitted lines."""
    if ref_commit is None or "/" not in path:
        return False
    try:
        tree = repo[ref_commit].peel(pygit2.Tree)
        parts = path.split("/")[:-1]
        for n in range(1, len(parts) + 1):
            entry = tree[("/".join(parts[:n]))]
            if entry.filemode == pygit2.GIT_FILEMODE_COMMIT:
                return True
            if entry.filemode != pygit2.GIT_FILEMODE_TREE:
                return False
    except (KeyError, ValueError, pygit2.GitError):
        return False
    return False


def _judge_read(
    patch, probe, history: History, files: FileVersions, ref_commit, tips, head, workdir, use_time,
    later_commits=True, counts=True,
) -> Fate:
    """`_judge_one`, or unknown on partial evidence where the clone lacks an object the file's history
    needs: one file's missing blob leaves the other files' verdicts as they are."""
    if patch.inside and probe is not None and patch.path in history.unreadable:
        return Fate(patch, "unknown", reason=MISSING, partial=True)
    try:
        return _judge_one(patch, probe, history, files, ref_commit, tips, head, workdir, use_time,
                          later_commits, counts)  # fmt: skip
    except (MissingObject, pygit2.GitError):
        return Fate(patch, "unknown", reason=MISSING, partial=True)


def _untaken(patch: Patch, probe: ev.Probe | None, history: History, use_time: bool) -> ev.Probe | None:
    """The probe without the lines a later step of the session removed before any commit of the file.

    Such a line never reached a commit as this patch's: a copy found later is a twin (`return null;`
    in another function, written by a shell command), not the patch's line kept. A line another step
    wrote again (`written_again`) is the patch's moved only where that commit holds it: written again
    after the commit, the commit held none of it, and the later copy is the other step's.
    """
    if probe is None or not (patch.taken_back or patch.written_again or patch.overwritten) or not use_time:
        return probe
    t = epoch(patch.timestamp)
    if t is None:
        return probe
    changes = history.changes.get(patch.path, [])
    first, first_id = min(((ctime, cid) for ctime, _, cid in changes if ctime >= t - SLACK_SECONDS), default=(None, None))
    # a shell command's whole rewrite (`overwritten`) removed the lines it did not keep, whoever wrote them again
    removals = list(patch.taken_back or []) + list(patch.overwritten or [])
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


def _judge_one(
    patch, probe, history: History, files: FileVersions, ref_commit, tips, head, workdir, use_time=True,
    later_commits=True, counts=True,
) -> Fate:
    if not patch.inside:
        return Fate(patch, "unknown", reason="outside the repository")
    if in_submodule(history.repo, ref_commit, patch.path):
        return Fate(patch, "unknown", reason=SUBMODULE)
    t = epoch(patch.timestamp) if use_time else None
    changes = sorted(history.changes.get(patch.path, []))
    unjudged = _unjudged(patch, probe, history, t, changes)
    if unjudged is not None:
        return unjudged
    literal = patch.op == "delete"
    j = _Judging(patch, probe, history, files, ref_commit, tips, head, workdir, t, changes, literal,
                 later_commits, not counts)  # fmt: skip
    accept, ref_lines = _accepting_commit(j)
    if accept is None:
        return _never_committed(j, ref_lines)
    judged, judged_at, baseline = _judged_where(j, accept)
    return _judged_fate(j, accept, judged, judged_at, baseline)


def _unjudged(
    patch: Patch,
    probe: ev.Probe | None,
    history: History,
    t: float | None,
    changes: list[tuple[int, int, str]],
) -> Fate | None:
    """The fate of a patch told before looking for its lines (a deletion undone before any commit, one
    whose lines are unknown, a notebook's); None where its lines are to be looked for."""
    path = patch.path
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
    return None


@dataclass(frozen=True)
class _Judging:
    """One patch being judged: its probe, the history and file versions read, and where to look."""

    patch: Patch
    probe: ev.Probe
    history: History
    files: FileVersions
    ref_commit: str | None
    tips: list[tuple[str, str]]  # (ref, commit), the logged branch's first
    head: str | None
    workdir: str | None
    t: float | None  # the step's time; None where times are ignored
    changes: list[tuple[int, int, str]]  # the commits that changed the file: (time, position, id), sorted
    # A deleted file is looked for under its own name: the commit that deleted it may also add a file
    # git pairs with it as a rename (a module the session split it into), which is not the file.
    literal: bool
    later_commits: bool = True  # `Fate.commits` wanted (`judge`)
    coarse: bool = False  # states wanted, not exact counts (`judge`'s `counts=False`)

    @property
    def path(self) -> str:
        return self.patch.path

    def blob_at(self, commit: str) -> str | None:
        if self.literal:
            return self.history.blob_named(commit, self.path)
        return self.history.blob_at(commit, self.path)

    def name_at(self, commit: str) -> str:
        return self.path if self.literal else self.history.name_at(commit, self.path)

    def lines_at(self, commit: str) -> fl.FileLines:
        return self.files.get(self.blob_at(commit), self.path)


def _accepting_commit(j: _Judging) -> tuple[str | None, fl.FileLines]:
    """The first commit after the step that holds the patch (None if none), and the reference's lines."""
    probe, t = j.probe, j.t
    accept = None
    for ctime, _, cid in j.changes:
        if t is not None and ctime < t - SLACK_SECONDS:
            continue
        if ev.reached(probe, j.lines_at(cid)):
            accept = cid
            break
    ref_lines = j.lines_at(j.ref_commit) if j.ref_commit else fl.EMPTY
    if accept is None and j.ref_commit and ev.reached(probe, ref_lines):
        # In the reference but no commit after the step holds it (clock skew): take the first that does.
        for _, _, cid in j.changes:
            if cid in j.history.ancestry(j.ref_commit) and ev.reached(probe, j.lines_at(cid)):
                accept = cid
                break
    return accept, ref_lines


def _never_committed(j: _Judging, ref_lines: fl.FileLines) -> Fate:
    """The fate of a patch no commit of its file took: in the work tree, landed in another file, or lost."""
    patch, probe, path = j.patch, j.probe, j.path
    name = j.name_at(j.head) if j.head else path
    work = _worktree_lines(j.workdir, name)
    if work is fl.EMPTY and probe.deletion and patch.op != "delete":
        work = None  # a file that is not there holds no deletion made inside it
    if work is not None and ev.reached(probe, work):
        k = ev.kept(probe, work)
        now = _renamed(name, path)
        return Fate(patch, "uncommitted", kept=k, dropped=probe.size - k, path_now=now, evidence=probe.size)
    elsewhere = None
    if not probe.deletion:
        elsewhere = _landed_elsewhere(patch, probe, j.history, j.files, j.t, j.ref_commit, j.tips, j.coarse)
    if elsewhere is not None:
        return elsewhere
    moved_work = _worktree_lines(j.workdir, patch.renamed_to) if patch.renamed_to else None
    if patch.renamed_to and moved_work is not None and ev.reached(probe, moved_work):
        # Renamed by a shell command of the session, not committed: the work tree holds it there.
        k = ev.kept(probe, moved_work)
        now = patch.renamed_to
        return Fate(patch, "uncommitted", kept=k, dropped=probe.size - k, path_now=now, evidence=probe.size)
    k = ev.kept(probe, ref_lines)
    return Fate(patch, "lost", kept=k, dropped=probe.size - k, evidence=probe.size)


def _judged_where(j: _Judging, accept: str) -> tuple[str, str | None, str]:
    """(the commit to judge at, the ref named when not the reference, the commit whose version is the
    patch as accepted)."""
    judged, judged_at, baseline = j.ref_commit, None, accept
    if judged is None or accept not in j.history.ancestry(judged):
        # First reached elsewhere. If the reference's own history took it later (a cherry-pick, a
        # rebase whose old branch still exists), judge it there; else at the branch that has it.
        on_ref = None
        if judged is not None:
            line = j.history.ancestry(judged)
            for ctime, _, cid in j.changes:
                if cid in line and (j.t is None or ctime >= j.t - SLACK_SECONDS):
                    if ev.reached(j.probe, j.lines_at(cid)):
                        on_ref = cid
                        break
        if on_ref is not None:
            baseline = on_ref
        else:
            for name, tip in j.tips:
                if accept in j.history.ancestry(tip):
                    judged, judged_at = tip, name
                    break
    # Not None: the walk that found `accept` started at these refs, so one of them holds it.
    return cast(str, judged), judged_at, baseline


def _judged_fate(j: _Judging, accept: str, judged: str, judged_at: str | None, baseline: str) -> Fate:
    """The fate of a committed patch: how much of it `judged` holds, as it was or edited, and where."""
    patch, probe, files, path = j.patch, j.probe, j.files, j.path
    final_blob, accept_blob = j.blob_at(judged), j.blob_at(baseline)
    final, accepted = files.get(final_blob, path), files.get(accept_blob, path)
    kept = ev.kept(ev.held_when_taken(probe, accepted), final)
    here = _renamed(j.name_at(judged), path)
    path_now = here
    changed = 0
    if kept < probe.size:
        full = files.full(final_blob)
        changed = ev.changed(probe, full, None, kept, files.fresh_lines(final_blob, accept_blob), j.coarse)
    if kept == 0 and changed and _undone(patch, files.full(final_blob)):
        changed = 0  # the "edited" lines are the ones the patch replaced, back as they were
    if kept + changed < probe.size and not probe.deletion:
        if j.coarse and kept and changed and not _moves_matter(
            probe, j.history, files, path, baseline, judged, min(kept, probe.size - kept)
        ):
            moved = None  # transformed, in this file, whatever a move took
        else:
            moved = _moved(probe, j.history, files, path, baseline, judged)
        if moved is not None:
            kept, changed, path_now = _followed_to(moved, probe, files, kept, changed, path_now, j.coarse)
    if kept and not changed and path_now == here and _bare_only(probe, final):
        kept = 0  # a shebang and a `fi` left of a script rewritten whole are not its lines kept
    stepwise = not probe.deletion and not probe.exact_only and probe.size <= STEPWISE_LINES
    if kept == 0 and changed == 0 and stepwise:
        changed = _edited_stepwise(patch, probe, j.history, files, baseline, judged)
    if kept == probe.size:
        state = "alive"
    elif kept == 0 and changed == 0:
        state = "reverted"
    else:
        state = "transformed"
    if not j.later_commits or final_blob == accept_blob or (kept, ev.kept_exact(probe, final)) == (
        ev.kept(probe, accepted),
        ev.kept_exact(probe, accepted),
    ):
        later: list[str] = []  # not asked, or nothing to show: its lines are as they were accepted
    else:
        later = _later_commits(probe, j.history, files, path, baseline, judged)
    return Fate(
        patch,
        state,
        commit=None if _beyond_history(j, accept) else accept,
        kept=kept,
        changed=changed,
        dropped=probe.size - kept - changed,
        commits=later,
        judged_at=judged_at,
        path_now=path_now,
        evidence=probe.size,
    )


def _beyond_history(j: _Judging, accept: str) -> bool:
    """Whether the accepting commit is one a shallow clone holds without its parents: a parent it lacks
    may have taken the patch first, so the clone cannot name the commit that did (the state stands)."""
    repo = j.history.repo
    return bool(repo.is_shallow) and accept in shallow_boundary(repo)


def _followed_to(
    moved: tuple[Any, ...], probe: ev.Probe, files: FileVersions, kept: int, changed: int, path_now: str | None,
    coarse: bool = False,
) -> tuple[int, int, str | None]:
    """(kept, changed, path now) with the lines that left the file for another one (a module split into
    a package) followed there; `moved` is `_moved`'s answer. `coarse`: as `evidence.changed`'s."""
    dest_name, dest_kept, dest_final, dest_since = moved
    in_place = kept
    kept = min(probe.size, kept + dest_kept)
    more = 0
    # Coarse, the lines edited there change nothing where some were edited in place and the path
    # does not hang on them (below): most of a long patch's lines are missing from another file, and
    # telling none of them close from some cost a sixth of pi-mono's heaviest judgement.
    settled = coarse and changed > 0 and (in_place > 0 or dest_kept > 0)
    if kept < probe.size and not settled:
        full = files.full(dest_final)
        more = ev.changed(probe, full, None, kept, files.fresh_lines(dest_final, dest_since), coarse)
    changed = min(probe.size - kept, changed + more)
    # The file that holds most of it now; one that holds none of it, kept or changed (deleted
    # since, or a document that quoted the lines once), is not where the patch lives.
    if dest_kept >= in_place and (dest_kept or more):
        path_now = dest_name
    return kept, changed, path_now


def _bare_only(probe: ev.Probe, final: fl.FileLines) -> bool:
    """Whether the lines of the patch a version holds all carry nothing of their own (bare.py)."""
    sub = ev.substance(probe)
    return sub is not probe and not probe.deletion and ev.kept(sub, final) == 0


STEPWISE_LINES = 8  # patches this short that read as reverted are followed commit by commit


def _edited_stepwise(
    patch: Patch, probe: ev.Probe, history: History, files: FileVersions, since: str, judged: str
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


def _undone(patch: Patch, final: fl.FileLines) -> bool:
    """Whether every line a replacing patch removed is back as often as the file had it before the
    step (the patch reverted, maybe in steps): the lines close to the patch's are then those."""
    removed = {norm(x) for x in patch.removed if any(c.isalnum() for c in x)}
    before = patch.before_norms
    if not removed or before is None or not patch.added:
        return False
    return all(final.normal.get(k, 0) >= before.get(k, 1) for k in removed)


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
