"""A first evaluation judges its sessions on worker processes (evals/pool.py): the 405 MB bucket's 612
sessions took 12.6 s of one core while the other idled. What the workers find is what this process
finds, in the same order; a cancel stops them; a worker that dies or says something else than it
should costs its sessions a judging here, never a hang; and the memo keeps what they judged."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from shared_data import FIXTURES
from support.judged_sessions import sessions_read, two_sessions
from support.trail_kit import iso
from support.trail_logs import age

import tracetui.evals as evals_api
from tracetui.bucket import Bucket
from tracetui.errors import Stopped
from tracetui.evals import pool, run
from tracetui.selection import Selection, select

pytestmark = pytest.mark.timeout(120)  # a pool that hangs fails here, not at the suite's limit


class World:
    """A bucket of the fixtures' logs and a Claude Code session whose edits lie in a clone here."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.repo, _, sources = two_sessions(tmp_path)
        sources["pi"] = [FIXTURES / "pi"]
        sources["codex"] = [FIXTURES / "codex"]
        sources["claude"] += [FIXTURES / "claude" / "projects"]
        self.bucket = Bucket.open(tmp_path / "b")
        self.bucket.sync(sources, workers=1)
        self.repo.commit("work", iso(11), "a.py")  # some of its lines alive, the others uncommitted
        age(self.repo.path)

    def evaluate(self, by: str = "agent", workers: int = 1, **options: Any) -> bytes:
        """A first evaluation's answer (no memo, no trail cache), as `eval --json` prints it."""
        for kept in ("eval", "trail"):
            shutil.rmtree(self.tmp / "b" / "cache" / kept, ignore_errors=True)
        found = evals_api.evaluate(self.bucket, by, minimum=2, workers=workers, **options)
        return orjson.dumps(found.to_dict())

    def memo(self) -> dict:
        [path] = (self.tmp / "b" / "cache" / "eval").iterdir()
        return orjson.loads(path.read_bytes())


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    return World(tmp_path_factory.mktemp("pool"))


@pytest.fixture
def spawned(monkeypatch) -> list[subprocess.Popen[bytes]]:
    """Every worker process the pool starts, with the threshold down to nothing: a pool for any two."""
    procs: list[subprocess.Popen[bytes]] = []
    real = pool.spawn

    def counted(module: str) -> subprocess.Popen[bytes]:
        procs.append(real(module))
        return procs[-1]

    monkeypatch.setattr(pool, "spawn", counted)
    monkeypatch.setattr(run, "POOL_MIN_SESSIONS", 2)
    return procs


@pytest.fixture
def judged_here(monkeypatch) -> list[str]:
    """The sessions this process judges itself."""
    ids: list[str] = []
    real = run.judge_session

    def counted(session, *args, **kwargs):
        ids.append(session.id)
        return real(session, *args, **kwargs)

    monkeypatch.setattr(run, "judge_session", counted)
    return ids


OPTIONS: dict[str, Callable[[World], dict[str, Any]]] = {
    "own clones": lambda w: {},
    "--clones": lambda w: {"clones": [w.tmp]},  # the folder the clone is in: `clones_in` finds it
    "--repo": lambda w: {"repo": str(w.repo.path)},
}


@pytest.mark.parametrize("by", ["agent", "skill", "template", "repo"])
@pytest.mark.parametrize("given", list(OPTIONS))
def test_the_workers_find_what_this_process_finds(
    world, spawned, judged_here, monkeypatch, by, given
) -> None:
    options = OPTIONS[given](world)
    serial = world.evaluate(by, **options)
    judged_here.clear()
    monkeypatch.setattr(pool, "HELP", False)  # every session to a worker
    assert world.evaluate(by, workers=3, **options) == serial
    assert len(spawned) == 2 and judged_here == []
    assert all(p.poll() is not None for p in spawned)


