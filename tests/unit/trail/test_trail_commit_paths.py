"""`CommitPaths`: the files git's one `diff-tree --stdin` lists for each commit are, in the same order,
the ones `FileVersions.touched` read from libgit2 a commit at a time (renames, deletions, type changes,
merges, a root commit, a gitlink, awkward names; every commit of the fetched mirrors); whatever it
cannot answer (git still listing, failed, a name not UTF-8, too many commits) is None, for libgit2."""

from __future__ import annotations

import os
import subprocess
import time

import pygit2
import pytest
from shared_data import mirror
from support.trail_kit import Repo, iso

from tracetui.trail import commit_paths
from tracetui.trail.commit_paths import CommitPaths, parse
from tracetui.trail.file_versions import FileVersions


@pytest.fixture(autouse=True)
def _any_number_of_commits(request, monkeypatch):
    if "trail_with_the_listing" not in request.node.name:
        monkeypatch.setattr(commit_paths, "MIN_COMMITS", 1)  # the hand-made repositories have a few


def _libgit2(repo: pygit2.Repository, commit: str) -> list[str]:
    return FileVersions(repo, {}).touched(commit)


def _answers(listed: CommitPaths, commits: list[str], timeout: float = 60.0) -> dict[str, list[str] | None]:
    """Each commit's answer once git has exited (`get` never waits on it)."""
    deadline = time.monotonic() + timeout
    while listed.get(commits[0]) is None and listed._proc is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    return {c: listed.get(c) for c in commits}


def _every_commit(git_dir: str) -> list[str]:
    out = subprocess.run(["git", "--git-dir", git_dir, "rev-list", "--all"], capture_output=True, text=True)
    return out.stdout.split()


def _awkward(tmp_path) -> Repo:
    """Deletions, a rename, a type change, a file become a folder, a mode change, a gitlink, names with
    spaces, a newline, a tab, non-ASCII and 40 hex digits, and a merge whose second parent brought files."""
    repo = Repo(tmp_path / "r")
    repo.write("a.txt", "one\n")
    repo.write("b.txt", "two\n")
    repo.write("gone.txt", "x\n")
    repo.commit("root", iso(9))
    repo.write("a.txt", "one more\n")
    (repo.path / "gone.txt").unlink()
    repo.git("mv", "b.txt", "moved b.txt")
    repo.commit("rename and delete", iso(9, 1))
    (repo.path / "a.txt").unlink()
    os.symlink("moved b.txt", repo.path / "a.txt")
    repo.write("d", "a file\n")
    repo.commit("type change", iso(9, 2))
    (repo.path / "d").unlink()
    repo.write("d/inner.txt", "now a folder\n")
    (repo.path / "moved b.txt").chmod(0o755)
    repo.write("tab\there.txt", "t\n")
    repo.write("new\nline.txt", "n\n")
    repo.write("été/ünïcode.md", "u\n")
    repo.write("0123456789abcdef0123456789abcdef01234567", "hex\n")
    repo.commit("folder, mode, names", iso(9, 3))
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{repo.head()},sub", when=iso(9, 4))
    repo.git("commit", "-q", "-m", "gitlink", when=iso(9, 4))
    repo.git("checkout", "-q", "-b", "side", "HEAD~2")
    repo.write("side.txt", "from the side\n")
    repo.write("a.txt", "the side's a\n")
    repo.commit("side", iso(9, 5))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-X", "ours", "-m", "merge", "side", when=iso(9, 6))
    return repo


def test_every_commit_listed_as_libgit2_lists_it(tmp_path):
    repo = _awkward(tmp_path)
    r = pygit2.Repository(str(repo.path))
    commits = _every_commit(r.path)
    listed = CommitPaths(r.path, commits)
    try:
        got = _answers(listed, commits)
    finally:
        listed.close()
    assert len(commits) == 7
    assert got == {c: _libgit2(r, c) for c in commits}
    assert any(len(v or []) > 1 for v in got.values())  # a commit listing several files, in libgit2's order


