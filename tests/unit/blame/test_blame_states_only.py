"""A blame judges its writers' patches for their states, not their counts (`judge`'s `counts=False`):
the close-line tests stop once a state is settled (none of the missing lines edited, all of them,
or some), and a move search that cannot change the state or the path is skipped: most of pi-mono's
heaviest judgements. Those fates are cached apart, so a trail never shows their counts.
"""

from __future__ import annotations

import itertools
import random
from types import SimpleNamespace
from typing import Any

import pytest

from support.trail_kit import iso, replace, Repo, session_of

from tracetui.blame import blame_file
from tracetui.library import MemoryLibrary
import tracetui.trail.judging as judging
from tracetui.trail import evidence as ev
from tracetui.trail import trail
from tracetui.trail.file_lines import Fresh
from tracetui.trail.judging import _followed_to


def _kind(n: int, found: int) -> str:
    return "none" if n == 0 else "all" if n == found else "some"


def test_coarse_counts_say_none_some_or_all_as_the_exact_count_does():
    rng = random.Random(41)
    for _ in range(3000):
        missing = rng.randint(1, 12)
        found = rng.randint(1, 14)
        tests = [rng.random() < rng.choice((0.1, 0.5, 0.9)) for _ in range(missing)]
        exact = min(sum(tests), found)
        seen = iter(tests)
        coarse = ev._coarse(seen, missing, found)
        assert _kind(coarse, found) == _kind(exact, found), (tests, found)
        assert 0 <= coarse <= found


def test_coarse_counts_stop_once_the_answer_is_settled():
    # One line edited and one not, of ten missing where ten were looked for: "some", after two tests.
    tests = iter([False, True, *itertools.repeat(True, 8)])
    assert ev._coarse(tests, 10, 10) == 1
    assert len(list(tests)) == 8


