"""Issue 19, "read only what grew": the cost of a log that grew by one line, before and after.

For the largest corpus session of each resumable agent (or the files given), in one process and
alternating so the machine's load falls on both alike:
- reader part: a full read of the grown log (before) against loading the state the last sync kept
  and resuming from it (after), CPU time, best of --runs; also what keeping a state adds to a full
  read, and the state file's size;
- whole sync: `Bucket.sync` of the grown log (serial, CPU of this process), with the readers'
  resume switched off (before) and on (after).

    python bench/bench_grow.py [--runs 15] [agent=path ...]
The figures go to stdout as JSON; the corpus is copied to a temporary folder, never modified.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracetui.bucket import Bucket
from tracetui.bucket import resume as bucket_resume
from tracetui.sources import RawLog, registry

CORPUS = Path(os.environ.get("TRACETUI_CORPUS", ROOT.parent / "shared" / "corpus"))


def best(fn: Callable[[], Any], runs: int) -> float:
    low = float("inf")
    for _ in range(runs):
        started = time.process_time()
        fn()
        low = min(low, time.process_time() - started)
    return low


def largest(agent: str) -> Path | None:
    found = [p for p in (CORPUS / agent).glob("*.jsonl") if "__subagents__" not in p.name]
    return max(found, key=lambda p: p.stat().st_size) if found else None


def reader_part(agent: registry.Agent, path: Path, runs: int) -> dict[str, Any]:
    resume = agent.resume
    assert resume is not None
    data = path.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) - 1) + 1  # the log before its last line
    main = RawLog(str(path), data)
    _, state = resume(None, RawLog(str(path), data[:cut]), [])
    assert state is not None
    with tempfile.TemporaryDirectory() as tmp:
        kept = Path(tmp) / "state.json.zst"
        bucket_resume.save(kept, state, 0)
        full = resumed = keeping = 1e9
        for _ in range(3):  # alternate, so a load spike costs both sides
            full = min(full, best(lambda: agent.read(main, []), runs))
            resumed = min(resumed, best(lambda: resume(bucket_resume.load(kept, 0), main, []), runs))
            keeping = min(keeping, best(lambda: resume(None, main, []), runs))
        size = kept.stat().st_size
    return {
        "file": path.name,
        "mb": round(len(data) / 1e6, 2),
        "lines": data.count(b"\n"),
        "full_read_ms": round(full * 1e3, 2),
        "grow_load_state_and_resume_ms": round(resumed * 1e3, 2),
        "grow_share_of_full_read": round(resumed / full, 3),
        "full_read_keeping_a_state_ms": round(keeping * 1e3, 2),
        "state_file_kb": round(size / 1e3, 1),
    }


def whole_sync(agent: str, path: Path, runs: int) -> dict[str, Any]:
    """CPU of one serial sync after the log grew by one line, resume off and on."""
    data = path.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) - 1) + 1
    real = bucket_resume.read

    def whole(bucket_dir: Path, agent_obj: Any, logs: list[RawLog], generation: int, mtime_ns: int) -> Any:
        return agent_obj.read(logs[0], logs[1:])

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("before", "after", "before", "after"):
            bucket_resume.read = whole if mode == "before" else real  # type: ignore[assignment]
            spent = []
            for i in range(max(1, runs // 5)):
                source = Path(tmp) / f"{mode}{i}" / "src"
                source.mkdir(parents=True)
                log = source / path.name
                log.write_bytes(data[:cut])
                with Bucket.open(Path(tmp) / f"{mode}{i}" / "bucket") as bucket:
                    bucket.sync({agent: [source]}, workers=1)
                    with open(log, "ab") as fh:
                        fh.write(data[cut:])
                    started = time.process_time()
                    bucket.sync({agent: [source]}, workers=1)
                    spent.append(time.process_time() - started)
                shutil.rmtree(Path(tmp) / f"{mode}{i}")
            out[mode] = min(out.get(mode, 1e9), min(spent))
    bucket_resume.read = real
    return {
        "sync_after_grow_ms_before": round(out["before"] * 1e3, 1),
        "sync_after_grow_ms_after": round(out["after"] * 1e3, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="agent=path (default: the largest corpus log of each agent)")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    cases: list[tuple[str, Path]] = []
    for spec in args.files:
        agent, _, path = spec.partition("=")
        cases.append((agent, Path(path)))
    if not cases:
        for agent in (a.name for a in registry.agents() if a.resume is not None):
            found = largest(agent)
            if found is not None:
                cases.append((agent, found))
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": os.getloadavg(),
        "cases": [],
    }
    for agent, path in cases:
        figures = {
            "agent": agent,
            **reader_part(registry.get(agent), path, args.runs),
            **whole_sync(agent, path, args.runs),
        }
        results["cases"].append(figures)
        print(json.dumps(figures), file=sys.stderr)
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
