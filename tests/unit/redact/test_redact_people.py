"""People this machine knows (issue 35): the account's full name, git's user.name, a repository's
authors and committers, and remembered names are found wherever they appear, as suggestions; agents'
and bots' signatures are not people. Every name here is made up by the test."""

from __future__ import annotations

import pygit2
import pytest

from tracetui.model import Session, Step
from tracetui.redact import Identity, identity_from_session, remember_name, scan_text
from tracetui.redact.people import account_names, remembered_names, repository_people, usable_person_name


@pytest.mark.parametrize(
    ("name", "usable"),
    [
        ("Odalys Vantreeck", True),
        ("Jean-Luc Barrowmere", True),
        ("quillfeather", True),  # a handle of five letters or more names its owner
        ("Claude", False),  # an agent that signs commits
        ("dependabot[bot]", False),
        ("GitHub Actions", False),
        ("Ana", False),  # one short word: an ordinary word too often
        ("", False),
        ("two\nlines", False),
        ("x" * 81, False),
    ],
)
def test_which_names_are_people(name, usable):
    assert usable_person_name(name) is usable


def _repo(path, people):
    repo = pygit2.init_repository(str(path))
    parents: list = []
    for i, (author, committer) in enumerate(people):
        (path / f"f{i}.txt").write_text(str(i))
        repo.index.add(f"f{i}.txt")
        repo.index.write()
        tree = repo.index.write_tree()
        oid = repo.create_commit(
            "HEAD", pygit2.Signature(author, "a@x.invalid"), pygit2.Signature(committer, "c@x.invalid"),
            f"c{i}", tree, parents,
        )  # fmt: skip
        parents = [oid]
    return repo


def test_a_repositorys_authors_and_committers_are_known_and_bots_left_out(tmp_path):
    _repo(tmp_path, [("Odalys Vantreeck", "Odalys Vantreeck"), ("Claude", "Perpetua Quill"),
                     ("dependabot[bot]", "GitHub")])  # fmt: skip
    (tmp_path / "sub").mkdir()
    assert repository_people(str(tmp_path / "sub")) == {"Odalys Vantreeck", "Perpetua Quill"}
    assert repository_people(str(tmp_path / "gone")) == frozenset()
    assert repository_people(None) == frozenset()


def test_a_sessions_repository_people_are_found_in_its_text_as_suggestions(tmp_path):
    _repo(tmp_path, [("Odalys Vantreeck", "Odalys Vantreeck")])
    steps = [Step(id="s0", index=0, kind="assistant", role="assistant",
                  text="As Odalys Vantreeck wrote in the review, odalys vantreeck's fix holds.")]  # fmt: skip
    session = Session(id="p1", agent="claude", source="x.jsonl", cwd=str(tmp_path), steps=steps)
    ident = identity_from_session(session)
    assert ident.person_names == {"Odalys Vantreeck"}
    found = [f for f in scan_text(steps[0].text, ident) if f.kind == "person-name"]
    assert [(steps[0].text[f.start:f.end], f.tier, f.detector) for f in found] == [
        ("Odalys Vantreeck", "suggested", "identity:person-name")
    ]  # the name as written; the lower-case words are not taken for it


def test_the_accounts_git_name_and_remembered_names_join_the_environment(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (home / ".gitconfig").write_text('[user]\n\tname = Perpetua Quill\n\temail = pq@x.invalid\n[core]\n\tname = nope\n')
    assert "Perpetua Quill" in account_names()
    assert "nope" not in account_names()
    assert remember_name("Tobiah Merriweather")
    assert remember_name("Tobiah Merriweather")  # once in the file however often asked
    assert not remember_name("a\nb")
    assert remembered_names() == {"Tobiah Merriweather"}
    ident = Identity.from_environment()
    assert {"Perpetua Quill", "Tobiah Merriweather"} <= ident.person_names
    text = "ping Tobiah Merriweather about it"
    assert [text[f.start:f.end] for f in scan_text(text, ident) if f.kind == "person-name"] == ["Tobiah Merriweather"]


def test_people_change_the_identitys_fingerprint():
    assert Identity().fingerprint() != Identity(person_names={"Odalys Vantreeck"}).fingerprint()
