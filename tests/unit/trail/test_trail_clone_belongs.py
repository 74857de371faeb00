"""Which clone, given for many sessions (the app's `--repo`, an export's or an eval's), is a session's own.

A clone that merely holds files of the same names is not (any clone has a README.md): judged there,
another project's patches all read "lost" and its labels would be false.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pytest
from shared_data import CORPUS, MIRRORS, mirror
from support.trail_kit import Repo, iso, replace, session_of
from support.trail_logs import ALICE, alice_project, claude_log, mapped_log

from tracetui.export.labels import outcome
from tracetui.model import GitInfo
from tracetui.sources import group, read_session
from tracetui.trail import belongs, given_clone


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def alice(tmp_path):
    """The repository the agent worked in (its top named `proj`, as on the agent's machine) and the log."""
    repo = alice_project(tmp_path / "here")
    return repo.path, mapped_log(claude_log, ALICE, tmp_path / "logs", "claude")


# (where the clone is kept, the log's git facts, whether the session is the clone's)
CASES = [
    ("elsewhere/proj", None, True),  # named as the folder the agent worked in, holding its files
    ("elsewhere/PROJ", None, True),  # names compare without case (macOS, Windows)
    ("mirrors/alice+proj/repo", None, True),  # how a fetched mirror is kept
    ("elsewhere/proj.git", None, True),
    ("elsewhere/other", None, False),  # the same files under another name: another project's
    ("elsewhere/sub", None, False),  # the cwd's folder, not the repository's top
    ("elsewhere/other", GitInfo(remote="git@github.com:alice/proj.git"), True),  # the log's word
    ("elsewhere/other", GitInfo(remote="https://github.com/bob/proj"), False),
    ("elsewhere/other", GitInfo(commit="HEAD-OF-CLONE"), True),
]


@pytest.mark.parametrize("where, git, own", CASES)
def test_a_clone_is_the_session_s_by_its_name_or_the_log_s_word(alice, tmp_path, where, git, own):
    source, session = alice
    clone = tmp_path / where
    clone.parent.mkdir(parents=True, exist_ok=True)
    _git("clone", "-q", *(["--bare"] if where.endswith(".git") else []), str(source), str(clone))
    _git("-C", str(clone), "remote", "set-url", "origin", "https://github.com/alice/proj.git")
    if git is not None and git.commit == "HEAD-OF-CLONE":
        git = GitInfo(commit=_git("-C", str(clone), "rev-parse", "HEAD~2"))
    session = dataclasses.replace(session, git=git)
    assert belongs(session, clone) is own
    assert given_clone(session, clone)[0] == (clone if own else None)


def test_an_outcome_is_judged_only_in_the_session_s_own_clone(alice, tmp_path):
    source, session = alice
    decoy = tmp_path / "decoy"
    shutil.copytree(source, decoy)
    found = outcome(session, repo=decoy)
    assert found.note is not None and found.note.startswith(f"--repo {decoy} is not this session's repository; ")
    assert {f.state for f in found.fates} == {"unknown"}  # its cwd is on another machine: no verdict
    own = tmp_path / "elsewhere" / "proj"
    shutil.copytree(source, own)
    states = sorted(f.state for f in outcome(session, repo=own).fates)
    assert states == ["alive", "alive", "lost", "reverted", "uncommitted"]
    # A --repo that is no repository at all is said, not judged around.
    assert given_clone(session, tmp_path / "nothing")[0] == tmp_path / "nothing"


PI_MONO = mirror("badlogic", "pi-mono")


@pytest.mark.skipif(PI_MONO is None or not CORPUS.is_dir(),
                    reason=f"needs the corpus at {CORPUS} and a mirror of badlogic/pi-mono under {MIRRORS}")  # fmt: skip
def test_of_the_corpus_only_pi_mono_s_own_sessions_are_pi_mono_s():
    # Found on real data: a Codex session of shell-ws judged in a pi-mono clone read 43 of 43 "lost".
    assert PI_MONO is not None
    sessions = [read_session(g) for agent in ("pi", "codex", "claude")
                for g in group(agent, sorted((CORPUS / agent).rglob("*.jsonl")))]  # fmt: skip
    own = {s.id for s in sessions if belongs(s, PI_MONO)}
    assert own == {s.id for s in sessions if s.project == "pi-mono"} and len(own) >= 3



@pytest.fixture(scope="module")
def named_clones(tmp_path_factory):
    """alice's project cloned as `proj`, once for the tests of names (none writes to it)."""
    top = tmp_path_factory.mktemp("named")
    source = alice_project(top / "here").path
    _git("clone", "-q", str(source), str(top / "elsewhere" / "proj"))
    return top / "elsewhere"


# (the folder the agent worked in, whether a clone named `proj` is the session's): a worktree a tool made
# in a folder named as the clone (alessandrojcm/dhc-dashboard's log worked in
# `.herdr/worktrees/dhc-dashboard/worktree-silver-forest-5b5f`), one folder up only.
WORKED_IN = [
    ("/home/alice/work/proj", True),
    ("/home/alice/.herdr/worktrees/proj/worktree-silver-forest", True),
    ("/home/alice/conductor/workspaces/proj/lima", True),
    ("/home/alice/work/projrezerv", True),  # begins with it, and the clone holds what it wrote (below)
    ("/home/alice/proj/work/tree", False),  # the name two folders up: no worktree's layout
]


@pytest.mark.parametrize("root, own", WORKED_IN)
def test_a_clone_is_the_session_s_where_the_folder_worked_in_or_its_parent_bears_its_name(
    named_clones, tmp_path, root, own
):
    session = mapped_log(claude_log, root, tmp_path / "logs", "claude")
    assert belongs(session, named_clones / "proj") is own


LONG = "".join(f"value_{i} = compute_something_long(argument_{i}, option_{i})\n" for i in range(6))


# (the folder the agent worked in, the clone's name, whether the agent's commit is in the clone, whose):
# a folder whose name only begins with the clone's (Pasha1213123123/short's log worked in `shortrezerv`) is
# the clone's where the text the session wrote is in it; a fork's work is not in its upstream.
BEGUN = [
    ("projrezerv", "proj", True, True),
    ("proj-fork", "proj", False, False),  # the upstream holds the text the fork's session read, not wrote
    ("projrezerv", "pro", True, False),  # under STEM_MIN characters: no folder's stem
]


@pytest.mark.parametrize("folder, name, has_work, own", BEGUN)
def test_a_clone_whose_name_begins_the_folder_s_must_hold_what_the_session_wrote(
    tmp_path, folder, name, has_work, own
):
    repo = Repo(tmp_path / folder)
    repo.write("a.py", LONG)
    repo.commit("start", iso(9))
    upstream = tmp_path / "elsewhere" / name
    if not has_work:
        _git("clone", "-q", str(repo.path), str(upstream))
    edit = replace(repo, "a.py", "value_3", "agent_value = written_by_the_agent(first, second)\nvalue_3")
    repo.commit("agent", iso(10, 30))
    if has_work:
        _git("clone", "-q", str(repo.path), str(upstream))
    assert belongs(session_of(repo.path, [(iso(10), edit)]), upstream) is own
