"""A trail's patches judged on two processes, so that the first answer waits less on two cores.

After the history walk each patch is judged alone (`by_file.py`: its fate never depends on
another's), and that is four fifths of a first trail. A worker of the shared pool (`worker_pool`,
`python -m tracetui.trail.judge_worker`) is told the patches and the walked history, and takes
units (a file's patches, or one patch where one file holds most of the work), heaviest first, while
this process takes the others; its fates come back pickled.
More in docs/internals/trail.md, `trail/two_cores.py`.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Any

from tracetui.trail.fates import Fate
from tracetui.trail.patch import Patch
from tracetui.worker_pipes import spawn
from tracetui.worker_pool import READY, Cancelled, SetupFailed, WorkerPool

# A trail whose patches weigh less (the versions of their files after their steps, `judging._weight`)
# is judged in this process alone: the worker's start (Python, the trail's imports, its probes) costs
# about 0.4 s of CPU before it judges anything, and below 3,000 the judging alone took 0.16-0.68 s
# (bench/RESULTS.md, "Trail", 2026-11-29 05:58).
MIN_WEIGHT = 3_000
# The same for a judgement of states alone (`counts=False`, a blame's), which costs less a version
# (0.04 to 0.07 ms of CPU, where a trail's took 0.1 to 0.42): interactive-mode.ts's (10,980) and
# agent-session.ts's (8,199) blames each took 0.1 to 0.4 s longer with a worker, which answered 1 to 4
# of their 31 and 43 patches (bench/RESULTS.md, "Blame", 2026-11-29 17:30).
MIN_WEIGHT_STATES = 30_000
# A judgement of fewer patches starts no worker before their weights are known (`early`).
MIN_PATCHES = 40
WORKER = "tracetui.trail.judge_worker"
FIELDS = tuple(f.name for f in fields(Fate) if f.name != "patch")
# How long this process waits for the worker's last unit, from when the worker took it: a multiple
# of what this process took for as much weight (its wall time: a loaded machine slows both), and a
# floor. Past it the unit is judged here: a worker stopped or starved never holds the trail for long.
PATIENCE = 3.0
PATIENCE_FLOOR = 0.25  # seconds


# Per thread and per task: one caller's `on_two_cores` (the app's worker) never lets another's use it.
_ALLOWED: ContextVar[bool] = ContextVar("two_cores_allowed", default=False)


@contextmanager
def on_two_cores() -> Iterator[None]:
    """Trails judged inside may use a worker process (`helper`): for a face whose user waits on one
    answer (`trail`, `blame`, the app's trail view), not for a caller that keeps every core busy
    already (an export's workers)."""
    token = _ALLOWED.set(True)
    try:
        yield
    finally:
        _ALLOWED.reset(token)


@dataclass(frozen=True, slots=True)
class JudgeSetup:
    """What the worker is told once, first: the clone, the patches, how they are judged
    (`judging.judge`'s arguments) and the history this process walked."""

    repo: str  # its git folder, as this process opened it (`mapping._open`): no search from a work tree
    patches: list[Patch]
    ref_commit: str | None
    use_time: bool
    branch: str | None
    later_commits: bool
    counts: bool
    # The walked history's fields but its repository (`history.History`): reading them is a hundredth
    # of walking it again (pi-mono: 5-12 ms to pickle 1-3 MB against 0.09-0.14 s of walk).
    history: dict[str, Any]
    # The cache folder where versions' counts of the keys are kept between trails (`blob_facts`), or None.
    facts_dir: str | None = None


def early(patches: int, counts: bool = True) -> WorkerPool | None:
    """A worker started before the history is walked, where allowed and a judgement of `patches`
    patches may be worth one: its Python and the trail's imports (about 0.2 s of CPU) overlap the
    walk and the probes here. `helper` takes it or, where the weights say the trail is light,
    kills it. None for states alone (`counts` false): few of those weigh enough."""
    return _started() if counts and patches >= MIN_PATCHES and _worth_a_worker() else None


def helper(
    weights: list[int], setup: JudgeSetup, started: WorkerPool | None
) -> tuple[WorkerPool, bytes] | None:
    """A worker for this judgement, where allowed and worth it (`started`, the one `early` gave,
    else one started now; the weights at least `MIN_WEIGHT`, or `MIN_WEIGHT_STATES` for states
    alone), and its setup, the first job `judged_apart` sends it; None where the patches are
    judged here alone, `started` then killed. The caller closes the worker."""
    light = len(weights) < 2 or sum(weights) < (MIN_WEIGHT if setup.counts else MIN_WEIGHT_STATES)
    if light or not _worth_a_worker():
        if started is not None:
            started.close(at_once=True)
        return None
    pool = started if started is not None and not started.gone else _started()
    return pool, pickle.dumps(setup, protocol=pickle.HIGHEST_PROTOCOL)


def _started() -> WorkerPool:
    """One worker, started now; its setup goes as its first job, once the patches are known."""
    pool = WorkerPool(1, _spawn, None, replace=False)
    pool.start()
    return pool


def _spawn() -> subprocess.Popen[bytes]:
    return spawn(WORKER)


def _worth_a_worker() -> bool:
    return _ALLOWED.get() and _core_free()


def may_fork() -> bool:
    """Work may go to a forked child here and now: inside `on_two_cores`, beside no other thread,
    with a core free for it (blame's line index is built so, `blame/index_apart.py`)."""
    return _ALLOWED.get() and hasattr(os, "fork") and _alone() and _core_free()


def _alone() -> bool:
    """No other thread: a fork copies only the calling one, and a lock another held (in libgit2, in
    a logger) would stay held in the child for ever."""
    return threading.active_count() == 1


def _core_free() -> bool:
    """A core the worker can have: the two processes do more work than one, which only shortens the
    wait where another core would idle (the last minute's load below the cores)."""
    try:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return os.getloadavg()[0] <= cores - 1
    except OSError:
        return False


def judged_apart(patches: list[Patch], weights: list[int], judge: Callable[[int], Fate],
                 worker: tuple[WorkerPool, bytes] | None) -> list[Fate]:  # fmt: skip
    """`judge(i)` of every patch, in order: shared with the worker where there is one (`helper`). A
    unit the worker did not answer (it died, refused its setup, or took too long) is judged here."""
    if worker is None:
        return [judge(i) for i in range(len(patches))]
    pool, setup = worker
    units = _units(patches, weights)
    shared = _Shared(units)
    feeder = threading.Thread(target=_feed, args=(pool, setup, shared), daemon=True)
    feeder.start()
    fates: dict[int, Fate] = {}
    started, weighed = time.monotonic(), 0
    try:
        while (u := shared.take()) is not None:
            fates.update((i, judge(i)) for i in units[u])
            weighed += sum(weights[i] for i in units[u])
        rate = (time.monotonic() - started) / max(weighed, 1)
        for u, values in shared.answers(rate, weights).items():
            fates.update((i, Fate(patches[i], **dict(zip(FIELDS, v)))) for i, v in values)
    finally:
        shared.stop()
        pool.close(at_once=True)  # nothing more is asked of it: a worker stuck on a unit is not waited for
        feeder.join(timeout=5)
    return [fates[i] if i in fates else judge(i) for i in range(len(patches))]


class _Shared:
    """The units, handed out one at a time to whichever process is free, and the worker's answers."""

    def __init__(self, units: list[list[int]]) -> None:
        self.units = units
        self.next = 0
        self.theirs: dict[int, list[tuple[int, tuple[Any, ...]]]] = {}
        self.asked: int | None = None  # the unit the worker is judging
        self.asked_at = 0.0  # since when (`time.monotonic`)
        self.gone = False  # the worker answers no more
        self.stopping = threading.Event()
        self.changed = threading.Condition()

    def take(self) -> int | None:
        with self.changed:
            if self.next >= len(self.units):
                return None
            self.next += 1
            return self.next - 1

    def stop(self) -> None:
        self.stopping.set()

    def answers(self, rate: float, weights: list[int]) -> dict[int, list[tuple[int, tuple[Any, ...]]]]:
        """The worker's answers, once its last unit is in or it is gone or late (`PATIENCE`)."""
        with self.changed:
            if self.asked is not None and not self.gone:
                weight = sum(weights[i] for i in self.units[self.asked])
                deadline = self.asked_at + PATIENCE_FLOOR + PATIENCE * rate * weight
                while self.asked is not None and not self.gone and (left := deadline - time.monotonic()) > 0:
                    self.changed.wait(left)
            return dict(self.theirs)


def _feed(pool: WorkerPool, setup: bytes, shared: _Shared) -> None:
    """The worker's thread here: its setup, then a unit at a time to it, its answers kept."""
    try:
        if pool.result(pool.submit(setup), cancelled=shared.stopping.is_set) != READY:
            return  # it died in its setup, or refused it (`worker_pool.set_up`'s words)
        while not shared.stopping.is_set():
            with shared.changed:
                u = shared.take()
                shared.asked, shared.asked_at = u, time.monotonic()
            if u is None:
                return
            answer = pool.result(pool.submit(pickle.dumps(shared.units[u])), cancelled=shared.stopping.is_set)
            values = decoded(answer)
            if values is None:
                return
            with shared.changed:
                shared.theirs[u] = values
                shared.asked = None
                shared.changed.notify_all()
    except (Cancelled, SetupFailed):
        return
    finally:
        with shared.changed:
            shared.gone = True
            shared.changed.notify_all()


def decoded(answer: bytes | None) -> list[tuple[int, tuple[Any, ...]]] | None:
    """A worker's answer: each patch's place and its fate's fields; None where it died or failed
    (the unit is then judged here, where the error, if it is one, is met again)."""
    if answer is None:
        return None
    try:
        kind, values = pickle.loads(answer)
    except Exception:
        return None
    return values if kind == "answer" else None


def _units(patches: list[Patch], weights: list[int]) -> list[list[int]]:
    """A file's patches together (they share the file's versions read and counted), heaviest first;
    where one file weighs more than half, its patches one by one (else one process does most)."""
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(patches):
        groups.setdefault(p.path, []).append(i)
    total = sum(weights)
    units: list[list[int]] = []
    for group in groups.values():
        if 2 * sum(weights[i] for i in group) > total:
            units.extend([i] for i in group)
        else:
            units.append(group)
    return sorted(units, key=lambda g: -sum(weights[i] for i in g))  # stable: a file's patches in order
