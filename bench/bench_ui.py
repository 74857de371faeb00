"""UI speed: first paint, cursor moves, and opening a 50k-step session (design.md's budgets).

    .venv/bin/python bench/bench_ui.py                  # synthetic: 100k sessions, one of 50k steps
    .venv/bin/python bench/bench_ui.py --bucket DIR     # a real bucket (its largest session)
    .venv/bin/python bench/bench_ui.py --corpus-mb 300  # ../shared/corpus replicated (bench_sync's
                                                        # way), synced into a temp bucket, removed after

Prints one JSON object. Times are wall-clock seconds for "first paint" and "open", CPU ms per key
for cursor moves (a Pilot key press, and an unbound key's press for Pilot's own share; the
detail panes follow the cursor 40 ms after it rests, so that work is inside these figures),
and "forced" ms: the cursor action plus drawing every visible line from cold, the worst frame.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracetui.demo.synthetic import AGENTS, PROJECTS, session  # noqa: E402
from tracetui.errors import NotFound  # noqa: E402
from tracetui.model import SessionSummary, Tokens  # noqa: E402

SIZE = (160, 44)


class SyntheticLibrary:
    """N session rows made on demand (no N objects held), plus one big session to open."""

    read_only = True

    def __init__(self, n: int, big_steps: int) -> None:
        self.n = n
        self.big = session(big_steps, 0)

    def _row(self, i: int) -> SessionSummary:
        if i == 0:
            return SessionSummary.of(self.big)
        return SessionSummary(
            id=f"{i:08x}-0000-4000-8000-{i:012x}", agent=AGENTS[i % 3], project=PROJECTS[i % len(PROJECTS)],
            cwd=None, title=f"Synthetic session {i}: refactor module {i % 97}",
            started=f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z", ended=None, steps=20 + i % 400,
            tool_calls=5, edits=1, tokens=Tokens(1000, 100, 10000, 0), models=["m"], source="")

    def list_sessions(self, where=None, *, limit=None, offset=0, order="date"):
        end = self.n if limit is None else min(self.n, offset + limit)
        return [self._row(i) for i in range(offset, end)]

    def count_sessions(self, where=None):
        return self.n

    def spent(self, where=None):
        from tracetui.model import Spent

        return Spent(self.n, 0.0, self.n, False)  # the list's total: none of these rows is priced

    def first_sessions(self, where=None, *, limit=50, order="date"):
        from tracetui.bucket import ListHead

        return ListHead(self.list_sessions(limit=limit), self.n)

    def session(self, id_or_prefix):
        if self.big.id.startswith(id_or_prefix):
            return self.big
        raise NotFound("synthetic rows other than the first cannot be opened")

    def session_head(self, id_or_prefix, steps):
        return self.session(id_or_prefix)

    def summary(self, id_or_prefix):
        return SessionSummary.of(self.session(id_or_prefix))

    def search(self, query, limit=50):
        return []

    def projects(self):
        return list(PROJECTS)

    def agents(self):
        return list(AGENTS)


async def until(pilot, condition, timeout: float = 30.0) -> float:
    # Polled with the event loop's own sleep: `pilot.pause` posts a callback to every widget each
    # time (`_wait_for_screen`), about 720 for one preview's rest, and the figures counted them.
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.005)
    return time.perf_counter() - started


async def drawn(app) -> None:
    """The workers done and the frames after them drawn (Textual draws at most every 1/60 s, and the
    panes follow a rest after 40 ms), without polling the widgets."""
    await app.workers.wait_for_complete()
    await asyncio.sleep(0.15)


async def key_cost(pilot, key: str, n: int = 60) -> tuple[float, float]:
    """CPU ms per press of `key`, and of an unbound key (Pilot's own cost), each averaged."""
    async def cpu(k: str) -> float:
        t = time.process_time()
        for _ in range(n):
            await pilot.press(k)
        return time.process_time() - t

    base = await cpu("f19")
    return (await cpu(key)) / n * 1000, base / n * 1000


def forced_ms(widget, action, n: int = 200) -> float:
    """Median ms of the cursor action plus drawing every visible line with cold caches."""
    samples = []
    height = widget.size.height
    for _ in range(n):
        t = time.perf_counter()
        action()
        widget._strips.clear()
        for y in range(height):
            widget.render_line(y)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return samples[len(samples) // 2]


async def preview_cost(app, pilot, screen, sessions, big_id: str, row: int, rounds: int = 5) -> dict:
    """CPU of the whole process (the preview's worker and the drawing) for a rest on the big session's
    row, coming from the row beside it, and for the rest on the row beside it (an ordinary session,
    for comparison): the medians of `rounds`."""
    spent, beside = [], []
    for _ in range(rounds):
        cpu = time.process_time()
        sessions.move_to(row + 1 if row + 1 < sessions.count else row - 1)
        await until(pilot, lambda: screen.opened is not None and screen.opened.session.id != big_id, timeout=60)
        await drawn(app)
        beside.append(time.process_time() - cpu)
        await asyncio.sleep(0.3)
        await app.workers.wait_for_complete()
        cpu = time.process_time()
        sessions.move_to(row)
        await until(pilot, lambda: screen.opened is not None and screen.opened.session.id == big_id, timeout=60)
        await drawn(app)
        spent.append(time.process_time() - cpu)
    opened = screen.opened
    return {"preview_rest_cpu_ms": round(sorted(spent)[len(spent) // 2] * 1000, 1),
            "preview_steps_read": len(opened.session.steps),
            "preview_rest_beside_cpu_ms": round(sorted(beside)[len(beside) // 2] * 1000, 1)}  # fmt: skip


async def run(library, big_id: str | None, preview_row: int | None = None) -> dict:
    from tracetui.ui.app import TraceApp
    from tracetui.ui.screens.browser import BrowserScreen
    from tracetui.ui.widgets.session_list import SessionList
    from tracetui.ui.widgets.timeline import Timeline

    result: dict = {}
    started = time.perf_counter()
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        sessions = app.screen.query_one(SessionList)
        await until(pilot, lambda: sessions.count > 0 and sessions.summary(0) is not None)
        result["first_paint_s"] = round(time.perf_counter() - started, 3)
        result["sessions"] = sessions.count
        sessions.focus()
        down, unbound = await key_cost(pilot, "down")
        result["session_list_down_cpu_ms"] = round(down, 2)
        result["unbound_key_cpu_ms"] = round(unbound, 2)
        result["session_list_down_forced_ms"] = round(forced_ms(sessions, sessions.action_cursor_down), 2)
        sessions.move_to(sessions.count // 2)
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        result["session_list_down_forced_at_middle_ms"] = round(forced_ms(sessions, sessions.action_cursor_down), 2)
        if big_id is None:
            return result
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        if preview_row is not None:
            result.update(await preview_cost(app, pilot, screen, sessions, big_id, preview_row))
        timeline = screen.query_one(Timeline)
        if screen.opened is not None and screen.opened.session.id == big_id and sessions.count > 1:
            # Previewed already: from another session, so the figure is the open's own.
            top = sessions.summary(0)
            sessions.move_to(1 if top and top.id == big_id else 0)
            await until(pilot, lambda: screen.opened is not None and screen.opened.session.id != big_id, timeout=60)
            await app.workers.wait_for_complete()
        t0 = time.perf_counter()
        screen.open_session(big_id, focus=True)
        await until(pilot, lambda: screen.opened is not None and screen.opened.session.id == big_id
                    and timeline.count > 0, timeout=120)
        await pilot.pause(0)
        for y in range(timeline.size.height):
            timeline.render_line(y)
        result["open_big_session_s"] = round(time.perf_counter() - t0, 3)
        assert screen.opened is not None
        result["big_session_steps"] = len(screen.opened.session.steps)
        timeline.focus()
        await pilot.pause(0.1)
        result["timeline_down_cpu_ms"] = round((await key_cost(pilot, "down"))[0], 2)
        result["timeline_down_forced_ms"] = round(forced_ms(timeline, timeline.action_cursor_down), 2)
        timeline.move_to(timeline.count // 2)
        result["timeline_down_forced_at_middle_ms"] = round(forced_ms(timeline, timeline.action_cursor_down), 2)
        await app.workers.wait_for_complete()
    return result


def long_log(folder: Path, steps: int) -> None:
    """One Claude Code log of `steps` steps (user prompts and answers, a few lines each), newest of all."""
    import orjson

    folder.mkdir(parents=True, exist_ok=True)
    sid = "0e0e0e0e-0000-4000-8000-0000000010ab"
    lines = []
    parent = None
    for i in range(steps):
        kind = "user" if i % 2 == 0 else "assistant"
        text = f"step {i}: " + "a few words about the change and why it was made. " * 4
        message = {"role": kind, "content": text} if kind == "user" else {
            "role": kind, "id": f"m{i}", "model": "claude-sonnet-4-5", "content": [{"type": "text", "text": text}]}
        lines.append(orjson.dumps({"type": kind, "uuid": f"s{i}", "parentUuid": parent, "sessionId": sid,
                                   "timestamp": f"2099-01-01T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                                   "cwd": "/home/dev/long", "message": message}))  # fmt: skip
        parent = f"s{i}"
    (folder / f"{sid}.jsonl").write_bytes(b"\n".join(lines) + b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", help="measure a real bucket instead of the synthetic one")
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--corpus-mb", type=int, help="replicate the real corpus to this size and sync it first")
    parser.add_argument("--long", type=int, default=0,
                        help="with --corpus-mb: add one Claude Code session of this many steps (the preview's figure)")
    args = parser.parse_args()
    t = time.perf_counter()
    if args.corpus_mb:
        import shutil
        import tempfile

        sys.path.insert(0, str(ROOT / "bench"))
        import bench_sync

        from tracetui.bucket import Bucket

        tmp = Path(tempfile.mkdtemp(prefix="tracetui-bench-ui-"))
        try:
            replicas, _ = bench_sync.build(tmp / "src", args.corpus_mb * 1_000_000)
            sources = {a: [Path(p) for p in ps] for a, ps in bench_sync.sources_for(tmp / "src", replicas).items()}
            if args.long:
                long_log(tmp / "src" / "claude" / "long", args.long)
                sources["claude"].append(tmp / "src" / "claude" / "long")
            library = Bucket.open(tmp / "bucket")
            library.sync(sources=sources)
            rows = library.list_sessions()
            big_id = max(rows, key=lambda r: r.steps).id
            row = [r.id for r in rows].index(big_id)
            setup = {"library": f"corpus x{replicas} ({args.corpus_mb} MB)", "setup_s": round(time.perf_counter() - t, 1)}
            print(json.dumps({**setup, **asyncio.run(run(library, big_id, row))}, indent=2))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    if args.bucket:
        from tracetui.bucket import Bucket

        bucket = Bucket.open(Path(args.bucket))
        rows = bucket.list_sessions()
        biggest = max(rows, key=lambda r: r.steps).id if rows else None
        preview_row = [r.id for r in rows].index(biggest) if biggest else None
        setup = {"library": f"bucket {args.bucket}"}
        setup["setup_s"] = round(time.perf_counter() - t, 2)
        print(json.dumps({**setup, **asyncio.run(run(bucket, biggest, preview_row))}, indent=2))
        return
    else:
        synthetic = SyntheticLibrary(args.sessions, args.steps)
        big_id = synthetic.big.id
        setup = {"library": f"synthetic {args.sessions} sessions"}
    setup["setup_s"] = round(time.perf_counter() - t, 2)
    print(json.dumps({**setup, **asyncio.run(run(synthetic, big_id))}, indent=2))


if __name__ == "__main__":
    main()
