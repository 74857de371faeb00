"""`BlobPipe`: blobs read ahead by `git cat-file --batch` are the blobs pygit2 reads, in any order they
are taken; whatever it cannot give (not asked, dropped, missing, a dead process, no git) is None, for
the caller to read directly, and never another blob's bytes. A trail judged with it is the trail."""

from __future__ import annotations

import random

import pygit2
import pytest
from support.trail_kit import iso, Repo, replace, session_of

from tracetui.trail import blob_pipe, trail
from tracetui.trail.blob_pipe import BlobPipe


def _blobs(tmp_path, n: int = 40) -> tuple[pygit2.Repository, list[str]]:
    """A repository whose blobs hold newlines, NULs and every byte value, of many sizes."""
    repo = Repo(tmp_path / "r")
    rng = random.Random(7)
    for i in range(n):
        body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 40, 5000, 70_000])))
        (repo.path / f"f{i % 5}.bin").write_bytes(b"line\n" * i + body)
        repo.commit(f"c{i}", iso(9, i))
    r = pygit2.Repository(str(repo.path))
    oids = sorted({str(e.id) for c in r.walk(r.head.target) for e in c.tree if e.type_str == "blob"})
    return r, oids


def _data(r: pygit2.Repository, oid: str) -> bytes:
    return r[oid].peel(pygit2.Blob).data


def test_blobs_taken_in_any_order_are_the_blobs_pygit2_reads(tmp_path):
    r, oids = _blobs(tmp_path)
    pipe = BlobPipe(r.path)
    try:
        pipe.ask(oids)
        order = oids[:]
        random.Random(3).shuffle(order)
        taken = {oid: pipe.take(oid) for oid in order}
    finally:
        pipe.close()
    assert len(oids) > blob_pipe.AHEAD // 2
    assert all(taken[oid] == _data(r, oid) for oid in oids)


def test_what_it_cannot_give_is_none_never_another_blob(tmp_path, monkeypatch):
    r, oids = _blobs(tmp_path)
    monkeypatch.setattr(blob_pipe, "KEEP", 10_000)  # blobs read past are dropped at once
    pipe = BlobPipe(r.path)
    try:
        pipe.ask([*oids, "0" * 40, "not an id\nHEAD", "-h"])
        assert pipe.take("f" * 40) is None  # never asked
        got = {oid: pipe.take(oid) for oid in reversed(oids)}  # the last asked is read past the others
        assert pipe.take("0" * 40) is None  # missing from the repository
    finally:
        pipe.close()
    assert any(v is None for v in got.values()) and any(v is not None for v in got.values())
    assert all(v is None or v == _data(r, oid) for oid, v in got.items())


def test_a_process_that_dies_or_no_git_gives_none(tmp_path, monkeypatch):
    r, oids = _blobs(tmp_path)
    pipe = BlobPipe(r.path)
    pipe.ask(oids)
    assert pipe.take(oids[0]) == _data(r, oids[0])
    pipe._proc.kill()  # type: ignore[union-attr]
    pipe._proc.wait()  # type: ignore[union-attr]
    assert all(pipe.take(oid) in (None, _data(r, oid)) for oid in oids[1:])
    proc = pipe._proc
    pipe.close()
    assert proc is not None and proc.poll() is not None
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    none = BlobPipe(r.path)
    none.ask(oids)
    assert none.take(oids[0]) is None
    none.close()


def test_a_closed_pipe_leaves_no_process(tmp_path):
    r, oids = _blobs(tmp_path)
    pipe = BlobPipe(r.path)
    pipe.ask(oids)
    pipe.take(oids[3])
    proc = pipe._proc
    pipe.close()
    assert proc is not None and proc.returncode is not None
    assert pipe.take(oids[4]) is None


def _many_versions(tmp_path):
    """A file edited by a session, then by forty commits (a version each): the walks read them all."""
    repo = Repo(tmp_path / "r")
    repo.write("app.py", "".join(f"line {i}\n" for i in range(60)))
    repo.commit("base", iso(8))
    edit = replace(repo, "app.py", "line 10\n", "line 10\nadded by the agent\nand its second line\n")
    repo.commit("agent", iso(9, 30))
    for i in range(40):
        text = repo.read("app.py").replace(f"line {20 + i}\n", f"line {20 + i} edited\n")
        if i == 25:
            text = text.replace("and its second line\n", "")
        repo.write("app.py", text)
        repo.commit(f"human {i}", iso(10, i))
    return repo, session_of(repo.path, [(iso(9), edit)])


def _started(monkeypatch) -> list[BlobPipe]:
    started: list[BlobPipe] = []
    real_start = BlobPipe._start

    def start(self):
        started.append(self)
        real_start(self)

    monkeypatch.setattr(BlobPipe, "_start", start)
    return started


@pytest.mark.parametrize("with_pipe", [True, False])
def test_a_trail_over_many_versions_is_the_same_with_the_pipe_or_without(tmp_path, monkeypatch, with_pipe):
    repo, session = _many_versions(tmp_path)
    started = _started(monkeypatch)
    if not with_pipe:
        monkeypatch.setattr(BlobPipe, "take", lambda self, oid: None)
    result = trail(session, repo=repo.path)
    assert [(f.state, f.kept, f.changed, f.dropped) for f in result.fates] == [("transformed", 1, 0, 1)]
    assert len(started) == 1 and started[0]._proc is None  # started for the walk, and closed after it


PARTIAL = [("extensions.partialclone", "origin"), ("remote.origin.promisor", "true")]


@pytest.mark.parametrize("config", PARTIAL)
def test_a_partial_clone_is_read_with_pygit2_alone(tmp_path, monkeypatch, config):
    # git would fetch a missing object from the clone's remote: a trail or a blame must not wait on
    # the network, so neither runs git there.
    from tracetui.blame import line_origins
    from tracetui.trail.git_command import fetches_lazily

    repo = Repo(tmp_path / "r")
    repo.write("f.txt", "a\n")
    commit = repo.commit("one", iso(9))
    r = pygit2.Repository(str(repo.path))
    assert not fetches_lazily(r)
    assert line_origins._git_blame(r, "f.txt", commit, 1) is not None
    repo.git("config", *config)
    r = pygit2.Repository(str(repo.path))
    assert fetches_lazily(r)
    assert line_origins._git_blame(r, "f.txt", commit, 1) is None
    assert line_origins.line_origins(r, "f.txt", r[commit].peel(pygit2.Commit), 1).commits == [commit]

    repo, session = _many_versions(tmp_path / "many")
    repo.git("config", *config)
    started = _started(monkeypatch)
    result = trail(session, repo=repo.path)
    assert [(f.state, f.kept) for f in result.fates] == [("transformed", 1)] and not started
