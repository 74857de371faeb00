"""`TrailByFile`: a session's fates judged one file at a time (what blame asks for) are the whole
trail's, each file is judged once, and the judged files and a fresh whole trail come from the cache."""

from __future__ import annotations

import pytest
from support.trail_kit import count_judgements, Repo, iso, replace, session_of

from tracetui.model import FileEdit, Hunk
from tracetui.trail import TrailByFile, trail

BODY = "\n".join(f"line {i} of {{name}}" for i in range(1, 11)) + "\n"


def _three_files(repo: Repo, clock: str):
    """Three files edited: one kept, one undone by a later commit, one never committed; a fourth
    moved by the agent; and a second edit of the kept file that replaces the first one's line."""
    for name in ("a", "b", "c"):
        repo.write(f"{name}.py", BODY.format(name=name))
    repo.write("old/name.py", BODY.format(name="n"))
    repo.commit("init", f"{clock}T09:00:00Z")
    ea = replace(repo, "a.py", "line 2 of a\n", "line 2 of a\nfirst = 1\n")
    ea2 = replace(repo, "a.py", "first = 1\n", "second = 2\n")
    eb = replace(repo, "b.py", "line 2 of b\n", "line 2 of b\nundone_line = 1\n")
    ec = replace(repo, "c.py", "line 2 of c\n", "line 2 of c\ndiscarded_line = 1\n")
    text = repo.read("old/name.py").replace("line 4 of n\n", "line 4 of n\nMOVED = True\n")
    (repo.path / "old" / "name.py").unlink()
    repo.write("new/name.py", text)
    hunk = Hunk(0, 0, 0, 0, [" line 3 of n", " line 4 of n", "+MOVED = True", " line 5 of n"])
    moved = FileEdit(path="old/name.py", op="update", hunks=[hunk], move_to="new/name.py")
    repo.commit("work", f"{clock}T10:30:00Z", "a.py", "b.py", "old/name.py", "new/name.py")
    repo.write("b.py", BODY.format(name="b"))
    repo.commit("undo", f"{clock}T11:00:00Z", "b.py")
    repo.git("checkout", "--", "c.py")
    edits = [(iso(10), ea), (iso(10, 5), ea2), (iso(10, 10), eb), (iso(10, 15), ec), (iso(10, 20), moved)]
    return session_of(repo.path, edits)


@pytest.mark.parametrize("clock", ["2026-01-01", "2020-01-01"], ids=["clocks-agree", "log-clock-ahead"])
def test_each_step_has_the_whole_trails_fates(tmp_path, clock):
    session = _three_files(Repo(tmp_path / "r"), clock)
    whole = trail(session)
    assert {f.state for f in whole.fates} >= {"alive", "reverted", "lost"}  # the cases are there
    assert any(f.superseded_by for f in whole.fates)
    by = TrailByFile(session)
    for step in (s.id for s in session.steps):
        assert [f.to_dict() for f in by.of_step(step)] == [f.to_dict() for f in whole.for_step(step)], step


@pytest.fixture
def judged(monkeypatch) -> list[tuple[str, ...]]:
    return count_judgements(monkeypatch)


def test_files_are_judged_once_in_two_passes_at_most_and_then_come_from_the_cache(tmp_path, judged):
    session = _three_files(Repo(tmp_path / "r"), "2026-01-01")
    cache = tmp_path / "cache"
    by = TrailByFile(session, cache_dir=cache)
    by.of_step("s0")
    by.of_step("s1")  # the same file: judged with the first
    assert judged == [("a.py", "a.py")]
    TrailByFile(session, cache_dir=cache).of_step("s1")  # another blame of the file: from the cache
    assert len(judged) == 1
    by.of_step("s2")  # a second pass judges every file left, at once
    assert judged[1:] == [("b.py", "c.py", "new/name.py")]  # the moved file, under its new name
    by.of_step("s4")
    assert len(judged) == 2
    judged.clear()  # the whole trail is in the cache now, as `trail` keeps it
    assert trail(session, cache_dir=cache).cached and judged == []
    assert [f.state for f in TrailByFile(session, cache_dir=cache).of_step("s3")] == ["lost"] and judged == []


def test_a_trail_takes_the_files_a_blame_judged_and_judges_the_rest_in_one_pass(tmp_path, judged):
    session = _three_files(Repo(tmp_path / "r"), "2026-01-01")
    expected = [f.to_dict() for f in trail(session).fates]
    judged.clear()  # the trail without a cache, to compare with
    cache = tmp_path / "cache"
    TrailByFile(session, cache_dir=cache).of_step("s0")  # a blame: a.py judged, and kept alone
    assert judged == [("a.py", "a.py")] and len(list((cache / "trail").iterdir())) == 1
    whole = trail(session, cache_dir=cache)
    assert judged[1:] == [("b.py", "c.py", "new/name.py")] and not whole.cached
    assert [f.to_dict() for f in whole.fates] == expected
    judged.clear()
    assert trail(session, cache_dir=cache).cached and judged == []


def test_a_trail_judged_whole_keeps_one_entry_in_the_cache(tmp_path):
    """Each file's own entry is for a blame's partial pass: a whole trail's would fill the cache's
    500 entries a file at a time."""
    session = _three_files(Repo(tmp_path / "r"), "2026-01-01")
    trail(session, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache" / "trail").iterdir())) == 1


def test_a_session_outside_any_repository_lists_its_patches_unjudged(tmp_path):
    edit = FileEdit(path=str(tmp_path / "x.py"), op="create", content="x = 1\n")
    session = session_of(tmp_path, [(iso(10), edit)])
    [fate] = TrailByFile(session).of_step("s0")
    assert (fate.state, fate.reason) == ("unknown", "no repository")
