"""The worker processes a first evaluation judges its sessions on (the parent's side).

Each worker is `python -m tracetui.evals.worker` (the child's side): it opens the bucket itself,
reads and judges the sessions it is sent (`run.judge_session`) and sends back what the evaluation
and its memo keep of each: labels, the work-tree files the judging read, cohorts. Messages as
`tracetui.worker_pipes` frames them, orjson: in, {"setup": Setup} then {"n", "id"} per session; out,
{"ready": PROTOCOL} then {"n", "judged"} or {"n", "error"} per session, in the order sent.

A session a worker could not judge (an error, a worker that died or said something else than it
should) comes back as None: the parent judges it itself, so the evaluation ends as a serial one does.

More in docs/internals/evals.md, `evals/pool.py`.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any

import orjson

from tracetui.errors import Stopped
from tracetui.evals.cohorts import BY
from tracetui.evals.scores import SessionLabels
from tracetui.worker_pipes import pipes, recv, send, spawn

PROTOCOL = "tracetui.eval-pool/1"
WORKER = "tracetui.evals.worker"
DEPTH = 2  # sessions sent to a worker ahead of its answers, so it never waits for the next
# The parent judges too, from the other end of the jobs, while no answer waits: it would idle
# otherwise, and a small evaluation is done before the workers have started.
HELP = True
WAIT = 0.05  # seconds between looks at `cancelled()` while the workers judge
_LINES = ("alive", "transformed", "reverted", "lost", "undecided")


@dataclass(frozen=True, slots=True)
class Setup:
    """What every worker is told once: the bucket, and where and at what its sessions are judged."""

    root: str
    cache_dir: str | None
    ref: str
    repo: str | None
    clones: list[str]  # `--clones`' repositories (`run.clones_in`), the session's own chosen among them

    @classmethod
    def from_wire(cls, d: Any) -> Setup:
        """Raises ValueError where `d` is not a setup."""
        if not isinstance(d, dict) or set(d) != {"root", "cache_dir", "ref", "repo", "clones"}:
            raise ValueError("not a setup")
        if not (isinstance(d["root"], str) and isinstance(d["ref"], str) and _str_or_none(d["cache_dir"])
                and _str_or_none(d["repo"]) and _strings(d["clones"])):  # fmt: skip
            raise ValueError("not a setup")
        return cls(**d)


@dataclass(slots=True)
class Judged:
    """One session as judged: its labels from git and its tests (no ratings, no cost), the work-tree
    files the judging read (`witness.touched_paths`: all the memo needs of its fates), its cohorts by
    every dimension."""

    labels: SessionLabels
    touched: list[str]
    cohorts: dict[str, list[str]]

    def to_wire(self) -> dict[str, Any]:
        labels = self.labels
        return {"id": labels.id, "started": labels.started, "lines": {k: getattr(labels, k) for k in _LINES},
                "tests_last_exit": labels.tests_last_exit, "note": labels.note, "touched": self.touched,
                "cohorts": self.cohorts}  # fmt: skip

    @classmethod
    def from_wire(cls, d: Any, session_id: str) -> Judged | None:
        """The judged session `d` holds, or None where it is no judged session of `session_id`."""
        keys = {"id", "started", "lines", "tests_last_exit", "note", "touched", "cohorts"}
        if not isinstance(d, dict) or set(d) != keys or d["id"] != session_id:
            return None
        lines, cohorts, last = d["lines"], d["cohorts"], d["tests_last_exit"]
        if not isinstance(lines, dict) or set(lines) != set(_LINES):
            return None
        if not all(type(v) is int for v in lines.values()):  # bool is no count
            return None
        if not (isinstance(cohorts, dict) and set(cohorts) == set(BY)):
            return None
        if not all(_strings(named) for named in cohorts.values()):
            return None
        if not (_str_or_none(d["started"]) and _str_or_none(d["note"]) and _strings(d["touched"])):
            return None
        if not (last is None or type(last) is int):
            return None
        labels = SessionLabels(session_id, d["started"], tests_last_exit=last, note=d["note"], **lines)
        return cls(labels, d["touched"], cohorts)


def _str_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


@dataclass(slots=True)
class _Worker:
    """A worker process, and the sessions it was sent and has not answered yet."""

    proc: subprocess.Popen[bytes]
    stdin: IO[bytes]
    ready: bool = False
    sent: deque[tuple[int, str]] = field(default_factory=deque)  # (n, session id), oldest first
    gone: bool = False


class Pool:
    """`workers` worker processes over one bucket, started as the pool is entered (`with Pool(...)`:
    they start up while the caller gets ready) and stopped when it closes, whatever ends the
    evaluation: its end, an error, a cancel, an interrupt."""

    def __init__(self, setup: Setup, workers: int) -> None:
        self.setup = setup
        self.size = max(1, workers)
        self._workers: list[_Worker] = []
        self._readers: list[threading.Thread] = []
        self._inbox: queue.Queue[tuple[int, bytes | None]] = queue.Queue()

    def __enter__(self) -> Pool:
        try:
            for _ in range(self.size):
                self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def results(
        self, jobs: list[tuple[int, str]], cancelled: Callable[[], bool] | None
    ) -> Iterator[tuple[int, Judged | None]]:
        """(n, judged) for every (n, session id) of `jobs`, as the workers finish them (None: the
        parent judges it: one a worker could not, or the last of `jobs` while no answer waits).
        `cancelled()` is looked at between: true, Stopped."""
        todo = deque(jobs)
        while todo or any(w.sent for w in self._workers):
            if not any(not w.gone for w in self._workers):  # no worker left: the parent judges the rest
                while todo:
                    yield todo.popleft()[0], None
                return
            if cancelled is not None and cancelled():
                raise Stopped("the evaluation was stopped")
            try:
                k, message = self._inbox.get_nowait() if HELP and todo else self._inbox.get(timeout=WAIT)
            except queue.Empty:
                if HELP and todo:  # no answer to handle: this process judges the shortest session left
                    yield todo.pop()[0], None
                continue
            worker = self._workers[k]
            if worker.gone:  # what a worker set aside still had in its pipe
                continue
            answer = self._answer(worker, message)
            if answer is None:
                yield from self._drop(worker)
                continue
            if isinstance(answer, tuple):
                yield answer
            yield from self._feed(k, todo)

    def close(self) -> None:
        """Stop every worker: an idle one at the end of its input, a busy one killed."""
        for worker in self._workers:
            try:
                worker.stdin.close()
            except OSError:
                pass
            if worker.sent or not worker.ready:
                worker.proc.kill()
        for worker in self._workers:
            try:
                worker.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                worker.proc.kill()
                worker.proc.wait()
        for worker, reader in zip(self._workers, self._readers):
            reader.join(timeout=2)  # at the end of a dead worker's output: at once
            if worker.proc.stdout is not None and not reader.is_alive():
                worker.proc.stdout.close()

    def _start(self) -> None:
        try:
            proc = spawn(WORKER)
        except OSError:  # no process to be had (a limit reached): the parent judges without it
            return
        k = len(self._workers)
        stdin, stdout = pipes(proc)
        worker = _Worker(proc, stdin)
        self._workers.append(worker)
        reader = threading.Thread(target=self._read, args=(k, stdout), name=f"eval-worker-{k}", daemon=True)
        self._readers.append(reader)
        reader.start()
        if not self._send(worker, {"setup": asdict(self.setup)}):
            worker.gone = True
            proc.kill()

    def _read(self, k: int, stdout: IO[bytes]) -> None:
        # One thread per worker, so the parent waits on one queue and can look at `cancelled()`.
        try:
            while True:
                message = recv(stdout)
                self._inbox.put((k, message))
                if message is None:
                    return
        except (OSError, ValueError):  # the pipe closed under the read: the worker is gone
            self._inbox.put((k, None))

    def _send(self, worker: _Worker, message: dict[str, Any]) -> bool:
        try:
            send(worker.stdin, orjson.dumps(message))
            return True
        except (OSError, ValueError):  # a worker that died (a broken pipe), or its pipe closed
            return False

    def _feed(self, k: int, todo: deque[tuple[int, str]]) -> Iterator[tuple[int, Judged | None]]:
        # Not before it is ready: a session sent to a worker still starting would wait for it, while
        # this process could judge it (a small evaluation would wait for the worker's start).
        worker = self._workers[k]
        while worker.ready and not worker.gone and todo and len(worker.sent) < DEPTH:
            job = todo.popleft()
            worker.sent.append(job)
            if not self._send(worker, {"n": job[0], "id": job[1]}):
                yield from self._drop(worker)

    def _answer(self, worker: _Worker, message: bytes | None) -> tuple[int, Judged | None] | bool | None:
        """What a worker's message says: True (it is ready), (n, judged or None: the parent judges
        it), or None where it is not what the worker should have said next (it is set aside)."""
        if message is None:
            return None
        try:
            d = orjson.loads(message)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(d, dict):
            return None
        if not worker.ready:
            worker.ready = d == {"ready": PROTOCOL}
            return True if worker.ready else None
        n = d.get("n")
        if not worker.sent or type(n) is not int or n != worker.sent[0][0]:
            return None
        session_id = worker.sent[0][1]
        if set(d) == {"n", "error"} and isinstance(d["error"], str):
            worker.sent.popleft()
            return n, None
        judged = Judged.from_wire(d.get("judged"), session_id) if set(d) == {"n", "judged"} else None
        if judged is None:
            return None
        worker.sent.popleft()
        return n, judged

    def _drop(self, worker: _Worker) -> Iterator[tuple[int, Judged | None]]:
        """Set a worker aside (killed) and hand its sessions back to the parent."""
        worker.gone = True
        worker.proc.kill()
        while worker.sent:
            yield worker.sent.popleft()[0], None
