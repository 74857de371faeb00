"""Benchmark what holding a local dataset's files open costs `tracetui sql --dataset` and `export
--check` (tracetui.dataset.held), against another checkout's code (main's), runs alternated.

    python bench/bench_dataset_held.py DATASET --before ROOT [--runs 3]

DATASET: a folder in docs/dataset.md's layout, such as bench_dataset_open.py's `--keep DIR`/dataset
(1,712 partitions, 6,848 files at its defaults). Each measure is a fresh process (imports included):
wall seconds, CPU seconds (all its threads), and its peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {
    "sql_sessions_count": ["sql", "--dataset", "{d}", "SELECT count(*) FROM sessions", "--csv"],
    "sql_steps_text": ["sql", "--dataset", "{d}", "SELECT count(*), sum(length(text)) FROM steps", "--csv"],
    "sql_steps_one_machine": ["sql", "--dataset", "{d}", "SELECT count(*) FROM steps WHERE machine = 'm001'",
                              "--csv"],  # fmt: skip
    "sql_steps_one_month": ["sql", "--dataset", "{d}", "SELECT count(*), sum(length(text)) FROM steps "
                            "WHERE month = '2026-10'", "--csv"],  # fmt: skip
    "sql_join_one_agent": ["sql", "--dataset", "{d}", "SELECT count(*) FROM sessions s JOIN steps t USING "
                           "(session_id) WHERE s.agent = 'pi' AND t.agent = 'pi'", "--csv"],  # fmt: skip
    "check": ["export", "--check", "file://{d}", "--json"],
}


def once(root: str, argv: list[str]) -> dict:
    code = ("import sys, resource; sys.path.insert(0, sys.argv[1]); from tracetui.cli import main; "
            "code = main(sys.argv[2:]); sys.stdout.flush(); "
            "u = resource.getrusage(resource.RUSAGE_SELF); "
            "print('RSS', u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr); sys.exit(code)")
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, root, *argv], capture_output=True, text=True, cwd="/",
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})  # fmt: skip
    seconds = time.perf_counter() - t
    rss = [ln for ln in done.stderr.splitlines() if ln.startswith("RSS ")]
    return {"seconds": round(seconds, 2), "rc": done.returncode, "out": done.stdout[-120:].strip(),
            "cpu": round(float(rss[-1].split()[2]), 2) if rss else None,
            "rss_mb": round(int(rss[-1].split()[1]) / 1024) if rss else None}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("--before", required=True, metavar="ROOT")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=list(QUERIES))
    args = parser.parse_args()
    result: dict = {"load_average_before": list(os.getloadavg())}
    for _ in range(args.runs):
        for name in args.only:
            argv = [a.replace("{d}", args.dataset) for a in QUERIES[name]]
            for side, root in (("before", args.before), ("after", str(ROOT))):
                result.setdefault(name, {}).setdefault(side, []).append(once(root, argv))
    result["load_average_after"] = list(os.getloadavg())
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
