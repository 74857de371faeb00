"""`judged_apart`: a trail's patches judged on two processes give, in order, the fates one process
gives; the forked child takes its share; a child that fails leaves its patches to the parent; and
nothing forks outside `on_two_cores`, for a light trail, or beside another thread."""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
import time

import pytest
from support.trail_kit import Repo, iso, replace, session_of

from tracetui.trail import on_two_cores, trail, two_cores
from tracetui.trail.fates import Fate
from tracetui.trail.patch import Patch

REAL_ALONE = two_cores._alone
REAL_CORE_FREE = two_cores._core_free
BODY = "\n".join(f"line {i} of {{name}}" for i in range(1, 11)) + "\n"


@pytest.fixture
def alone(monkeypatch):
    """pytest-timeout's thread is the only other one, and it takes no lock the child needs; and a core
    is free whatever else the machine runs (the tests' other workers)."""
    monkeypatch.setattr(two_cores, "_alone", lambda: True)
    monkeypatch.setattr(two_cores, "_core_free", lambda: True)


def _patches(paths: list[str]) -> list[Patch]:
    return [Patch(f"step{i}", path, "update", [], [f"line {i}"], []) for i, path in enumerate(paths)]


def _judge(patches: list[Patch], fail_in_child: bool = False):
    """A judge that names the process that judged (`reason`) and takes long enough to be shared."""
    parent = os.getpid()

    def judge(i: int) -> Fate:
        time.sleep(0.05)
        if fail_in_child and os.getpid() != parent:
            raise RuntimeError("the child fails")
        pid = str(os.getpid())
        return Fate(patches[i], "alive", commit=f"c{i}", kept=i, commits=[f"c{i}", "x"], reason=pid)

    return judge


def _apart(patches: list[Patch], weights: list[int], **kw) -> list[Fate]:
    return two_cores.judged_apart(patches, weights, _judge(patches, **kw), lambda: None, lambda: None)


def test_files_shared_with_a_child_come_back_in_order(alone):
    patches = _patches(["a.py", "a.py", "b.py", "b.py", "c.py", "c.py", "d.py", "d.py"])
    with on_two_cores():
        fates = _apart(patches, [100] * len(patches))
    assert [f.patch for f in fates] == patches  # the parent's own patches, not copies
    assert [(f.state, f.commit, f.kept, f.commits) for f in fates] == [
        ("alive", f"c{i}", i, [f"c{i}", "x"]) for i in range(len(patches))
    ]
    by = [f.reason for f in fates]
    assert str(os.getpid()) in by and len(set(by)) == 2  # the parent and its child took part
    assert all(by[i] == by[i + 1] for i in range(0, len(by), 2))  # a file's patches on one process


def test_one_file_that_holds_most_of_the_work_is_shared_patch_by_patch(alone):
    patches = _patches(["big.py"] * 6 + ["small.py"])
    with on_two_cores():
        fates = _apart(patches, [100] * 6 + [1])
    assert len({f.reason for f in fates[:6]}) == 2


def test_a_failing_child_leaves_its_patches_to_the_parent(alone):
    patches = _patches(["a.py", "b.py", "c.py", "d.py"])
    with on_two_cores():
        fates = _apart(patches, [200] * 4, fail_in_child=True)
    assert [f.kept for f in fates] == [0, 1, 2, 3]
    assert {f.reason for f in fates} == {str(os.getpid())}


@pytest.mark.parametrize("case", ["not allowed", "light", "another thread", "no core free"])
def test_no_fork(case, alone, monkeypatch):
    patches = _patches(["a.py", "b.py", "c.py", "d.py"])
    weights = [200] * 4
    if case == "light":
        weights = [two_cores.MIN_WEIGHT // 4 - 1] * 4
    if case == "another thread":
        monkeypatch.setattr(two_cores, "_alone", REAL_ALONE)
        monkeypatch.setattr(two_cores.threading, "active_count", lambda: 2)
    if case == "no core free":
        monkeypatch.setattr(two_cores, "_core_free", REAL_CORE_FREE)
        monkeypatch.setattr(two_cores.os, "getloadavg", lambda: (64.0, 64.0, 64.0))
    if case == "not allowed":
        fates = contextvars.Context().run(_apart, patches, weights)  # whatever an earlier caller left
    else:
        with on_two_cores():
            fates = _apart(patches, weights)
    assert {f.reason for f in fates} == {str(os.getpid())}


FOUR = ([[0], [1], [2], [3]], [200] * 4)  # units and weights worth a fork where allowed


def test_one_thread_s_permission_is_not_another_s(alone):
    """`on_two_cores` in one thread (the app's worker running `trail`) let a fork happen in every
    other (an export's workers), which must never fork."""
    inside, checked = threading.Event(), threading.Event()
    seen: list[bool] = []

    def holder() -> None:
        with on_two_cores():
            inside.set()
            checked.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    inside.wait(10)
    seen.append(two_cores._worth_forking(*FOUR))
    checked.set()
    thread.join()
    with on_two_cores():
        seen.append(two_cores._worth_forking(*FOUR))
    assert seen == [False, True]


def test_one_task_s_permission_is_not_another_s(alone):
    async def both() -> list[bool]:
        inside, checked = asyncio.Event(), asyncio.Event()

        async def holder() -> bool:
            with on_two_cores():
                inside.set()
                await checked.wait()
                return two_cores._worth_forking(*FOUR)

        async def other() -> bool:
            await inside.wait()
            found = two_cores._worth_forking(*FOUR)
            checked.set()
            return found

        return list(await asyncio.gather(holder(), other()))

    assert asyncio.run(both()) == [True, False]
    assert two_cores._worth_forking(*FOUR) is False  # and none left behind


def test_a_real_trail_on_two_cores_is_the_same_trail(tmp_path, alone, monkeypatch):
    repo = Repo(tmp_path / "repo")
    for name in ("a", "b", "c"):
        repo.write(f"{name}.py", BODY.format(name=name))
    repo.commit("init", "2026-01-01T09:00:00Z")
    ea = replace(repo, "a.py", "line 2 of a\n", "line 2 of a\nkept_line = 1\n")
    eb = replace(repo, "b.py", "line 2 of b\n", "line 2 of b\nundone_line = 1\n")
    ec = replace(repo, "c.py", "line 2 of c\n", "line 2 of c\nnever_committed = 1\n")
    repo.commit("work", "2026-01-01T10:30:00Z", "a.py", "b.py")
    repo.write("b.py", BODY.format(name="b"))
    repo.commit("undo", "2026-01-01T11:00:00Z", "b.py")
    repo.git("checkout", "--", "c.py")
    session = session_of(repo.path, [(iso(10), ea), (iso(10, 5), eb), (iso(10, 10), ec)])
    alone_rows = trail(session, repo=repo.path).rows()
    forks: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(two_cores, "MIN_WEIGHT", 0)
    monkeypatch.setattr(two_cores.os, "fork", fork)
    with on_two_cores():
        shared = trail(session, repo=repo.path)
    assert forks and shared.rows() == alone_rows
    assert [r["state"] for r in alone_rows] == ["alive", "reverted", "lost"]
