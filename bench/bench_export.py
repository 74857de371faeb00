"""Benchmark `tracetui export --format parquet` (or atif or raw) against issue 16's budget: 1 GB of logs
export with a peak memory under 300 MB, flat in the size of the export.

Builds a source tree by replicating the real corpus (bench_sync.build: every UUID shifted per
replica, so each replica is a distinct set of sessions), syncs it into a bucket, then exports it to
parquet in a fresh child process (review with the redaction scan, scrub, second gate, write) and
reports wall and CPU time and the peak RSS of that process and of its scan workers; then the same
export again (nothing changed: nothing rewritten), and the whole at a smaller size to see memory
stay flat. Before the export, `tracetui review`'s scan runs cold on a copy of the synced bucket (no
plan, no scan cache), and both are given as multiples of the cold sync's wall time (issue 41's bar).

    python bench/bench_export.py --mb 1000 --small-mb 250
    python bench/bench_export.py --mb 100 --small-mb 25 --format raw   # the agents' own files, scrubbed

Everything is built in a temporary folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from bench_sync import CORPUS, build, sources_for


def child_sync(sources: dict[str, list[str]], bucket: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from tracetui.bucket import Bucket

    b = Bucket.open(bucket)
    t = time.perf_counter()
    cpu, workers = time.process_time(), _children_cpu()
    report = b.sync({a: [Path(p) for p in ps] for a, ps in sources.items()})
    seconds = time.perf_counter() - t
    spent = time.process_time() - cpu + _children_cpu() - workers
    rows = b.list_sessions()
    b.close()
    return {
        "sync_seconds": seconds,
        "sync_cpu_seconds": spent,
        "sessions": report.sessions,
        "steps": sum(r.steps for r in rows),
        "tool_calls": sum(r.tool_calls for r in rows),
    }


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def child_export(bucket: str, dest: str, fmt: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from tracetui.bucket import Bucket
    from tracetui.export import ExportOptions, export

    b = Bucket.open(bucket)
    phases: dict[str, float] = {}
    start = time.perf_counter()

    def progress(p) -> None:
        phases[p.phase] = time.perf_counter() - start

    cpu = time.process_time()
    workers = _children_cpu()
    report = export(b, dest, ExportOptions(fmt, accept_suggested=True), progress=progress)
    seconds = time.perf_counter() - start
    b.close()
    return {
        "seconds": seconds,
        "review_seconds": phases.get("review"),
        "cpu_seconds": time.process_time() - cpu,
        # The scan and write workers' CPU (those that have ended, as every pool has by now).
        "cpu_workers_seconds": _children_cpu() - workers,
        "written": report.written,
        "unchanged": report.unchanged,
        "refused": len(report.refused),
        "files": report.files,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def child_review(bucket: str) -> dict:
    """`tracetui review`'s work (every session's plan made, what waits grouped) on a bucket with no
    plan and no scan cache: a cold review."""
    sys.path.insert(0, str(ROOT))
    from tracetui.bucket import Bucket
    from tracetui.redact import open_review
    from tracetui.selection import Selection, select

    b = Bucket.open(bucket)
    start, cpu, workers = time.perf_counter(), time.process_time(), _children_cpu()
    chosen = [row.id for row in select(b, Selection(None, None, None, None, None, ()))[::-1]]
    review = open_review(b, chosen)
    seconds = time.perf_counter() - start
    b.close()
    assert review is not None  # nothing cancels it
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "cpu_workers_seconds": _children_cpu() - workers,
        "findings": review.findings,
        "groups": len(review.groups),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def child_count(dest: str, fmt: str) -> dict:
    size = sum(p.stat().st_size for p in Path(dest).rglob("*") if p.is_file())
    out: dict[str, object] = {"export_mb": size / 1e6}
    if fmt != "parquet":
        return out
    import duckdb

    for table in ("sessions", "steps", "tool_calls", "patches"):
        glob = f"{dest}/data/{table}/**/*.parquet"
        counted = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}')")
        assert counted is not None  # a SELECT always has a relation
        out[table] = counted.fetchall()[0][0]
    return out


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"child failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=1000, help="size of the larger source tree (default 1000)")
    ap.add_argument("--small-mb", type=int, default=0, help="size of the smaller tree (default: a quarter)")
    ap.add_argument("--tmp", help="where to build (default: a temporary folder)")
    ap.add_argument("--format", default="parquet", choices=("parquet", "atif", "raw"), help="the format")
    ap.add_argument("--child", choices=("sync", "review", "export", "count"), help=argparse.SUPPRESS)
    ap.add_argument("--sources", help=argparse.SUPPRESS)
    ap.add_argument("--bucket", help=argparse.SUPPRESS)
    ap.add_argument("--dest", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "sync":
        print(json.dumps(child_sync(json.loads(args.sources), args.bucket)))
        return 0
    if args.child == "review":
        print(json.dumps(child_review(args.bucket)))
        return 0
    if args.child == "export":
        print(json.dumps(child_export(args.bucket, args.dest, args.format)))
        return 0
    if args.child == "count":
        print(json.dumps(child_count(args.dest, args.format)))
        return 0
    if not CORPUS.is_dir():
        raise SystemExit(f"the corpus is not at {CORPUS}")
    tmp = Path(args.tmp or tempfile.mkdtemp(prefix="tracetui-bench-export-"))
    try:
        src = tmp / "src"
        replicas, per_replica = build(src, args.mb * 1_000_000)
        small = max(1, (args.small_mb * 1_000_000) // per_replica) if args.small_mb else max(1, replicas // 4)
        results = []
        for n in sorted({small, replicas}):
            srcs = sources_for(src, n)
            bucket, dest = tmp / f"bucket{n}", tmp / f"export{n}"
            synced = run_child("--child", "sync", "--sources", json.dumps(srcs), "--bucket", str(bucket))
            cold = tmp / f"review{n}"  # the review's plans and caches would warm the export: a copy
            shutil.copytree(bucket, cold, symlinks=True)
            reviewed = run_child("--child", "review", "--bucket", str(cold))
            shutil.rmtree(cold, ignore_errors=True)
            exporting = ["--child", "export", "--bucket", str(bucket), "--dest", str(dest), "--format"]
            exporting.append(args.format)
            first = run_child(*exporting)
            again = run_child(*exporting)
            counts = run_child("--child", "count", "--dest", str(dest), "--format", args.format)
            results.append(
                {
                    "replicas": n,
                    "source_mb": n * per_replica / 1e6,
                    **synced,
                    "review": reviewed,
                    "export": first,
                    # Issue 41's bar: each at most 3x the cold sync of the same bucket, in the same run.
                    "review_over_sync": reviewed["seconds"] / synced["sync_seconds"],
                    "export_over_sync": first["seconds"] / synced["sync_seconds"],
                    "again": again,
                    "counts": counts,
                }
            )
            print(json.dumps(results[-1]), file=sys.stderr)
            shutil.rmtree(bucket, ignore_errors=True)
            shutil.rmtree(dest, ignore_errors=True)
        print(
            json.dumps(
                {"machine": platform.platform(), "python": platform.python_version(), "format": args.format,
                 "runs": results},
                indent=2,
            )
        )
    finally:
        if not args.tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
