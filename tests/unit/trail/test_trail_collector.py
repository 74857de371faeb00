"""A trail judges with Python's cyclic garbage collector paused, and leaves it as it found it.

The collector is the process's: a trail that left it off would make every later cycle in the app
live forever, and one that turned it on would undo a caller's choice.
"""

from __future__ import annotations

import gc
import threading

import pytest
from support.trail_kit import Repo, iso, replace, session_of

from tracetui.trail import judging, trail


def _session(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "x = 1\n")
    repo.commit("init", iso(9))
    edit = replace(repo, "a.py", "x = 1\n", "x = 1\ny = compute(2)\n")
    repo.commit("work", iso(11))
    return repo, session_of(repo.path, [(iso(10), edit)])


def test_the_collector_is_off_while_judging_and_on_again_after(tmp_path, monkeypatch, collector_on):
    repo, session = _session(tmp_path)
    seen: list[bool] = []
    judge_one = judging._judge_one

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return judge_one(*args, **kwargs)

    monkeypatch.setattr(judging, "_judge_one", spy)
    [fate] = trail(session, repo=repo.path).fates
    assert fate.state == "alive"
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off(tmp_path, collector_on):
    repo, session = _session(tmp_path)
    gc.disable()
    trail(session, repo=repo.path)
    assert not gc.isenabled()


def test_a_failing_trail_still_puts_the_collector_back(tmp_path, monkeypatch, collector_on):
    repo, session = _session(tmp_path)

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(judging, "_judge_one", boom)
    with pytest.raises(RuntimeError):
        trail(session, repo=repo.path)
    assert gc.isenabled()


def test_overlapping_trails_put_it_back_when_the_last_one_ends(collector_on):
    # Two threads' trails overlap: the first to end must not turn it on under the other.
    inside, release = threading.Event(), threading.Event()
    states: list[bool] = []

    def first():
        with judging._collector_paused():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(10)
    with judging._collector_paused():
        states.append(gc.isenabled())
        release.set()
        t.join(10)
        states.append(gc.isenabled())  # the first trail has ended: still off for this one
    states.append(gc.isenabled())
    assert states == [False, False, True]
