"""Benchmark `tracetui --dataset URL` (issue 37): the first screen of the app over a team's dataset of
about 400 MB of Parquet, and what a session's opening, a text filter and search cost there.

The dataset is made from the real corpus: one replica of it (bench_sync.build) is synced and exported
with `export --format parquet` (the real writer: review, scrub, gate), then that export is copied as
many machines' partitions as it takes to reach the size asked for, in docs/dataset.md's layout
(`data/<table>/machine=<id>/agent=…/month=…/`), every session and step id made the machine's own (a
prefix), with a `machine` column. Each measure runs in a fresh child process (its own peak RSS):

- core: `open_dataset` (list the files, read the sessions table's listing columns), then what the
  list's first screen asks (count, the first page with its prices, agents and projects);
- app: the same in the app, headless (Textual's run_test at 160x45): from the app's start until the
  session list shows its first rows;
- open: the largest session read whole (its partition's steps, tool inputs) and its trail rows;
- filter and search: a word in the steps' text, as the filter box and the search palette ask.

    python bench/bench_dataset_app.py --mb 400

Everything is built in a temporary folder that is removed at the end (`--keep DIR` builds there).
"""

from __future__ import annotations

import argparse
import json
import os
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
from bench_sync import CORPUS, build, sources_for  # noqa: E402

WORD = "test"  # a word most sessions' steps hold somewhere


def export_once(work: Path) -> Path:
    """One replica of the corpus, synced and exported as parquet: the base every machine copies."""
    src = work / "src"
    replicas, _ = build(src, 1)
    sys.path.insert(0, str(ROOT))
    from tracetui.bucket import Bucket
    from tracetui.export import ExportOptions, export

    bucket = Bucket.open(work / "bucket")
    bucket.sync({a: [Path(p) for p in ps] for a, ps in sources_for(src, replicas).items()})
    base = work / "base"
    export(bucket, base, ExportOptions("parquet", accept_suggested=True))
    bucket.close()
    return base


def replicate(base: Path, dataset: Path, target_bytes: int) -> dict:
    """Machines m000, m001, ... each a copy of `base` with its own ids, until target_bytes is reached."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    files = sorted(base.glob("data/*/agent=*/month=*/*.parquet"))
    tables = {f: pq.read_table(f) for f in files}
    size = machines = 0
    while size < target_bytes:
        machine = f"m{machines:03d}"
        for path, table in tables.items():
            rel = path.relative_to(base / "data")
            name, rest = rel.parts[0], Path(*rel.parts[1:])
            columns = {}
            for column in table.column_names:
                values = table[column]
                if column in ("session_id", "step_id", "result_step_id", "parent", "superseded_by") and pa.types.is_string(values.type):
                    values = pc.binary_join_element_wise(pa.scalar(machine + "-"), values, "")
                columns[column] = values
            columns["machine"] = pa.array([machine] * table.num_rows, pa.string())
            out = dataset / "data" / name / f"machine={machine}" / rest
            out.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.table(columns), out, compression="zstd")
            size += out.stat().st_size
        machines += 1
    return {"machines": machines, "bytes": size, "files": machines * len(files)}


def child_core(dataset: str) -> dict:
    sys.path.insert(0, str(ROOT))
    t0, c0 = time.perf_counter(), time.process_time()
    from tracetui.dataset import open_dataset

    library = open_dataset(dataset)
    opened = time.perf_counter() - t0
    count = library.count_sessions()
    page = library.list_sessions(limit=200)
    library.agents(), library.projects(), library.machines()
    first = time.perf_counter() - t0
    cpu = time.process_time() - c0
    priced = sum(1 for r in page if r.cost_usd is not None)
    largest = max(library.list_sessions(order="steps", limit=1), key=lambda r: r.steps)
    timed: dict[str, list[float]] = {}

    def measure(name, call):
        t, c = time.perf_counter(), time.process_time()
        out = call()
        timed[name] = [round(time.perf_counter() - t, 2), round(time.process_time() - c, 2)]
        return out

    from tracetui.model import SessionFilter  # loaded by open_dataset already: not in its figures

    session = measure("open_largest", lambda: library.session(largest.id))
    trail = library.recorded_trail(largest.id)
    matching = measure("text_filter", lambda: library.count_sessions(SessionFilter(text=WORD)))
    hits = measure("search", lambda: library.search(WORD, 30))
    by_cost = measure("order_by_cost", lambda: library.list_sessions(order="cost", limit=200))
    library.close()
    return {
        "open_seconds": opened, "first_screen_seconds": first, "first_screen_cpu": cpu, "sessions": count,
        "page_priced": priced, "largest_steps": len(session.steps), "largest_patches": len(trail.rows) if trail else 0,
        "filter_matches": matching, "hits": len(hits), "cost_rows": len(by_cost),
        "wall_and_cpu_seconds": timed, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip


def child_first(dataset: str, cache: str) -> dict:
    """The first screen's reads with the listing kept in `cache` (the CLI's way): cold, then warm."""
    sys.path.insert(0, str(ROOT))
    t0, c0 = time.perf_counter(), time.process_time()
    from tracetui.dataset import open_dataset

    library = open_dataset(dataset, cache=Path(cache))
    library.count_sessions()
    library.list_sessions(limit=200)
    library.agents(), library.projects(), library.machines()
    library.close()
    return {"first_screen_seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}


def child_app(dataset: str) -> dict:
    sys.path.insert(0, str(ROOT))
    import asyncio

    t0, c0 = time.perf_counter(), time.process_time()
    from tracetui.dataset import open_dataset
    from tracetui.ui.app import TraceApp
    from tracetui.ui.widgets.session_list import SessionList

    async def run() -> float:
        app = TraceApp(open_dataset(dataset))
        async with app.run_test(size=(160, 45)) as pilot:
            while True:
                await pilot.pause(0.01)
                sessions = app.screen.query(SessionList)
                if sessions and sessions.first().count and sessions.first().summary(0) is not None:
                    return time.perf_counter() - t0

    seconds = asyncio.run(run())
    return {"first_rows_seconds": seconds, "cpu_seconds": time.process_time() - c0,
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}  # fmt: skip


def in_child(name: str, *args: str) -> dict:
    code = f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import bench_dataset_app as b; print(json.dumps(b.{name}(*{list(args)!r})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=400, help="the dataset's size in MB of Parquet")
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep it")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-dataset-"))
    try:
        dataset = work / "dataset"
        if not (dataset / "data").is_dir():
            t = time.perf_counter()
            base = export_once(work)
            made = replicate(base, dataset, args.mb << 20)
            made["build_seconds"] = time.perf_counter() - t
            (work / "made.json").write_text(json.dumps(made))
        made = json.loads((work / "made.json").read_text())
        result = {"python": platform.python_version(), "load_average": list(os.getloadavg()), "dataset": made,
                  "core": in_child("child_core", str(dataset)), "app": in_child("child_app", str(dataset))}  # fmt: skip
        cache = work / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        result["listing_kept"] = {"cold": in_child("child_first", str(dataset), str(cache)),
                                  "warm": in_child("child_first", str(dataset), str(cache))}  # fmt: skip
        print(json.dumps(result, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
