"""The pool of worker processes a cold sync runs its jobs on (the parent's side).

Each worker is `python -m tracetui.bucket.worker` (the child's side, which runs a job with
`sync.run_job`); this module only spawns them, feeds them jobs and collects their results, so the
sync imports it without the worker importing the sync back. Messages as `tracetui.worker_pipes`
frames them: in, orjson of {"root", "job", "slot", "fresh"}; out, the job's result bytes.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import orjson

from tracetui.worker_pipes import pipes, recv, send, spawn


def job_to_bytes(root: str, job: Any, slot: int, fresh: list[int] | None = None) -> bytes:
    return orjson.dumps({"root": root, "job": asdict(job), "slot": slot, "fresh": fresh or []})


def run_pool(
    root: str, jobs: list[Any], workers: int, failed: Any, fresh: list[int] | None = None
) -> Iterator[tuple[Any, bytes]]:
    """Run jobs on `workers` processes; yields (job, result) as they finish. `fresh`: the shards
    the workers build whole (`shards.Writers`).

    At most two jobs per worker wait in memory, so memory stays flat however many there are. A
    job whose worker dies gets `failed(job, reason)` as its result (and a fresh worker takes over).
    """
    todo: queue.Queue = queue.Queue(maxsize=workers)
    done: queue.Queue = queue.Queue(maxsize=workers * 2)
    stop = object()
    cancel = threading.Event()
    procs: list[subprocess.Popen] = []

    def put(q: queue.Queue, item: Any) -> bool:
        # Blocking put that gives up once the consumer has gone away.
        while not cancel.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def feeder() -> None:
        for job in jobs:
            if not put(todo, job):
                return
        for _ in range(workers):
            put(todo, stop)

    def worker_loop(slot: int) -> None:
        proc = spawn("tracetui.bucket.worker")
        procs.append(proc)
        try:
            while not cancel.is_set():
                try:
                    job = todo.get(timeout=0.1)
                except queue.Empty:
                    continue
                if job is stop:
                    break
                try:
                    stdin, stdout = pipes(proc)
                    send(stdin, job_to_bytes(root, job, slot, fresh))
                    result = recv(stdout)
                except (BrokenPipeError, OSError):
                    result = None
                if result is None:
                    code = proc.poll()
                    result = failed(job, f"the worker process stopped (exit code {code})")
                    proc.kill()
                    proc.wait()
                    proc = spawn("tracetui.bucket.worker")
                    procs.append(proc)
                if not put(done, (job, result)):
                    break
        finally:
            try:
                pipes(proc)[0].close()
            except OSError:
                pass
            if cancel.is_set():
                proc.kill()
            proc.wait()
            put(done, stop)

    threads = [threading.Thread(target=feeder, daemon=True)]
    threads += [threading.Thread(target=worker_loop, args=(i,), daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    running = workers
    try:
        while running:
            item = done.get()
            if item is stop:
                running -= 1
                continue
            yield item
    finally:
        if running:  # the consumer stopped early (an error, or an interrupt): stop the workers
            cancel.set()
            for proc in procs:
                proc.kill()
