"""The worker processes a first evaluation judges its sessions on (the parent's side).

Each worker is `python -m tracetui.evals.worker` (the child's side): it opens the bucket itself,
judges the sessions it is sent (`run.judge_session`) and sends back what the evaluation and its memo
keep of each. The processes are `worker_pool.WorkerPool`'s; the messages are orjson, never pickle (an
answer is checked data, `Judged.from_wire`, and runs no code here): in, {"setup": Setup} then {"n",
"id"} per session; out, {"ready": PROTOCOL} then {"n", "judged"} or {"n", "error"}.

A session a worker could not judge (an error, a death, a wrong answer, a failed setup) comes back as
None: the parent judges it itself, so the evaluation ends as a serial one does.

More in docs/internals/evals.md, `evals/pool.py`."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import orjson

from tracetui.errors import Stopped
from tracetui.evals.cohorts import BY
from tracetui.evals.scores import SessionLabels
from tracetui.worker_pipes import spawn
from tracetui.worker_pool import SetupFailed, WorkerPool

PROTOCOL = "tracetui.eval-pool/1"
READY = orjson.dumps({"ready": PROTOCOL})  # a worker's answer to its setup when it is ready
WORKER = "tracetui.evals.worker"
DEPTH = 2  # sessions out per ready worker, so that none waits for its next while one is answered
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


class Pool:
    """`workers` worker processes over one bucket (`worker_pool.WorkerPool`), started as the pool is
    entered (`with Pool(...)`: they start up while the caller gets ready) and stopped when it closes,
    whatever ends the evaluation: its end, an error, a cancel, an interrupt."""

    def __init__(self, setup: Setup, workers: int) -> None:
        self.setup = setup
        self.size = max(1, workers)
        told = orjson.dumps({"setup": asdict(setup)})
        # The module's `spawn` looked up at each start, so a test's stand-in takes its place. A worker
        # that died or said what it should not is not replaced: its sessions are judged here, and a
        # replacement's start would cost as much as a few of them.
        self.pool = WorkerPool(self.size, lambda: spawn(WORKER), told, ready_answer=READY, replace=False)

    def __enter__(self) -> Pool:
        try:
            self.pool.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def refused(self) -> str | None:
        """Why the workers could not set themselves up (their words), or None: from then on no
        session is sent to them. The evaluation says so in its notes (`run.refusal_note`)."""
        failed = self.pool.failed
        return None if failed is None else _refusal(failed.reason)

    def results(
        self, jobs: list[tuple[int, str]], cancelled: Callable[[], bool] | None
    ) -> Iterator[tuple[int, Judged | None]]:
        """(n, judged) for every (n, session id) of `jobs`, as the workers finish them (None: the
        parent judges it: one a worker could not, or the last of `jobs` while no answer waits).
        `cancelled()` is looked at between: true, Stopped."""
        todo = deque(jobs)
        sent: dict[int, tuple[int, str]] = {}  # ticket: (n, session id), oldest first
        while todo or sent:
            if cancelled is not None and cancelled():
                raise Stopped("the evaluation was stopped")
            if todo and (self.pool.gone or self.pool.failed is not None):  # no worker left: judged here
                while todo:
                    yield todo.popleft()[0], None
                continue
            self._feed(todo, sent)
            ticket = self.pool.answered(sent, 0 if HELP and todo else WAIT)
            if ticket is None:
                if HELP and todo:  # no answer to handle: this process judges the shortest session left
                    yield todo.pop()[0], None
                continue
            n, session_id = sent.pop(ticket)
            yield n, self._answer(ticket, n, session_id)

    def close(self) -> None:
        """Stop every worker: an idle one at the end of its input, a busy or starting one killed."""
        self.pool.close()

    def _feed(self, todo: deque[tuple[int, str]], sent: dict[int, tuple[int, str]]) -> None:
        # Not before a worker is ready: a session sent to a worker still starting would wait for it,
        # while this process could judge it (a small evaluation would wait for the worker's start).
        while todo and len(sent) < DEPTH * self.pool.ready:
            job = todo.popleft()
            sent[self.pool.submit(orjson.dumps({"n": job[0], "id": job[1]}))] = job

    def _answer(self, ticket: int, n: int, session_id: str) -> Judged | None:
        """What the worker judged of session `n`, or None where the parent is to judge it: the worker
        died on it, could not judge it (its error), could not set itself up, or said something else
        than it should (parsed as JSON, never unpickled: a worker's answer runs no code here)."""
        try:
            message = self.pool.result(ticket)
        except SetupFailed:
            return None
        if message is None:
            return None
        try:
            d = orjson.loads(message)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(d, dict) or set(d) != {"n", "judged"} or type(d["n"]) is not int or d["n"] != n:
            return None  # an error ({"n", "error"}: judged again here, to the same end) or a stray answer
        return Judged.from_wire(d["judged"], session_id)


def _refusal(said: str) -> str:
    """A worker's setup failure in words: its {"error": WORDS} where it sent that."""
    try:
        d = orjson.loads(said)
    except orjson.JSONDecodeError:
        return said
    return d["error"] if isinstance(d, dict) and isinstance(d.get("error"), str) else said
