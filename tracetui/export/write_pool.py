"""A Parquet, ATIF or raw export's per-session review and write on every core: `python -m
tracetui.export.write_worker`.

In the review a worker reads a session, refreshes its plan, lists what waits and judges its outcome
(spilled for the write); it sends back what waits, the digest and the files the judging read. In the
write it takes the review's plan and outcome, scrubs, makes the format's bytes, runs the second gate
(its scans inline) and makes the receipt; it sends back the rows (Parquet) or the files (ATIF, raw),
the receipt, or the refusal (never a value).
This process keeps everything that touches the export folder, the keys and the report, in the
sessions' order, with a bounded number in flight. More in docs/internals/export.md, `export/write_pool.py`.
"""

from __future__ import annotations

import collections
import os
import pickle
import subprocess
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from tracetui.bucket import Bucket, Rating
from tracetui.worker_pipes import spawn
from tracetui.worker_pool import SetupFailed, WorkerPool

if TYPE_CHECKING:
    from tracetui.export.files_made import Written
    from tracetui.export.parquet_made import Made
    from tracetui.export.run import Exporter, ExportOptions, Reviewed
    from tracetui.model import SessionSummary

# Sessions, and steps in them, to review (or write) before the pool starts: a worker costs about 0.4 s
# of CPU to start (Python, the export's imports). On two cores 30 sessions of 14 steps took 0.36 s
# here and 0.63-0.74 s on the pool; 6 sessions of 245 steps on average 1.14 s here, 0.96-1.08 s there.
POOL_SESSIONS = 24
POOL_STEPS = 2_000
# Sessions in flight per worker: enough to keep each busy while a long one holds the head of the
# line, few enough that memory stays flat (each answer waits here, rows and all, for its turn).
AHEAD = 2
WORKER = "tracetui.export.write_worker"
WORKERS: int | None = None  # worker processes (None: one per core)
# The formats whose sessions are reviewed and written on the pool. The review is the same for all
# (the raw format's digest also reads its logs, which a worker reads as well); agent-trace's write
# blames each session against the others, and a page is one session.
POOLED = ("parquet", "atif", "raw")
_Out = TypeVar("_Out")


@dataclass(frozen=True, slots=True)
class WriteSetup:
    """What every worker is told once, first: where the bucket and its caches are, the options, the
    review's spill and the ratings (read once, by this process)."""

    root: str
    cache_dir: str
    plans_dir: str
    options: ExportOptions
    spill: str
    ratings: list[Rating]


@dataclass(slots=True)
class Verdict:
    """A worker's review of one session: the suggestions waiting in it (rows, never a value), and
    where it was judged, its digest and the work-tree files its judging read (for its export key)."""

    waiting: list[dict[str, Any]]
    digest: str | None = None
    touched: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Answer:
    """A worker's answer for one session: what it gives its partition (Parquet) or the files it writes
    (ATIF, raw; None: not written), and what the worker's report gained meanwhile (the refusal,
    never a value; warnings)."""

    made: Made | Written | None
    refused: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The raw format's: each naming of the session's logs the worker's write and gate made (the id that
    # names them, their names before any other file took one), which the exporting process checks
    # (`RawWriter.fits`).
    laid_out: list[tuple[str, list[str]]] = field(default_factory=list)


def start(ex: Exporter, sessions: list[SessionSummary]) -> WritePool | None:
    """The export's pool (made once: the review's workers write too), where `sessions` to review or
    write pay for it; None where they are done here: too few, one core, a format not in POOLED,
    or a library that is not a bucket with its caches (the workers read it)."""
    if ex.pool is not None:
        return ex.pool
    size = (os.cpu_count() or 1) if WORKERS is None else WORKERS
    library = ex.library
    if size < 2 or len(sessions) < POOL_SESSIONS or sum(s.steps for s in sessions) < POOL_STEPS:
        return None
    if ex.options.format not in POOLED:
        return None
    if not isinstance(library, Bucket):
        return None
    if library.read_only or library.cache_dir is None or library.plans_dir is None:
        return None
    spill = ex.spill.made()  # the review's workers keep each session's plan and outcome there
    if spill is None:  # a worker would make a folder of its own, which nothing removes at the end
        return None
    setup = WriteSetup(str(library.root), str(library.cache_dir), str(library.plans_dir), ex.options,
                       str(spill), ex._ratings())  # fmt: skip
    ex.pool = WritePool(ex, setup, size)
    return ex.pool


