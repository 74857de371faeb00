"""Worker processes for cold syncs: `python -m tracetui.bucket.worker`, fed jobs over a pipe by
`tracetui.bucket.pool`.

Plain subprocesses rather than multiprocessing: multiprocessing's spawn re-imports the caller's
`__main__` in every worker (a script calling `Bucket.sync()` at top level would run again), and
fork is unsafe in a process with threads and open SQLite connections (the UI).

Messages as `tracetui.worker_pipes` frames them. In: orjson of {"root", "job", "slot", "fresh"}
(slot: which worker of the pool, so which shard takes its new sessions; fresh: the shards built
whole, `shards.Writers`); out: the job's result bytes (pickle, see `sync._pack`).
"""

from __future__ import annotations

import sys
from typing import Any

import orjson

from tracetui import collector
from tracetui.bucket.store import Sidecar
from tracetui.bucket.sync_jobs import Job, run_job, settle
from tracetui.worker_pipes import recv, send


def job_from_dict(d: dict[str, Any]) -> Job:
    d = dict(d)
    d["stale"] = {p: tuple(v) for p, v in d["stale"].items()}
    d["sidecars"] = {p: Sidecar(**sc) for p, sc in d["sidecars"].items()}
    return Job(**d)


def serve() -> None:
    with collector.fewer_collections():
        _serve()


def _serve() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    roots: set[str] = set()
    while True:
        msg = recv(stdin)
        if msg is None:
            for root in roots:  # the pool is done: every shard write is committed before exit
                settle(root, done=True)
            return
        req = orjson.loads(msg)
        roots.add(req["root"])
        send(stdout, run_job(req["root"], job_from_dict(req["job"]), req["slot"], req.get("fresh") or ()))
        settle(req["root"])


if __name__ == "__main__":
    serve()
