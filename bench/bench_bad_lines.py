"""Peak memory of one reader given a log of many bad lines: a fixture log of the agent's own, then
`--mb` MB of one kind of bad line (a torn object, a line that is no object, a value nested past
1,024 levels, a record of a kind of its own a line, which the reader skips, ten such records of a
tenth of the size each, `huge`, or records of 20-odd bytes, `tiny`; valid objects of no agent's
shape, `shape`; records of a kind the reader skips holding 500 keys, `wide`, or a value nested 200
levels, within the depth limit, `nested`), read as a sync's worker reads it (`read_session`) in a
fresh child process. Prints one JSON row a run: agent, kind, lines, peak RSS (MB), the errors kept
and the lines they count, and the skipped kinds kept.

    python bench/bench_bad_lines.py [--mb 200] [--agents claude,codex] [--kinds torn,list,deep,kinds,huge,tiny]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
LOGS = {
    "claude": FIXTURES / "bucket" / "claude" / "-home-dev-widgets" / "6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1a90.jsonl",
    "codex": FIXTURES / "codex" / "current.jsonl",
    "pi": FIXTURES / "pi" / "v3_tree.jsonl",
    "gemini": FIXTURES / "gemini" / "tmp" / "garden" / "chats" / "session-2026-05-01T10-00-5e0c1a2b.jsonl",
    "copilot": FIXTURES / "copilot" / "session-state" / "3c4d5e6f-4444-4d4d-9e9e-112233445566" / "events.jsonl",
    "opencode": FIXTURES / "opencode" / "entire_lines.jsonl",
}
KINDS = {
    "torn": b'{"type": "user", "message": "' + b"x" * 69,  # 100 bytes with its newline
    "list": b"[" + b" " * 97 + b"]",
    "deep": b'{"a": ' + b"[" * 1100 + b"]" * 1100 + b"}",
    "shape": b'{"name": "x", "values": [1, 2, 3], "more": {"a": null, "b": true}, "text": "' + b"y" * 20 + b'"}',
}
# A record of a kind of its own a line, as `kinds`, with 500 keys, or a value nested 200 levels.
_WIDE = b", ".join(b'"f%d": %d' % (n, n) for n in range(500))
_NESTED = b'"a": ' + b'{"b": ' * 200 + b"1" + b"}" * 200
# A record each reader reads and skips, of a kind named `k<n>`: a new kind every line.
_KIND = b'{"type": "k%d", "timestamp": "2026-01-01T00:00:00Z", "uuid": "u%d", "id": "i%d", "content": ""}'


def _kinds(agent: str, lines: int) -> bytes:
    if agent == "opencode":  # a part of a type of its own in the fixture's first message
        first = json.loads(LOGS[agent].read_bytes().split(b"\n")[0])
        info, mid = json.dumps(first["info"]).encode(), first["info"]["id"].encode()
        part = b'{"info": %s, "parts": [{"id": "p%%d", "messageID": "%s", "type": "k%%d"}]}\n' % (info, mid)
        return b"".join(part % (n, n) for n in range(lines))
    return b"".join(_KIND % (n, n, n) + b"\n" for n in range(lines))


def _huge(agent: str, mb: int) -> bytes:
    """Ten records the reader skips, each of `mb / 10` MB (a field no reader reads)."""
    blob = b', "blob": "' + b"x" * (mb * 100_000) + b'"}'
    one = _kinds(agent, 10).split(b"\n")[:10]
    return b"".join(line.replace(b"k%d" % n, b"h%d" % n)[:-1] + blob + b"\n" for n, line in enumerate(one))


def _tiny(agent: str, mb: int) -> tuple[int, bytes]:
    """As many records of 20-odd bytes, all of one kind the reader skips, each with an id."""
    if agent == "opencode":
        line = _kinds(agent, 1)
        return mb * 1_000_000 // len(line), line * (mb * 1_000_000 // len(line))
    out = bytearray()
    n = 0
    while len(out) < mb * 1_000_000:
        out += b'{"type": "t", "id": "%d"}\n' % n
        n += 1
    return n, bytes(out)


def _peak_mb() -> float:
    """This process's peak RSS since it started: VmHWM, of its own memory map. `ru_maxrss` is kept
    across exec, so a child reported at least what its parent held when it forked (this bench's
    parent held 300 to 430 MB then: every figure before 2026-11-28 12:55 has that floor)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(agent: str, path: str) -> None:
    sys.path.insert(0, str(ROOT))
    from tracetui.sources import SessionFiles, read_session

    session = read_session(SessionFiles(agent, Path(path)))
    peak = _peak_mb()
    counted = sum(e.count for e in session.errors)
    kinds = len(session.skipped)
    print(json.dumps({"rss_mb": round(peak), "kept": len(session.errors), "counted": counted, "kinds": kinds}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--agents", default=",".join(LOGS))
    ap.add_argument("--kinds", default=",".join([*KINDS, "kinds", "huge", "tiny", "wide", "nested"]))
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for agent in args.agents.split(","):
            for kind in args.kinds.split(","):
                path = Path(tmp) / LOGS[agent].name
                if kind == "kinds":
                    lines = args.mb * 1_000_000 // len(_kinds(agent, 1))
                    path.write_bytes(LOGS[agent].read_bytes() + _kinds(agent, lines))
                elif kind == "huge":
                    lines = 10
                    path.write_bytes(LOGS[agent].read_bytes() + _huge(agent, args.mb))
                elif kind in ("wide", "nested"):
                    field = _WIDE if kind == "wide" else _NESTED
                    lines = args.mb * 1_000_000 // (len(_kinds(agent, 1)) + len(field))
                    bare = _kinds(agent, lines).split(b"\n")[:-1]
                    widened = b"".join(b[:-1] + b", " + field + b"}\n" for b in bare)
                    path.write_bytes(LOGS[agent].read_bytes() + widened)
                    del bare, widened
                elif kind == "tiny":
                    lines, tiny = _tiny(agent, args.mb)
                    path.write_bytes(LOGS[agent].read_bytes() + tiny)
                    del tiny
                else:
                    line = KINDS[kind] + b"\n"
                    lines = args.mb * 1_000_000 // len(line)
                    path.write_bytes(LOGS[agent].read_bytes() + line * lines)
                got = subprocess.run(
                    [sys.executable, __file__, "--child", agent, str(path)],
                    capture_output=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                )  # fmt: skip
                row = {"agent": agent, "kind": kind, "bad_lines": lines, **json.loads(got.stdout)}
                print(json.dumps(row), flush=True)
                path.unlink()


if __name__ == "__main__":
    main()
