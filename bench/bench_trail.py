"""Benchmark: the trail of a 1,000-patch session on a 10,000-commit repository.

The repository is built with `git fast-import` (seconds, not minutes): 50 files, one commit a
minute, each commit touching one file. A session starts early in that history and makes 1,000
string edits (no `original`, so every one is placed by replaying the file from git); the edits
reach commits one by one, and some are later reverted or edited by hand. Timed: the first trail
(one history walk), a second one from the bucket cache, and the walk alone.

`--real` times instead the first trail (wall and CPU) and the cached one of real corpus sessions in a
fresh clone of their public repository (issue 12: under 3 s of CPU for ~100 patches on 3,000+
commits). A session whose log or mirror (the `fetch` tool's /work/.mirror/OWNER+NAME/repo) is absent
is skipped with a line saying so. The clone is made in a temporary folder and removed.

    .venv/bin/python bench/bench_trail.py [--commits N] [--patches N] [--keep DIR]
    .venv/bin/python bench/bench_trail.py --real [--only TEXT] [--two-cores] [--states]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pygit2  # noqa: E402

from tracetui.model import FileEdit, Session, Step, StepKind  # noqa: E402
from tracetui.trail import Trail, summarize, trail  # noqa: E402
from tracetui.trail.history import walk  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("TRACETUI_CORPUS", ROOT.parent / "shared" / "corpus"))
MIRRORS = Path(os.environ.get("TRACETUI_MIRRORS", ROOT.parent / ".mirror"))
# (agent, log under the corpus, repository, reference: pinned where a test pins it)
REAL = [
    ("pi", "pi/badlogic__pi-mono__packages__coding-agent__test__fixtures__before-compaction.jsonl", "badlogic/pi-mono", "HEAD"),
    ("pi", "pi/badlogic__pi-mono__packages__coding-agent__test__fixtures__large-session.jsonl", "badlogic/pi-mono",
     "83378aad7e74a0e2bb8f37c007a9685fb4609d8a"),
    ("pi", "pi/badlogic__pi-mono__session.jsonl", "badlogic/pi-mono", "HEAD"),
    ("codex", "codex/pinouchon__rtchess__dev_history__019aad50-a7e6-7422-b7a8-0b384290624f_rtchess_1.jsonl",
     "pinouchon/rtchess", "8670e27c5640c05ab84aa860c6ce89b0dea49c18"),
    ("codex", "codex/Quelklef__shell-ws__.codex__sessions__2026__03__18__rollout-2026-03-18T11-04-43-019d021f-1244-77d2-b5aa-ba1d70f11e87.jsonl",
     "Quelklef/shell-ws", "HEAD"),
    ("claude", "claude/TensorTemplar__slopometry__tests__fixtures__transcript.jsonl", "TensorTemplar/slopometry",
     "22b9246a61bcc1ad0407844e2e2f83f866c19b4a"),
]  # fmt: skip
FILES = 50
ROWS = 200
START = 1_767_225_600  # 2026-01-01T00:00:00Z
STEP = 60  # one commit a minute


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat().replace("+00:00", "Z")


def build(repo_dir: Path, commits: int, patches: int) -> Session:
    files = {f: [f"row {r} of file {f}" for r in range(ROWS)] for f in range(FILES)}
    session_start = 1000  # the session begins after commit 1000
    # patch i adds a line after row (10 + i // FILES) of file i % FILES, and reaches commit `lands[i]`
    lands = {session_start + 10 + i * max(1, (commits - session_start - 600) // patches): i for i in range(patches)}
    reverted = {k + 300: i for k, i in lands.items() if i % 10 == 3}
    edited = {k + 200: i for k, i in lands.items() if i % 10 == 7}
    steps: list[Step] = []
    out = bytearray()
    for k in range(1, commits + 1):
        t = START + k * STEP
        touched: set[int] = set()
        f = k % FILES
        rows = files[f]
        rows[0] = f"header of file {f} (rev {k})"  # churn, away from the patches
        touched.add(f)
        if k in lands:
            i = lands[k]
            pf, anchor = i % FILES, f"row {10 + i // FILES} of file {i % FILES}"
            at = files[pf].index(anchor)
            files[pf].insert(at + 1, f"patch_{i} = compute({i}, 'bench')")
            touched.add(pf)
            steps.append(
                Step(
                    id=f"step{i}", index=i, kind=StepKind.TOOL_CALL, role="assistant", tool="Edit",
                    timestamp=_iso(START + (session_start + i) * STEP + 1),
                    edits=[FileEdit(f"f{pf}.py", "update", old_string=anchor, new_string=f"{anchor}\npatch_{i} = compute({i}, 'bench')")],
                )
            )  # fmt: skip
        if k in reverted:
            i = reverted[k]
            files[i % FILES].remove(f"patch_{i} = compute({i}, 'bench')")
            touched.add(i % FILES)
        if k in edited:
            i = edited[k]
            rows_e = files[i % FILES]
            rows_e[rows_e.index(f"patch_{i} = compute({i}, 'bench')")] = f"patch_{i} = compute({i}, 'bench', fast=True)"
            touched.add(i % FILES)
        msg = f"change {k}\n".encode()
        out += b"commit refs/heads/main\n"
        out += f"mark :{k}\ncommitter Bench <bench@example.invalid> {t} +0000\n".encode()
        out += b"data %d\n%s" % (len(msg), msg)
        if k > 1:
            out += f"from :{k - 1}\n".encode()
        for tf in sorted(touched):
            body = ("\n".join(files[tf]) + "\n").encode()
            out += f"M 100644 inline f{tf}.py\n".encode() + b"data %d\n%s\n" % (len(body), body)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo_dir)], check=True)
    subprocess.run(["git", "fast-import", "--quiet"], input=bytes(out), cwd=repo_dir, check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo_dir, check=True)
    steps.sort(key=lambda s: s.index)
    return Session(id="bench", agent="claude", source="bench", cwd=str(repo_dir), started=steps[0].timestamp, steps=steps)


def real(only: str | None, two: bool = False, states: bool = False) -> int:
    """The first and the cached trail of each real session whose log and mirror are here. `two`: the
    first trail judged on two processes as `trail` and `blame` judge it, whatever the load (they fork
    only where a core is free): its CPU is the parent's, and the child's and git's are apart. `states`:
    the patches' states and paths alone, as a blame judges them (no exact counts, no later commits):
    what a trail that showed the states first would spend before showing them."""
    import contextlib
    import resource

    from tracetui.sources import group, read_session
    from tracetui.trail import TrailByFile, on_two_cores, two_cores

    if two:
        two_cores._core_free = lambda: True

    clones: dict[str, Path] = {}
    top = Path(tempfile.mkdtemp(prefix="bench-trail-real-"))
    try:
        for agent, rel, slug, ref in REAL:
            if only and only not in rel:
                continue
            log = CORPUS / rel
            mirror = MIRRORS / slug.replace("/", "+") / "repo"
            if not log.is_file() or not (mirror / "HEAD").is_file():
                print(f"skipped {rel[:60]}: needs {log} and {mirror} (fetch github:{slug})")
                continue
            clone = clones.get(slug)
            if clone is None:
                clone = clones[slug] = top / slug.replace("/", "+")
                subprocess.run(["git", "clone", "-q", str(mirror), str(clone)], check=True)
            commits = subprocess.run(["git", "-C", str(clone), "rev-list", "--all", "--count"],
                                     capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
            [files] = group(agent, [log])
            session = read_session(files)
            cache = top / "cache"
            shutil.rmtree(cache, ignore_errors=True)

            def judged() -> Trail:
                if states:
                    return TrailByFile(session, clone, ref, cache, later_commits=False, counts=False).whole()
                return trail(session, repo=clone, ref=ref, cache_dir=cache)

            kids = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0, c0 = time.perf_counter(), time.process_time()
            with on_two_cores() if two else contextlib.nullcontext():
                first = judged()
            cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            others = after.ru_utime + after.ru_stime - kids.ru_utime - kids.ru_stime
            t0 = time.perf_counter()
            again = judged()
            warm = time.perf_counter() - t0
            assert again.cached and again.rows() == first.rows()
            print(f"{slug} ({commits} commits) {rel.split('/', 1)[1][:60]}: {len(first.fates)} patches; "
                  f"first trail {cold:.2f} s wall, {cold_cpu:.2f} s CPU (children {others:.2f}); "
                  f"cached {warm:.2f} s; "
                  f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    finally:
        shutil.rmtree(top, ignore_errors=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--patches", type=int, default=1_000)
    ap.add_argument("--keep", type=Path, help="build the repository here and keep it")
    ap.add_argument("--real", action="store_true", help="time real corpus sessions in clones of their repositories")
    ap.add_argument("--only", help="with --real: only the logs whose name holds this text")
    ap.add_argument("--two-cores", action="store_true", help="with --real: the first trails on two processes")
    ap.add_argument("--states", action="store_true", help="with --real: the states alone (as a blame judges them)")
    args = ap.parse_args()
    if args.real:
        return real(args.only, args.two_cores, args.states)
    top = args.keep or Path(tempfile.mkdtemp(prefix="bench-trail-"))
    repo_dir = top / "repo"
    try:
        t0 = time.perf_counter()
        session = build(repo_dir, args.commits, args.patches)
        built = time.perf_counter() - t0
        cache = top / "cache"
        t0, c0 = time.perf_counter(), time.process_time()
        first = trail(session, cache_dir=cache)
        cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        again = trail(session, cache_dir=cache)
        warm = time.perf_counter() - t0
        repo = pygit2.Repository(str(repo_dir))
        paths = {f.patch.path for f in first.fates}
        t0 = time.perf_counter()
        walk(repo, paths, 0.0)
        walked = time.perf_counter() - t0
        states = Counter(f.state for f in first.fates)
        assert again.cached and again.rows() == first.rows()
        print(f"repository: {args.commits} commits, {FILES} files (built in {built:.1f} s)")
        print(f"session: {len(first.fates)} patches; states {dict(sorted(states.items()))}")
        print(f"trail, cold (one walk + judging): {cold:.2f} s wall, {cold_cpu:.2f} s CPU")
        print(f"trail, from the cache:            {warm:.2f} s")
        print(f"history walk alone, all commits:  {walked:.2f} s")
        print(f"machine load while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        assert summarize(first)["patches"] == args.patches
    finally:
        if not args.keep:
            shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
