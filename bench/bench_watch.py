"""CPU time of the sync one written line costs while watched: whole folder against the changed path.

`python bench/bench_watch.py --files 10000 100000` builds, per size, a folder of that many small Pi
logs (the test fixture's session, each with its own id) in a temporary dir, syncs it once, then for
each of `--changes` rounds appends a line to one log and syncs: the whole folder (as `watch` did
before it was told the paths) and only the changed path (as `watch` and the app do now), alternating,
timing the CPU of each (`time.process_time`, the syncing process: a sync this small runs no pool).
Prints one JSON object per size; removes what it built.

It then times, the same way (whole and scoped alternating, a fresh change each), the changes a
scoped sync used to leave to the whole sync: a new log in a folder of `--crowd` logs (Pi), a new
`<session>/subagents/` folder named alone by the watcher (Claude Code), a new plain Codex rollout
(an agent with a stage that passes it as it is), and a new Gemini CLI chat (its stage decides: the
Gemini folders are synced whole, no other agent's).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

from tracetui.bucket import Bucket

ROOT = Path(__file__).resolve().parent.parent
PI_FIXTURE = ROOT / "tests" / "fixtures" / "bucket" / "pi"
PI_ID = "7d1e5b3a-2c4f-4e8a-9b6d-0f1a2b3c4d5e"


def build(folder: Path, count: int) -> list[Path]:
    src = next(PI_FIXTURE.glob("*.jsonl"))
    data = src.read_bytes()
    out = []
    for i in range(count):
        sid = f"{i:08x}" + PI_ID[8:]
        # Pi keeps a folder per working directory: a hundred logs each, as a busy home has.
        sub = folder / f"--home-dev-p{i // 100:04d}--"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / src.name.replace(PI_ID, sid)
        path.write_bytes(data.replace(PI_ID.encode(), sid.encode()))
        out.append(path)
    return out


def _one(base: Path, beside: Path, i: int) -> Path:
    """One more log, with a session id of its own, in the folder of `beside`."""
    sid = f"{i:08x}" + PI_ID[8:]
    src = next(PI_FIXTURE.glob("*.jsonl"))
    path = beside.parent / src.name.replace(PI_ID, sid)
    path.write_bytes(src.read_bytes().replace(PI_ID.encode(), sid.encode()))
    return path


CLAUDE_FIXTURE = ROOT / "tests" / "fixtures" / "bucket" / "claude" / "-home-dev-widgets"
CLAUDE_ID = "6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90"
CODEX_FIXTURE = ROOT / "tests" / "fixtures" / "codex" / "current.jsonl"
CODEX_ID = "0199aaaa-1111-7222-8333-444455556666"
GEMINI_FIXTURE = ROOT / "tests" / "fixtures" / "gemini" / "tmp"
GEMINI_CHAT = "garden/chats/session-2026-05-01T10-00-5e0c1a2b.jsonl"
GEMINI_ID = "5e0c1a2b-1111-4a4a-9b9b-0123456789ab"


def _claude_mains(folder: Path, count: int) -> list[str]:
    """`count` Claude Code sessions (the fixture with distinct ids); their ids."""
    folder.mkdir(parents=True)
    data = (CLAUDE_FIXTURE / f"{CLAUDE_ID}.jsonl").read_bytes()
    out = []
    for i in range(count):
        sid = f"{i:08x}" + CLAUDE_ID[8:]
        (folder / f"{sid}.jsonl").write_bytes(data.replace(CLAUDE_ID.encode(), sid.encode()))
        out.append(sid)
    return out


def _subagents(folder: Path, sid: str) -> Path:
    """A first subagent of session `sid`: a new `<sid>/subagents/` folder holding its transcript."""
    sub = folder / sid / "subagents"
    sub.mkdir(parents=True)
    rec = {"type": "user", "uuid": f"s-{sid}", "parentUuid": None, "sessionId": sid, "isSidechain": True,
           "agentId": "a1b2c3", "timestamp": "2026-01-05T10:01:00.000Z", "cwd": "/home/dev/widgets",
           "message": {"role": "user", "content": "look through the config folder"}}  # fmt: skip
    (sub / "agent-a1b2c3.jsonl").write_bytes(orjson.dumps(rec) + b"\n")
    return folder / sid


def _codex(folder: Path, i: int) -> Path:
    sid = f"{i:08x}" + CODEX_ID[8:]
    path = folder / f"rollout-2026-01-06T10-00-00-{sid}.jsonl"
    path.write_bytes(CODEX_FIXTURE.read_bytes().replace(CODEX_ID.encode(), sid.encode()))
    return path


def _gemini(tmp: Path, i: int) -> Path:
    sid = f"{i:08x}" + GEMINI_ID[8:]
    source = GEMINI_FIXTURE / GEMINI_CHAT
    path = tmp / GEMINI_CHAT.replace("5e0c1a2b.jsonl", f"{i:08x}.jsonl")
    path.write_bytes(source.read_bytes().replace(GEMINI_ID.encode(), sid.encode()))
    return path


def line(n: int) -> bytes:
    rec = {"type": "message", "id": f"b{n}", "parentId": "e2" if n == 0 else f"b{n - 1}",
           "timestamp": f"2026-01-06T09:{1 + n // 60:02d}:{n % 60:02d}.000Z",
           "message": {"role": "user", "content": [{"type": "text", "text": f"line {n}"}], "timestamp": 1767690060000 + n}}  # fmt: skip
    return orjson.dumps(rec) + b"\n"


def cpu(call) -> tuple[float, object]:
    start = time.process_time()
    got = call()
    return time.process_time() - start, got


def run(count: int, changes: int, tmp: str | None, crowd: int = 0) -> dict:
    base = Path(tempfile.mkdtemp(prefix="bench-watch-", dir=tmp))
    try:
        logs = build(base / "pi", count)
        sources: dict[str, list[Path]] = {"pi": [base / "pi"]}
        if crowd:
            crowded = base / "pi" / "--home-dev-crowd--"
            crowded.mkdir()
            for i in range(crowd):
                _one(base, crowded / "x", count + 10_000 + i)
            shutil.copytree(GEMINI_FIXTURE, base / "gemini")
            (base / "codex" / "2026" / "01" / "06").mkdir(parents=True)
            for i in range(3):
                _codex(base / "codex" / "2026" / "01" / "06", i)
            sources |= {"claude": [base / "claude"], "codex": [base / "codex"], "gemini": [base / "gemini"]}
            _claude_mains(base / "claude" / "-home-dev-widgets", 2 * changes)
        with Bucket.open(base / "bucket") as bucket:
            cold, _ = cpu(lambda: bucket.sync(sources))
            whole: list[float] = []
            scoped: list[float] = []
            for n in range(changes):
                for kind in ("whole", "scoped") if n % 2 == 0 else ("scoped", "whole"):
                    log = logs[(n * 7919 + (kind == "scoped")) % count]
                    with open(log, "ab") as fh:
                        fh.write(line(n))
                    if kind == "whole":
                        took, report = cpu(lambda: bucket.sync(sources))
                        whole.append(took)
                    else:
                        took, report = cpu(lambda: bucket.sync(sources, paths={str(log)}))
                        scoped.append(took)
                    assert report.updated == 1 and not report.errors, report  # type: ignore[attr-defined]
            # A new log (a session started): scoped by its folder's logs and the index.
            added: list[float] = []
            for n in range(2):
                new = _one(base, logs[n * 101], count + n)
                took, report = cpu(lambda: bucket.sync(sources, paths={str(new)}))
                assert report.new == 1 and not report.errors, report  # type: ignore[attr-defined]
                added.append(took)
            gaps = _gaps(base, bucket, sources, logs, count, changes, crowd) if crowd else {}
        return {
            "files": count,
            "cold_sync_cpu_s": round(cold, 2),
            "whole_sync_per_change_cpu_s": _figures(whole),
            "scoped_sync_per_change_cpu_s": _figures(scoped),
            "scoped_sync_new_log_cpu_s": round(min(added), 4),
            "changes": changes,
            **gaps,
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _gaps(base: Path, bucket: Bucket, sources: dict, logs: list[Path], count: int, changes: int,
          crowd: int) -> dict:  # fmt: skip
    """CPU per change, whole (before) and scoped (now), of the changes that used to fall back."""
    crowded = base / "pi" / "--home-dev-crowd--"
    claude = base / "claude" / "-home-dev-widgets"
    codex = base / "codex" / "2026" / "01" / "06"
    made = iter(range(count + 100_000, count + 200_000))
    sessions = iter(f"{i:08x}" + CLAUDE_ID[8:] for i in range(2 * changes))
    cases = {
        # (make the change: the paths the watcher names, what the report must say: (new, updated))
        "new_log_in_crowded_folder": (lambda: {str(_one(base, crowded / "x", next(made)))}, (1, 0)),
        "new_subagents_folder": (lambda: {str(_subagents(claude, next(sessions)))}, (0, 1)),
        "new_codex_rollout": (lambda: {str(_codex(codex, next(made)))}, (1, 0)),
        "new_gemini_chat": (lambda: {str(_gemini(base / "gemini", next(made)))}, (1, 0)),
    }
    out: dict[str, dict] = {"crowd": {"logs": crowd}}
    for name, (change, said) in cases.items():
        whole: list[float] = []
        scoped: list[float] = []
        for n in range(changes):
            for kind in ("whole", "scoped") if n % 2 == 0 else ("scoped", "whole"):
                paths = change()
                took, report = cpu(lambda: bucket.sync(sources, paths=None if kind == "whole" else paths))
                (whole if kind == "whole" else scoped).append(took)
                got = (report.new, report.updated)  # type: ignore[attr-defined]
                assert got == said and not report.errors, (name, kind, report)  # type: ignore[attr-defined]
        out[name] = {"whole_cpu_s": _figures(whole), "scoped_cpu_s": _figures(scoped)}
    return out


def _figures(times: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(times), 4), "min": round(min(times), 4)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, nargs="+", default=[10_000], help="folder sizes (default 10000)")
    ap.add_argument("--changes", type=int, default=6, help="changed logs per size, each synced both ways")
    ap.add_argument("--tmp", help="where to build the folders (default: the system temp dir)")
    ap.add_argument("--crowd", type=int, default=1000,
                    help="logs in the crowded folder of the cases that used to fall back (0: leave them out)")  # fmt: skip
    args = ap.parse_args()
    for count in args.files:
        print(json.dumps(run(count, args.changes, args.tmp, args.crowd)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
