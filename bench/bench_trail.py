"""Benchmark: the trail of a 1,000-patch session on a 10,000-commit repository.

The repository is built with `git fast-import` (seconds, not minutes): 50 files, one commit a
minute, each commit touching one file. A session starts early in that history and makes 1,000
string edits (no `original`, so every one is placed by replaying the file from git); the edits
reach commits one by one, and some are later reverted or edited by hand. Timed: the first trail
(one history walk), a second one from the bucket cache, and the walk alone.

    .venv/bin/python bench/bench_trail.py [--commits N] [--patches N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pygit2  # noqa: E402

from tracetui.model import FileEdit, Session, Step, StepKind  # noqa: E402
from tracetui.trail import summarize, trail  # noqa: E402
from tracetui.trail.history import walk  # noqa: E402

FILES = 50
ROWS = 200
START = 1_767_225_600  # 2026-01-01T00:00:00Z
STEP = 60  # one commit a minute


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat().replace("+00:00", "Z")


def build(repo_dir: Path, commits: int, patches: int) -> Session:
    files = {f: [f"row {r} of file {f}" for r in range(ROWS)] for f in range(FILES)}
    session_start = 1000  # the session begins after commit 1000
    # patch i adds a line after row (10 + i // FILES) of file i % FILES, and reaches commit `lands[i]`
    lands = {session_start + 10 + i * max(1, (commits - session_start - 600) // patches): i for i in range(patches)}
    reverted = {k + 300: i for k, i in lands.items() if i % 10 == 3}
    edited = {k + 200: i for k, i in lands.items() if i % 10 == 7}
    steps: list[Step] = []
    out = bytearray()
    for k in range(1, commits + 1):
        t = START + k * STEP
        touched: set[int] = set()
        f = k % FILES
        rows = files[f]
        rows[0] = f"header of file {f} (rev {k})"  # churn, away from the patches
        touched.add(f)
        if k in lands:
            i = lands[k]
            pf, anchor = i % FILES, f"row {10 + i // FILES} of file {i % FILES}"
            at = files[pf].index(anchor)
            files[pf].insert(at + 1, f"patch_{i} = compute({i}, 'bench')")
            touched.add(pf)
            steps.append(
                Step(
                    id=f"step{i}", index=i, kind=StepKind.TOOL_CALL, role="assistant", tool="Edit",
                    timestamp=_iso(START + (session_start + i) * STEP + 1),
                    edits=[FileEdit(f"f{pf}.py", "update", old_string=anchor, new_string=f"{anchor}\npatch_{i} = compute({i}, 'bench')")],
                )
            )  # fmt: skip
        if k in reverted:
            i = reverted[k]
            files[i % FILES].remove(f"patch_{i} = compute({i}, 'bench')")
            touched.add(i % FILES)
        if k in edited:
            i = edited[k]
            rows_e = files[i % FILES]
            rows_e[rows_e.index(f"patch_{i} = compute({i}, 'bench')")] = f"patch_{i} = compute({i}, 'bench', fast=True)"
            touched.add(i % FILES)
        msg = f"change {k}\n".encode()
        out += b"commit refs/heads/main\n"
        out += f"mark :{k}\ncommitter Bench <bench@example.invalid> {t} +0000\n".encode()
        out += b"data %d\n%s" % (len(msg), msg)
        if k > 1:
            out += f"from :{k - 1}\n".encode()
        for tf in sorted(touched):
            body = ("\n".join(files[tf]) + "\n").encode()
            out += f"M 100644 inline f{tf}.py\n".encode() + b"data %d\n%s\n" % (len(body), body)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo_dir)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], input=bytes(out), cwd=repo_dir, check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo_dir, check=True)
    steps.sort(key=lambda s: s.index)
    return Session(id="bench", agent="claude", source="bench", cwd=str(repo_dir), started=steps[0].timestamp, steps=steps)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--patches", type=int, default=1_000)
    ap.add_argument("--keep", type=Path, help="build the repository here and keep it")
    args = ap.parse_args()
    top = args.keep or Path(tempfile.mkdtemp(prefix="bench-trail-"))
    repo_dir = top / "repo"
    try:
        t0 = time.perf_counter()
        session = build(repo_dir, args.commits, args.patches)
        built = time.perf_counter() - t0
        cache = top / "cache"
        t0, c0 = time.perf_counter(), time.process_time()
        first = trail(session, cache_dir=cache)
        cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        again = trail(session, cache_dir=cache)
        warm = time.perf_counter() - t0
        repo = pygit2.Repository(str(repo_dir))
        paths = {f.patch.path for f in first.fates}
        t0 = time.perf_counter()
        walk(repo, paths, 0.0)
        walked = time.perf_counter() - t0
        states = Counter(f.state for f in first.fates)
        assert again.cached and again.rows() == first.rows()
        print(f"repository: {args.commits} commits, {FILES} files (built in {built:.1f} s)")
        print(f"session: {len(first.fates)} patches; states {dict(sorted(states.items()))}")
        print(f"trail, cold (one walk + judging): {cold:.2f} s wall, {cold_cpu:.2f} s CPU")
        print(f"trail, from the cache:            {warm:.2f} s")
        print(f"history walk alone, all commits:  {walked:.2f} s")
        print(f"machine load while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        assert summarize(first)["patches"] == args.patches
    finally:
        if not args.keep:
            shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
