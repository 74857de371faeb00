"""Blame takes a posting as this clone's by the trail's rule (`trail.clone_id`), not a second one.

Blame compared a logged folder's name with the clone's work tree's, as spelled: a mirror kept as
`owner+name/repo`, a bare `Name.git` or a folder named in another case took none of the postings
the trail's `belongs` takes for the same clone.
"""

from __future__ import annotations

import subprocess

import pygit2
import pytest
from support.trail_kit import Repo, iso

from tracetui.blame.index import Posting
from tracetui.blame.lines import _Matcher


def _posting(path: str, commit: str | None = None, remote: str | None = None) -> Posting:
    return Posting(
        session="s1", agent="claude", step="x", index=0, patch=0, path=path, time=None, timestamp=None,
        active=True, prompt_step=None, prompt=None, remote=remote, commit=commit,
    )  # fmt: skip


# (where the clone is kept, the logged folder the posting's file lies in, whether blame takes it)
NAMES = [
    ("here/proj", "/home/alice/proj", True),
    ("here/proj", "/home/alice/PROJ", True),  # names compare without case
    ("mirrors/alice+proj/repo", "/home/alice/proj", True),  # how a fetched mirror is kept
    ("mirrors/alice+proj/repo", "/home/alice/repo", False),  # a mirror's `repo` is no project's name
    ("here/Proj.git", "/home/alice/proj", True),  # a bare clone
    ("here/proj", "/home/alice/proj-fork", False),
    ("here/proj", "/home/alice/other", False),
    ("mirrors/alice+proj/repo", "/home/alice/alice+proj", False),
    ("here/proj.git", "/home/alice/proj.git.old", False),
]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    repo = Repo(tmp_path_factory.mktemp("source") / "proj")
    repo.write("a.py", "x = 1\n")
    repo.commit("start", iso(9))
    return repo


def _clone(source: Repo, where) -> pygit2.Repository:
    where.parent.mkdir(parents=True, exist_ok=True)
    bare = ["--bare"] if where.name.endswith(".git") or where.name == "repo" else []
    subprocess.run(["git", "clone", "-q", *bare, str(source.path), str(where)], check=True)
    subprocess.run(["git", "-C", str(where), "remote", "set-url", "origin", "https://github.com/alice/proj"],
                   check=True)  # fmt: skip
    return pygit2.Repository(str(where))


@pytest.mark.parametrize("where, folder, taken", NAMES)
def test_blame_takes_a_logged_folder_named_as_the_clone(source, tmp_path, where, folder, taken):
    matcher = _Matcher(_clone(source, tmp_path / where))
    assert (matcher.tier(_posting(f"{folder}/a.py"), ["a.py"]) == 1) is taken


# (the log's commit, the log's remote, whether blame takes a posting under a folder of another name)
WORDS = [
    ("HEAD", None, True),
    (None, "git@github.com:alice/proj.git", True),
    (None, "ssh://git@github.com:22/alice/proj.git", True),  # a port is no part of the repository
    (None, "https://github.com/bob/proj", False),
    ("0" * 40, None, False),
]


@pytest.mark.parametrize("commit, remote, taken", WORDS)
def test_blame_takes_a_posting_by_the_log_s_word(source, tmp_path, commit, remote, taken):
    clone = _clone(source, tmp_path / "here" / "proj")
    if commit == "HEAD":
        commit = str(clone.head.target)
    matcher = _Matcher(clone)
    assert (matcher.tier(_posting("/home/alice/other/a.py", commit, remote), ["a.py"]) == 1) is taken
