"""Key-to-screen latency and the CPU of holding a key, measured in tmux the way a user feels them.

    .venv/bin/python bench/bench_tmux.py --demo                    # the demo's biggest session
    .venv/bin/python bench/bench_tmux.py --bucket DIR              # a bucket's biggest session
    .venv/bin/python bench/bench_tmux.py --bucket DIR --session ID --size 120x40 --n 300
    .venv/bin/python bench/bench_tmux.py --less FILE               # `less` in the same tmux, the baseline
    .venv/bin/python bench/bench_tmux.py --launch --bucket DIR --read-only --runs 5 --code OLD

The app runs in a tmux server of this run's own, in a window of the given size, opened on a session
with the timeline focused (`--pane sessions`: the session list focused instead). A tmux control-mode
client (`tmux -C`) sends each key and timestamps the pane's output as tmux reads it from the app, so
the latency is the app's own, without the polling of `capture-pane` (which `--poll` does instead,
for comparison with figures taken that way).

- latency: `j` pressed alone (the previous press long settled), from send-keys to the first output
  of the pane (the moved cursor on screen); median, p90 and max over `--n` presses, each on to a
  step not shown before; split into the presses that moved the cursor in place and those that
  scrolled the list (its first rows changed);
- rest: the process CPU time (utime + stime from /proc) of one press and everything it sets off
  (the detail pane's refresh after the cursor rests), per press; and the main thread's alone (the
  event loop's, without the driver's input and writer threads); and split by thread (`threads_…`:
  the main thread, then the others: Textual's writer, its input reader, its workers' executor); with
  `--idle`, the app's CPU with no key pressed first, and each press's beyond what idling costs as long;
- hold: `j` sent at `--rate` presses a second for `--hold` seconds (a held key's auto-repeat), the
  app's CPU time over that span as a share of one core.

- launch (`--launch`): `python -m tracetui --bucket DIR` (with `--read-only`, or with `--source`s
  and so a sync) started in the window, timed from just before tmux is asked to start it until a
  session list row is on screen (`capture-pane` polled every `--every` seconds), with the process's
  CPU by then; `--runs` times, alternating with the tree `--code` names where given (before/after).

Prints one JSON object. Needs tmux on Linux (the CPU figures read /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from tmux_driver import ScreenTimeout, Tmux, installed  # noqa: E402

TMUX = Tmux("tracetui-bench")  # on a tmux server of this run's own
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, thread: bool = False) -> float:
    """The process's CPU time, or with `thread` its main thread's alone (the event loop's: the rest is
    the driver's input and writer threads)."""
    stat = Path(f"/proc/{pid}/task/{pid}/stat" if thread else f"/proc/{pid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15 of stat)


def thread_cpu(pid: int) -> dict[int, float]:
    """Each live thread's CPU seconds, from schedstat (nanoseconds, where stat counts ticks of 10 ms)."""
    times: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            times[int(task.name)] = int((task / "schedstat").read_text().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            pass  # ended meanwhile
    return times


def threads_split(pid: int, before: dict[int, float], cpu: float, per: float) -> dict:
    """CPU since `before` by thread, in ms per `per` (presses, or seconds): the main thread (the event
    loop), each other thread alive throughout in the order they started (with Textual 8.2.8: its output
    writer, its input reader, then the executor thread its thread workers run in), their sum (`threads`),
    and what is left of the process's `cpu` (threads that came and went; the process's CPU is counted
    in ticks of 10 ms, the threads' in nanoseconds)."""
    after = thread_cpu(pid)
    main = after.get(pid, 0.0) - before.get(pid, 0.0)
    others = [after[tid] - before[tid] for tid in sorted(after) if tid != pid and tid in before]
    scale = 1000 / per
    return {"main": round(main * scale, 2), "others_by_start": [round(t * scale, 2) for t in others],
            "threads": round((main + sum(others)) * scale, 2),
            "rest": round((cpu - main - sum(others)) * scale, 2)}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def _top_rows(width: int) -> list[str]:
    """The left half of three rows near the top, under the panes' titles and the list's filter: what
    a list that scrolled changes and a cursor moving lower down does not (the detail pane is on the
    right)."""
    return [line[: width // 2] for line in screen().splitlines()[5:8]]


def screen() -> str:
    return TMUX.screen()


def wait_screen(test, seconds: float = 60) -> str:
    try:
        return TMUX.wait_for(test, seconds, poll=0.1)
    except ScreenTimeout as exc:
        raise SystemExit(f"the app did not show what was expected within {seconds} s:\n{exc.text}") from None


def measure(args: argparse.Namespace, command: str, ready) -> dict:
    width, height = (int(n) for n in args.size.split("x"))
    env = "TEXTUAL_ANIMATIONS=none " + "".join(f"{shlex.quote(e)} " for e in args.env)
    TMUX.start(env + command, width, height)
    pid = TMUX.pane_pid()
    wait_screen(ready)
    time.sleep(args.settle)
    control = TMUX.control()
    control.drain()
    result: dict = {"size": args.size}

    # Idle: what the app spends with no key pressed (its timers and polls), which every press's figure
    # below includes for as long as the press and its quiet gap last.
    idle_ms_per_s = 0.0
    if args.idle:
        idle_before, idle_cpu = thread_cpu(pid), cpu_seconds(pid)
        time.sleep(args.idle)
        idle = threads_split(pid, idle_before, cpu_seconds(pid) - idle_cpu, args.idle)
        result["idle_cpu_ms_per_s"] = idle
        # From the threads' own clocks: a few seconds are a few ticks of the process's.
        idle_ms_per_s = idle["threads"]

    # Latency: one key at a time, each after the screen has settled.
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {"in_place": [], "scrolled": []}  # did the press scroll the list?
    before_rows = _top_rows(width)
    misses = 0
    cpu_before, main_before = cpu_seconds(pid), cpu_seconds(pid, thread=True)
    threads_before = thread_cpu(pid)
    started = time.perf_counter()
    for i in range(args.n):
        key = "j"  # each press rests on a step not shown before, as reading down a session does
        if args.poll:
            before = screen()
            t0 = time.perf_counter()
            control.send_key(key)
            while screen() == before and time.perf_counter() - t0 < 1:
                pass
            t1 = time.perf_counter()
            seen: float | None = t1 if t1 - t0 < 1 else None
        else:
            t0 = time.perf_counter()
            control.send_key(key)
            seen = control.first_output(1.0)
        control.drain(args.gap)
        rows = _top_rows(width)
        if seen is None:
            misses += 1
        else:
            latencies.append((seen - t0) * 1000)
            by_kind["scrolled" if rows != before_rows else "in_place"].append((seen - t0) * 1000)
        before_rows = rows
    cpu = cpu_seconds(pid) - cpu_before
    main_cpu = cpu_seconds(pid, thread=True) - main_before
    if latencies:
        result["latency_ms"] = {"median": round(percentile(latencies, 0.5), 2), "p90": round(percentile(latencies, 0.9), 2),
                                "max": round(max(latencies), 2), "n": len(latencies), "missed": misses}  # fmt: skip
    for kind, values in by_kind.items():
        if values:
            result[f"latency_ms_{kind}"] = {"median": round(percentile(values, 0.5), 2),
                                            "p90": round(percentile(values, 0.9), 2), "n": len(values)}  # fmt: skip
    result["cpu_ms_per_resting_press"] = round(cpu / args.n * 1000, 2)
    result["main_thread_cpu_ms_per_resting_press"] = round(main_cpu / args.n * 1000, 2)
    result["threads_cpu_ms_per_resting_press"] = threads_split(pid, threads_before, cpu, args.n)
    seconds = (time.perf_counter() - started) / args.n
    result["seconds_per_resting_press"] = round(seconds, 3)
    if args.idle:
        # What the app would have spent over the press's time without it (`--gap` makes it longer).
        beyond = cpu / args.n * 1000 - idle_ms_per_s * seconds
        result["cpu_ms_per_resting_press_beyond_idle"] = round(beyond, 2)

    # Hold: auto-repeat for `hold` seconds at `rate` presses a second.
    for rate in args.rate:
        control.drain()
        interval = 1.0 / rate
        cpu_before = cpu_seconds(pid)
        t0 = time.perf_counter()
        sent = 0
        delays: list[float] = []  # each press's time to the pane's next output, where one came before the next press
        while time.perf_counter() - t0 < args.hold:
            sent_at = time.perf_counter()
            control.send_key("j" if (sent // 40) % 2 == 0 else "k")
            sent += 1
            due = t0 + sent * interval
            first = control.first_output(max(0.0, due - time.perf_counter()))
            if first is not None:
                delays.append((first - sent_at) * 1000)
                control.outputs(max(0.0, due - time.perf_counter()))
        control.drain(0.3)
        held = time.perf_counter() - t0
        used = cpu_seconds(pid) - cpu_before
        result[f"hold_{rate}hz"] = {"seconds": round(held, 2), "presses": sent, "cpu_s": round(used, 3),
                                    "core_share": round(used / held, 3),
                                    "cpu_ms_per_press": round(used / sent * 1000, 2),
                                    "latency_ms_median": round(percentile(delays, 0.5), 2) if delays else None,
                                    "latency_ms_p90": round(percentile(delays, 0.9), 2) if delays else None}  # fmt: skip
    control.close()
    TMUX.key("q")
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    TMUX.kill()
    return result


ROW = re.compile(r"^│ \d\d-\d\d \d\d:\d\d ", re.M)  # a session list row: its box's edge, then when


def launch_once(args: argparse.Namespace, code: str) -> dict:
    """One launch of the command line as a user types it, until the list's first rows are drawn."""
    width, height = (int(n) for n in args.size.split("x"))
    words = ["--bucket", args.bucket, *(["--read-only"] if args.read_only else [])]
    for source in args.source:
        words += ["--source", source]
    # Bytecode written and read, as in a user's install (the first, uncounted launch writes it).
    env = f"-u PYTHONDONTWRITEBYTECODE PYTHONPATH={shlex.quote(code)} TEXTUAL_ANIMATIONS=none " + "".join(f"{shlex.quote(e)} " for e in args.env)
    command = env + " ".join(shlex.quote(w) for w in [sys.executable, "-m", "tracetui", *words])
    t0 = time.perf_counter()
    TMUX.start(command, width, height)
    pid = TMUX.pane_pid()
    painted: float | None = None
    cpu = 0.0
    while time.perf_counter() - t0 < 30:
        text = screen()
        now = time.perf_counter()
        if painted is None and text.strip():
            painted = now
        if ROW.search(text):
            cpu = cpu_seconds(pid)
            break
        time.sleep(args.every)
    else:
        raise SystemExit(f"no session row within 30 s:\n{text}")
    TMUX.key("q")
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    TMUX.kill()
    return {"rows_s": round(now - t0, 3), "first_paint_s": round((painted or now) - t0, 3), "cpu_s": round(cpu, 2)}


def launches(args: argparse.Namespace) -> dict:
    """`--runs` launches of each tree, alternated, so both see the same minutes' load."""
    trees = {"this": str(ROOT), **({"code": args.code} if args.code else {})}
    for code in trees.values():
        launch_once(args, code)  # bytecode written, the page cache warm: not counted
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(args.runs):
        for name, code in trees.items():
            runs[name].append(launch_once(args, code))
    summary = {}
    for name, got in runs.items():
        summary[name] = {"tree": trees[name], **{key: sorted(r[key] for r in got) for key in got[0]}}
    return {"bucket": args.bucket, "read_only": args.read_only, "sources": len(args.source), "size": args.size,
            "every_s": args.every, **summary}  # fmt: skip


def child(args: argparse.Namespace) -> None:
    """Inside tmux: the app over the chosen library, with the chosen session open."""
    sys.path.insert(0, args.code or str(ROOT))
    from tracetui.bucket import Bucket
    from tracetui.ui.app import TraceApp
    from tracetui.ui.screens.browser import BrowserScreen

    import tracetui.ui.app as app_module

    class BenchApp(TraceApp):
        CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")  # relative paths follow the subclass

        def on_ready(self) -> None:
            # Opened once the list has settled (and what it previews), the way a user would.
            if args.session:
                self.set_timer(1.0, lambda: self._open_session(args.session))

        def _open_session(self, session_id: str) -> None:
            screen = self.screen
            assert isinstance(screen, BrowserScreen)
            screen.open_session(session_id, focus=True)

    library = Bucket.open(Path(args.bucket))
    app = BenchApp(library, theme="tracetui-dark")
    profile = os.environ.get("TRACETUI_BENCH_PROFILE")  # a file for cProfile's stats of the whole run
    if not profile:
        app.run()
        return
    import cProfile

    cProfile.runctx("app.run()", globals(), {"app": app}, profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", help="a synced bucket")
    parser.add_argument("--demo", action="store_true", help="build the demo into a temporary folder and use it")
    parser.add_argument("--session", help="the session to open (default: the one with the most steps)")
    parser.add_argument("--pane", choices=["timeline", "sessions"], default="timeline")
    parser.add_argument("--less", help="measure `less FILE` instead of the app")
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--n", type=int, default=200, help="single presses timed")
    parser.add_argument("--gap", type=float, default=0.12, help="quiet seconds after each timed press")
    parser.add_argument("--hold", type=float, default=5.0, help="seconds of holding the key")
    parser.add_argument("--rate", type=int, nargs="*", default=[12, 25, 30],
                        help="auto-repeat rates (presses a second: macOS's default, X's, GNOME's)")
    parser.add_argument("--idle", type=float, default=0.0, help="seconds of no key timed before the presses")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to wait after the first screen")
    parser.add_argument("--poll", action="store_true", help="time by polling capture-pane, not control mode")
    parser.add_argument("--code", help="run the app from this copy of the source tree (a before/after comparison)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="set in the app's environment")
    parser.add_argument("--launch", action="store_true", help="time the launch to the listed bucket instead")
    parser.add_argument("--read-only", action="store_true", help="with --launch: no sync")
    parser.add_argument("--source", action="append", default=[], metavar="AGENT=PATH", help="with --launch: synced")
    parser.add_argument("--runs", type=int, default=5, help="with --launch: launches of each tree")
    parser.add_argument("--every", type=float, default=0.01, help="with --launch: seconds between screen reads")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if not installed():
        raise SystemExit("tmux is not installed")
    if args.launch:
        if not args.bucket:
            raise SystemExit("--launch needs --bucket DIR")
        try:
            print(json.dumps(launches(args), indent=2))
        finally:
            TMUX.kill_server()
        return
    python = shlex.quote(sys.executable)
    tmp: Path | None = None
    try:
        if args.less:
            command = f"less {shlex.quote(args.less)}"
            result = measure(args, command, lambda text: len(text.strip()) > 0)
            print(json.dumps({"program": f"less {args.less}", **result}, indent=2))
            return
        if args.demo:
            sys.path.insert(0, str(ROOT))
            from tracetui.demo import build, open_library

            tmp = Path(tempfile.mkdtemp(prefix="tracetui-bench-tmux-"))
            demo = build(tmp / "demo")
            open_library(demo).close()
            bucket = str(demo.bucket)
        elif args.bucket:
            bucket = args.bucket
        else:
            raise SystemExit("give --demo, --bucket DIR or --less FILE")
        sys.path.insert(0, str(ROOT))
        from tracetui.bucket import Bucket

        with Bucket.open(Path(bucket)) as library:
            rows = library.list_sessions()
            chosen = library.resolve(args.session) if args.session else max(rows, key=lambda r: r.steps).id
            steps = next((r.steps for r in rows if r.id.startswith(chosen)), None)
        command = f"{python} {shlex.quote(str(Path(__file__).resolve()))} --child --bucket {shlex.quote(bucket)}"
        if args.code:
            command += f" --code {shlex.quote(args.code)}"
        if args.pane == "timeline":
            command += f" --session {shlex.quote(chosen)}"
            ready = lambda text: f" {steps} steps · " in text  # noqa: E731
        else:
            ready = lambda text: "when" in text and "agent" in text  # noqa: E731
        result = measure(args, command, ready)
        what = {"library": "demo" if args.demo else f"bucket {bucket}", "pane": args.pane}
        if args.pane == "timeline":
            what.update(session=chosen, steps=steps)
        print(json.dumps({**what, **result}, indent=2))
    finally:
        TMUX.kill_server()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
