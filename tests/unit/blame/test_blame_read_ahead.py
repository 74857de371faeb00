"""A file's blame keeps git working while it reads: git's blame of the file runs while the likeliest
writer's session is read, and git's diffs of the commits the copies test may ask of while the
writers are judged. The answers are those of the blame made in turn.

On badlogic/pi-mono's `agent-session.ts` git's blame cost 0.07 s and the diffs 0.10 s of waiting
that the second core now takes (bench/RESULTS.md, "Blame", 2026-11-28).
"""

from __future__ import annotations

import time

import pygit2
from support.trail_kit import count_judgements, iso, replace, Repo, session_of, silent_git

import tracetui.blame.file_blame as file_blame
from tracetui.blame import blame_file, open_index
from tracetui.blame.copy_counts import CopyCounts
from tracetui.blame.line_origins import line_origins, Started
from tracetui.library import MemoryLibrary

FIELD = "    #[serde(default)]\n"


def _repo(tmp_path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.write("a.rs", "// a.rs\npub struct W {\n    pub nodes: u8,\n}\n")
    repo.commit("start", iso(9))
    return repo


def test_git_s_blame_runs_while_the_writer_s_session_is_read(tmp_path, monkeypatch):
    repo = _repo(tmp_path)
    edit = replace(repo, "a.rs", "    pub nodes: u8,\n", FIELD + "    pub nodes: u8,\n")
    session = session_of(repo.path, [(iso(10), edit)])
    repo.commit("the session's field", iso(10, 30))
    order: list[str] = []
    made, result = file_blame.TrailByFile, Started.result

    class Counted(made):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs) -> None:
            order.append("session read")
            super().__init__(*args, **kwargs)

    def origins(self):
        order.append("git's blame taken")
        return result(self)

    monkeypatch.setattr(file_blame, "TrailByFile", Counted)
    monkeypatch.setattr(Started, "result", origins)
    lines = blame_file(MemoryLibrary([session]), "a.rs", repo=repo.path).lines
    assert [(x.text.strip(), x.kind, x.state) for x in lines if "serde" in x.text] == [
        ("#[serde(default)]", "agent", "alive"),
    ]
    # The session read once, before the blame's answer was waited for, and then judged as it was.
    assert order == ["session read", "git's blame taken"]


def test_a_session_read_ahead_that_wrote_no_line_is_not_judged(tmp_path, monkeypatch):
    # The session wrote the file's line, but after a commit had it: it is read ahead (its lines are
    # the file's) and then left, as the blame made in turn never asked for it.
    judged = count_judgements(monkeypatch)
    repo = _repo(tmp_path)
    repo.write("a.rs", repo.read("a.rs").replace("}\n", FIELD + "    pub created: u64,\n}\n"))
    repo.commit("a field by hand", iso(10))
    edit = replace(repo, "a.rs", "    pub nodes: u8,\n", FIELD + "    pub nodes: u8,\n")
    session = session_of(repo.path, [(iso(11), edit)])
    repo.git("checkout", "-q", "--", "a.rs")
    fates: dict = {}
    lines = blame_file(MemoryLibrary([session]), "a.rs", repo=repo.path, judged=fates).lines
    assert {x.kind for x in lines if "serde" in x.text} == {"unknown"}
    assert not judged and not fates


def test_git_s_blame_begun_and_not_wanted_is_ended(tmp_path):
    repo = _repo(tmp_path)
    r = pygit2.Repository(str(repo.path))
    head = r.head.peel(pygit2.Commit)
    started = Started(r, "a.rs", str(head.id), 4)
    proc = started._proc
    assert proc is not None
    started.close()
    assert proc.poll() is not None and started._out is None
    assert Started(r, "a.rs", str(head.id), 4).result() == line_origins(r, "a.rs", head, 4)


def test_the_diffs_made_ahead_answer_what_is_asked_then(tmp_path, monkeypatch):
    from tracetui.blame import copy_counts

    repo = _repo(tmp_path)
    ids = []
    for i, text in enumerate(("    pub a: u8,\n", "    pub b: u8,\n", FIELD)):
        repo.write("a.rs", repo.read("a.rs").replace("}\n", text + "}\n"))
        ids.append(repo.commit(f"c{i}", iso(10 + i)))
    r = pygit2.Repository(str(repo.path))
    asks = {ids[0]: {"puba:u8,"}, ids[1]: {"pubb:u8,", "puba:u8,"}}
    by_itself = CopyCounts(r)
    by_itself.will_ask(asks)
    runs: list[set[str]] = []
    real = copy_counts._git_net

    def counted(r, asked):
        runs.append(set(asked))
        return real(r, asked)

    monkeypatch.setattr(copy_counts, "_git_net", counted)
    ahead = CopyCounts(r)
    ahead.diff_ahead(ids)
    ahead.will_ask(asks)
    assert not runs and ahead._wanted == by_itself._wanted  # no second run of git: the same counts
    assert ahead.net_new(ids[1], "pubb:u8,") == 1 and ahead.net_new(ids[0], "pubb:u8,") == 0
    # A commit the diffs ahead lack is diffed when asked.
    root = repo.git("rev-list", "--max-parents=0", "HEAD").strip()
    ahead.will_ask({root: {"puba:u8,"}, ids[2]: {"#[serde(default)]"}})
    assert runs == [{root, ids[2]}]
    git = ahead._ahead.git if ahead._ahead is not None else None
    ahead.close()
    assert git is not None and git.poll() is not None and ahead._ahead is None