@pytest.mark.parametrize("by", ["skill", "template"])
def test_this_process_judges_the_shortest_sessions_beside_the_workers(
    world, spawned, judged_here, monkeypatch, by
) -> None:
    serial = world.evaluate(by)
    everyone = len(judged_here)
    judged_here.clear()
    # Sessions that take this process a while each, as on a home with its clones: the workers are
    # ready before it is done. Each waits for a worker to be set up (to 60 s), not only 0.6 s: the
    # 19 sessions' 11 s were not enough for two workers to start on a starved machine.
    counted = run.judge_session
    entered: list[pool.Pool] = []
    enter = pool.Pool.__enter__

    def entering(self: pool.Pool) -> pool.Pool:
        entered.append(self)
        return enter(self)

    def slow(*args: Any) -> pool.Judged:
        deadline = time.monotonic() + 60
        while not entered or entered[-1].pool.ready == 0:
            assert time.monotonic() < deadline, "no worker was set up in 60 s"
            time.sleep(0.01)
        time.sleep(0.6)
        return counted(*args)

    monkeypatch.setattr(pool.Pool, "__enter__", entering)
    monkeypatch.setattr(run, "judge_session", slow)
    assert world.evaluate(by, workers=3) == serial
    assert len(spawned) == 2 and 0 < len(judged_here) < everyone
    # The workers are sent the longest sessions, this process takes the shortest.
    steps = {row.id: row.steps for row in select(world.bucket, Selection())}  # the sessions evaluated
    here = [steps[sid] for sid in judged_here]
    assert max(here) <= min(n for sid, n in steps.items() if sid not in judged_here)


def test_a_small_evaluation_does_not_wait_for_the_workers_start(world, spawned, monkeypatch) -> None:
    serial = world.evaluate("agent")
    # Workers that take half a minute to start: this process judges every session meanwhile, and
    # stops them unused.
    monkeypatch.setattr(pool, "spawn", lambda module: spawned.append(_program("import time; time.sleep(30)"))
                        or spawned[-1])  # fmt: skip
    began = time.monotonic()
    assert world.evaluate("agent", workers=3) == serial
    assert time.monotonic() - began < 10
    assert len(spawned) == 2 and all(p.poll() is not None for p in spawned)


def test_the_memo_keeps_what_the_workers_judged(world, spawned) -> None:
    world.evaluate("agent")
    serial = world.memo()["sessions"]
    world.evaluate("agent", workers=3)
    assert spawned and world.memo()["sessions"] == serial
    assert any(entry["touched"] for entry in serial.values())  # the clone's files read, sent back
    spawned.clear()
    with sessions_read() as read:
        for by in evals_api.BY:
            evals_api.evaluate(world.bucket, by, minimum=2, workers=3)
    assert read == [] and spawned == []  # every session recalled: no worker started


def test_a_cancel_stops_the_workers_at_once(world, spawned, monkeypatch) -> None:
    # Workers busy for a minute on their first session, as a big trail keeps them.
    monkeypatch.setattr(pool, "spawn", lambda module: spawned.append(_program(BUSY)) or spawned[-1])
    monkeypatch.setattr(pool, "HELP", False)  # every session to the busy workers
    began = time.monotonic()
    with pytest.raises(Stopped):
        world.evaluate("agent", workers=3, cancelled=lambda: time.monotonic() - began > 0.5)
    assert time.monotonic() - began < 5
    assert len(spawned) == 2 and all(p.poll() is not None for p in spawned)


BUSY = """
import sys, time, orjson
from tracetui.worker_pipes import recv, send
recv(sys.stdin.buffer)
send(sys.stdout.buffer, orjson.dumps({"ready": "tracetui.eval-pool/1"}))
if recv(sys.stdin.buffer) is not None:
    time.sleep(60)
"""


# Workers that die or say what a worker should not: each session they had is judged here instead.
BROKEN = {
    "exits": "raise SystemExit(3)",
    "not our protocol": "import sys; sys.stdout.buffer.write(b'\\0\\0\\0\\x02{}'); sys.stdout.flush(); "
    "input()",
    "half a message": "import sys; sys.stdout.buffer.write(b'\\0\\0\\0\\x09{\"rea'); sys.stdout.flush()",
    "dies mid-run": """
import sys, orjson
from tracetui.worker_pipes import recv, send
recv(sys.stdin.buffer)
send(sys.stdout.buffer, orjson.dumps({"ready": "tracetui.eval-pool/1"}))
recv(sys.stdin.buffer)
raise SystemExit(9)
""",
    "a session not asked for": """
import sys, orjson
from tracetui.worker_pipes import recv, send
recv(sys.stdin.buffer)
send(sys.stdout.buffer, orjson.dumps({"ready": "tracetui.eval-pool/1"}))
while (m := recv(sys.stdin.buffer)) is not None:
    job = orjson.loads(m)
    send(sys.stdout.buffer, orjson.dumps({"n": job["n"], "judged": {"id": "another", "lines": 3}}))
""",
    "an error for each": """
import sys, orjson
from tracetui.worker_pipes import recv, send
recv(sys.stdin.buffer)
send(sys.stdout.buffer, orjson.dumps({"ready": "tracetui.eval-pool/1"}))
while (m := recv(sys.stdin.buffer)) is not None:
    send(sys.stdout.buffer, orjson.dumps({"n": orjson.loads(m)["n"], "error": "OSError: no"}))
""",
}


