"""A log's commit is its word only as a full commit id, never as a revision the clone resolves.

`has_commit` asked the clone to resolve whatever string the log gave: a log whose commit was `HEAD`,
`main`, `HEAD~1` or `:/text` named every clone (and a prefix of four digits one in a few dozen), so a
stranger's log was taken as the session of any repository it was set beside, by the trail and blame.
"""

from __future__ import annotations

import pygit2
import pytest
from support.trail_kit import Repo, iso

from tracetui.blame.index import Posting
from tracetui.blame.lines import _Matcher
from tracetui.model import GitInfo, Session
from tracetui.trail import belongs
from tracetui.trail.clone_id import CloneId, has_commit


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Repo:
    repo = Repo(tmp_path_factory.mktemp("clone") / "proj")
    repo.write("a.py", "x = 1\n")
    repo.commit("start", iso(9))
    repo.write("a.py", "x = 2\n")
    repo.commit("second", iso(10))
    return repo


def _revisions(repo: Repo) -> list[str]:
    head = repo.head()
    tree = repo.git("rev-parse", "HEAD^{tree}")
    return ["HEAD", "main", "HEAD~1", "@", "@{0}", ":/start", "HEAD:a.py", "HEAD^{tree}", tree, head[:4],
            head[:7], f" {head[:12]}"]  # fmt: skip


def test_a_revision_or_a_prefix_is_no_logged_commit(clone):
    repo = pygit2.Repository(str(clone.path))
    for spelled in _revisions(clone):
        assert not has_commit(repo, spelled), spelled
    assert has_commit(repo, clone.head())
    assert has_commit(repo, clone.head().upper())  # how a log spells the id is its own affair


def test_a_stranger_s_log_naming_head_does_not_claim_the_clone(clone, tmp_path):
    for spelled in _revisions(clone):
        session = Session(id="s", agent="codex", source="x.jsonl", cwd="/home/mallory/elsewhere",
                          git=GitInfo("main", spelled, None))  # fmt: skip
        assert not belongs(session, clone.path), spelled
    own = Session(id="s", agent="codex", source="x.jsonl", cwd="/home/alice/elsewhere",
                  git=GitInfo("main", clone.head(), None))  # fmt: skip
    assert belongs(own, clone.path)


def test_blame_takes_no_posting_for_a_logged_revision(clone):
    repo = pygit2.Repository(str(clone.path))
    assert not CloneId(clone.path, repo).logged_word("HEAD", None)
    posting = Posting(session="s1", agent="codex", step="x", index=0, patch=0, path="/home/m/other/a.py",
                      time=None, timestamp=None, active=True, prompt_step=None, prompt=None, remote=None,
                      commit="HEAD")  # fmt: skip
    assert _Matcher(repo).tier(posting, ["a.py"]) != 1