def test_the_commit_that_took_a_patch_is_not_diffed_ahead(tmp_path, monkeypatch):
    # No line of the commit that took a patch is asked of (a copy is new only in a later commit), and
    # it is often the largest diff: git is not asked for it.
    repo = _repo(tmp_path)
    edit = replace(repo, "a.rs", "    pub nodes: u8,\n", FIELD + "    pub nodes: u8,\n")
    session = session_of(repo.path, [(iso(10), edit)])
    took = repo.commit("the session's field", iso(10, 30))
    repo.write("a.rs", repo.read("a.rs").replace("}\n", FIELD + "    pub created: u64,\n}\n"))
    by_hand = repo.commit("a field by hand", iso(12))
    ahead: list[set[str]] = []
    real = CopyCounts.diff_ahead

    def seen(self, commits):
        ahead.append(set(commits))
        return real(self, commits)

    monkeypatch.setattr(CopyCounts, "diff_ahead", seen)
    lines = blame_file(MemoryLibrary([session]), "a.rs", repo=repo.path).lines
    assert [(x.commit, x.kind) for x in lines if "serde" in x.text] == [(took, "agent"), (by_hand, "human")]
    assert ahead == [{by_hand}]


def test_diffs_ahead_past_their_deadline_are_left_to_libgit2(tmp_path, monkeypatch):
    from tracetui.blame import copy_counts

    repo = _repo(tmp_path)
    ids = []
    for i, text in enumerate(("    pub a: u8,\n", "    pub b: u8,\n")):
        repo.write("a.rs", repo.read("a.rs").replace("}\n", text + "}\n"))
        ids.append(repo.commit(f"c{i}", iso(10 + i)))
    r = pygit2.Repository(str(repo.path))
    # A git that never answers is killed at the deadline, once: not started again for the same diffs.
    silent_git(tmp_path, monkeypatch)
    monkeypatch.setattr(copy_counts, "GIT_DIFF_SECONDS", 0.5)
    runs: list[set[str]] = []
    monkeypatch.setattr(copy_counts, "_git_net", lambda r, asked: runs.append(set(asked)))
    counts = CopyCounts(r)
    counts.diff_ahead(ids)
    started = time.monotonic()
    counts.will_ask({ids[0]: {"puba:u8,"}, ids[1]: {"pubb:u8,"}})
    assert time.monotonic() - started < 10 and not runs and not counts._wanted
    assert counts.net_new(ids[0], "puba:u8,") == 1 and counts.net_new(ids[1], "puba:u8,") == 0
    counts.close()


class _Reads(MemoryLibrary):
    """Sessions in memory, each read counted."""

    def __init__(self, sessions) -> None:
        super().__init__(sessions)
        self.reads: list[str] = []

    def session(self, id_or_prefix: str):
        self.reads.append(id_or_prefix)
        return super().session(id_or_prefix)


def _blamed_reading(library: _Reads, repo: Repo) -> list[tuple[str, str | None]]:
    """The field's line blamed, the sessions read for the line index (`refresh`) left uncounted."""
    index, _ = open_index(library, None)
    library.reads.clear()
    lines = blame_file(library, "a.rs", repo=repo.path, index=index).lines
    return [(x.kind, x.state) for x in lines if "serde" in x.text]


def test_the_writer_s_session_read_ahead_is_not_read_again(tmp_path):
    # A long session's read costs 25 ms (pi-mono's `agent-session.ts`, 1,296 steps): the session
    # `_read_ahead` read is the one the writer's fates are judged on.
    repo = _repo(tmp_path)
    edit = replace(repo, "a.rs", "    pub nodes: u8,\n", FIELD + "    pub nodes: u8,\n")
    library = _Reads([session_of(repo.path, [(iso(10), edit)])])
    repo.commit("the session's field", iso(10, 30))
    assert _blamed_reading(library, repo) == [("agent", "alive")]
    assert library.reads == ["sess-1"]


def test_a_session_logged_in_another_folder_is_read_once(tmp_path):
    # The log was written in another copy of the repository: the matcher reads the session to see that
    # the clone holds its text, and the session read ahead is that one, not read again.
    repo = _repo(tmp_path)
    edit = replace(repo, "a.rs", "    pub nodes: u8,\n", FIELD + "    pub nodes: u8,\n")
    elsewhere = tmp_path / "laptop" / "repo"
    edit.path = str(elsewhere / "a.rs")
    library = _Reads([session_of(elsewhere, [(iso(10), edit)])])
    repo.commit("the session's field", iso(10, 30))
    assert _blamed_reading(library, repo) == [("agent", "alive")]
    assert library.reads == ["sess-1"]
