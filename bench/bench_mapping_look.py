"""The mapping's look for logged names in a clone's work tree (`_Clone._look`), timed: a session of 400
files 24 folders deep whose clone holds none of them (every candidate name a miss), or, with `--hit`,
holds all 400 untracked (a hit each, which pays the guard's realpath). Prints wall and CPU seconds of
five `map_repository` calls.

    python bench/bench_mapping_look.py /tmp/scratch [--hit]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tracetui.model import FileEdit, Session, Step, StepKind
from tracetui.trail.mapping import map_repository

FILES = 400
DEEP = "/".join(f"d{j}" for j in range(24))


def _clone(base: Path, hit: bool) -> Path:
    repo = base / ("clone-hit" if hit else "clone")
    if repo.exists():
        return repo
    repo.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for i in range(50):
        (repo / f"f{i}.txt").write_text("x\n")
    for i in range(FILES if hit else 0):
        (repo / DEEP / f"m{i}").mkdir(parents=True)
        (repo / DEEP / f"m{i}" / f"a{i}.py").write_text("y\n")
    return repo


def _session() -> Session:
    steps = [
        Step(id=f"s{i}", index=i, kind=StepKind.TOOL_CALL, role="assistant", tool="Edit", tool_call_id=f"t{i}",
             timestamp="2026-01-01T10:00:00Z",
             edits=[FileEdit(path=f"/home/alice/proj/{DEEP}/m{i}/a{i}.py", op="create", content="y\n")])
        for i in range(FILES)
    ]  # fmt: skip
    return Session(id="s", agent="claude", source="x.jsonl", cwd="/home/alice/proj", started=None, steps=steps)


def main() -> None:
    repo = _clone(Path(sys.argv[1]), "--hit" in sys.argv[2:])
    session = _session()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(5):
        found = map_repository(session, repo)
    print(f"wall {time.perf_counter() - t0:.3f} s, cpu {time.process_time() - c0:.3f} s; held {found.held}")


if __name__ == "__main__":
    main()
