"""Benchmark blame against its budget (issue 17): a 2,000-line file of a 3,000-commit repository,
against a bucket of several hundred MB of logs, under 2 s once the line index is built.

Builds a bucket by replicating the real corpus (bench_sync's replicas), syncs it, then times: the
line index built cold, a refresh with nothing changed, a refresh after one session changed, and
`blame_file` of a large file of badlogic/pi-mono (fetched mirror, cloned as `pi-mono` so the corpus
Pi session's logged folder is recognised) with the index warm. Also the index's size on disk.

    python bench/bench_blame.py --mb 400 [--file packages/tui/src/components/editor.ts]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
MIRROR = (
    Path(os.environ.get("TRACETUI_MIRRORS", HERE.parent.parent / ".mirror")) / "badlogic+pi-mono" / "repo"
)


def main() -> int:
    from bench_sync import build, sources_for

    from tracetui.blame import LineIndex, blame_file
    from tracetui.bucket import Bucket

    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=400)
    ap.add_argument("--file", default="packages/tui/src/components/editor.ts")
    ap.add_argument("--keep", metavar="DIR", help="build in DIR and keep it (reuse a synced bucket there)")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-blame-"))
    out: dict = {}
    try:
        src, bucket_dir, clone = work / "src", work / "bucket", work / "pi-mono"
        if not bucket_dir.exists():
            replicas, per = build(src, args.mb * 10**6)
            out["replicas"], out["corpus_mb"] = replicas, round(per / 1e6, 1)
            t = time.perf_counter()
            with Bucket.open(bucket_dir) as b:
                b.sync(sources={a: [Path(p) for p in ps] for a, ps in sources_for(src, replicas).items()})
            out["sync_s"] = round(time.perf_counter() - t, 1)
        if not clone.exists():
            subprocess.run(["git", "clone", "-q", str(MIRROR), str(clone)], check=True)
        out["commits"] = int(subprocess.run(["git", "-C", str(clone), "rev-list", "--count", "HEAD"],
                                            capture_output=True, text=True).stdout)  # fmt: skip
        out["bucket_mb"] = round(sum(f.stat().st_size for f in bucket_dir.rglob("*") if f.is_file()) / 1e6, 1)
        with Bucket.open(bucket_dir) as b:
            out["sessions"] = b.count_sessions()
            index_file = Path(b.cache_dir or bucket_dir) / "blame" / "lines.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(str(index_file) + suffix).unlink(missing_ok=True)
            t = time.perf_counter()
            with LineIndex(index_file) as index:
                r = index.refresh(b)
            out["index_cold_s"] = round(time.perf_counter() - t, 2)
            out["index_patches"] = r.patches
            out["index_mb"] = round(index_file.stat().st_size / 1e6, 1)
            t = time.perf_counter()
            with LineIndex(index_file) as index:
                index.refresh(b)
            out["index_refresh_unchanged_s"] = round(time.perf_counter() - t, 3)
            lines = sum(1 for _ in (clone / args.file).open(encoding="utf-8", errors="replace"))
            out["file"], out["file_lines"] = args.file, lines
            for states in (False, True):
                runs = []
                for _ in range(3):
                    t = time.perf_counter()
                    found = blame_file(b, str(clone / args.file), repo=clone, states=states)
                    runs.append(time.perf_counter() - t)
                key = "blame_s_with_states" if states else "blame_s"
                out[key] = [round(x, 2) for x in runs]
                out["agent_lines"] = sum(1 for x in found.lines if x.kind == "agent")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