class WritePool:
    """Worker processes, one per core, each reviewing or writing whole sessions; `close` stops them."""

    def __init__(self, ex: Exporter, setup: WriteSetup, size: int) -> None:
        self.ex = ex
        self.size = size
        # The module's `spawn` and `WORKER` looked up at each start, so a test's stand-ins take their
        # place. Every worker is sent the setup first (write_worker.serve).
        told = pickle.dumps(setup, protocol=pickle.HIGHEST_PROTOCOL)
        self.pool = WorkerPool(size, lambda: spawn(WORKER), told)
        self.said_setup = False  # the workers' setup failure is in the report's warnings

    @property
    def procs(self) -> list[subprocess.Popen[bytes]]:
        return self.pool.procs

    @property
    def waiting(self) -> int:
        """Tickets given out and not yet taken."""
        return self.pool.waiting

    def reviewed(
        self,
        todo: list[SessionSummary],
        judging: Callable[[SessionSummary], bool],
        here: Callable[[SessionSummary, bool], Verdict],
    ) -> Iterator[tuple[SessionSummary, Verdict]]:
        """(summary, its review) in the sessions' order, at most AHEAD a worker in flight. `judging`
        is asked as each is sent: whether its outcome is to be judged (not once the export will
        refuse); `here` reviews a session in this process (one whose worker died, or all where
        the workers could not start)."""
        line: collections.deque[tuple[SessionSummary, bool, int]] = collections.deque()
        source = iter(todo)
        while True:
            while len(line) < AHEAD * self.size:
                summary = next(source, None)
                if summary is None:
                    break
                judge = judging(summary)
                line.append((summary, judge, self.submit(("review", summary.id, judge))))
            if not line:
                return
            summary, judge, ticket = line.popleft()
            raw = self.result(ticket, summary.id)
            if raw is None:  # the worker died on it, or none can work: done here
                yield summary, here(summary, judge)
                continue
            verdict = self._answer(raw, summary.id)
            assert isinstance(verdict, Verdict)
            yield summary, verdict

    def made(
        self,
        items: list[Reviewed],
        keys_of: Callable[[Reviewed], dict[str, Any] | None],
        here: Callable[[Reviewed], _Out | None],
        fits: Callable[[Reviewed, Answer], bool] | None = None,
    ) -> Generator[tuple[Reviewed, _Out | None], None, None]:
        """(item, what it gives its partition or the files it writes) in the items' order, at most
        AHEAD a worker in flight; `here` writes a session in this process (one whose worker died, or
        all where the workers could not start, or whose answer does not `fit` this process's folder:
        a raw log's name another session's file took meanwhile, in what it wrote or refused)."""
        line: collections.deque[tuple[Reviewed, int]] = collections.deque()
        source = iter(items)
        while True:
            while len(line) < AHEAD * self.size:
                item = next(source, None)
                if item is None:
                    break
                line.append((item, self.submit(("write", item.summary.id, keys_of(item)))))
            if not line:
                return
            item, ticket = line.popleft()
            yield item, self._taken(item, self.result(ticket, item.summary.id), here, fits)

    def _taken(
        self,
        item: Reviewed,
        raw: bytes | None,
        here: Callable[[Reviewed], _Out | None],
        fits: Callable[[Reviewed, Answer], bool] | None,
    ) -> _Out | None:
        """A worker's answer put in this process's report; a session whose worker died is written
        here, and the report says so: no session is lost to a worker."""
        ex = self.ex
        if raw is None:  # the worker died on it, or none can work: written here
            return here(item)
        value = self._answer(raw, item.summary.id)
        assert isinstance(value, Answer)
        if fits is not None and not fits(item, value):
            # Made again here, where the folder is: the worker's report for it is left with it.
            return here(item)
        ex.report.refused.extend(value.refused)
        ex.report.warnings.extend(value.warnings)
        return cast("_Out | None", value.made)

    @staticmethod
    def _answer(raw: bytes, session_id: str) -> Any:
        kind, value = pickle.loads(raw)
        if kind == "error":  # raised here as the same work here would have raised it
            value.add_note(f"(in an export worker, on session {session_id})")
            raise value
        return value

    def submit(self, job: tuple[Any, ...]) -> int:
        """A job: ("review", session id, judge) or ("write", session id, the rows' keys or None)."""
        return self.pool.submit(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))

    def result(self, ticket: int, session_id: str) -> bytes | None:
        """The worker's pickled ("answer", Answer) or ("error", exception); None where the session
        is to be done here, which the report says: its worker died on it, or the workers could not
        set themselves up (said once: from then on every session is done here)."""
        try:
            raw = self.pool.result(ticket)
        except SetupFailed as failed:
            if not self.said_setup:
                self.said_setup = True
                self.ex.report.warnings.append(
                    f"the export workers could not start ({failed}); the exporting process did every"
                    " session's work instead"
                )
            return None
        if raw is None:
            self.ex.report.warnings.append(
                f"an export worker stopped on session {session_id}; the exporting process did its work"
                " instead"
            )
        return raw

    def close(self) -> None:
        """Stop the workers: at once where sessions are still in flight (an error, Ctrl-C), else once
        they have read the end of their input."""
        self.pool.close()
