"""A file's blame judges the patches to that file, and asks git one walk for many ancestries.

On badlogic/pi-mono, blaming `agent-session.ts` judged every file its writing session touched (a
posting of the same text in another file was asked where it landed, though only patches to the
blamed file can take a line): 9.4 s, then 2.9 s once only the file's own patches were asked.
"""

from __future__ import annotations

import itertools
from typing import Any, cast

import pygit2
import pytest
from support.trail_kit import count_judgements, Repo, iso, replace, session_of

import tracetui.blame.descent as descent
from tracetui.blame import blame_file
from tracetui.blame.descent import Descent
from tracetui.library import MemoryLibrary
from tracetui.trail.history import commit_table, ref_tips

FIELD = "    #[serde(default)]\n"


@pytest.fixture
def judged(monkeypatch) -> list[tuple[str, ...]]:
    return count_judgements(monkeypatch)


def _two_structs(tmp_path) -> Repo:
    """A repository of two files that each hold the same struct."""
    repo = Repo(tmp_path / "repo")
    for name in ("a.rs", "b.rs"):
        repo.write(name, f"// {name}\npub struct W {{\n    pub nodes: u8,\n}}\n")
    repo.commit("start", iso(9))
    return repo


def test_a_file_s_blame_judges_no_other_file_the_session_wrote_the_same_text_in(tmp_path, judged):
    repo = _two_structs(tmp_path)
    ea = replace(repo, "a.rs", "    pub nodes: u8,\n", FIELD + "    pub nodes: u8,\n")
    eb = replace(repo, "b.rs", "    pub nodes: u8,\n", FIELD + "    pub nodes: u8,\n")
    session = session_of(repo.path, [(iso(10), ea), (iso(10, 5), eb)])
    repo.commit("the session's fields", iso(10, 30))
    # A human's own copy of the line, days later: the blame asks which patches had landed before it.
    repo.write("a.rs", repo.read("a.rs").replace("}\n", FIELD + "    pub created: u64,\n}\n"))
    repo.commit("a field by hand", iso(12))
    lines = blame_file(MemoryLibrary([session]), "a.rs", repo=repo.path).lines
    assert [(x.text.strip(), x.kind) for x in lines if "serde" in x.text] == [
        ("#[serde(default)]", "agent"), ("#[serde(default)]", "human"),
    ]  # fmt: skip
    assert judged and all(paths == ("a.rs",) for paths in judged), judged


def test_a_file_s_blame_judges_no_other_file_of_the_step_that_wrote_it(tmp_path, judged):
    # One call patched both files (Codex's apply_patch, a MultiEdit): a blame of one judges that one
    # alone. shell-ws's Cargo.toml (3 patches, steps that touched 34): 2.05 s to 0.72 s, the same JSON.
    repo = _two_structs(tmp_path)
    ea = replace(repo, "a.rs", "    pub nodes: u8,\n", FIELD + "    pub nodes: u8,\n")
    eb = replace(repo, "b.rs", "    pub nodes: u8,\n", "    pub nodes: u16,\n")
    session = session_of(repo.path, [(iso(10), ea)])
    session.steps[0].edits.append(eb)
    repo.commit("the session's change", iso(10, 30))
    lines = blame_file(MemoryLibrary([session]), "a.rs", repo=repo.path).lines
    assert [(x.text.strip(), x.kind, x.state) for x in lines if "serde" in x.text] == [
        ("#[serde(default)]", "agent", "alive"),
    ]
    assert judged == [("a.rs",)], judged


def _branchy(repo: Repo) -> dict[str, str]:
    """main: m0 - m1 - m2 - merge(m2, f2) - m4; a feature branch f1 - f2 from m1; a side branch s1
    from m0 no ref but a tag keeps; a commit no ref reaches (detached)."""
    c: dict[str, str] = {}
    for i, name in enumerate(("m0", "m1")):
        repo.write("x.txt", f"{name}\n")
        c[name] = repo.commit(name, iso(9, i))
    repo.git("checkout", "-q", "-b", "feature")
    for i, name in enumerate(("f1", "f2")):
        repo.write("f.txt", f"{name}\n")
        c[name] = repo.commit(name, iso(10, i))
    repo.git("checkout", "-q", "-")
    repo.write("x.txt", "m2\n")
    c["m2"] = repo.commit("m2", iso(11))
    repo.git("merge", "-q", "--no-edit", "feature", when=f"{iso(12)}")
    c["merge"] = repo.head()
    repo.write("x.txt", "m4\n")
    c["m4"] = repo.commit("m4", iso(13))
    repo.git("checkout", "-q", c["m0"])
    repo.write("s.txt", "s1\n")
    c["s1"] = repo.commit("s1", iso(14))
    repo.git("tag", "side")
    repo.write("s.txt", "loose\n")
    c["loose"] = repo.commit("loose", iso(15))
    repo.git("checkout", "-q", "-")
    return c


@pytest.mark.parametrize("walk_after", [0, 3, 1000], ids=["walked-at-once", "walked-after-three", "never-walked"])
def test_each_ancestry_is_libgit2_s(tmp_path, monkeypatch, walk_after):
    repo = Repo(tmp_path / "repo")
    commits = _branchy(repo)
    r = pygit2.Repository(str(repo.path))
    monkeypatch.setattr(descent, "WALK_AFTER", walk_after)
    d = Descent(r)
    for (a, ca), (b, cb) in itertools.product(commits.items(), repeat=2):
        expected = ca != cb and r.descendant_of(ca, cb)
        assert d.strictly_after(ca, cb) == expected, (a, b)
    assert d.strictly_after(commits["m4"], "0" * 40) is False  # an object git lacks


def test_the_descent_walks_at_once_where_the_refs_commits_are_listed(tmp_path):
    repo = Repo(tmp_path / "repo")
    commits = _branchy(repo)
    r = pygit2.Repository(str(repo.path))
    asked: list[tuple[str, str]] = []

    class Counted:
        """The repository, counting libgit2's ancestry questions."""

        path, head_is_unborn = r.path, r.head_is_unborn

        def descendant_of(self, a, b):
            asked.append((a, b))
            return r.descendant_of(a, b)

        def __getattr__(self, name):
            return getattr(r, name)

    cold = Descent(cast(Any, Counted()))
    assert cold.strictly_after(commits["m4"], commits["m1"]) is True
    assert len(asked) == 1  # nothing listed: libgit2's answer
    commit_table(r, [c for _, c in ref_tips(r)])  # the judging's walk lists them
    warm = Descent(cast(Any, Counted()))
    for (a, ca), (b, cb) in itertools.product(commits.items(), repeat=2):
        assert warm.strictly_after(ca, cb) == (ca != cb and r.descendant_of(ca, cb)), (a, b)
    # Only of the commit no ref reaches, which no walk lists.
    assert [pair for pair in asked[1:] if commits["loose"] not in pair] == []
