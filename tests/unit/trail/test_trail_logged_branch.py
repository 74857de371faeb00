"""Where two branches hold the commit that took a patch and the reference's history does not, the
patch is judged at the branch the session's log names (a Copilot run on `issue-1` whose commit a
`copilot/add-...` pull-request branch also holds was reported on the pull-request branch, the first
by name)."""

from __future__ import annotations

import subprocess

import pytest
from support.trail_kit import Repo, iso, replace, session_of

from tracetui.model import GitInfo
from tracetui.trail import trail


def _two_branches(tmp_path, logged: str | None):
    repo = Repo(tmp_path / "repo")
    repo.write("app.py", "\n".join(f"line {i}" for i in range(1, 9)) + "\n")
    repo.commit("initial", iso(9))
    repo.git("switch", "-q", "-c", "issue-1", when=iso(10))
    edit = replace(repo, "app.py", "line 4\n", "line 4\nFLAG = 'from the agent'\n")
    took = repo.commit("agent's work", iso(10, 20), "app.py")
    # The pull request's branch starts at the agent's commit, and goes on without the agent's line.
    repo.git("switch", "-q", "-c", "copilot/add-flag", when=iso(11))
    repo.write("app.py", repo.read("app.py").replace("FLAG = 'from the agent'\n", ""))
    repo.commit("drop the flag", iso(11, 10), "app.py")
    repo.git("switch", "-q", "main")
    session = session_of(repo.path, [(iso(10, 10), edit)], agent="copilot")
    session.git = GitInfo(logged, None, None) if logged is not None else None
    return session, took


@pytest.mark.parametrize("logged", ["issue-1", "refs/heads/issue-1"])
def test_the_branch_the_log_names_is_where_the_patch_is_judged(tmp_path, logged):
    session, took = _two_branches(tmp_path, logged)
    [fate] = trail(session).fates
    assert (fate.state, fate.commit, fate.judged_at) == ("alive", took, "refs/heads/issue-1")


def test_a_logged_branch_that_lacks_the_commit_is_passed_over(tmp_path):
    session, took = _two_branches(tmp_path, "gone-since")
    [fate] = trail(session).fates
    assert (fate.state, fate.commit, fate.judged_at) == ("reverted", took, "refs/heads/copilot/add-flag")


def test_in_a_clone_the_logged_branch_is_found_among_the_remote_ones(tmp_path):
    """A fresh clone has the branches as refs/remotes/origin/*; the logged one still comes first."""
    session, took = _two_branches(tmp_path, "issue-1")
    clone = tmp_path / "clone"
    made = subprocess.run(["git", "clone", "-q", session.cwd, str(clone)], capture_output=True, check=False)
    assert made.returncode == 0, made.stderr
    [fate] = trail(session, repo=clone).fates
    assert (fate.state, fate.commit, fate.judged_at) == ("alive", took, "refs/remotes/origin/issue-1")
