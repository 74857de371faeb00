"""Benchmark blame against its budget (issue 17): a 2,000-line file of a 3,000-commit repository,
against a bucket of several hundred MB of logs, under 2 s once the line index is built.

Builds a bucket by replicating the real corpus (bench_sync's replicas), syncs it, then times: the
line index built cold, a refresh with nothing changed, a refresh after one session changed, and
`blame_file` of a large file of badlogic/pi-mono (fetched mirror, cloned as `pi-mono` so the corpus
Pi session's logged folder is recognised) with the index warm. Also the index's size on disk.

    python bench/bench_blame.py --mb 400 [--file packages/tui/src/components/editor.ts]

`--real` times instead the first blame (a fresh process, the trail cache emptied; wall, and the CPU of
the CLI and the processes it waited for) of the files each real corpus session edited most, in a clone
of its repository (fetched mirrors; bench_trail's list), from a bucket of that one log: issue 41's bar
is a first blame under a second.

    python bench/bench_blame.py --real [--files 4] [--runs 3] [--save DIR] [--core-free]

Each line ends with the sha256 of the blame's JSON (the first run's): two commits' runs compare
byte for byte; `--save DIR` keeps the JSONs there.
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


# The CLI with a core taken as free whatever the load (`two_cores._core_free`): what it does at idle.
CORE_FREE = (
    "import sys; import tracetui.trail.two_cores as t; t._core_free = lambda: True; "
    "from tracetui.cli import main; sys.exit(main(sys.argv[1:]))"
)


def real(files: int, runs: int, save: Path | None = None, core_free: bool = False) -> int:
    """The first blame of the `files` most-edited files of each real session whose log and mirror are
    here, `runs` times each, wall time of `tracetui blame FILE --repo CLONE --json`, and its output's
    sha256 (kept in `save`, a folder, where given). `core_free`: the blame forks as on an idle machine."""
    import hashlib
    from collections import Counter

    from bench_trail import CORPUS, MIRRORS, REAL

    from tracetui.sources import group, read_session
    from tracetui.trail import session_patches

    top = Path(tempfile.mkdtemp(prefix="bench-blame-real-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cli = [sys.executable, "-m", "tracetui"]
    blame_cli = [sys.executable, "-c", CORE_FREE] if core_free else cli
    try:
        for n, (agent, rel, slug, ref) in enumerate(REAL):
            log, mirror = CORPUS / rel, MIRRORS / slug.replace("/", "+") / "repo"
            if not log.is_file() or not (mirror / "HEAD").is_file():
                print(f"skipped {rel[:60]}: needs {log} and {mirror} (fetch github:{slug})")
                continue
            work = top / str(n)
            # The clone is named as the repository: the logged folder's name is how blame knows it.
            clone, src, bucket = work / slug.split("/")[1], work / "src" / agent, work / "bucket"
            subprocess.run(["git", "clone", "-q", str(mirror), str(clone)], check=True)
            subprocess.run(["git", "-C", str(clone), "checkout", "-q", ref], check=True)
            src.mkdir(parents=True)
            shutil.copy(log, src / log.name)
            subprocess.run([*cli, "--bucket", str(bucket), "sync", "--source", f"{agent}={src}"],
                           check=True, capture_output=True, env=env)  # fmt: skip
            [members] = group(agent, [log])
            edits = Counter(p.path for p in session_patches(read_session(members)))
            picked = [f for f, _ in edits.most_common() if (clone / f).is_file()][:files]
            for i, f in enumerate(picked):
                times, cpus, outputs = [], [], set()
                for _ in range(runs):
                    shutil.rmtree(bucket / "cache" / "trail", ignore_errors=True)
                    t, before = time.perf_counter(), _children_cpu()
                    done = subprocess.run([*blame_cli, "--bucket", str(bucket), "blame", str(clone / f), "--repo", str(clone),
                                           "--json"], capture_output=True, env=env, cwd=work)  # fmt: skip
                    times.append(time.perf_counter() - t)
                    cpus.append(_children_cpu() - before)
                    outputs.add(hashlib.sha256(done.stdout).hexdigest()[:12])
                    if save is not None and len(times) == 1:
                        save.mkdir(parents=True, exist_ok=True)
                        (save / f"{n}-{i}.json").write_bytes(done.stdout)
                lines = sum(1 for _ in (clone / f).open(encoding="utf-8", errors="replace"))
                print(f"{slug} {rel.split('/', 1)[1][:40]} {f} ({lines} lines, {edits[f]} patches): first blame "
                      f"{' '.join(f'{x:.2f}' for x in times)} s (CPU {' '.join(f'{x:.2f}' for x in cpus)} s), "
                      f"exit {done.returncode}, "
                      f"sha256 {' '.join(sorted(outputs))}", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(top, ignore_errors=True)
    return 0


def _children_cpu() -> float:
    """User and system CPU of the ended children (the blame's CLI and the processes it waited for): what
    a first blame costs whatever the load, where its wall time on a shared machine says little."""
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> int:
    from bench_sync import build, sources_for

    from tracetui.blame import LineIndex, blame_file
    from tracetui.bucket import Bucket

    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=400)
    ap.add_argument("--file", default="packages/tui/src/components/editor.ts")
    ap.add_argument("--keep", metavar="DIR", help="build in DIR and keep it (reuse a synced bucket there)")
    ap.add_argument("--real", action="store_true", help="the first blame of real sessions' most-edited files")
    ap.add_argument("--files", type=int, default=4, help="with --real: files per session")
    ap.add_argument("--runs", type=int, default=3, help="with --real: runs per file")
    ap.add_argument("--save", type=Path, help="with --real: keep each file's blame JSON in this folder")
    ap.add_argument("--core-free", action="store_true", help="with --real: fork as at idle, whatever the load")
    args = ap.parse_args()
    if args.real:
        return real(args.files, args.runs, args.save, args.core_free)
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
