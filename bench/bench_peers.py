"""tracetui's sync beside its peers, on the same Claude Code bytes, in one run.

Builds a Claude Code home (`.claude/projects/<project>/<session>.jsonl`, subagents as Claude Code lays
them out) of about --mb megabytes from the corpus's Claude logs, every replica's session ids shifted
so each is a distinct set of sessions. Then, one after the other on that home:

- the floor: a bare orjson parse of every line (best of three, one process);
- `tracetui sync` into a new bucket, then again with nothing changed;
- each peer that is installed, cold (best of --runs, from no state) and then again: ccusage (`daily --json --offline`: keeps nothing,
  reads every file each time), mnemo (`index --source claude`), agentsview (`sync` with no daemon),
  claude-code-log (`--all-projects`, HTML; it writes its pages and cache beside the logs, so it runs last).

    .venv/bin/python bench/bench_peers.py --mb 300 [--tool ccusage=/path/to/ccusage ...]

A peer is found on PATH or given with --tool NAME=PATH; one that is missing is reported as such. Each
command runs with HOME set to the built home and its own state folders inside it, so nothing of the
machine's own logs or indexes is read. Times are wall and CPU (the command and every process it
waited for), and the peak resident memory of its largest process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_sync import AGED, CORPUS, UUID, child_parse, machine, shift  # noqa: E402

_PROJECTS = ".claude__projects__"


@dataclass(slots=True)
class Timed:
    wall_s: float
    cpu_s: float
    rss_mb: float
    code: int


def claude_path(name: str) -> Path:
    """Where a corpus file (`owner__repo__<path with / as __>`) lies under `projects/`: its own project
    and session path where it came from a Claude Code home, else one project for loose transcripts."""
    if _PROJECTS in name:
        parts = name.split(_PROJECTS, 1)[1].split("__")
        return Path(*parts)
    return Path("-corpus-transcripts", name)


def build_home(home: Path, target_bytes: int) -> tuple[int, int]:
    """Replicas of the corpus's Claude logs under home/.claude/projects until target_bytes is reached:
    replica i's projects end in `-r<i>` and its session ids are shifted by i."""
    files = sorted(p for p in (CORPUS / "claude").iterdir() if p.is_file())
    originals = {p: p.read_bytes() for p in files}
    per_replica = sum(len(b) for b in originals.values())
    replicas = max(1, -(-target_bytes // per_replica))
    projects = home / ".claude" / "projects"
    for i in range(replicas):
        for path in files:
            data = UUID.sub(lambda m: shift(m.group(0), i), originals[path]) if i else originals[path]
            name = UUID.sub(lambda m: shift(m.group(0), i), path.name.encode()).decode() if i else path.name
            rel = claude_path(name)
            out = projects / f"{rel.parts[0]}-r{i:03d}" / Path(*rel.parts[1:])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            os.utime(out, (AGED, AGED))
    return replicas, per_replica


def timed(argv: list[str], env: dict[str, str], log: Path) -> Timed:
    """Run `argv` to its end; its CPU and memory are those of it and of every process it waited for."""
    start = time.perf_counter()
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Timed(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


@dataclass(slots=True)
class Peer:
    argv: list[str]
    state: list[Path]  # what a cold run starts without (its index, its copies)
    runs: int = 0  # cold runs, the best kept; 0: --runs


def peers(tools: dict[str, str], home: Path, bucket: Path) -> dict[str, Peer | None]:
    """Each peer's command line (cold and again alike) and its state; None where it is not installed."""
    projects = home / ".claude" / "projects"

    def found(name: str) -> str | None:
        return tools.get(name) or shutil.which(name)

    tracetui = [sys.executable, "-m", "tracetui", "--bucket", str(bucket), "sync", "--source", f"claude={projects}"]
    lines: dict[str, Peer | None] = {"tracetui": Peer(tracetui, [bucket])}
    ccusage = found("ccusage")
    lines["ccusage"] = Peer([ccusage, "daily", "--json", "--offline"], []) if ccusage else None
    mnemo = found("mnemo")
    lines["mnemo"] = Peer([mnemo, "index", "--source", "claude"], [home / ".mnemo"]) if mnemo else None
    agentsview = found("agentsview")
    lines["agentsview"] = Peer([agentsview, "sync"], [home / ".agentsview"]) if agentsview else None
    ccl = found("claude-code-log")
    # Its pages and cache go beside the logs: one cold run, the last.
    lines["claude-code-log"] = Peer([ccl, "--all-projects", "--projects-dir", str(projects)], [], 1) if ccl else None
    return lines


def environment(home: Path) -> dict[str, str]:
    """The built home as every program's home: its logs, config and state live there and nowhere else."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_", "TRACETUI_", "XDG_"))}
    env.update(
        HOME=str(home),
        CLAUDE_CONFIG_DIR=str(home / ".claude"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        AGENTSVIEW_NO_DAEMON="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def measure(name: str, peer: Peer, env: dict[str, str], log: Path, runs: int) -> dict:
    """Cold runs from no state (the best kept, all listed), then one again with nothing changed. The
    disk is synced before each, so no run pays for the last one's writes."""
    colds = []
    for _ in range(runs):
        for path in peer.state:
            shutil.rmtree(path, ignore_errors=True)
        os.sync()
        colds.append(timed(peer.argv, env, log))
    os.sync()
    again = timed(peer.argv, env, log)
    best = min(colds, key=lambda t: t.wall_s)
    return {
        "version": _tracetui_version() if name == "tracetui" else version(peer.argv[0]),
        "cold": asdict(best),
        "cold_all_wall_s": [round(t.wall_s, 3) for t in colds],
        "again": asdict(again),
        "exit_codes": sorted({t.code for t in (*colds, again)}),
        # What it said last (its summary, or why it failed): evidence that it read the logs.
        "said": " ".join(log.read_text(errors="replace")[-300:].split()),
    }


def version(argv0: str) -> str:
    try:
        out = subprocess.run([argv0, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (out.stdout or out.stderr).strip().splitlines()
    return re.sub(r"\s+", " ", text[-1])[:60] if text else "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=300, help="size of the Claude Code home to build (default 300)")
    ap.add_argument("--tmp", help="where to build it (default: the system temp dir)")
    ap.add_argument("--tool", action="append", default=[], metavar="NAME=PATH", help="a peer's program")
    ap.add_argument("--only", default="", help="comma-separated names to run (default: all)")
    ap.add_argument("--runs", type=int, default=3, help="cold runs of each, the best kept (default 3)")
    args = ap.parse_args()
    if not (CORPUS / "claude").is_dir():
        raise SystemExit(f"the corpus's Claude logs are not at {CORPUS / 'claude'}")
    tools = dict(t.split("=", 1) for t in args.tool)
    tmp = Path(tempfile.mkdtemp(prefix="tracetui-peers-", dir=args.tmp))
    try:
        home = tmp / "home"
        replicas, per_replica = build_home(home, args.mb * 10**6)
        os.sync()
        projects = home / ".claude" / "projects"
        parse = child_parse({"claude": [str(projects)]})
        floor = parse["cpu_seconds"]
        print(f"{parse['bytes'] / 1e6:.0f} MB of Claude Code logs, {parse['files']} files, {replicas} replicas: "
              f"parse {parse['seconds']:.2f} s, CPU {floor:.2f} s", file=sys.stderr)  # fmt: skip
        results: dict = {"machine": machine(), "source_mb": parse["bytes"] / 1e6, "files": parse["files"],
                         "parse": parse, "peers": {}}  # fmt: skip
        env = environment(home)
        only = {n for n in args.only.split(",") if n}
        for name, peer in peers(tools, home, tmp / "bucket").items():
            if only and name not in only:
                continue
            if peer is None:
                results["peers"][name] = None
                print(f"  {name}: not installed", file=sys.stderr)
                continue
            results["peers"][name] = row = measure(name, peer, env, tmp / f"{name}.log", peer.runs or args.runs)
            row["cold_wall_vs_parse"] = row["cold"]["wall_s"] / parse["seconds"]
            row["cold_cpu_vs_parse"] = row["cold"]["cpu_s"] / floor
            cold, again = row["cold"], row["again"]
            print(f"  {name} {row['version']}: cold {cold['wall_s']:.2f} s wall ({row['cold_wall_vs_parse']:.1f}x parse), "
                  f"{cold['cpu_s']:.2f} s CPU ({row['cold_cpu_vs_parse']:.1f}x), {cold['rss_mb']:.0f} MB; "
                  f"again {again['wall_s']:.2f} s wall, {again['cpu_s']:.2f} s CPU", file=sys.stderr)  # fmt: skip
        results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _tracetui_version() -> str:
    sys.path.insert(0, str(ROOT))
    from tracetui import __version__

    return __version__


if __name__ == "__main__":
    raise SystemExit(main())
