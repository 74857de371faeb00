"""Which repository a seal from the app reads, and the base commit it stamps (issue 40: an app started
with `--repo CLONE` stamped CLONE's HEAD as the base of unrelated sessions' capsules)."""

from __future__ import annotations

import subprocess

import pytest

from tracetui.capsule import seal_base
from tracetui.demo.build import build, open_library
from tracetui.trail import belongs


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def demo_session(tmp_path_factory):
    root = tmp_path_factory.mktemp("base")
    demo = build(root / "demo")
    library = open_library(demo)
    session = library.session("7d3c1a52")
    other = root / "other"
    _git("init", "-q", str(other))
    (other / "x.txt").write_text("x\n")
    _git("-C", str(other), "add", ".")
    _git("-C", str(other), "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x")
    clone = root / "elsewhere" / demo.repo.name
    _git("clone", "-q", str(demo.repo), str(clone))
    return demo, session, other, clone


def test_a_session_belongs_to_its_own_repository_and_its_clones_not_to_another(demo_session):
    demo, session, other, clone = demo_session
    assert belongs(session, demo.repo)
    assert belongs(session, clone)  # a clone elsewhere, named as the folder it ran in, with its files
    assert not belongs(session, other)
    assert not belongs(session, other / "no-such-folder")


def test_a_clone_that_holds_the_same_files_under_another_name_is_not_the_session_s(demo_session, tmp_path):
    # Any clone holds a README.md: files of the same names alone made the app's --repo judge other
    # projects' sessions in it (every patch of a Codex session called lost in an unrelated clone).
    demo, session, _, clone = demo_session
    decoy = tmp_path / "decoy"
    _git("clone", "-q", str(clone), str(decoy))
    assert not belongs(session, decoy)
    mirror = tmp_path / f"someone+{demo.repo.name}" / "repo"  # how a fetched mirror is kept
    _git("clone", "-q", str(clone), str(mirror))
    assert belongs(session, mirror)


def test_the_base_ignores_a_repo_the_session_does_not_belong_to(demo_session):
    demo, session, other, _ = demo_session
    own = seal_base(session)
    assert own.repo is not None and own.commit is not None and own.note == "the session's own repository"
    stranger = seal_base(session, repo=other)
    assert stranger.commit == own.commit and stranger.repo == own.repo
    assert stranger.commit != _git("-C", str(other), "rev-parse", "HEAD")
    assert "is not this session's repository" in stranger.note
    given = seal_base(session, repo=demo.repo)
    assert given.commit == own.commit and "belongs to" in given.note