@pytest.mark.parametrize("code", list(BROKEN.values()), ids=list(BROKEN))
def test_a_broken_worker_costs_a_judging_here_never_a_hang(
    world, spawned, judged_here, monkeypatch, code
) -> None:
    serial = world.evaluate("skill")
    judged_here.clear()
    monkeypatch.setattr(pool, "spawn", lambda module: spawned.append(_program(code)) or spawned[-1])
    monkeypatch.setattr(pool, "HELP", False)  # every session to the broken workers first
    assert world.evaluate("skill", workers=3) == serial
    assert len(spawned) == 2 and judged_here  # the sessions the workers failed
    assert all(p.poll() is not None for p in spawned)


def test_no_worker_to_be_had_leaves_every_session_to_this_process(world, judged_here, monkeypatch) -> None:
    serial = world.evaluate("agent")
    everyone = sorted(judged_here)
    judged_here.clear()

    def refused(module: str) -> subprocess.Popen[bytes]:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # fork at the process limit

    monkeypatch.setattr(pool, "spawn", refused)
    monkeypatch.setattr(run, "POOL_MIN_SESSIONS", 2)
    assert world.evaluate("agent", workers=3) == serial
    assert sorted(judged_here) == everyone


def _program(code: str, *args: str) -> subprocess.Popen[bytes]:
    """A stand-in for a worker, started as `worker_pipes.spawn` starts one (stderr dropped)."""
    env = {**os.environ, "PYTHONPATH": str(Path(pool.__file__).parents[2])}
    return subprocess.Popen([sys.executable, "-c", code, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)  # fmt: skip


# A real worker whose first session of all never ends (a trail that takes forever): the test kills it
# there, as the kernel kills one out of memory. It writes its process id to the file named first.
KILLABLE = """
import os, sys, time
from tracetui.evals import worker
real = worker.judge_session
def judged(*args):
    try:
        mark = os.open(sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return real(*args)
    os.write(mark, str(os.getpid()).encode())
    os.close(mark)
    time.sleep(60)
worker.judge_session = judged
worker.serve()
"""


def test_a_worker_killed_mid_judgement_leaves_its_session_to_this_process(
    world, spawned, judged_here, monkeypatch, tmp_path
) -> None:
    serial = world.evaluate("skill")
    judged_here.clear()
    mark = tmp_path / "judging"
    monkeypatch.setattr(pool, "spawn", lambda module: spawned.append(_program(KILLABLE, str(mark)))
                        or spawned[-1])  # fmt: skip
    monkeypatch.setattr(pool, "HELP", False)  # every session to the workers
    killed: list[int] = []

    def kill_the_judging_one() -> bool:  # looked at between answers, as a cancel is
        said = mark.read_text() if mark.exists() else ""
        if said and not killed:
            killed.append(int(said))
            os.kill(killed[0], signal.SIGKILL)
        return False

    began = time.monotonic()
    assert world.evaluate("skill", workers=3, cancelled=kill_the_judging_one) == serial
    assert time.monotonic() - began < 30  # not the minute the killed one had left
    assert killed and len(judged_here) == 1  # its one session, judged here; the other worker did the rest
    assert len(spawned) == 2 and all(p.poll() is not None for p in spawned)  # it was not replaced


# A real worker whose setup fails: the bucket cannot be opened where it runs.
REFUSES = """
from tracetui.evals import worker
class Missing:
    @staticmethod
    def open(root, read_only):
        raise OSError("the bucket is not there")
worker.Bucket = Missing
worker.serve()
"""


def test_workers_that_cannot_set_up_leave_every_session_to_this_process(
    world, spawned, judged_here, monkeypatch
) -> None:
    serial = world.evaluate("agent")
    everyone = sorted(judged_here)
    judged_here.clear()
    pools: list[pool.Pool] = []

    class Kept(pool.Pool):
        def __enter__(self) -> pool.Pool:
            pools.append(self)
            return super().__enter__()

    monkeypatch.setattr(run, "Pool", Kept)
    monkeypatch.setattr(pool, "spawn", lambda module: spawned.append(_program(REFUSES)) or spawned[-1])
    monkeypatch.setattr(pool, "HELP", False)  # every session to the workers, were they ready
    began = time.monotonic()
    assert world.evaluate("agent", workers=3) == serial
    assert time.monotonic() - began < 30
    assert sorted(judged_here) == everyone
    assert len(spawned) == 2 and all(p.poll() is not None for p in spawned)  # none started after
    [used] = pools
    assert used.refused == "OSError: the bucket is not there"  # the worker's words, kept once


@pytest.mark.parametrize("stop", [Stopped, KeyboardInterrupt], ids=["the app's cancel", "ctrl-c"])
def test_a_cancel_while_the_workers_start_stops_them_at_once(world, spawned, monkeypatch, stop) -> None:
    # Workers that take a minute to start (a machine under load): none is ever ready, so this process
    # waits on them (no help), and the cancel, or Ctrl-C, must not wait for their start.
    monkeypatch.setattr(pool, "spawn", lambda module: spawned.append(_program("import time; time.sleep(60)"))
                        or spawned[-1])  # fmt: skip
    monkeypatch.setattr(pool, "HELP", False)
    began = time.monotonic()

    def cancelled() -> bool:
        if time.monotonic() - began < 0.5:
            return False
        if stop is KeyboardInterrupt:
            raise KeyboardInterrupt
        return True

    with pytest.raises(stop):
        world.evaluate("agent", workers=3, cancelled=cancelled)
    assert time.monotonic() - began < 4  # not the seconds a worker is given to read the end of its input
    assert len(spawned) == 2 and all(p.poll() is not None for p in spawned)


# A worker whose setup fails in words meant for a terminal: an escape, markup, a second line.
HOSTILE = '"\\x1b]0;owned\\x07[red]gone[/red]\\nand more"'
REFUSES_HOSTILE = REFUSES.replace('"the bucket is not there"', HOSTILE)


def test_workers_that_cannot_set_up_say_so_in_the_evaluation_s_notes(world, spawned, monkeypatch) -> None:
    serial = evals_api.evaluate(world.bucket, "agent", minimum=2, workers=1)
    assert serial.notes == []
    monkeypatch.setattr(pool, "spawn",
                        lambda module: spawned.append(_program(REFUSES_HOSTILE)) or spawned[-1])  # fmt: skip
    monkeypatch.setattr(pool, "HELP", False)  # every session to the workers, were they ready
    for kept in ("eval", "trail"):
        shutil.rmtree(world.tmp / "b" / "cache" / kept, ignore_errors=True)
    found = evals_api.evaluate(world.bucket, "agent", minimum=2, workers=3)
    [note] = found.notes
    assert note.startswith("the evaluation's worker processes could not start (OSError: ")
    assert "[red]gone[/red]" in note and "\x1b" not in note and "\x07" not in note and "\n" not in note
    assert orjson.dumps(found.to_dict()) == orjson.dumps(serial.to_dict())  # the JSON says nothing of it


def test_eval_prints_the_note_on_stderr_and_keeps_stdout(world, spawned, monkeypatch, capsys) -> None:
    from tracetui.cli import main

    monkeypatch.setattr(pool, "spawn", lambda module: spawned.append(_program(REFUSES)) or spawned[-1])
    monkeypatch.setattr(pool, "HELP", False)
    monkeypatch.setattr(run, "_judging_processes", lambda *args: 3)
    for kept in ("eval", "trail"):
        shutil.rmtree(world.tmp / "b" / "cache" / kept, ignore_errors=True)
    assert main(["eval", "--json", "--min", "2", "--bucket", str(world.tmp / "b")]) == 0
    out, err = capsys.readouterr()
    assert orjson.loads(out)["by"] == "agent"
    said = "the evaluation's worker processes could not start (OSError: the bucket is not there)"
    assert err.splitlines() == [f"{said}: judged in this process alone, slower"]
