"""A worker process of a first evaluation: `python -m tracetui.evals.worker`, fed sessions over a pipe
by `tracetui.evals.pool` (messages there).

It reads the bucket's index only (opened read-only); the trail's cache files it writes under the
bucket's cache are written whole and renamed into place, as two processes may write one at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import orjson

from tracetui.bucket import Bucket
from tracetui.evals.pool import PROTOCOL, Setup
from tracetui.evals.run import judge_session
from tracetui.safe_text import clip
from tracetui.worker_pipes import recv, send


def serve() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    first = recv(stdin)
    if first is None:
        return
    try:
        setup = Setup.from_wire(orjson.loads(first).get("setup"))
        bucket = Bucket.open(setup.root, read_only=True)
    except Exception as exc:  # the parent judges every session itself
        _answer(stdout, {"error": _said(exc)})
        return
    _answer(stdout, {"ready": PROTOCOL})
    clones = [Path(c) for c in setup.clones]
    cache_dir = None if setup.cache_dir is None else Path(setup.cache_dir)
    while (message := recv(stdin)) is not None:
        job = orjson.loads(message)
        n, session_id = job["n"], job["id"]
        try:
            judged = judge_session(bucket.session(session_id), setup.ref, setup.repo, clones, cache_dir)
            answer: dict[str, Any] = {"n": n, "judged": judged.to_wire()}
        except Exception as exc:  # the parent judges it again: it fails there as a serial run does
            answer = {"n": n, "error": _said(exc)}
        _answer(stdout, answer)


def _answer(stdout: IO[bytes], message: dict[str, Any]) -> None:
    send(stdout, orjson.dumps(message))


def _said(exc: BaseException) -> str:
    return clip(f"{type(exc).__name__}: {exc}", 300)


if __name__ == "__main__":
    serve()
