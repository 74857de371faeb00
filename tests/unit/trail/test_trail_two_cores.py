"""`judged_apart`: a trail's patches judged with a worker of the shared pool give, in order, the fates
one process gives; the worker takes its share; a worker that refuses, dies, answers nonsense or hangs
leaves its patches to this process, and the trail still comes back in seconds; and no worker starts
outside `on_two_cores`, for a light trail, or where no core is free. A trail in a thread (the app's)
uses it too."""

from __future__ import annotations

import asyncio
import contextvars
import pickle
import subprocess
import sys
import threading
import time

import pytest
from support.trail_kit import Repo, iso, replace, session_of

from tracetui.trail import TrailByFile, judging, on_two_cores, trail, two_cores
from tracetui.trail.patch import Patch

REAL_CORE_FREE = two_cores._core_free
BODY = "\n".join(f"line {i} of {{name}}" for i in range(1, 11)) + "\n"
NAMES = ("a", "b", "c", "d", "e")


@pytest.fixture
def free(monkeypatch):
    """A core is free whatever else the machine runs (the tests' other workers), and any trail is
    worth a worker."""
    monkeypatch.setattr(two_cores, "_core_free", lambda: True)
    monkeypatch.setattr(two_cores, "MIN_WEIGHT", 0)


def _session(tmp_path):
    """Five files, each with a patch kept, one undone and one never committed: a trail of states."""
    repo = Repo(tmp_path / "repo")
    for name in NAMES:
        repo.write(f"{name}.py", BODY.format(name=name))
    repo.commit("init", "2026-01-01T09:00:00Z")
    edits = []
    for k, name in enumerate(NAMES):
        edits.append((iso(10, 2 * k), _add(repo, name, 2, f"kept_{name} = 1")))
        edits.append((iso(10, 2 * k + 1), _add(repo, name, 5, f"undone_{name} = 1")))
    repo.commit("work", "2026-01-01T10:30:00Z", *(f"{n}.py" for n in NAMES))
    committed = {name: (repo.path / f"{name}.py").read_text() for name in NAMES}
    for k, name in enumerate(NAMES):  # never committed, and gone from the work tree: lost
        edits.append((iso(10, 40 + k), _add(repo, name, 8, f"never_{name} = 1")))
    for name in NAMES:
        repo.write(f"{name}.py", committed[name].replace(f"undone_{name} = 1\n", ""))
    repo.commit("undo", "2026-01-01T11:00:00Z", *(f"{n}.py" for n in NAMES))
    return repo, session_of(repo.path, edits)


def _add(repo: Repo, name: str, after: int, line: str):
    return replace(repo, f"{name}.py", f"line {after} of {name}\n", f"line {after} of {name}\n{line}\n")


def _json(result) -> list[dict]:
    return [f.to_dict() for f in result.fates]


@pytest.fixture
def judged_here(tmp_path):
    repo, session = _session(tmp_path)
    alone = trail(session, repo=repo.path)
    assert {r["state"] for r in alone.rows()} == {"alive", "reverted", "lost"}
    return repo, session, _json(alone)


class _Watch:
    """Who took which unit, and a parent that waits, on its first patch, until the worker has taken
    one (so that the worker's share is never left to the machine's load)."""

    def __init__(self, monkeypatch, wait_for_worker: bool = True) -> None:
        self.taken: list[str] = []
        self.answered = 0
        self.worker_took = threading.Event()
        take, decoded, judge_read = two_cores._Shared.take, two_cores.decoded, judging._judge_read
        watch = self

        def taking(shared):
            u = take(shared)
            if u is not None:
                watch.taken.append(threading.current_thread().name)
                if threading.current_thread() is not threading.main_thread():
                    watch.worker_took.set()
            return u

        def answered(answer):
            values = decoded(answer)
            watch.answered += bool(values)
            return values

        def slow_read(*args, **kw):
            if wait_for_worker:
                watch.worker_took.wait(30)
            return judge_read(*args, **kw)

        monkeypatch.setattr(two_cores._Shared, "take", taking)
        monkeypatch.setattr(two_cores, "decoded", answered)
        monkeypatch.setattr(judging, "_judge_read", slow_read)


