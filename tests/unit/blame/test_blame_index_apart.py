"""A fresh bucket's line index is built by a forked child while the blame reads its likeliest writer
ahead: the answers are those of the index built in turn, the session is read once, a child that fails
leaves the index to the blame's own process, and an index built whole (its line indexes made after
its rows) answers as one built session by session.

On badlogic/pi-mono's `agent-session.ts` the build was 0.32 s of CPU on the first blame's path
(bench/RESULTS.md, "Blame", 2026-11-28).
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3

import pytest
from support.narrow import present
from support.trail_kit import iso, replace, Repo, session_of

from tracetui.blame import blame_file, index_apart, LineIndex
from tracetui.blame.index import index_path, line_key, patch_rows
from tracetui.library import MemoryLibrary
from tracetui.trail import on_two_cores, two_cores

FIELD = "    #[serde(default)]\n"
KEY = present(line_key(FIELD))


@pytest.fixture
def core_free(monkeypatch):
    """A core free and no other thread whatever the tests' other workers and pytest-timeout's thread."""
    monkeypatch.setattr(two_cores, "_alone", lambda: True)
    monkeypatch.setattr(two_cores, "_core_free", lambda: True)


class _Reads(MemoryLibrary):
    """Sessions in memory with a cache folder (the index is a file), each read counted."""

    def __init__(self, sessions, cache) -> None:
        super().__init__(sessions)
        self.cache_dir = cache
        self.reads: list[str] = []

    def session(self, id_or_prefix: str):
        self.reads.append(id_or_prefix)
        return super().session(id_or_prefix)


def _world(tmp_path) -> tuple[Repo, _Reads]:
    repo = Repo(tmp_path / "repo")
    repo.write("a.rs", "// a.rs\npub struct W {\n    pub nodes: u8,\n}\n")
    repo.commit("start", iso(9))
    edit = replace(repo, "a.rs", "    pub nodes: u8,\n", FIELD + "    pub nodes: u8,\n")
    session = session_of(repo.path, [(iso(10), edit)])
    repo.commit("the session's field", iso(10, 30))
    return repo, _Reads([session], tmp_path / "cache")


def _field(repo: Repo, library) -> list[tuple[str, str | None, str | None]]:
    lines = blame_file(library, "a.rs", repo=repo.path).lines
    return [(x.kind, x.state, x.writer.session if x.writer else None) for x in lines if "serde" in x.text]


def test_the_index_is_built_by_a_child_and_answers_as_built_in_turn(tmp_path, core_free, monkeypatch):
    repo, library = _world(tmp_path)
    built_in: list[int] = []
    real = LineIndex.index_sessions

    def counted(self, todo):
        built_in.append(os.getpid())
        os.write(fd, b"x")  # the child's own memory is not the test's: it says so through a pipe
        return real(self, todo)

    r, fd = os.pipe()
    monkeypatch.setattr(LineIndex, "index_sessions", counted)
    with on_two_cores():
        apart = _field(repo, library)
    os.close(fd)
    assert os.read(r, 10) == b"x" and not built_in  # built once, and not in this process
    os.close(r)
    # The session read once (for the index, then used by the read-ahead and the judging).
    assert library.reads == ["sess-1"]
    assert apart == [("agent", "alive", "sess-1")]
    with LineIndex(index_path(library.cache_dir)) as index:
        assert index.sessions() == 1 and index.lookup([KEY])
    (tmp_path / "cache").rename(tmp_path / "apart")
    assert _field(repo, library) == apart  # outside `on_two_cores`: built in this process


def test_a_child_that_fails_leaves_the_index_to_the_blame(tmp_path, core_free, monkeypatch):
    repo, library = _world(tmp_path)
    parent = os.getpid()
    real = index_apart.patch_rows

    def failing(session):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return real(session)

    monkeypatch.setattr(index_apart, "patch_rows", failing)
    with on_two_cores():
        assert _field(repo, library) == [("agent", "alive", "sess-1")]
    with LineIndex(index_path(library.cache_dir)) as index:
        assert index.sessions() == 1 and index.lookup([KEY])


def test_a_child_that_fails_to_write_its_rows_leaves_them_to_the_next_refresh(tmp_path, core_free, monkeypatch):
    repo, library = _world(tmp_path)
    parent = os.getpid()
    real = LineIndex.index_sessions

    def failing(self, todo):
        if os.getpid() != parent:
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, todo)

    monkeypatch.setattr(LineIndex, "index_sessions", failing)
    with on_two_cores():
        assert _field(repo, library) == [("agent", "alive", "sess-1")]  # its rows, sent before
    with LineIndex(index_path(library.cache_dir)) as index:
        assert index.sessions() == 0
        assert index.refresh(library).read == 1 and index.lookup([KEY])


def test_many_new_sessions_are_indexed_in_the_blame_s_process(tmp_path, core_free, monkeypatch):
    repo, library = _world(tmp_path)
    monkeypatch.setattr(index_apart, "APART_MAX", 0)

    def no_fork() -> int:
        raise AssertionError("forked")

    monkeypatch.setattr(os, "fork", no_fork)
    with on_two_cores():
        with LineIndex(index_path(library.cache_dir)) as index:
            building = index_apart.refresh_apart(index, library)
            assert building.pid == 0 and building.wait().read == 1
            assert index.lookup([KEY])


def _two_sessions(tmp_path) -> list:
    repo, _ = _world(tmp_path)
    sessions = []
    for n in (1, 2):
        repo.write("b.rs", f"// b{n}\n")
        edit = replace(repo, "b.rs", f"// b{n}\n", f"// b{n}\n" + FIELD + f"fn f{n}() {{}}\n")
        s = session_of(repo.path, [(iso(10 + n), edit)])
        s.id = f"sess-{n}"
        sessions.append(s)
    return sessions


def test_an_index_built_whole_answers_as_one_built_session_by_session(tmp_path):
    # Two sessions writing the same line: the postings come back in the same order either way (the
    # lines' rows are inserted in the same order; only their indexes are made after them).
    sessions = _two_sessions(tmp_path)
    whole, in_turn = LineIndex(tmp_path / "whole.sqlite"), LineIndex(tmp_path / "turn.sqlite")
    assert whole.index_sessions([(s.id, "f", patch_rows(s)) for s in sessions]) == 2
    for s in sessions:
        in_turn.index_session(s.id, "f", s)
    keys = [k for (k,) in in_turn.conn.execute("SELECT DISTINCT key FROM lines")]
    assert whole.lookup(keys) == in_turn.lookup(keys) and len(whole.lookup([KEY])[KEY]) == 2
    names = "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name"
    assert whole.conn.execute(names).fetchall() == in_turn.conn.execute(names).fetchall()
    # Into an index that holds lines already, session by session as before.
    assert whole.index_sessions([("sess-1", "g", patch_rows(sessions[0]))]) == 1
    whole.close()
    in_turn.close()


def test_sessions_answered_from_their_rows_answer_as_the_file_once_written(tmp_path):
    # sess-1 in the file; sess-2 being written by another process (its older rows still there):
    # left out until its rows come, then answered from them, after sess-1's, as the file answers.
    sessions = _two_sessions(tmp_path)
    written, overlaid = LineIndex(tmp_path / "written.sqlite"), LineIndex(tmp_path / "overlaid.sqlite")
    for s in sessions:
        written.index_session(s.id, "f", s)
    overlaid.index_session("sess-1", "f", sessions[0])
    # The session as it was (sess-1's edit): the rows it had are no longer its.
    overlaid.index_session("sess-2", "old", dataclasses.replace(sessions[0], id="sess-2"))
    keys = [k for (k,) in written.conn.execute("SELECT DISTINCT key FROM lines")]
    overlaid.overlay(["sess-2"])
    assert {p.session for ps in overlaid.lookup(keys).values() for p in ps} == {"sess-1"}
    overlaid.overlay(["sess-2"], {"sess-2": patch_rows(sessions[1])})
    assert overlaid.lookup(keys) == written.lookup(keys) and len(overlaid.lookup([KEY])[KEY]) == 2
    written.close()
    overlaid.close()
