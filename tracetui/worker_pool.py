"""A pool of our own worker processes (`worker_pipes`), its jobs and answers as bytes, by ticket: the
mechanics the redaction pool (`redact/many.py`), the export's write pool (`export/write_pool.py`) and
the evaluation's (`evals/pool.py`) share. What a job is, how an answer is read and what is done when a
worker dies stay with them.

More in docs/internals/core.md, `worker_pool.py`.
"""

from __future__ import annotations

import pickle
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import IO, Any, TypeVar

from tracetui.errors import TracetuiError
from tracetui.worker_pipes import end_workers, pipes, recv, send

T = TypeVar("T")
READY = b""  # a worker's answer to its setup message when the setup went well


class Cancelled(Exception):
    """`WorkerPool.result` stopped waiting: the caller's `cancelled` said so."""


class SetupFailed(Exception):
    """The workers could not set themselves up (the worker's words, once); the job was not done."""


@dataclass(frozen=True, slots=True)
class _Refused:
    """The answer kept for a job the pool did not run because a worker's setup failed."""

    reason: str


class WorkerPool:
    """Up to `size` worker processes, each started by `spawn` on its thread's first job (again after
    it died, unless `replace` is false) and sent `setup` first where there is one, which a worker
    answers `ready_answer` when it went well; results by ticket, in any order."""

    def __init__(
        self,
        size: int,
        spawn: Callable[[], subprocess.Popen[bytes]],
        setup: bytes | None = None,
        *,
        ready_answer: bytes = READY,
        replace: bool = True,
    ) -> None:
        self.size = size
        self.spawn = spawn
        self.setup = setup
        self.ready_answer = ready_answer  # a worker that speaks a format of its own says it is set up so
        self.replace = replace  # false: a worker that died or refused is gone, its thread ends with it
        self.ready = 0  # processes set up and not gone since (`start`'s caller feeds as many)
        self.setting_up = 0  # processes sent their setup and not answered yet: `close` kills them
        self.jobs: queue.Queue[tuple[int, bytes] | None] = queue.Queue()
        self.results: dict[int, bytes | _Refused | None] = {}  # None: the worker died on it
        self.done = threading.Condition()
        self.stopping = threading.Event()
        self.procs: list[subprocess.Popen[bytes]] = []
        self.threads: list[threading.Thread] = []
        self.tickets = 0
        self.waiting = 0  # tickets given out and not yet taken
        self.failed: _Refused | None = None  # a worker's setup failed: no job is run from then on

    def submit(self, data: bytes) -> int:
        """A job's bytes, sent to the next free worker; its ticket, for `result`."""
        ticket = self.tickets
        self.tickets += 1
        self.waiting += 1
        self.jobs.put((ticket, data))
        if len(self.threads) < min(self.size, self.tickets):
            self._thread(early=False)
        return ticket

    def start(self) -> None:
        """Start every worker now, each process set up before any job comes (`ready` counts those
        that are), where the caller has work of its own first or does jobs itself while they start."""
        while len(self.threads) < self.size:
            self._thread(early=True)

    def _thread(self, early: bool) -> None:
        t = threading.Thread(target=self._serve_one, args=(early,), daemon=True)
        self.threads.append(t)
        t.start()

    @property
    def gone(self) -> bool:
        """Every worker's thread has ended (with `replace` false: their processes died or refused);
        a job submitted now is answered None, or SetupFailed, without a process."""
        return bool(self.threads) and not any(t.is_alive() for t in self.threads)

    def answered(self, tickets: Collection[int], wait: float = 0.0) -> int | None:
        """One of `tickets` whose `result` is in, waiting up to `wait` seconds for one; None where
        none is yet. A caller doing work of its own between answers takes them as they come."""
        deadline = time.monotonic() + wait
        with self.done:
            while True:
                for ticket in tickets:
                    if ticket in self.results:
                        return ticket
                if tickets and self._unanswered():
                    return next(iter(tickets))  # no thread is left to answer it: `result` says so
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.done.wait(left)

    def _unanswered(self) -> bool:
        """No thread is left to answer a job: the pool closed, or every worker is gone unreplaced."""
        return self.gone or (self.stopping.is_set() and not self.threads)

    def result(self, ticket: int, cancelled: Callable[[], bool] | None = None) -> bytes | None:
        """The worker's answer to the ticket's job; None where the worker died on it (killed, out of
        memory, no process to be had) or the pool closed first. Raises Cancelled once `cancelled()`
        is true while waiting (the ticket stays unfinished), SetupFailed where a setup failed."""
        with self.done:
            while ticket not in self.results:
                if cancelled is not None and cancelled():
                    raise Cancelled
                if self._unanswered():
                    # Closed, or every worker gone unreplaced: no thread is left to answer it.
                    self.results[ticket] = self.failed
                    break
                self.done.wait(0.1)
            self.waiting -= 1
            answer = self.results.pop(ticket)
        if isinstance(answer, _Refused):
            raise SetupFailed(answer.reason)
        return answer

    def _serve_one(self, early: bool) -> None:
        """A worker's thread: starts its process (at once where `early`, else on its first job, and
        again after a death where it is replaced), sets it up, feeds it."""
        proc = self._fresh() if early else None
        try:
            if early and proc is None and not self.replace:
                return  # no process, or it died or refused in its setup: not replaced
            while not self.stopping.is_set():
                try:
                    item = self.jobs.get(timeout=0.1)
                except queue.Empty:
                    continue
                if item is None:
                    return
                ticket, data = item
                answer: bytes | _Refused | None = self.failed
                if answer is None:
                    if proc is None:
                        proc = self._fresh()
                    # None: no process (closed, none to be had) or it died in its setup.
                    answer = self.failed if proc is None else self._asked(proc, data)
                if proc is not None and answer is None:
                    self._dropped(proc)  # died: never used again
                    proc = None
                with self.done:
                    self.results[ticket] = answer
                    self.done.notify_all()
                if proc is None and not self.replace:
                    return
        finally:
            if proc is not None:
                with self.done:
                    self.ready -= 1
                try:
                    pipes(proc)[0].close()  # end of input: the worker returns
                except OSError:
                    pass

    def _fresh(self) -> subprocess.Popen[bytes] | None:
        """A new process, sent its setup and ready; None where the pool closed, none could be
        started, or it died or refused in its setup (then killed; a refusal is kept in `failed`)."""
        with self.done:  # the check and the start as one: no process starts once `close` began
            if self.stopping.is_set():
                return None
            proc = self._spawned()
            if proc is None:
                return None
            self.setting_up += 1
        try:
            said = self._set_up(proc)
        finally:
            with self.done:
                self.setting_up -= 1
        if said == self.ready_answer:
            with self.done:
                self.ready += 1
            return proc
        if said is not None:
            self._refuse(said)  # it says why it cannot work and returns
        proc.kill()
        proc.wait()
        return None

    def _set_up(self, proc: subprocess.Popen[bytes]) -> bytes | None:
        """The process's answer to the setup (`ready_answer` at once where there is none); None
        where it is gone (a broken pipe, a short read: as if it died)."""
        if self.setup is None:
            return self.ready_answer
        try:
            stdin, stdout = pipes(proc)
            send(stdin, self.setup)
            return recv(stdout)
        except Exception:
            return None

    def _dropped(self, proc: subprocess.Popen[bytes]) -> None:
        with self.done:
            self.ready -= 1
        proc.kill()
        proc.wait()

    def _spawned(self) -> subprocess.Popen[bytes] | None:
        """A new worker process, kept for `close`; None where none could be started (the system's
        limit), which its job takes as a death."""
        try:
            proc = self.spawn()
        except Exception:
            return None
        self.procs.append(proc)
        return proc

    def _asked(self, proc: subprocess.Popen[bytes], data: bytes) -> bytes | None:
        """The process's answer to one job; None where it is gone (a broken pipe, a short read: as
        if it died)."""
        try:
            stdin, stdout = pipes(proc)
            send(stdin, data)
            return recv(stdout)
        except Exception:
            return None

    def _refuse(self, said: bytes) -> _Refused:
        """A setup failure, kept so that every job from now on is answered with it and no process
        starts for it: every worker is given the same setup, so every worker would fail alike."""
        with self.done:
            if self.failed is None:
                self.failed = _Refused(said.decode("utf-8", "replace"))
            return self.failed

    def close(self, at_once: bool = False) -> None:
        """Stop the workers: at once where jobs are unfinished (an error, a cancel, Ctrl-C, a caller
        that stopped reading) or the caller says so (it needs nothing more of them, and a worker that
        does not read its input would hold it for seconds), else once they have read its end."""
        with self.done:  # no worker starts after this
            # A process still in its setup (`start`) is killed too: it may take a while yet.
            unfinished = at_once or self.waiting > 0 or self.setting_up > 0
            self.stopping.set()
        for _ in self.threads:
            self.jobs.put(None)
        end_workers(self.procs, self.threads, at_once=unfinished)


def set_up(stdin: IO[bytes], stdout: IO[bytes], make: Callable[[bytes], T]) -> T | None:
    """A worker's side of the setup: read the setup message, make the worker's state of it and say so;
    None where the input ended or `make` raised, whose words are answered instead (the pool then
    does no more jobs), after which the worker returns."""
    message = recv(stdin)
    if message is None:
        return None
    try:
        made = make(message)
    except Exception as exc:
        said = f"{type(exc).__name__}: {exc}"[:1000]  # one line of a report, not a dump
        send(stdout, said.encode("utf-8", "replace"))
        return None
    send(stdout, READY)
    return made


def pickled_answer(answer: tuple[str, Any], doing: str) -> bytes:
    """A pickling worker's answer as bytes; an exception that cannot be pickled goes as its words
    ("`doing` failed: ..."), raised in the caller as a TracetuiError."""
    try:
        return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        said = TracetuiError(f"{doing} failed: {answer[1]!r}")
        return pickle.dumps(("error", said), protocol=pickle.HIGHEST_PROTOCOL)
