"""Benchmark: sealing a real session's whole episode, with the fates from the trail's cache.

Reads a corpus session from a bucket and seals all its steps against a clone of the repository it
ran in. The log's absolute paths name the author's disk (`/Users/...`); so that the trail really
judges the patches (instead of calling them all "unknown"), every string of the session has the
log's cwd replaced by the clone's path first. That is a stand-in for the repository mapping, done
here and nowhere else. `--replicate N` appends N-1 copies of the steps (new ids, same texts and
times), for a longer episode than any corpus file has.

Timed, each in this process: the plan brought up to date (scan cache warm after the first), the
trail on its own, cold (a fresh cache: every patch judged), then seals with that cache (the cache
`tracetui trail` and the app's trail pane fill), and a seal with an empty cache for comparison.

    .venv/bin/python bench/bench_seal.py --bucket B --session ID --repo CLONE [--replicate N] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracetui.bucket import Bucket  # noqa: E402
from tracetui.capsule import seal  # noqa: E402
from tracetui.model import Session  # noqa: E402
from tracetui.redact import PlanStore, refresh_plan  # noqa: E402
from tracetui.trail import by_file  # noqa: E402
from tracetui.trail import trail as trail_of  # noqa: E402


def _swap(obj: Any, old: str, new: str) -> Any:
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, dict):
        return {k: _swap(v, old, new) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_swap(v, old, new) for v in obj]
    return obj


def prepared(session: Session, repo: Path, replicate: int) -> Session:
    d = session.to_dict()
    if session.cwd:
        d = _swap(d, session.cwd.rstrip("/"), str(repo))
    steps = d["steps"]
    copies = []
    for n in range(1, replicate):
        for step in steps:
            c = dict(step)
            c["id"] = f"{step['id']}#r{n}"
            if c.get("parent"):
                c["parent"] = f"{step['parent']}#r{n}"
            copies.append(c)
    # In a session with a tree, a copy's root continues the last step of the one before it, so the
    # whole is one branch (and each context grows, as in a long session).
    has_tree = any(step.get("parent") for step in steps)
    size = len(steps)
    for n in range(1, replicate if has_tree else 1):
        before = steps[-1] if n == 1 else copies[(n - 1) * size - 1]
        for c in copies[(n - 1) * size : n * size]:
            if not c.get("parent"):
                c["parent"] = before["id"]
                break
    d["steps"] = steps + copies
    for i, step in enumerate(d["steps"]):
        step["index"] = i
    return Session.from_dict(d)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bucket", required=True)
    ap.add_argument("--session", required=True)
    ap.add_argument("--repo", required=True, type=Path)
    ap.add_argument("--replicate", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    bucket = Bucket.open(Path(args.bucket))
    try:
        session = prepared(bucket.session(args.session), args.repo.resolve(), args.replicate)
    finally:
        bucket.close()
    judged: list[int] = []
    judge = by_file.judge  # where a trail is judged

    def counting(*a: Any, **k: Any) -> Any:
        judged.append(1)
        return judge(*a, **k)

    by_file.judge = counting
    with tempfile.TemporaryDirectory() as tmp:
        store = PlanStore(Path(tmp) / "plans")
        t = time.perf_counter()
        plan = refresh_plan(session, store)
        scan_cold = time.perf_counter() - t
        t = time.perf_counter()
        plan = refresh_plan(session, store)
        scan_warm = time.perf_counter() - t
        cache = Path(tmp) / "cache"
        t = time.perf_counter()
        cpu = time.process_time()
        first = trail_of(session, repo=args.repo, cache_dir=cache)
        trail_cold, trail_cpu = time.perf_counter() - t, time.process_time() - cpu
        states: dict[str, int] = {}
        for f in first.fates:
            states[f.state] = states.get(f.state, 0) + 1
        seals, cpus = [], []
        before = len(judged)
        for _ in range(args.runs):
            t, cpu = time.perf_counter(), time.process_time()
            result = seal(session, plan, repo=args.repo, accept_suggested=True, cache_dir=cache)
            seals.append(time.perf_counter() - t)
            cpus.append(time.process_time() - cpu)
        rejudged = len(judged) - before
        t = time.perf_counter()
        seal(session, plan, repo=args.repo, accept_suggested=True, cache_dir=Path(tmp) / "empty")
        uncached = time.perf_counter() - t
    steps = len(session.steps)
    print(f"session {args.session[:8]} x{args.replicate}: {steps} steps, {result.patches} patches")
    print(f"states: {dict(sorted(states.items()))}")
    print(f"plan: {scan_cold:.2f} s cold, {scan_warm:.2f} s from the scan cache")
    print(f"trail alone, cold (every patch judged): {trail_cold:.2f} s wall, {trail_cpu:.2f} s CPU")
    runs = ", ".join(f"{s:.2f}" for s in seals)
    cpu_runs = ", ".join(f"{c:.2f}" for c in cpus)
    print(
        f"seal, fates from the trail cache: {runs} s wall ({cpu_runs} s CPU; the first with the gate's "
        f"memo empty); survival engine runs: {rejudged}"
    )
    print(f"seal with an empty cache (judges again): {uncached:.2f} s")
    print(f"capsule: {len(result.data)} bytes; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
