"""The generic pool of worker processes (`tracetui/worker_pool.py`): answers by ticket whatever order
they finish in, a worker killed mid-job is None and the next job gets a new process, close kills at
once only where jobs are unfinished, no process starts once closed, and a setup that fails is said
once and runs no job. Started early, its workers are set up before any job and killed at once where
the pool closes during their setup; unreplaced, a worker that died ends, and its jobs are answered
None once none is left; `answered` gives tickets as they come in."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from support.echo_worker import SETUP

from tracetui.worker_pipes import spawn
from tracetui.worker_pool import Cancelled, SetupFailed, WorkerPool

TESTS = Path(__file__).resolve().parents[2]  # where `support` is a package, for the workers' path
ROOT = TESTS.parent  # where `tracetui` is, for a stand-in started without `spawn`


@pytest.fixture
def started(monkeypatch) -> list[subprocess.Popen[bytes]]:
    """The processes the pools of a test started, in order."""
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.delenv(SETUP, raising=False)
    return []


def _pool(
    started: list[subprocess.Popen[bytes]], size: int, setup: bytes | None = None, **options: Any
) -> WorkerPool:
    def spawned() -> subprocess.Popen[bytes]:
        proc = spawn("support.echo_worker")
        started.append(proc)
        return proc

    return WorkerPool(size, spawned, setup, **options)


def _running(started: list[subprocess.Popen[bytes]], n: int) -> None:
    """Wait until n processes were started and have had a moment to read their job."""
    deadline = time.monotonic() + 30
    while len(started) < n:
        assert time.monotonic() < deadline, "the pool started no process"
        time.sleep(0.01)
    time.sleep(0.5)


def test_results_come_by_ticket_whatever_order_they_finish_in(started):
    pool = _pool(started, 2)
    try:
        tickets = [pool.submit(job) for job in (b"0.8 a", b"0 b", b"0 c", b"0.3 d", b"0 e")]
        assert pool.result(tickets[1]) == b"b"  # in while the first is still asleep
        assert [pool.result(t) for t in (tickets[4], tickets[0], tickets[2], tickets[3])] == [
            b"e", b"a", b"c", b"d"
        ]
        assert pool.waiting == 0 and len(pool.procs) == 2
    finally:
        pool.close()
    # Every job taken: the workers were left to read the end of their input, and returned.
    assert [proc.returncode for proc in started] == [0, 0]


def test_a_worker_killed_mid_job_gives_none_and_the_next_job_a_new_process(started):
    pool = _pool(started, 1)
    try:
        slow = pool.submit(b"30 slow")
        _running(started, 1)
        started[0].kill()  # as the kernel kills one out of memory
        assert pool.result(slow) is None
        assert pool.result(pool.submit(b"0 after")) == b"after"
        assert pool.result(pool.submit(b"die")) is None  # one that ends itself alike
        assert pool.result(pool.submit(b"0 again")) == b"again"
    finally:
        pool.close()
    assert len(started) == 3


def test_close_with_unfinished_jobs_kills_the_workers_at_once(started):
    pool = _pool(started, 2)
    tickets = [pool.submit(b"60 a"), pool.submit(b"60 b")]
    _running(started, 2)
    with pytest.raises(Cancelled):  # a cancelled wait leaves its ticket unfinished
        pool.result(tickets[0], cancelled=lambda: True)
    began = time.monotonic()
    pool.close()
    assert time.monotonic() - began < 3  # not the 5 s a worker is given to read the end of its input
    assert [proc.returncode for proc in started] == [-signal.SIGKILL] * 2


def test_close_at_once_kills_workers_whose_jobs_are_all_answered(started):
    """A caller that needs nothing more of its workers (a trail's judge) does not wait for them to
    read the end of their input: one stuck elsewhere would hold it for the 5 s of `end_workers`."""
    pool = _pool(started, 1)
    assert pool.result(pool.submit(b"0 a")) == b"a"
    pool.close(at_once=True)
    assert [proc.returncode for proc in started] == [-signal.SIGKILL]
    pool = _pool(started, 1)  # without it, a worker that answered all its jobs leaves by itself
    assert pool.result(pool.submit(b"0 b")) == b"b"
    pool.close()
    assert started[1].returncode == 0


def test_no_process_starts_once_the_pool_is_closed(started):
    pool = _pool(started, 1)
    first = pool.submit(b"60 a")
    queued = pool.submit(b"0 b")  # waits behind the first on the one worker
    _running(started, 1)
    pool.close()
    late = pool.submit(b"0 c")
    assert pool.result(first) is None  # killed by the close
    assert pool.result(queued) is None and pool.result(late) is None  # never run: closed
    assert len(started) == 1


class _Held(queue.Queue):
    """The pool's queue of jobs, handing out ticket 1 only once the pool has begun closing: the
    window between a thread taking a job and starting a process for it."""

    def __init__(self, pool: WorkerPool, closing: threading.Event) -> None:
        super().__init__()
        self.pool, self.closing = pool, closing

    def get(self, block: bool = True, timeout: float | None = None):
        item = super().get(block, timeout)
        if item is not None and item[0] == 1:
            self.closing.set()
            while not self.pool.stopping.is_set():
                time.sleep(0.01)
        return item


def test_a_job_taken_as_the_pool_closes_starts_no_process(started):
    pool = _pool(started, 1)
    closing = threading.Event()
    pool.jobs = _Held(pool, closing)
    assert pool.result(pool.submit(b"die")) is None  # the thread's process is gone: the next needs one
    taken = pool.submit(b"0 b")
    assert closing.wait(30)
    pool.close()
    assert pool.result(taken) is None
    assert len(started) == 1


def test_every_process_the_pool_starts_is_set_up_first(started, monkeypatch):
    monkeypatch.setenv(SETUP, "1")
    pool = _pool(started, 2, setup=b"cfg")
    try:
        assert [pool.result(pool.submit(f"0 {n}".encode())) for n in range(3)] == [b"cfg:0", b"cfg:1", b"cfg:2"]
        assert pool.result(pool.submit(b"die")) is None
        assert pool.result(pool.submit(b"0 after")) == b"cfg:after"  # a new process, set up too
    finally:
        pool.close()


def test_a_setup_that_fails_is_said_for_each_job_and_starts_no_more_processes(started, monkeypatch):
    monkeypatch.setenv(SETUP, "1")
    pool = _pool(started, 2, setup=b"bad")
    try:
        tickets = [pool.submit(b"0 x") for _ in range(4)]
        for ticket in tickets:
            with pytest.raises(SetupFailed, match=r"^ValueError: no such cache folder$"):
                pool.result(ticket)
        count = len(started)
        assert 1 <= count <= 2  # the two threads may both have started one before the first said so
        with pytest.raises(SetupFailed):
            pool.result(pool.submit(b"0 y"))
        assert len(started) == count
    finally:
        pool.close()
    assert all(proc.returncode is not None for proc in started)


def test_a_worker_that_dies_in_its_setup_is_a_death_not_a_failed_setup(started, monkeypatch):
    monkeypatch.setenv(SETUP, "1")
    pool = _pool(started, 1, setup=b"die")
    try:
        assert pool.result(pool.submit(b"0 x")) is None
        assert pool.result(pool.submit(b"0 y")) is None  # tried again on a new process
        assert pool.failed is None
    finally:
        pool.close()
    assert len(started) == 2


def _until(test: Any, what: str) -> None:
    deadline = time.monotonic() + 30
    while not test():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_workers_started_early_are_set_up_before_any_job(started, monkeypatch):
    monkeypatch.setenv(SETUP, "1")
    pool = _pool(started, 2, setup=b"cfg")
    try:
        pool.start()
        _until(lambda: pool.ready == 2, "the workers were never ready")
        assert len(started) == 2 and pool.tickets == 0
        assert pool.result(pool.submit(b"0 x")) == b"cfg:x"
        assert len(started) == 2  # the job went to a process already set up
    finally:
        pool.close()
    assert [proc.returncode for proc in started] == [0, 0]


def test_a_pool_closed_while_its_workers_set_up_kills_them_at_once(started, monkeypatch):
    # A worker still importing what it needs (here: asleep before it reads its setup) is not waited for.
    pool = WorkerPool(2, lambda: started.append(_sleeper()) or started[-1], b"cfg")
    pool.start()
    _until(lambda: pool.setting_up == 2, "the workers were never sent their setup")
    began = time.monotonic()
    pool.close()
    assert time.monotonic() - began < 3  # not the 5 s a worker is given to read the end of its input
    assert [proc.returncode for proc in started] == [-signal.SIGKILL] * 2


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "60"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def test_an_unreplaced_worker_that_died_leaves_its_jobs_unanswered_none(started):
    pool = _pool(started, 1, replace=False)
    try:
        assert pool.result(pool.submit(b"0 a")) == b"a"
        assert pool.ready == 1
        assert pool.result(pool.submit(b"die")) is None
        assert pool.result(pool.submit(b"0 b")) is None  # no process is started for it
        assert pool.gone and pool.ready == 0
    finally:
        pool.close()
    assert len(started) == 1


def test_answered_gives_the_tickets_as_they_come_in(started):
    pool = _pool(started, 2)
    try:
        slow, quick = pool.submit(b"30 slow"), pool.submit(b"0 quick")
        assert pool.answered([slow, quick], wait=20) == quick
        assert pool.result(quick) == b"quick"
        assert pool.answered([slow]) is None  # not in yet: at once, no wait
        started[0].kill()
        assert pool.answered([slow], wait=20) == slow
        assert pool.result(slow) is None
    finally:
        pool.close()


OWN_WORDS = """
import sys
from tracetui.worker_pipes import recv, send
send(sys.stdout.buffer, b"ok" if recv(sys.stdin.buffer) == b"cfg" else b"no such cache folder")
while (job := recv(sys.stdin.buffer)) is not None:
    send(sys.stdout.buffer, job.upper())
"""


@pytest.mark.parametrize(("setup", "answer"), [(b"cfg", b"X"), (b"bad", None)])
def test_a_worker_that_speaks_its_own_format_says_it_is_ready_in_it(started, setup, answer):
    def spawned() -> subprocess.Popen[bytes]:
        started.append(subprocess.Popen([sys.executable, "-c", OWN_WORDS], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}))
        return started[-1]

    pool = WorkerPool(1, spawned, setup, ready_answer=b"ok")
    try:
        if answer is None:
            with pytest.raises(SetupFailed, match="^no such cache folder$"):
                pool.result(pool.submit(b"x"))
        else:
            assert pool.result(pool.submit(b"x")) == answer
    finally:
        pool.close()