def _edited_and_dropped(tmp_path):
    """A session's eight lines, committed; a later commit deletes one, edits six and keeps one."""
    repo = Repo(tmp_path / "repo")
    repo.write("a.py", "def f():\n    return 0\n")
    repo.commit("start", iso(9))
    names = ["alpha", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    lines = [f"    {n}_value = compute_the_{n}_value(1)\n" for n in names]
    body = "".join([lines[0], "    raise SystemExit(4242)\n", *lines[1:]])
    edit = replace(repo, "a.py", "    return 0\n", body + "    return 0\n")
    session = session_of(repo.path, [(iso(10), edit)])
    repo.commit("the session's lines", iso(10, 30))
    text = repo.read("a.py").replace("    raise SystemExit(4242)\n", "")
    for n in names[1:]:
        text = text.replace(f"compute_the_{n}_value(1)", f"compute_the_{n}_value(2)")
    repo.write("a.py", text)
    repo.commit("a human's edit", iso(11))
    return repo, session


def test_a_blame_tests_fewer_lines_for_the_same_state_and_a_trail_still_counts(tmp_path, monkeypatch):
    repo, session = _edited_and_dropped(tmp_path)
    library = MemoryLibrary([session])
    library.cache_dir = tmp_path / "cache"
    tested: list[str] = []
    real = Fresh.similar

    def counted(self, line):
        tested.append(line)
        return real(self, line)

    monkeypatch.setattr(Fresh, "similar", counted)
    lines = blame_file(library, "a.py", repo=repo.path).lines
    assert [(x.text.strip(), x.state) for x in lines if x.kind == "agent"] == [
        ("alpha_value = compute_the_alpha_value(1)", "transformed"),
    ]
    in_blame = len(tested)
    # The trail's own judgement (the blame's fates are cached apart): every missing line tested.
    [fate] = trail(session, repo=repo.path, cache_dir=library.cache_dir).fates
    assert (fate.state, fate.kept, fate.changed, fate.dropped) == ("transformed", 1, 6, 1)
    assert len(tested) - in_blame == 7
    assert 0 < in_blame < 7



class _Unread:
    """A trail's file versions that must not be read."""

    def full(self, blob):
        raise AssertionError(f"read {blob}")

    fresh_lines = full


def test_lines_followed_to_another_file_are_not_tested_where_the_state_is_settled():
    probe: Any = SimpleNamespace(size=10)
    moved = ("b.py", 3, "blob-b", "blob-b-before")
    unread: Any = _Unread()
    # 4 kept in place and some edited there, 3 kept in b.py (fewer than in place: the path stays):
    # transformed, whatever b.py's other lines are.
    assert _followed_to(moved, probe, unread, 4, 2, "a.py", coarse=True) == (7, 2, "a.py")
    with pytest.raises(AssertionError, match="blob-b"):
        _followed_to(moved, probe, unread, 4, 2, "a.py")  # the exact count reads them
    # None edited in place: whether some were in b.py is asked (the count's zero is the state's).
    with pytest.raises(AssertionError, match="blob-b"):
        _followed_to(moved, probe, unread, 4, 0, "a.py", coarse=True)


def _moved_then_edited(tmp_path):
    """A session's eight lines, committed; a later commit moves two of them to another file, and a
    later one still edits one in place: five kept in place, two moved, one edited."""
    repo = Repo(tmp_path / "repo")
    repo.write("a.py", "def f():\n    return 0\n")
    repo.write("b.py", "def g():\n    return 0\n")
    repo.commit("start", iso(9))
    names = ["alpha", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    lines = [f"    {n}_value = compute_the_{n}_value(first_argument, second_argument)\n" for n in names]
    body = "".join(lines) + '    raise LookupError("nothing left to try", code=77)\n'
    edit = replace(repo, "a.py", "    return 0\n", body + "    return 0\n")
    session = session_of(repo.path, [(iso(10), edit)])
    repo.commit("the session's lines", iso(10, 30))
    moving = "".join(lines[:2])
    repo.write("a.py", repo.read("a.py").replace(moving, ""))
    repo.write("b.py", repo.read("b.py").replace("    return 0\n", moving + "    return 0\n"))
    repo.commit("two lines moved to b.py", iso(11))
    repo.write("a.py", repo.read("a.py").replace("code=77", "code=78"))
    repo.commit("one line edited", iso(12))
    return repo, session


def test_a_blame_skips_a_move_search_that_cannot_change_the_state(tmp_path, monkeypatch):
    repo, session = _moved_then_edited(tmp_path)
    library = MemoryLibrary([session])
    library.cache_dir = tmp_path / "cache"
    searched: list[str] = []
    real = judging._moved

    def counted(*args, **kwargs):
        searched.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(judging, "_moved", counted)
    lines = blame_file(library, "a.py", repo=repo.path).lines
    assert {x.state for x in lines if x.kind == "agent"} == {"transformed"}
    assert len([x for x in lines if x.kind == "agent"]) == 5
    # Kept in place 5, missing 3: a move keeping 3 or more in one file (none here keeps more than
    # the 2 gone by then) is all that could make it alive or live elsewhere. The trail searches.
    assert searched == []
    [fate] = trail(session, repo=repo.path, cache_dir=library.cache_dir).fates
    assert (fate.state, fate.kept, fate.changed, fate.path_now) == ("transformed", 7, 1, None)
    assert searched == ["a.py"]


def test_a_move_that_keeps_the_rest_elsewhere_is_still_searched(tmp_path):
    # Four lines; a later commit moves two to b.py and writes one like one of them in place: alive
    # (kept 2 in place and 2 in b.py, where it lives now), though one line reads edited in place.
    repo = Repo(tmp_path / "repo")
    repo.write("a.py", "def f():\n    return 0\n")
    repo.write("b.py", "def g():\n    return 0\n")
    repo.commit("start", iso(9))
    lines = [f"    {n}_value = compute_the_{n}_value(first_argument, second_argument)\n"
             for n in ("alpha", "gamma", "delta")]  # fmt: skip
    lines.append('    raise LookupError("nothing left to try", code=77)\n')
    edit = replace(repo, "a.py", "    return 0\n", "".join(lines) + "    return 0\n")
    session = session_of(repo.path, [(iso(10), edit)])
    repo.commit("the session's lines", iso(10, 30))
    moving = "".join(lines[2:])
    like = "    delta_value = compute_the_delta_value(first_argument, third_argument)\n"
    repo.write("a.py", repo.read("a.py").replace(moving, like))
    repo.write("b.py", repo.read("b.py").replace("    return 0\n", moving + "    return 0\n"))
    repo.commit("two lines moved to b.py", iso(11))
    library = MemoryLibrary([session])
    library.cache_dir = tmp_path / "cache"
    lines_a = blame_file(library, "a.py", repo=repo.path).lines
    assert [x.state for x in lines_a if x.kind == "agent"] == ["alive", "alive"]
    [fate] = trail(session, repo=repo.path, cache_dir=library.cache_dir).fates
    assert (fate.state, fate.kept, fate.path_now) == ("alive", 4, "b.py")


def test_a_skipped_move_search_counts_the_norms_in_place_once_per_walk(tmp_path, monkeypatch):
    repo, session = _moved_then_edited(tmp_path)
    kept_line = "    eta_value = compute_the_eta_value(first_argument, second_argument)\n"
    for n in range(3):
        # A copy of one of its lines more each time: a step the patch's norms see, nothing dropped.
        repo.write("a.py", repo.read("a.py") + kept_line)
        repo.commit(f"copy {n}", iso(13 + n))
    library = MemoryLibrary([session])
    library.cache_dir = tmp_path / "cache"
    looked_up: list[int] = []
    real = ev.present_norms

    def counted(*args, **kwargs):
        looked_up.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ev, "present_norms", counted)
    lines = blame_file(library, "a.py", repo=repo.path).lines
    assert [x.state for x in lines if x.kind == "agent"] == ["transformed"] * 5
    # Five versions whose counts of the patch's norms changed: the first is looked up whole, and the
    # last (the blamed one, counted on its own before the walk); the others from the one before.
    assert len(looked_up) == 2
