"""Benchmark the cold first screen of `tracetui --dataset URL` on a big synthetic dataset (issue 37).

The dataset is made up here (no corpus text): `--machines` machines, each with `--agents` agents over
`--months` months, one partition per (machine, agent, month) in docs/dataset.md's layout
(`data/<table>/machine=<id>/agent=<a>/month=<YYYY-MM>/part-00000.parquet`), each partition a file of
each of the four tables. Steps carry random text (incompressible) so the whole weighs about `--mb`.
The defaults (107 machines x 4 agents x 4 months = 1,712 partitions, 6,848 files, 400 MB) match the
dataset the first screen was last measured on (bench/RESULTS.md, "The app over a dataset").

Each measure runs in a fresh child process, with no listing kept (cold): the library opened, then
what the list's first screen asks (count, the first 200 rows priced, agents, projects, machines).
The sessions table carries each session's price (`cost_usd`, as the export writes it); `--no-cost`
builds it without (an older export's), and then the background mode prices the page in a thread
after the first screen: `page_priced` is how many of the 200 had a price on it, `priced_seconds`
when all had. `--keep DIR` builds once and keeps the dataset for the next run.
`--before ROOT` runs the same in another checkout (main's code) for the figures before, both
without and with `background` (the app's `before` runs with it, as `tracetui --dataset` opens).

    python bench/bench_dataset_open.py [--mb 400] [--before /work/main] [--app] [--keep DIR]

`--app` also times the app (headless, 160x45) from its process's start to the list's first rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SESSIONS_PER_FILE = 2
STEPS_PER_SESSION = 40


def build(dataset: Path, machines: int, agents: int, months: int, mb: int, cost: bool = True) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(37)
    names = ["claude", "codex", "pi", "gemini", "opencode", "copilot"][:agents]
    month_names = [f"2026-{m:02d}" for m in range(12 - months + 1, 13)]
    partitions = machines * len(names) * len(month_names)
    # Hex of random bytes: zstd brings it back to about the bytes drawn.
    text_bytes = max(16, (mb << 20) // (partitions * SESSIONS_PER_FILE * STEPS_PER_SESSION))
    size = files = 0
    for m in range(machines):
        machine = f"m{m:03d}"
        for agent in names:
            for month in month_names:
                keys = {"machine": machine, "agent": agent, "month": month}
                sids = [f"{machine}-{agent}-{month}-{i}" for i in range(SESSIONS_PER_FILE)]
                start = datetime.fromisoformat(f"{month}-01T00:00:00").replace(tzinfo=UTC)
                starts = [start + timedelta(minutes=rng.randrange(27 * 24 * 60)) for _ in sids]
                n = len(sids)
                tables = {
                    "sessions": {
                        "session_id": sids, "harness": [agent] * n, "project": [f"project-{rng.randrange(30)}" for _ in sids],
                        "title": [f"made-up session {s}" for s in sids], "cwd": ["<HOME>/src"] * n,
                        "started": pa.array(starts, pa.timestamp("ms", tz="UTC")),
                        "ended": pa.array([s + timedelta(minutes=30) for s in starts], pa.timestamp("ms", tz="UTC")),
                        "models": [["claude-sonnet-4-5"]] * n, "steps": pa.array([STEPS_PER_SESSION] * n, pa.int32()),
                        "tool_calls": pa.array([10] * n, pa.int32()), "edits": pa.array([3] * n, pa.int32()),
                        "tokens_input": pa.array([1000] * n, pa.int64()), "tokens_output": pa.array([500] * n, pa.int64()),
                    },
                    "steps": {
                        "session_id": [s for s in sids for _ in range(STEPS_PER_SESSION)],
                        "step_id": [f"{s}-{i}" for s in sids for i in range(STEPS_PER_SESSION)],
                        "index": pa.array([i for _ in sids for i in range(STEPS_PER_SESSION)], pa.int32()),
                        "kind": ["assistant"] * (n * STEPS_PER_SESSION),
                        "text": [rng.randbytes(text_bytes).hex() for _ in range(n * STEPS_PER_SESSION)],
                        "model": ["claude-sonnet-4-5"] * (n * STEPS_PER_SESSION),
                        "tokens_input": pa.array([25] * (n * STEPS_PER_SESSION), pa.int64()),
                        "tokens_output": pa.array([12] * (n * STEPS_PER_SESSION), pa.int64()),
                    },
                    "tool_calls": {"session_id": sids, "step_id": [f"{s}-1" for s in sids], "input": ['{"a": 1}'] * n},
                    "patches": {"session_id": sids, "step_id": [f"{s}-2" for s in sids], "path": ["src/a.py"] * n},
                }  # fmt: skip
                if cost:  # the price the export stores (`cost_usd`, the exporting machine's own)
                    tables["sessions"]["cost_usd"] = pa.array([rng.randrange(1, 500_000) / 1e5 for _ in sids], pa.float64())
                for table, columns in tables.items():
                    columns = {**columns, **{k: [v] * len(next(iter(columns.values()))) for k, v in keys.items()}}
                    out = dataset / "data" / table / f"machine={machine}" / f"agent={agent}" / f"month={month}"
                    out.mkdir(parents=True, exist_ok=True)
                    pq.write_table(pa.table(columns), out / "part-00000.parquet", compression="zstd")
                    size += (out / "part-00000.parquet").stat().st_size
                    files += 1
    sessions_files = partitions
    return {"machines": machines, "partitions": partitions, "files": files, "sessions_files": sessions_files,
            "sessions": partitions * SESSIONS_PER_FILE, "bytes": size, "stored_cost": cost}  # fmt: skip


def child_first(root: str, dataset: str, background: bool) -> dict:
    """The first screen's reads, cold (no listing kept), in the code at `root`."""
    sys.path.insert(0, root)
    t0, c0 = time.perf_counter(), time.process_time()
    from tracetui.dataset import open_dataset

    imported, imported_cpu = time.perf_counter() - t0, time.process_time() - c0
    library = open_dataset(dataset, background=True) if background else open_dataset(dataset)
    opened = time.perf_counter() - t0
    count = library.count_sessions()
    page = library.list_sessions(limit=200)
    library.agents(), library.projects(), library.machines()
    first = time.perf_counter() - t0
    cpu = time.process_time() - c0
    out = {"imports_seconds": round(imported, 2), "open_seconds": round(opened, 2),
           "first_screen_seconds": round(first, 2), "first_screen_cpu": round(cpu, 2),
           "after_imports_seconds": round(first - imported, 2), "after_imports_cpu": round(cpu - imported_cpu, 2),
           "sessions_shown": count, "page": len(page),
           "page_priced": sum(1 for r in page if r.cost_usd is not None)}  # fmt: skip
    pricer = getattr(library, "_pricer", None)
    if pricer is not None:
        pricer.join()
        out["priced_seconds"] = round(time.perf_counter() - t0, 2)
    if background:
        library.wait_loaded()
        out["whole_seconds"] = round(time.perf_counter() - t0, 2)
        out["whole_cpu"] = round(time.process_time() - c0, 2)
        out["sessions_whole"] = library.count_sessions()
    library.close()
    out["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def child_app(root: str, dataset: str, background: bool) -> dict:
    """The app (headless, 160x45) over the dataset, in the code at `root`: from the process's start
    (imports included) until the session list shows its first rows."""
    sys.path.insert(0, root)
    import asyncio

    t0, c0 = time.perf_counter(), time.process_time()
    from tracetui.dataset import open_dataset
    from tracetui.ui.app import TraceApp
    from tracetui.ui.widgets.session_list import SessionList

    imported = time.perf_counter() - t0

    async def run() -> float:
        library = open_dataset(dataset, background=True) if background else open_dataset(dataset)
        app = TraceApp(library)
        try:
            async with app.run_test(size=(160, 45)) as pilot:
                while True:
                    await pilot.pause(0.01)
                    found = app.screen.query(SessionList)
                    if found and found.first().count and found.first().summary(0) is not None:
                        return time.perf_counter() - t0
        finally:
            library.close()

    seconds = asyncio.run(run())
    return {"imports_seconds": round(imported, 2), "first_rows_seconds": round(seconds, 2),
            "cpu_seconds": round(time.process_time() - c0, 2),
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}  # fmt: skip


def in_child(*args: object, name: str = "child_first") -> dict:
    code = (f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import bench_dataset_open as b; "
            f"print(json.dumps(b.{name}(*{list(args)!r})))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    if out.returncode:
        return {"failed": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=400, help="the dataset's size in MB of Parquet (about)")
    parser.add_argument("--machines", type=int, default=107)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--months", type=int, default=4)
    parser.add_argument("--before", metavar="ROOT", help="another checkout to measure the same in (main's)")
    parser.add_argument("--runs", type=int, default=2, help="runs of each measure (all kept)")
    parser.add_argument("--app", action="store_true", help="also the app's first rows (headless)")
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it")
    parser.add_argument("--no-cost", action="store_true",
                        help="no `cost_usd` in the sessions table (an older export's): the page is priced from the steps")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-dataset-open-"))
    try:
        dataset = work / "dataset"
        if not (work / "made.json").is_file():
            t = time.perf_counter()
            made = build(dataset, args.machines, args.agents, args.months, args.mb, not args.no_cost)
            made["build_seconds"] = round(time.perf_counter() - t, 1)
            (work / "made.json").write_text(json.dumps(made))
        made = json.loads((work / "made.json").read_text())
        result: dict = {"python": platform.python_version(), "cpus": os.cpu_count(), "dataset": made,
                        "load_average_before": list(os.getloadavg())}  # fmt: skip
        for _ in range(args.runs):
            if args.before:
                result.setdefault("before", []).append(in_child(args.before, str(dataset), False))
                result.setdefault("before_background", []).append(in_child(args.before, str(dataset), True))
            result.setdefault("whole_read", []).append(in_child(str(ROOT), str(dataset), False))
            result.setdefault("background", []).append(in_child(str(ROOT), str(dataset), True))
            if args.app:
                if args.before:
                    result.setdefault("app_before", []).append(in_child(args.before, str(dataset), True, name="child_app"))
                result.setdefault("app_background", []).append(in_child(str(ROOT), str(dataset), True, name="child_app"))
        result["load_average_after"] = list(os.getloadavg())
        print(json.dumps(result, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