def test_a_name_not_utf8_is_left_to_libgit2(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("plain.txt", "p\n")
    plain = repo.commit("plain", iso(9))
    (repo.path / os.fsdecode(b"caf\xe9.txt")).write_text("latin-1 name\n")
    odd = repo.commit("odd", iso(9, 1))
    listed = CommitPaths(str(repo.path / ".git"), [plain, odd])
    try:
        got = _answers(listed, [plain, odd])
    finally:
        listed.close()
    assert got == {plain: ["plain.txt"], odd: None}


def test_what_it_cannot_answer_is_none(tmp_path, monkeypatch):
    repo = _awkward(tmp_path)
    commits = _every_commit(str(repo.path / ".git"))
    broken = CommitPaths(str(tmp_path / "no such repository"), commits)
    assert _answers(broken, commits) == dict.fromkeys(commits)  # git failed
    monkeypatch.setattr(commit_paths, "MAX_COMMITS", 3)
    assert _answers(CommitPaths(str(repo.path / ".git"), commits), commits) == dict.fromkeys(commits)
    monkeypatch.setattr(commit_paths, "MAX_COMMITS", 20_000)
    monkeypatch.setattr(commit_paths, "MIN_COMMITS", 8)
    assert _answers(CommitPaths(str(repo.path / ".git"), commits), commits) == dict.fromkeys(commits)
    assert CommitPaths(str(repo.path / ".git"), []).get(commits[0]) is None
    # An answer of another shape than expected is no answer.
    assert parse(b"not a commit\0M\0a.txt\0") == {}
    assert parse(b"") == {}
    listed = CommitPaths(str(repo.path / ".git"), commits)
    listed.close()  # closed before git answered: every commit to libgit2
    assert listed.get(commits[0]) is None


REAL = [("badlogic", "pi-mono"), ("Quelklef", "shell-ws"), ("TensorTemplar", "slopometry"),
        ("pinouchon", "rtchess")]


@pytest.mark.parametrize("owner, name", REAL)
def test_the_mirrors_commits_listed_as_libgit2_lists_them(owner, name):
    git_dir = mirror(owner, name)
    if git_dir is None:
        pytest.skip(f"needs a mirror of {owner}/{name}")
    r = pygit2.Repository(str(git_dir))
    commits = _every_commit(str(git_dir))
    listed = CommitPaths(str(git_dir), commits)
    try:
        got = _answers(listed, commits)
    finally:
        listed.close()
    assert got == {c: _libgit2(r, c) for c in commits}


# (agent, log under the corpus, mirror, reference): real sessions of 40 patches or more on 100 commits or
# more, whose whole trails start a listing (bench_trail.py's).
TRAILS = [
    ("pi", "pi/badlogic__pi-mono__session.jsonl", ("badlogic", "pi-mono"), "HEAD"),
    ("codex", "codex/Quelklef__shell-ws__.codex__sessions__2026__03__18__rollout-2026-03-18T11-04-43-"
     "019d021f-1244-77d2-b5aa-ba1d70f11e87.jsonl", ("Quelklef", "shell-ws"), "HEAD"),
]  # fmt: skip


@pytest.mark.parametrize("agent, rel, slug, ref", TRAILS, ids=["pi-mono", "shell-ws"])
def test_a_trail_with_the_listing_is_the_trail_without(agent, rel, slug, ref, tmp_path, monkeypatch):
    from shared_data import CORPUS

    from tracetui.sources import group, read_session
    from tracetui.trail import trail

    git_dir = mirror(*slug)
    if git_dir is None or not (CORPUS / rel).is_file():
        pytest.skip(f"needs {CORPUS / rel} and a mirror of {'/'.join(slug)}")
    clone = tmp_path / slug[1]
    subprocess.run(["git", "clone", "-q", str(git_dir), str(clone)], check=True)
    [files] = group(agent, [CORPUS / rel])
    session = read_session(files)
    monkeypatch.setattr(commit_paths, "MIN_PATCHES", 40)
    answered = []
    real_get = CommitPaths.get

    def get(self, commit):
        if self._proc is not None:
            self._proc.wait()  # git's answers taken whenever asked (in use, only once it is done)
        found = real_get(self, commit)
        answered.append(found is not None)
        return found

    monkeypatch.setattr(CommitPaths, "get", get)
    listed = trail(session, repo=clone, ref=ref, cache_dir=tmp_path / "a")
    monkeypatch.setattr(commit_paths, "MIN_COMMITS", 10**9)  # no listing: libgit2 answers every commit
    alone = trail(session, repo=clone, ref=ref, cache_dir=tmp_path / "b")
    assert [f.to_dict() for f in listed.fates] == [f.to_dict() for f in alone.fates]
    assert listed.rows() == alone.rows()
    assert len(listed.fates) >= 40 and any(answered)
