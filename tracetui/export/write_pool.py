"""A Parquet export's per-session write on every core: `python -m tracetui.export.write_worker` workers.

Each worker reads a session from the bucket, takes the review's plan and outcome from the spill,
scrubs it, builds its rows, runs the second gate (its scans inline, on the worker's core) and makes
its receipt; it sends back only the rows, the receipt's bytes and entry, or the refusal. This process
keeps everything that touches the export folder, in the sessions' order, with a bounded number of
sessions in flight. More in docs/internals/export.md, `export/write_pool.py`.
"""

from __future__ import annotations

import collections
import os
import pickle
import queue
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from tracetui.bucket import Bucket, Rating
from tracetui.errors import TracetuiError
from tracetui.worker_pipes import pipes, recv, send, spawn

if TYPE_CHECKING:
    from tracetui.export.parquet_made import Made
    from tracetui.export.run import Exporter, ExportOptions, Reviewed

# Sessions to write before the pool starts: a worker costs about 0.4 s of CPU to start (Python, the
# export's imports), what this process takes to write a few sessions of an average bucket.
POOL_SESSIONS = 24
# Sessions in flight per worker: enough to keep each busy while a long one holds the head of the
# line, few enough that memory stays flat (each answer waits here, rows and all, for its turn).
AHEAD = 2
WORKER = "tracetui.export.write_worker"
WORKERS: int | None = None  # worker processes (None: one per core)


@dataclass(frozen=True, slots=True)
class WriteSetup:
    """What every worker is told once, first: where the bucket and its caches are, the options, the
    review's spill and the ratings (read once, by this process)."""

    root: str
    cache_dir: str
    plans_dir: str
    options: ExportOptions
    spill: str | None
    ratings: list[Rating]


@dataclass(slots=True)
class Answer:
    """A worker's answer for one session: what it gives its partition (None: not written), and what
    the worker's report gained meanwhile (the refusal, never a value; warnings)."""

    made: Made | None
    refused: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def start(ex: Exporter, items: list[Reviewed]) -> WritePool | None:
    """A pool for writing `items`, or None where they are written here: too few to pay for the
    workers, one core, or a library that is not a bucket with its caches (the workers read it)."""
    size = (os.cpu_count() or 1) if WORKERS is None else WORKERS
    library = ex.library
    if size < 2 or len(items) < POOL_SESSIONS or not isinstance(library, Bucket):
        return None
    if library.read_only or library.cache_dir is None or library.plans_dir is None:
        return None
    spill = str(ex.spill.dir) if ex.spill.dir is not None else None
    setup = WriteSetup(str(library.root), str(library.cache_dir), str(library.plans_dir), ex.options, spill,
                       ex._ratings())  # fmt: skip
    return WritePool(ex, setup, min(size, len(items)))


