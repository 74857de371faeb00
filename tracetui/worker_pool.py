"""A pool of our own worker processes (`worker_pipes`), its jobs and answers as bytes, by ticket: the
mechanics the redaction pool (`redact/many.py`) and the export's write pool (`export/write_pool.py`)
share. What a job is, how an answer is read and what is done when a worker dies stay with them.

More in docs/internals/core.md, `worker_pool.py`.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TypeVar

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
    it died) and sent `setup` first where there is one; results by ticket, in any order."""

    def __init__(
        self, size: int, spawn: Callable[[], subprocess.Popen[bytes]], setup: bytes | None = None
    ) -> None:
        self.size = size
        self.spawn = spawn
        self.setup = setup
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
            t = threading.Thread(target=self._serve_one, daemon=True)
            self.threads.append(t)
            t.start()
        return ticket

    def result(self, ticket: int, cancelled: Callable[[], bool] | None = None) -> bytes | None:
        """The worker's answer to the ticket's job; None where the worker died on it (killed, out of
        memory, no process to be had) or the pool closed first. Raises Cancelled once `cancelled()`
        is true while waiting (the ticket stays unfinished), SetupFailed where a setup failed."""
        with self.done:
            while ticket not in self.results:
                if cancelled is not None and cancelled():
                    raise Cancelled
                if self.stopping.is_set() and not any(t.is_alive() for t in self.threads):
                    return None  # closed: no thread is left to answer it
                self.done.wait(0.1)
            self.waiting -= 1
            answer = self.results.pop(ticket)
        if isinstance(answer, _Refused):
            raise SetupFailed(answer.reason)
        return answer

    def _serve_one(self) -> None:
        """A worker's thread: starts its process on its first job (again after a death), sets it up,
        feeds it."""
        proc = None
        fresh = False  # the process has not been sent its setup yet
        try:
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
                        with self.done:
                            if self.stopping.is_set():
                                return  # closed while this job waited: no process to start
                            proc, fresh = self._spawned(), True
                    answer = self._asked(proc, data, fresh)
                    fresh = False
                if proc is not None and (answer is None or isinstance(answer, _Refused)):
                    proc.kill()  # died, or said why it cannot work and returns: never used again
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

    def _spawned(self) -> subprocess.Popen[bytes] | None:
        """A new worker process, kept for `close`; None where none could be started (the system's
        limit), which its job takes as a death."""
        try:
            proc = self.spawn()
        except Exception:
            return None
        self.procs.append(proc)
        return proc

    def _asked(
        self, proc: subprocess.Popen[bytes] | None, data: bytes, fresh: bool
    ) -> bytes | _Refused | None:
        """The process's answer to one job, a new one's setup sent and answered first; None where it
        is gone (a broken pipe, a short read: as if it died)."""
        if proc is None:
            return None
        try:
            stdin, stdout = pipes(proc)
            if fresh and self.setup is not None:
                send(stdin, self.setup)
                said = recv(stdout)
                if said is None:
                    return None
                if said != READY:
                    return self._refuse(said)
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

    def close(self) -> None:
        """Stop the workers: at once where jobs are unfinished (an error, a cancel, Ctrl-C, a caller
        that stopped reading), else once they have read the end of their input."""
        unfinished = self.waiting > 0
        with self.done:  # no worker starts after this
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
