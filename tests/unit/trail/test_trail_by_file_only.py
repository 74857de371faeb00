"""`TrailByFile(only=...)`: a blame's trail replays only the blamed file's patches (the other files'
edits are stubs until one is asked about), and its fates are the whole trail's either way."""

from __future__ import annotations

import pytest
from support.trail_kit import count_judgements, iso, Repo, replace, session_of, shell_steps, with_shell_steps

import tracetui.trail.patches as patches_module
from tracetui.trail import session_patches, TrailByFile, trail
from tracetui.trail.patches import file_patches

BODY = "\n".join(f"line {i} of {{name}}" for i in range(1, 11)) + "\n"


def _two_files(repo: Repo, clock: str = "2026-01-01"):
    """a.py edited twice and committed, b.py once and never committed, then a.py again."""
    for name in ("a", "b"):
        repo.write(f"{name}.py", BODY.format(name=name))
    repo.commit("init", f"{clock}T09:00:00Z")
    ea = replace(repo, "a.py", "line 2 of a\n", "line 2 of a\nfirst = 1\n")
    eb = replace(repo, "b.py", "line 2 of b\n", "line 2 of b\ndiscarded = 1\n")
    ea2 = replace(repo, "a.py", "first = 1\n", "second = 2\n")
    repo.commit("work", f"{clock}T10:30:00Z", "a.py")
    repo.git("checkout", "--", "b.py")
    return session_of(repo.path, [(iso(10), ea), (iso(10, 5), eb), (iso(10, 10), ea2)])


@pytest.fixture
def replayed(monkeypatch) -> list[str]:
    """The files of the edits the replay places, in order."""
    made: list[str] = []
    real = patches_module._edit_patch

    def counted(step, edit, *args, **kwargs):
        made.append(edit.path)
        return real(step, edit, *args, **kwargs)

    monkeypatch.setattr(patches_module, "_edit_patch", counted)
    return made


def test_only_the_files_patches_are_replayed_until_another_file_is_asked(tmp_path, replayed):
    session = _two_files(Repo(tmp_path / "r"))
    whole = trail(session)
    replayed.clear()
    by = TrailByFile(session, only=frozenset({"a.py"}))
    assert [p.rsplit("/", 1)[-1] for p in replayed] == ["a.py", "a.py"]
    for step in ("s0", "s2"):
        assert [f.to_dict() for f in by.of_step(step)] == [f.to_dict() for f in whole.for_step(step)]
    assert len(replayed) == 2
    assert [f.to_dict() for f in by.of_step("s1")] == [f.to_dict() for f in whole.for_step("s1")]
    assert len(replayed) == 5  # b.py asked: the whole session replayed
    assert [f.to_dict() for f in by.whole().fates] == [f.to_dict() for f in whole.fates]


@pytest.mark.parametrize("clock", ["2026-01-01", "2020-01-01"], ids=["clocks-agree", "log-clock-ahead"])
def test_the_files_patches_are_the_whole_replays(tmp_path, clock):
    session = _two_files(Repo(tmp_path / "r"), clock)
    full = session_patches(session)
    found = file_patches(session, frozenset({"a.py"}))
    assert found is not None
    some, stubs = found
    assert stubs == {1} and len(some) == len(full)
    assert [p.to_dict() for i, p in enumerate(some) if i not in stubs] == [full[0].to_dict(), full[2].to_dict()]
    assert (some[1].path, some[1].step_id, some[1].index, some[1].hunks) == ("b.py", "s1", 1, [])


@pytest.mark.parametrize("command", ["mv b.py a.py", "mv a.py z.py", "mkdir d && mv a.py d/"])
def test_a_rename_of_the_file_replays_the_whole_session(tmp_path, command):
    repo = Repo(tmp_path / "r")
    session = with_shell_steps(_two_files(repo), 2, shell_steps("sh", iso(10, 7), command, repo.path))
    assert file_patches(session, frozenset({"a.py"})) is None
    assert file_patches(session, frozenset({"c.py"})) is not None  # a rename of other files only


def test_a_rename_of_other_files_keeps_the_stubs(tmp_path):
    repo = Repo(tmp_path / "r")
    session = with_shell_steps(_two_files(repo), 2, shell_steps("sh", iso(10, 7), "mv b.py c.py", repo.path))
    by = TrailByFile(session, only=frozenset({"a.py"}))
    assert by._stubs == {1}
    assert [f.to_dict() for f in by.of_step("s2")] == [f.to_dict() for f in trail(session).for_step("s2")]


def test_a_stubs_file_asked_after_a_trail_comes_from_the_whole_trails_cache(tmp_path, monkeypatch):
    session = _two_files(Repo(tmp_path / "r"))
    cache = tmp_path / "cache"
    whole = trail(session, cache_dir=cache)
    judged = count_judgements(monkeypatch)
    by = TrailByFile(session, cache_dir=cache, only=frozenset({"a.py"}))
    assert [f.to_dict() for f in by.of_step("s0")] == [f.to_dict() for f in whole.for_step("s0")]
    assert judged == [("a.py", "a.py")]  # a stubbed list cannot key the whole trail's entry
    again = TrailByFile(session, cache_dir=cache, only=frozenset({"a.py"}))
    again.of_step("s0")  # a.py from its own entry now: nothing judged yet
    for by in (by, again):
        assert [f.to_dict() for f in by.of_step("s1")] == [f.to_dict() for f in whole.for_step("s1")]
    assert judged == [("a.py", "a.py")]  # b.py from the whole trail's entry, once replayed