class WritePool:
    """Worker processes, one per core, each writing whole sessions; a context manager that stops them."""

    def __init__(self, ex: Exporter, setup: WriteSetup, size: int) -> None:
        self.ex = ex
        self.size = size
        self.setup = pickle.dumps(setup, protocol=pickle.HIGHEST_PROTOCOL)
        self.jobs: queue.Queue[tuple[int, bytes] | None] = queue.Queue()
        self.results: dict[int, bytes | None] = {}  # None: the worker died on it
        self.done = threading.Condition()
        self.stopping = threading.Event()
        self.procs: list[subprocess.Popen[bytes]] = []
        self.threads: list[threading.Thread] = []
        self.tickets = 0
        self.waiting = 0  # tickets given out and not yet taken

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def made(
        self,
        items: list[Reviewed],
        keys_of: Callable[[Reviewed], dict[str, Any]],
        here: Callable[[Reviewed], Made | None],
    ) -> Iterator[tuple[Reviewed, Made | None]]:
        """(item, what it gives its partition) in the items' order, at most AHEAD a worker in flight;
        `here` writes a session in this process (one whose worker died)."""
        line: collections.deque[tuple[Reviewed, int]] = collections.deque()
        source = iter(items)
        while True:
            while len(line) < AHEAD * self.size:
                item = next(source, None)
                if item is None:
                    break
                line.append((item, self.submit(item.summary.id, keys_of(item))))
            if not line:
                return
            item, ticket = line.popleft()
            yield item, self._taken(item, self.result(ticket), here)

    def _taken(
        self, item: Reviewed, raw: bytes | None, here: Callable[[Reviewed], Made | None]
    ) -> Made | None:
        """A worker's answer put in this process's report; a session whose worker died is written
        here, and the report says so: no session is lost to a worker."""
        ex = self.ex
        if raw is None:
            ex.report.warnings.append(
                f"a write worker stopped while writing session {item.summary.id}; it was written by "
                "the exporting process instead"
            )
            return here(item)
        kind, value = pickle.loads(raw)
        if kind == "error":  # raised here as the session's write here would have raised it
            value.add_note(f"(while a write worker wrote session {item.summary.id})")
            raise value
        assert isinstance(value, Answer)
        ex.report.refused.extend(value.refused)
        ex.report.warnings.extend(value.warnings)
        return value.made

    def submit(self, session_id: str, keys: dict[str, Any]) -> int:
        ticket = self.tickets
        self.tickets += 1
        self.waiting += 1
        self.jobs.put((ticket, pickle.dumps((session_id, keys), protocol=pickle.HIGHEST_PROTOCOL)))
        if len(self.threads) < min(self.size, self.tickets):
            t = threading.Thread(target=self._serve_one, daemon=True)
            self.threads.append(t)
            t.start()
        return ticket

    def result(self, ticket: int) -> bytes | None:
        """The worker's pickled ("answer", Answer) or ("error", exception); None where it died."""
        with self.done:
            while ticket not in self.results:
                self.done.wait(0.1)
            self.waiting -= 1
            return self.results.pop(ticket)

    def _serve_one(self) -> None:
        """A worker's thread: starts its process on its first job (again after a death), feeds it."""
        proc = None
        try:
            while not self.stopping.is_set():
                try:
                    item = self.jobs.get(timeout=0.1)
                except queue.Empty:
                    continue
                if item is None:
                    return
                ticket, data = item
                answer = None
                try:
                    if proc is None:
                        with self.done:
                            if self.stopping.is_set():
                                return  # closed while this job waited: no process to start
                            proc = spawn(WORKER)
                            self.procs.append(proc)
                        send(pipes(proc)[0], self.setup)
                    stdin, stdout = pipes(proc)
                    send(stdin, data)
                    answer = recv(stdout)
                except Exception:  # no process (the system's limit), a broken pipe: as if it died
                    pass
                if answer is None and proc is not None:
                    proc.kill()
                    proc.wait()
                    proc = None
                with self.done:
                    self.results[ticket] = answer
                    self.done.notify_all()
        finally:
            if proc is not None:
                try:
                    pipes(proc)[0].close()  # end of input: the worker returns
                except OSError:
                    pass

    def close(self) -> None:
        """Stop the workers: at once where sessions are still in flight (an error, Ctrl-C), else once
        they have read the end of their input."""
        unfinished = self.waiting > 0
        with self.done:  # no worker starts after this
            self.stopping.set()
        for _ in self.threads:
            self.jobs.put(None)
        if unfinished:
            for proc in self.procs:
                proc.kill()
        for t in self.threads:
            t.join(timeout=5)
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def pickled(answer: tuple[str, Any], session_id: str) -> bytes:
    """A worker's answer as bytes; an exception that cannot be pickled goes as its words."""
    try:
        return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        said = TracetuiError(f"writing session {session_id} failed: {answer[1]!r}")
        return pickle.dumps(("error", said), protocol=pickle.HIGHEST_PROTOCOL)