def test_units_keep_a_file_together_heaviest_first():
    patches = [Patch(f"s{i}", path, "update", [], [f"l{i}"], []) for i, path in enumerate("aabbcd")]
    assert two_cores._units(patches, [4, 4, 5, 5, 3, 1]) == [[2, 3], [0, 1], [4], [5]]
    # A file weighing more than half is shared patch by patch, its patches in order.
    patches = [Patch(f"s{i}", path, "update", [], [f"l{i}"], []) for i, path in enumerate("bbbbs")]
    assert two_cores._units(patches, [100, 100, 100, 100, 1]) == [[0], [1], [2], [3], [4]]


def test_a_trail_shared_with_a_worker_is_the_same_trail(judged_here, free, monkeypatch):
    repo, session, alone = judged_here
    watch = _Watch(monkeypatch)
    with on_two_cores():
        shared = trail(session, repo=repo.path)
    assert _json(shared) == alone
    assert watch.answered >= 1 and "MainThread" in watch.taken  # both processes judged some


def test_a_trail_in_a_thread_shares_with_a_worker(judged_here, free, monkeypatch):
    """The app judges its trail in a worker thread, where no fork is safe: a pool's worker is."""
    repo, session, alone = judged_here
    watch = _Watch(monkeypatch, wait_for_worker=False)
    found = []

    def app_worker() -> None:
        with on_two_cores():
            found.append(_json(trail(session, repo=repo.path)))

    thread = threading.Thread(target=app_worker)
    thread.start()
    thread.join(60)
    assert found == [alone] and watch.taken


