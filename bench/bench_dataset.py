"""Benchmark `tracetui sql --dataset` (issue 37) on a team dataset of about 400 MB made from the corpus.

One machine's part is a real export: the corpus (bench_sync.build, one replica) is synced into a
bucket and exported with `tracetui export file://DATASET --format parquet --machine r000` (review, scrub,
second gate, as a user would). Further machines are that part replicated: each data file rewritten
with its own `machine` and session ids (`<id>~r<i>`), until the dataset holds `--mb` MB. Then, each in a
fresh process, `tracetui sql --dataset` counts sessions per agent (checked against `ls` times the
machines) and steps per machine; wall seconds, best and all of `--runs`.

    python bench/bench_dataset.py --mb 400

Everything is built in a temporary folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def tracetui(env: dict[str, str], *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "tracetui", *args], capture_output=True, text=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - start
    if out.returncode:
        raise SystemExit(f"tracetui {args[2] if len(args) > 2 else args} failed: {out.stderr.strip()[-2000:]}")
    return seconds, out.stdout


def replicate(dataset: Path, target_bytes: int) -> int:
    """Copies of machine r000's data files as machines r001, r002, ... until the dataset's data holds
    target_bytes; the number of machines."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    files = sorted((dataset / "data").glob("*/machine=r000/*/*/*.parquet"))
    size = sum(p.stat().st_size for p in (dataset / "data").rglob("*.parquet"))
    one = size
    machines = 1
    while size + one <= target_bytes * 1.05 or machines == 1:
        name = f"r{machines:03d}"
        for path in files:
            table = pq.read_table(path, partitioning=None)
            ids = pc.binary_join_element_wise(table["session_id"], pa.scalar(f"~{name}"), "")
            table = table.set_column(table.schema.get_field_index("session_id"), "session_id", ids)
            col = table.schema.get_field_index("machine")
            table = table.set_column(col, "machine", pa.array([name] * table.num_rows, pa.string()))
            out = Path(str(path).replace("machine=r000", f"machine={name}"))
            out.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, out, compression="zstd")
        machines += 1
        size += one
        if size >= target_bytes:
            break
    return machines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=400, help="size of the dataset's data (default 400)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tmp", help="where to build (default: a temporary folder)")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"the corpus is not at {CORPUS}")
    tmp = Path(args.tmp or tempfile.mkdtemp(prefix="tracetui-bench-dataset-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "cache"), "XDG_STATE_HOME": str(tmp / "state")}
    try:
        src, bucket, dataset = tmp / "src", tmp / "bucket", tmp / "dataset"
        replicas, per_replica = build(src, 1)
        sources = [a for agent, roots in sources_for(src, replicas).items() for r in roots for a in ("--source", f"{agent}={r}")]
        synced, _ = tracetui(env, "--bucket", str(bucket), "sync", *sources, "--json")
        exported, out = tracetui(env, "--bucket", str(bucket), "export", f"file://{dataset}", "--format", "parquet",
                                 "--accept-suggested", "--machine", "r000", "--json")
        report = json.loads(out)
        _, listed = tracetui(env, "--bucket", str(bucket), "ls", "--json")
        per_agent: dict[str, int] = {}
        for s in json.loads(listed):
            per_agent[s["agent"]] = per_agent.get(s["agent"], 0) + 1
        exported_mb = sum(p.stat().st_size for p in (dataset / "data").rglob("*.parquet")) / 1e6
        t = time.perf_counter()
        machines = replicate(dataset, args.mb * 1_000_000)
        replicate_s = time.perf_counter() - t
        files = list((dataset / "data").rglob("*.parquet"))
        dataset_mb = sum(p.stat().st_size for p in files) / 1e6
        queries = {
            "sessions per agent": "SELECT agent, count(*) AS n FROM sessions GROUP BY agent ORDER BY agent",
            "steps per machine": "SELECT machine, count(*) AS n FROM steps GROUP BY machine",
            "tool calls per tool (top 5)": "SELECT tool, count(*) AS n FROM tool_calls GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
        }
        timings = {}
        for label, sql in queries.items():
            runs = []
            for _ in range(args.runs):
                seconds, out = tracetui(env, "sql", sql, "--dataset", f"file://{dataset}", "--json")
                runs.append(seconds)
            timings[label] = {"best": min(runs), "all": runs, "rows": json.loads(out)}
        counted = {r["agent"]: r["n"] for r in timings["sessions per agent"]["rows"]}
        expected = {a: n * machines for a, n in per_agent.items() if n}
        noop, _ = tracetui(env, "sql", "SELECT 1", "--dataset", f"file://{dataset}", "--json")
        print(json.dumps({
            "machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "load": os.getloadavg(), "corpus_mb": per_replica / 1e6, "sync_s": synced, "export_s": exported,
            "export": {k: report[k] for k in ("sessions", "written", "files")} | {"refused": len(report["refused"])},
            "exported_mb": exported_mb, "machines": machines, "replicate_s": replicate_s, "files": len(files),
            "dataset_mb": dataset_mb, "sql_select_1_s": noop,
            "queries": {k: {"best": v["best"], "all": v["all"]} for k, v in timings.items()},
            "sessions_per_agent": counted, "ls_per_agent_times_machines": expected, "equal": counted == expected,
        }, indent=2))  # fmt: skip
    finally:
        if not args.tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
