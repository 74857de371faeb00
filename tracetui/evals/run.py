"""`tracetui eval`: cohorts, their scores from trusted labels, a comparison and the calibration.

More on what the scores mean in README.md ("Evals") and scores.py.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracetui.bucket import Bucket, Rating
from tracetui.errors import Stopped, TracetuiError, UsageError
from tracetui.evals import cohorts as groups
from tracetui.evals.memo import EvalMemo
from tracetui.evals.pool import Judged, Pool, Setup
from tracetui.evals.scores import RESAMPLES, SCORES, Metric, SessionLabels, interval, measure, percentiles
from tracetui.export.labels import outcome
from tracetui.library import FOREIGN_KINDS
from tracetui.model import Session, SessionSummary
from tracetui.safe_text import clip, safe_line
from tracetui.selection import Selection, parse_moment, select
from tracetui.sources import registry
from tracetui.trail import Fate, belongs, same_repository
from tracetui.trail.line_identity import written
from tracetui.trail.witness import touched_paths

if TYPE_CHECKING:
    from tracetui.library import Library

MINIMUM = 5  # labelled sessions a cohort needs before it is scored (`--min`)
AGREEMENT_MIN = 0.7  # the git score is used only where it agrees with people this often, or more
SCORED = "scored"
NO_LABELS = "blocked_no_labels"
TOO_FEW = "blocked_too_few"
BETTER, WORSE, SAME = "better", "worse", "no detectable difference"
# What a comparison goes by: git's survival share where people's ratings do not contradict it.
PRIMARY = "survival"
FALLBACK = "human_good"


@dataclass(slots=True)
class Cohort:
    key: str
    sessions: list[SessionLabels]  # every session of the cohort, labelled or not
    status: str = NO_LABELS
    metrics: dict[str, Metric] = field(default_factory=dict)
    unblock: str | None = None  # what would let it be scored

    @property
    def labelled(self) -> list[SessionLabels]:
        return [s for s in self.sessions if s.labelled]

    def to_dict(self) -> dict[str, Any]:
        return {"cohort": self.key, "status": self.status, "sessions": len(self.sessions),
                "labelled": len(self.labelled), "unblock": self.unblock,
                "scores": {k: m.to_dict() for k, m in self.metrics.items()},
                "ids": [s.id for s in self.sessions],
                "labels": [s.to_dict() for s in self.sessions]}  # fmt: skip


@dataclass(slots=True)
class Calibration:
    """How often git's survival (≥ half the decided lines kept: good) agrees with people's ratings,
    over the sessions that have both."""

    n: int
    agreement: float | None
    low: float | None = None
    high: float | None = None
    status: str = "unchecked"  # trusted | too_low | unchecked (fewer than the minimum have both)

    @property
    def git_usable(self) -> bool:
        return self.status != "too_low"

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "agreement": None if self.agreement is None else round(self.agreement, 6),
                "interval": None if self.low is None else [round(self.low, 6), round(self.high or 0, 6)],
                "status": self.status, "minimum": AGREEMENT_MIN}  # fmt: skip


@dataclass(slots=True)
class Evaluation:
    by: str
    cohorts: list[Cohort]
    calibration: Calibration
    minimum: int
    ref: str = "HEAD"
    # What the user is told besides the scores, a line each (a worker's setup that failed: the
    # evaluation was judged in this process alone, slower). Not in `to_dict`: the JSON is a contract.
    notes: list[str] = field(default_factory=list)

    def cohort(self, key: str) -> Cohort:
        for c in self.cohorts:
            if c.key == key:
                return c
        known = ", ".join(c.key for c in self.cohorts[:8]) or "none"
        raise UsageError(f"no {self.by} cohort {safe_line(clip(key, 80))!r} (cohorts: {known})")

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "ref": self.ref, "minimum": self.minimum, "calibration": self.calibration.to_dict(),
                "cohorts": [c.to_dict() for c in self.cohorts],
                "scores": {k: {"means": v[1], "higher_is_better": v[2]} for k, v in SCORES.items()}}  # fmt: skip


@dataclass(slots=True)
class Comparison:
    a: Cohort
    b: Cohort
    verdict: str  # better | worse | no detectable difference | blocked_no_labels | blocked_too_few
    metric: str | None
    difference: float | None = None
    low: float | None = None
    high: float | None = None
    why: str | None = None

    def line(self) -> str:
        """The answer in one line: how B does against A, and the figures behind it."""
        if self.metric is None or self.difference is None:
            return f"{self.verdict}: {self.why}"
        ma, mb = self.a.metrics[self.metric], self.b.metrics[self.metric]
        return (f"{self.verdict}: {self.b.key} against {self.a.key} on {self.metric}: "
                f"{_f(mb.value)} [{_f(mb.low)}, {_f(mb.high)}] n={mb.n} vs {_f(ma.value)} [{_f(ma.low)}, "
                f"{_f(ma.high)}] n={ma.n}; difference {self.difference:+.3f} [{_f(self.low, True)}, "
                f"{_f(self.high, True)}]" + (f"; {self.why}" if self.why else ""))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "metric": self.metric, "a": self.a.to_dict(), "b": self.b.to_dict(),
                "difference": None if self.difference is None else round(self.difference, 6),
                "interval": None if self.low is None else [round(self.low, 6), round(self.high or 0, 6)],
                "why": self.why, "line": self.line()}  # fmt: skip


def evaluate(
    library: Library,
    by: str = "agent",
    selection: Selection | None = None,
    *,
    ratings: Sequence[Rating] | None = None,
    ref: str = "HEAD",
    repo: str | Path | None = None,
    clones: Sequence[str | Path] = (),
    minimum: int = MINIMUM,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int | None = None,
) -> Evaluation:
    """Every chosen session's trusted labels, grouped `by` one of cohorts.BY and scored. The ratings
    are the bucket's own unless given. A session's work is judged in `repo` where given, else in the
    first of `clones` that is its repository (`trail.belongs`), else in the clone its cwd is in.
    Each session is read and judged: `progress(done, total)` after each, and `cancelled()` before
    each or while waiting on workers (true: Stopped), since a big bucket takes minutes the first time
    (trails are cached). `workers`: how many processes judge, this one included (None: one per core
    where there are `POOL_MIN_SESSIONS` to judge; 1: this one alone)."""
    if by not in groups.BY:
        raise UsageError(f"eval --by takes {', '.join(groups.BY)}, not {safe_line(clip(by, 40))!r}")
    if minimum < 2:
        raise UsageError("eval --min takes a number of at least 2: one session has no spread to measure")
    if ratings is None:
        ratings = library.ratings() if isinstance(library, Bucket) else []
    rated: dict[str, list[Rating]] = {}
    for r in ratings:
        rated.setdefault(r.session, []).append(r)
    rows = select(library, selection or Selection())
    candidates = clones_in(clones)
    # A session and clone as the last evaluation found them are not read again (memo.py). Where clones
    # are given, which is a session's is worked out from the session: no memo then.
    memo = None
    if isinstance(library, Bucket) and library.cache_dir is not None and not candidates:
        memo = EvalMemo(library, ref, repo)
        memo.start(rows)
    # Each row's labels and cohorts: the memo's first, then the rest judged (on worker processes
    # where there are enough of them), every session in the rows' order whichever finished first.
    judged: list[tuple[SessionLabels, dict[str, list[str]]] | None] = [None] * len(rows)
    notes: list[str] = []
    for n, row in enumerate(rows):
        if memo is not None:
            if cancelled is not None and cancelled():
                raise Stopped("the evaluation was stopped")
            judged[n] = memo.recall(row)
    todo = [n for n, found_n in enumerate(judged) if found_n is None]
    done = len(rows) - len(todo)
    if progress is not None:
        progress(done, len(rows))
    judging = (ref, repo, candidates)
    with closing(_judged(library, rows, todo, judging, memo, workers, cancelled, notes)) as results:
        for n, judged_n in results:
            judged[n] = (judged_n.labels, judged_n.cohorts)
            done += 1
            if progress is not None:
                progress(done, len(rows))
    if memo is not None:
        memo.save()
    found: list[SessionLabels] = []
    keys: dict[str, list[str]] = {}
    for row, answer in zip(rows, judged):
        assert answer is not None  # every row was recalled or judged
        labels, cohorts = answer
        rated_by(labels, rated.get(row.id, []))
        labels.cost_usd = row.cost_usd
        keys[row.id] = cohorts[by]
        found.append(labels)
    if by == "template":
        keys = groups.shared_templates(keys)
    elif by == "skill":
        keys = groups.shared_commands(keys)
    by_key: dict[str, list[SessionLabels]] = {}
    for labels in found:
        labels.cohorts = keys[labels.id]
        for key in labels.cohorts:
            by_key.setdefault(key, []).append(labels)
    scored = [score_cohort(key, sessions, minimum) for key, sessions in by_key.items()]
    scored.sort(key=lambda c: (-len(c.labelled), -len(c.sessions), c.key))
    return Evaluation(by, scored, calibrate(found, minimum), minimum, ref, notes)


# Below this many sessions to judge, this process judges them alone. A worker's start (a fresh
# interpreter importing the trail, then opening the bucket) took 0.45 s of CPU and 0.7 s of wall on a
# busy 2-core machine; this process judges the shortest sessions meanwhile (`pool.HELP`) and sends
# none to a worker before it is ready, so 19 light sessions took 45 ms with a pool, 42 ms without.
POOL_MIN_SESSIONS = 8

# Where sessions are judged: the reference, the clone given (`--repo`) and the clones to choose from.
Judging = tuple[str, str | Path | None, list[Path]]


def _judged(
    library: Library, rows: Sequence[SessionSummary], todo: list[int], judging: Judging,
    memo: EvalMemo | None, workers: int | None, cancelled: Callable[[], bool] | None, notes: list[str],
) -> Generator[tuple[int, Judged]]:  # fmt: skip
    """(n, judged) for each position `n` of `todo` in `rows`: on a pool where there are enough of them
    and cores to spare, else here one after the other. What the user should hear goes to `notes`."""
    size = _judging_processes(library, rows, todo, workers)
    if size > 1 and len(todo) >= POOL_MIN_SESSIONS:
        yield from _on_workers(library, rows, todo, judging, memo, size - 1, cancelled, notes)
        return
    ref, repo, candidates = judging
    foreign = library.kind in FOREIGN_KINDS  # judged here alone: a worker opens a bucket
    for n in todo:
        if cancelled is not None and cancelled():
            raise Stopped("the evaluation was stopped")
        row = rows[n]
        session = library.session(row.id)
        if memo is not None:
            memo.before(row)
        found = judge_session(session, ref, repo, candidates, library.cache_dir, foreign)
        if memo is not None:
            memo.remember(row, found.labels, found.touched, found.cohorts)
        yield n, found


def _judging_processes(
    library: Library, rows: Sequence[SessionSummary], todo: list[int], workers: int | None
) -> int:
    """How many processes may judge, this one included: one per core (as a sync's pool), 1 alone."""
    if not isinstance(library, Bucket):
        return 1  # a worker opens the bucket itself: a library in memory or a capsule is judged here
    size = (os.cpu_count() or 1) if workers is None else workers
    # An agent registered at run time is unknown to a fresh worker process (as to a sync's).
    if size > 1 and not all(registry.importable(agent) for agent in {rows[n].agent for n in todo}):
        return 1
    return size


def _on_workers(
    library: Library, rows: Sequence[SessionSummary], todo: list[int], judging: Judging,
    memo: EvalMemo | None, workers: int, cancelled: Callable[[], bool] | None, notes: list[str],
) -> Iterator[tuple[int, Judged]]:  # fmt: skip
    assert isinstance(library, Bucket)
    ref, repo, candidates = judging
    cache = library.cache_dir
    setup = Setup(str(library.root), None if cache is None else str(cache), ref,
                  None if repo is None else str(repo), [str(c) for c in candidates])  # fmt: skip
    # The longest first, so that one big session does not finish alone at the end; this process
    # takes the shortest (`pool.HELP`). By steps: a fork's copied patches are judged but counted in
    # no edits (the corpus's 4 s session has 1,296 steps and 0 edits).
    order = sorted(todo, key=lambda n: (-rows[n].steps, n))
    with Pool(setup, min(workers, len(todo))) as pool:
        if memo is not None:  # each clone's state before any of its sessions is judged (workers start)
            for n in todo:
                memo.before(rows[n])
        for n, found in pool.results([(n, rows[n].id) for n in order], cancelled):
            row = rows[n]
            if found is None:  # for this process to judge (a worker could not, or it helps): as serially
                found = judge_session(library.session(row.id), ref, repo, candidates, cache)
            if memo is not None:
                memo.remember(row, found.labels, found.touched, found.cohorts)
            yield n, found
        if pool.refused is not None:
            notes.append(refusal_note(pool.refused))


def refusal_note(words: str) -> str:
    """The line that says the workers could not set up, in their words made inert (a worker's text
    is a process's output: terminal bytes and markup stay text)."""
    said = safe_line(clip(words, 300))
    return f"the evaluation's worker processes could not start ({said}): judged in this process alone, slower"


def judge_session(
    session: Session, ref: str, repo: str | Path | None, clones: Sequence[Path], cache_dir: Path | None,
    foreign: bool = False,
) -> Judged:
    """One session judged as an evaluation keeps it, in this process or a worker's: in `repo` where
    given, else in its own of `clones` (`own_clone`), else in the clone its cwd is in. A `foreign`
    session (a capsule's, a dataset's) only in a clone given that is its own, else not judged: the
    folder it names is another machine's, and a stat of it may mount a share (docs/internals/evals.md)."""
    where: str | Path | None
    if foreign:
        where = own_clone(session, [*([Path(repo)] if repo is not None else []), *clones])
        if where is None:
            labels = SessionLabels(session.id, session.started, note=FOREIGN_NOTE)
            return Judged(labels, [], {b: groups.keys(session, b) for b in groups.BY})
    else:
        where = repo if repo is not None else own_clone(session, clones)
    labels, fates = git_labels(session, ref, where, cache_dir)
    return Judged(labels, touched_paths(fates), {b: groups.keys(session, b) for b in groups.BY})


FOREIGN_NOTE = ("another machine's session: judged only in a clone given that is its own (--repo, --clones), "
                "never in the folder it names")


def clones_in(given: Sequence[str | Path]) -> list[Path]:
    """The git repositories `given` names: each one that is a repository, else the repositories in
    it and one level further down (a folder of clones, a mirror's `owner+name/repo`)."""
    found: list[Path] = []
    for item in given:
        top = Path(item).expanduser()
        if not top.is_dir():
            raise UsageError(f"{safe_line(clip(str(item), 200))!r} is not a folder")
        if _is_repository(top):
            found.append(top)
            continue
        for child in sorted(top.iterdir()):
            if child.is_dir() and not child.is_symlink():
                if _is_repository(child):
                    found.append(child)
                else:
                    found += [g for g in sorted(child.iterdir()) if g.is_dir() and not g.is_symlink() and _is_repository(g)]
    return found


def own_clone(session: Session, clones: Sequence[Path]) -> Path | None:
    """The one clone among `clones` that is the session's repository, or None (then its cwd decides).

    By the log's word (its commit or remote: `trail.same_repository`), else by `trail.belongs` (a
    clone named as the folder the agent worked in that holds its files). Where several fit, none is
    taken: a wrong clone would call the session's work lost."""
    if not clones:
        return None
    sure = [c for c in clones if same_repository(session, c)]
    if len(sure) == 1:
        return sure[0]
    named = [c for c in clones if belongs(session, c)]
    return named[0] if len(named) == 1 else None


def _is_repository(path: Path) -> bool:
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def session_labels(
    session: Session, ratings: Sequence[Rating], ref: str = "HEAD", repo: str | Path | None = None,
    cache_dir: Path | None = None,
) -> SessionLabels:  # fmt: skip
    """One session's trusted labels: git's fates of its added lines, its last test run, its ratings."""
    labels, _ = git_labels(session, ref, repo, cache_dir)
    rated_by(labels, ratings)
    return labels


def git_labels(
    session: Session, ref: str = "HEAD", repo: str | Path | None = None, cache_dir: Path | None = None
) -> tuple[SessionLabels, list[Fate]]:
    """The labels git and the tests give (no ratings), and the fates they were counted from."""
    try:
        found = outcome(session, ref, repo, cache_dir)
    except TracetuiError as exc:  # a repository that cannot be read decides nothing, and says why
        return SessionLabels(session.id, session.started, note=str(exc)), []
    lines = {k: 0 for k in ("alive", "transformed", "reverted", "lost", "uncommitted", "unknown")}
    for fate in found.fates:
        # Work judged on a branch the reference never merged (`judged_at`) is not at the reference,
        # nor thrown away: it decides nothing of what survived at `ref` (docs/internals/evals.md).
        state = "unknown" if fate.judged_at is not None else fate.state
        lines[state] = lines.get(state, 0) + written(fate.patch)
    last = found.tests[-1]["exit_code"] if found.tests else None
    labels = SessionLabels(session.id, session.started, alive=lines["alive"], transformed=lines["transformed"],
                           reverted=lines["reverted"], lost=lines["lost"],
                           undecided=lines["uncommitted"] + lines["unknown"], tests_last_exit=last,
                           note=found.note)  # fmt: skip
    return labels, list(found.fates)


def rated_by(labels: SessionLabels, ratings: Sequence[Rating]) -> None:
    """People's ratings on the labels: the session's own rating decides; failing one, its steps'
    ratings share it."""
    whole = [r for r in ratings if r.step is None]
    chosen = whole[-1:] or list(ratings)
    if chosen:
        labels.good = sum(1 for r in chosen if r.good) / len(chosen)
        labels.ratings = len(ratings)


def score_cohort(key: str, sessions: list[SessionLabels], minimum: int = MINIMUM) -> Cohort:
    cohort = Cohort(key, sessions)
    labelled = cohort.labelled
    if not labelled:
        cohort.status = NO_LABELS
        cohort.unblock = (f"none of its {len(sessions)} session(s) has a trusted label: rate {minimum} "
                          "(`tracetui rate ID good|bad`), or give clones of the repositories their work "
                          "went to (--clones DIR)")  # fmt: skip
        return cohort
    if len(labelled) < minimum:
        cohort.status = TOO_FEW
        more = minimum - len(labelled)
        cohort.unblock = (f"{len(labelled)} of {minimum} labelled sessions: label {more} more "
                          "(`tracetui rate ID good|bad`, or their repositories), or lower --min")  # fmt: skip
        return cohort
    cohort.status = SCORED
    cohort.metrics = {name: measure(name, labelled, key) for name in SCORES}
    return cohort


def calibrate(sessions: Sequence[SessionLabels], minimum: int = MINIMUM) -> Calibration:
    both = [s for s in sessions if s.decided and s.good is not None]

    def agreement(drawn: Sequence[SessionLabels]) -> float | None:
        if not drawn:
            return None
        return sum(1 for s in drawn if (s.surviving * 2 >= s.decided) == ((s.good or 0) >= 0.5)) / len(drawn)

    value = agreement(both)
    if value is None:
        return Calibration(0, None)
    low, high = interval(agreement, both, "calibration")
    status = "unchecked" if len(both) < minimum else "trusted" if value >= AGREEMENT_MIN else "too_low"
    return Calibration(len(both), value, low, high, status)


def compare(evaluation: Evaluation, a: str, b: str) -> Comparison:
    """How cohort `b` does against cohort `a`: better or worse where the bootstrap interval of the
    difference leaves out 0, else no detectable difference; blocked where either cannot be scored."""
    return compare_cohorts(evaluation.cohort(a), evaluation.cohort(b), evaluation.calibration, evaluation.minimum)


def split(evaluation: Evaluation, key: str, at: str) -> Comparison:
    """One cohort before `at` (A) against the same cohort from `at` on (B)."""
    moment = parse_moment(at)
    whole = evaluation.cohort(key)
    before = [s for s in whole.sessions if s.started and parse_moment(s.started) < moment]
    after = [s for s in whole.sessions if s.started and parse_moment(s.started) >= moment]
    day = safe_line(clip(at, 40))
    a = score_cohort(f"{key} before {day}", before, evaluation.minimum)
    b = score_cohort(f"{key} from {day}", after, evaluation.minimum)
    return compare_cohorts(a, b, evaluation.calibration, evaluation.minimum)


def compare_cohorts(a: Cohort, b: Cohort, calibration: Calibration, minimum: int = MINIMUM) -> Comparison:
    for cohort in (a, b):
        if cohort.status != SCORED:
            return Comparison(a, b, cohort.status, None, why=f"{cohort.key}: {cohort.unblock}")
    # A score is compared only where each side has it from at least `minimum` sessions: a cohort
    # scored from its ratings may hold one session git judged, and one session has no spread.
    usable = [m for m in ((PRIMARY, FALLBACK) if calibration.git_usable else (FALLBACK,))
              if all(c.metrics[m].value is not None and c.metrics[m].n >= minimum for c in (a, b))]  # fmt: skip
    if not usable:
        shown = "; ".join(f"{m} {a.key} {a.metrics[m].n}, {b.key} {b.metrics[m].n}" for m in (PRIMARY, FALLBACK))
        return Comparison(a, b, TOO_FEW, None, why=f"no score of both cohorts rests on {minimum} sessions or "
                          f"more (sessions with {shown}): label more of them")  # fmt: skip
    metric = usable[0]
    why = None
    if not calibration.git_usable:
        why = (f"git's survival agrees with people's ratings {calibration.agreement or 0:.0%} of the time, too "
               "little to trust: compared on people's ratings")  # fmt: skip
    elif metric != PRIMARY:
        why = f"compared on people's ratings: survival rests on fewer than {minimum} sessions of a cohort"
    score = SCORES[metric][0]
    diff = (b.metrics[metric].value or 0.0) - (a.metrics[metric].value or 0.0)
    la, lb = a.labelled, b.labelled
    rng = random.Random(f"compare:{a.key}:{b.key}:{metric}")
    draws = []
    for _ in range(RESAMPLES):
        va = score([la[rng.randrange(len(la))] for _ in la])[0]
        vb = score([lb[rng.randrange(len(lb))] for _ in lb])[0]
        if va is not None and vb is not None:
            draws.append(vb - va)
    low, high = percentiles(draws)
    higher_better = SCORES[metric][2]
    if low is None or high is None or low <= 0 <= high:
        verdict = SAME
    else:
        verdict = BETTER if (low > 0) == higher_better else WORSE
    return Comparison(a, b, verdict, metric, diff, low, high, why)


def _f(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "?"
    return f"{value:+.3f}" if signed else f"{value:.3f}"