def _fake_worker(script: str):
    """A worker process that speaks the pool's framing (4-byte length, bytes) as `script` says."""
    prelude = (
        "import sys, time, pickle\n"
        "from tracetui.worker_pipes import recv, send\n"
        "i, o = sys.stdin.buffer, sys.stdout.buffer\n"
    )
    return lambda: subprocess.Popen([sys.executable, "-c", prelude + script], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip


READY = "recv(i); send(o, b'')\n"  # its setup, the first job
STUCK = "time.sleep(60)\n"  # reads no more: the end of its input does not end it
FAILURES = {
    "refuses its setup": "recv(i); send(o, b'OSError: no such clone')\n",
    "dies at once": "sys.exit(3)\n",
    "dies on its first unit": READY + "recv(i); sys.exit(3)\n",
    "answers nonsense": READY + "recv(i); send(o, b'not a pickle')\n" + STUCK,
    "answers an error": READY + "recv(i); send(o, pickle.dumps(('error', ValueError())))\n" + STUCK,
    "never sets up": "time.sleep(60)\n",
    "hangs on its first unit": READY + "recv(i); time.sleep(60)\n",
}


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_failing_worker_leaves_its_patches_here(failure, judged_here, free, monkeypatch):
    repo, session, alone = judged_here
    monkeypatch.setattr(two_cores, "_spawn", _fake_worker(FAILURES[failure]))
    takes_a_unit = failure not in ("refuses its setup", "dies at once", "never sets up")
    watch = _Watch(monkeypatch, wait_for_worker=takes_a_unit)
    started = time.monotonic()
    with on_two_cores():
        shared = trail(session, repo=repo.path)
    assert _json(shared) == alone
    # The patience's floor is a second; no worker is waited for (`end_workers` gives one 5 s).
    assert time.monotonic() - started < 4
    assert watch.answered == 0


@pytest.mark.parametrize("case", ["not allowed", "light", "no core free", "one patch"])
def test_no_worker(case, judged_here, free, monkeypatch):
    repo, session, alone = judged_here
    started: list[int] = []
    monkeypatch.setattr(two_cores, "_spawn", lambda: started.append(1))
    if case == "light":
        monkeypatch.setattr(two_cores, "MIN_WEIGHT", 10**9)
    if case == "no core free":
        monkeypatch.setattr(two_cores, "_core_free", REAL_CORE_FREE)
        monkeypatch.setattr(two_cores.os, "getloadavg", lambda: (64.0, 64.0, 64.0))
    if case == "one patch":
        assert two_cores.helper([10**6], None, None) is None  # type: ignore[arg-type]
        return
    if case == "not allowed":
        shared = contextvars.Context().run(trail, session, repo=repo.path)  # whatever an earlier caller left
    else:
        with on_two_cores():
            shared = trail(session, repo=repo.path)
    assert _json(shared) == alone and not started


def test_one_thread_s_permission_is_not_another_s(free):
    """`on_two_cores` in one thread (the app's worker running `trail`) let a worker start in every
    other (an export's workers), which must never start one."""
    inside, checked = threading.Event(), threading.Event()
    seen: list[bool] = []

    def holder() -> None:
        with on_two_cores():
            inside.set()
            checked.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    inside.wait(10)
    seen.append(two_cores._worth_a_worker())
    checked.set()
    thread.join()
    with on_two_cores():
        seen.append(two_cores._worth_a_worker())
    assert seen == [False, True]


def test_one_task_s_permission_is_not_another_s(free):
    async def both() -> list[bool]:
        inside, checked = asyncio.Event(), asyncio.Event()

        async def holder() -> bool:
            with on_two_cores():
                inside.set()
                await checked.wait()
                return two_cores._worth_a_worker()

        async def other() -> bool:
            await inside.wait()
            found = two_cores._worth_a_worker()
            checked.set()
            return found

        return list(await asyncio.gather(holder(), other()))

    assert asyncio.run(both()) == [True, False]
    assert two_cores._worth_a_worker() is False  # and none left behind


def test_the_app_s_trail_view_may_use_a_worker(monkeypatch, tmp_path):
    """The app's trail pane is one answer its user waits on, as the CLI's `trail` is."""
    import tracetui.trail as trail_api
    from tracetui.library import MemoryLibrary
    from tracetui.ui import trail_view

    repo, session = _session(tmp_path)
    allowed: list[bool] = []
    real = trail_api.trail

    def spy(*args, **kw):
        allowed.append(two_cores._ALLOWED.get())
        return real(*args, **kw)

    monkeypatch.setattr(trail_api, "trail", spy)
    trail_view.compute(session, MemoryLibrary([session]), str(repo.path), None)
    assert allowed == [True]


def _spawns(monkeypatch) -> list[subprocess.Popen[bytes]]:
    started: list[subprocess.Popen[bytes]] = []
    real = two_cores._spawn

    def spawned() -> subprocess.Popen[bytes]:
        started.append(real())
        return started[-1]

    monkeypatch.setattr(two_cores, "_spawn", spawned)
    return started


def test_a_worker_started_early_judges_the_trail(judged_here, free, monkeypatch):
    """The worker starts before the history is walked (`early`), and the judgement takes that one."""
    repo, session, alone = judged_here
    monkeypatch.setattr(two_cores, "MIN_PATCHES", 0)
    started = _spawns(monkeypatch)
    watch = _Watch(monkeypatch)
    with on_two_cores():
        shared = trail(session, repo=repo.path)
    assert _json(shared) == alone and watch.answered >= 1
    assert len(started) == 1 and started[0].returncode is not None  # one process, and it is gone


def test_a_worker_started_early_for_a_light_trail_is_killed(judged_here, free, monkeypatch, tmp_path):
    repo, session, alone = judged_here
    monkeypatch.setattr(two_cores, "MIN_PATCHES", 0)
    monkeypatch.setattr(two_cores, "MIN_WEIGHT", 10**9)
    started = _spawns(monkeypatch)
    with on_two_cores():
        light = trail(session, repo=repo.path)
    assert _json(light) == alone
    assert len(started) == 1 and started[0].returncode is not None


def test_no_worker_starts_early_for_a_cached_trail_few_patches_or_outside_on_two_cores(
    judged_here, free, monkeypatch, tmp_path
):
    repo, session, alone = judged_here
    cache = tmp_path / "cache"
    assert _json(trail(session, repo=repo.path, cache_dir=cache)) == alone
    monkeypatch.setattr(two_cores, "MIN_WEIGHT", 10**9)  # and none for the judgement either
    started = _spawns(monkeypatch)
    with on_two_cores():
        assert _json(trail(session, repo=repo.path)) == alone  # 15 patches, below MIN_PATCHES
        monkeypatch.setattr(two_cores, "MIN_PATCHES", 0)
        cached = trail(session, repo=repo.path, cache_dir=cache)
    assert cached.cached and _json(cached) == alone
    assert _json(trail(session, repo=repo.path)) == alone
    assert started == []


def test_the_worker_judges_from_the_history_it_is_sent(judged_here, monkeypatch):
    """The worker's setup holds the walked history: it judges as this process does without walking
    the history again (0.09-0.14 s of its start on pi-mono)."""
    from tracetui.trail import judge_worker

    repo, session, alone = judged_here
    setups: list[two_cores.JudgeSetup] = []
    monkeypatch.setattr(judging, "helper", lambda weights, setup, started: setups.append(setup))
    here = trail(session, repo=repo.path)
    [setup] = setups

    def no_walk(*args, **kw):
        raise AssertionError("the worker walked the history again")

    monkeypatch.setattr(judging, "walk", no_walk)
    judge, files = judge_worker.prepared(pickle.loads(pickle.dumps(setup)))
    try:
        theirs = [judge(i) for i in range(len(setup.patches))]
    finally:
        files.clear()
    fields = [name for name in two_cores.FIELDS if name != "superseded_by"]  # set after the judging
    assert [[getattr(f, n) for n in fields] for f in theirs] == [
        [getattr(f, n) for n in fields] for f in here.fates
    ]


def _states(session, repo) -> list[dict]:
    """The fates as a blame judges them: states and paths, no counts, no later commits."""
    judged = TrailByFile(session, repo=repo.path, later_commits=False, counts=False).whole()
    return [f.to_dict() for f in judged.fates]


def test_a_judgement_of_states_alone_starts_a_worker_only_past_its_own_weight(judged_here, free, monkeypatch):
    """A blame's judgement (`counts=False`) costs less a version than a trail's: `MIN_WEIGHT_STATES`,
    not `MIN_WEIGHT`, says whether it is worth a worker, and none is started before the weights are
    known (`early`), however many its patches."""
    repo, session, _ = judged_here
    alone = _states(session, repo)
    monkeypatch.setattr(two_cores, "MIN_PATCHES", 0)
    started = _spawns(monkeypatch)
    with on_two_cores():
        light = _states(session, repo)  # MIN_WEIGHT is 0 here, MIN_WEIGHT_STATES is not
    assert light == alone and started == []
    monkeypatch.setattr(two_cores, "MIN_WEIGHT_STATES", 0)
    watch = _Watch(monkeypatch)
    with on_two_cores():
        shared = _states(session, repo)
    assert shared == alone and watch.answered >= 1 and "MainThread" in watch.taken
    assert len(started) == 1 and started[0].returncode is not None  # started at the weights, and gone


def test_a_trail_s_judgement_still_starts_its_worker_early(free, monkeypatch):
    """`early` starts one for a judgement of counts with patches enough, and none for states alone."""
    monkeypatch.setattr(two_cores, "MIN_PATCHES", 2)
    monkeypatch.setattr(two_cores, "_started", lambda: "a worker")
    with on_two_cores():
        asked = [two_cores.early(2), two_cores.early(2, counts=False), two_cores.early(1)]
    assert asked == ["a worker", None, None]
