"""Plans of many sessions brought up to date on every core: `python -m tracetui.redact.many` workers.

More in docs/internals/redact.md, `redact/many.py`.
"""

from __future__ import annotations

import collections
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

from tracetui.model import Session
from tracetui.redact.detect import scan_text
from tracetui.redact.finding import Finding
from tracetui.redact.identity import Identity
from tracetui.redact.plan import Plan, PlanStore
from tracetui.redact.scan import gate_scan, refresh_cached_plan, refresh_plan, timed_scans
from tracetui.worker_pipes import recv, send, spawn
from tracetui.worker_pool import Cancelled, WorkerPool, pickled_answer

# Characters to scan before the pool starts: a worker costs 0.5 s of CPU to start (Python, the
# detectors' imports), what a core scans of about a megabyte. Below that, sessions are scanned here.
POOL_CHARS = 1_000_000
# Sessions read ahead of the one the caller waits for, per worker: enough to keep every worker busy
# while a long one holds the head of the line, few enough that memory stays flat in the selection
# (an export keeps no session once reviewed).
AHEAD = 2


def refresh_plans(
    sessions: Iterable[Session],
    store: PlanStore,
    identity: Identity | None = None,
    *,
    count: int | None = None,
    workers: int | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Generator[tuple[Session, Plan], None, None]:
    """(session, plan) for each of `sessions`, in their order, each plan as `refresh_plan` makes it.

    `sessions` is read lazily (a generator reading each from the library keeps memory flat); `count`
    is how many it holds, where known: one alone is refreshed here, its big fields spread as
    `scan_session` spreads them. `workers` (default: every core) worker processes scan the rest once
    there is POOL_CHARS of text to scan; one or none refreshes each here. `cancelled` is asked before
    each session and while a worker's answer is awaited: once it is true the workers are stopped and
    nothing more is yielded (so are they when the caller stops reading).
    Errors are raised as `refresh_plan` raises them (a damaged plan: TracetuiError).
    """
    base = Identity.from_environment() if identity is None else identity  # once, not once a session
    if workers is None:
        workers = os.cpu_count() or 1
    if count is not None:
        workers = min(workers, count)
    if workers < 2:
        for session in sessions:
            if cancelled is not None and cancelled():
                return
            yield session, refresh_plan(session, store, base)
        return
    pool = _Pool(workers)
    line: collections.deque[tuple[Session, Plan | None, int]] = collections.deque()
    source = iter(sessions)
    more = True
    unscanned = 0  # characters seen to scan, while the pool has not started
    try:
        while True:
            if cancelled is not None and cancelled():
                return  # between sessions too: cached or small ones, refreshed here, wait on no worker
            while more and len(line) < AHEAD * workers:
                read = next(source, None)
                if read is None:
                    more = False
                    break
                if pool.tickets:
                    # The pool runs: every session goes to it. A worker refreshes a cached one as fast,
                    # and the fields are read and hashed once, there, not here first as well.
                    line.append((read, None, pool.submit((read, store, base))))
                    continue
                cached = refresh_cached_plan(read, store, base)  # every field cached: nothing to send
                if isinstance(cached, Plan):
                    line.append((read, cached, -1))
                    continue
                unscanned += cached
                if not pool.tickets and unscanned < POOL_CHARS:
                    line.append((read, refresh_plan(read, store, base), -1))  # too little to start workers
                    continue
                line.append((read, None, pool.submit((read, store, base))))
            if not line:
                return
            session, plan, ticket = line.popleft()
            if plan is None:
                answer = pool.result(ticket, cancelled)
                if answer is None:
                    return  # cancelled
                plan = answer
            yield session, plan
    finally:
        pool.close()


@dataclass(slots=True)
class Scanning:
    """Texts given to `TextScanner.submit`: their findings where they are in, else the pool's tickets."""

    done: list[list[Finding]] | None = None
    tickets: list[int] = field(default_factory=list)


class TextScanner:
    """Many texts scanned on every core (`gate_scan` on each), for the second gate of an export: the
    gate scans what leaves as the review scanned the fields, and one core took as long as the review
    on all of them. Workers start on the first batch big enough to pay for them and serve every batch
    after it, until `close`."""

    BATCH_CHARS = 256_000  # characters to one job: enough to pay for pickling, small enough to share

    def __init__(self, workers: int | None = None) -> None:
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self._pool: _Pool | None = None
        self._scanned = 0  # characters scanned here while the pool has not started

    def scan(self, texts: list[str], identity: Identity | None) -> list[list[Finding]]:
        """Each text's findings, in the order of `texts`."""
        return self.results(self.submit(texts, identity))

    def submit(self, texts: list[str], identity: Identity | None) -> Scanning:
        """Start scanning `texts` (on the workers, where they are worth it) and return at once; their
        findings come from `results`. An export's gate scans one session while the next is built."""
        total = sum(len(t) for t in texts)
        # Counted over every call: an export's sessions are mostly small, and together worth the pool.
        if self.workers < 2 or (self._pool is None and self._scanned + total < POOL_CHARS):
            self._scanned += total
            return Scanning(done=_scan_batch(texts, identity))
        if self._pool is None:
            self._pool = _Pool(self.workers)
        pool = self._pool
        size = max(1, min(self.BATCH_CHARS, total // (self.workers * 2) + 1))
        tickets: list[int] = []
        batch: list[str] = []
        chars = 0
        for text in texts:
            batch.append(text)
            chars += len(text)
            if chars >= size:
                tickets.append(pool.submit(("scan", batch, identity)))
                batch, chars = [], 0
        if batch:
            tickets.append(pool.submit(("scan", batch, identity)))
        return Scanning(tickets=tickets)

    def results(self, scanning: Scanning) -> list[list[Finding]]:
        """The findings of each text `submit` was given, in its order (waiting for them)."""
        if scanning.done is not None:
            return scanning.done
        assert self._pool is not None  # tickets are only given out by a running pool
        out: list[list[Finding]] = []
        for ticket in scanning.tickets:
            found = self._pool.result(ticket, None)
            assert isinstance(found, list)
            out.extend(found)
        scanning.done = out
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _scan_batch(texts: list[str], identity: Identity | None) -> list[list[Finding]]:
    with timed_scans():
        return [gate_scan(t, identity, scan_text) for t in texts]


class _Pool:
    """Worker processes started as jobs come, each job a session or a batch of texts; results by
    ticket, a job whose worker died done here."""

    def __init__(self, size: int) -> None:
        # The module's `spawn` looked up at each start, so a test's stand-in takes its place.
        self.pool = WorkerPool(size, lambda: spawn("tracetui.redact.many"))
        self.local: dict[int, Any] = {}  # the job of each ticket, to run here if its worker dies

    @property
    def tickets(self) -> int:
        return self.pool.tickets

    @property
    def procs(self) -> list[subprocess.Popen[bytes]]:
        return self.pool.procs

    def submit(self, job: tuple[Any, ...]) -> int:
        """A job: (session, store, identity) for a plan, or ("scan", texts, identity) for findings."""
        ticket = self.pool.submit(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        self.local[ticket] = job
        return ticket

    def result(self, ticket: int, cancelled: Callable[[], bool] | None) -> Any:
        """The job's plan or findings; None once `cancelled` is true. A worker's error is raised."""
        try:
            raw = self.pool.result(ticket, cancelled)
        except Cancelled:
            return None
        job = self.local.pop(ticket)
        kind, value = _unpickled(raw)
        if kind in ("plan", "findings"):
            return value
        if kind == "error":
            raise value
        # The worker died (killed, out of memory): this process does the job, as it did before.
        if job[0] == "scan":
            return _scan_batch(job[1], job[2])
        session, store, base = job
        return refresh_plan(session, store, base)

    def close(self) -> None:
        """Stop the workers: at once where jobs are left (the caller stopped reading or was cancelled),
        else once they have read the end of their input."""
        self.pool.close()


def _unpickled(raw: bytes | None) -> tuple[str, Any]:
    """A worker's answer; one that cannot be read (an exception that does not unpickle) is taken as
    a death, and the job done here raises what it raises."""
    if raw is None:
        return ("died", None)
    try:
        answer = pickle.loads(raw)
    except Exception:
        return ("died", None)
    return answer if isinstance(answer, tuple) and len(answer) == 2 else ("died", None)


def serve() -> None:
    """A worker: refresh each session's plan it is sent, here, until its input ends."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        msg = recv(stdin)
        if msg is None:
            return
        job = pickle.loads(msg)
        answer: tuple[str, Any]
        if job[0] == "scan":
            try:
                answer = ("findings", _scan_batch(job[1], job[2]))
            except Exception as exc:
                answer = ("error", exc)
            send(stdout, pickled_answer(answer, "scanning texts"))
            continue
        session, store, base = job
        try:
            # workers=0: this process is one of the pool's, and the pool is as wide as the machine.
            answer = ("plan", refresh_plan(session, store, base, workers=0))
        except Exception as exc:  # raised in the caller as refresh_plan would have raised it there
            answer = ("error", exc)
        send(stdout, pickled_answer(answer, f"refreshing the plan of {session.id}"))


if __name__ == "__main__":
    serve()
