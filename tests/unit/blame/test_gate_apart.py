"""A kept line index whose gate memos are gone (removed, or salted by detectors, an identity or a
plan that changed since): the CLI's blame has a forked child answer its writers' strings while their
fates are judged (`blame/gate_apart.py`), so its own gate reads no session and scans nothing, and
prints what the gate answering alone prints, to the byte. A child killed with its blame, or any
writer killed between a memo's temporary file and its rename, leaves a `.tmp` file that no gate
reads and the next gate that keeps answers removes once it is stale."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from support import blame_world
from support.made_up import github_token

import tracetui.blame.gate_apart as gate_apart
import tracetui.blame.log_gate as log_gate
from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.trail import two_cores

TOKEN = github_token("blame gate apart")
PROMPT = f"add a greeting; the token is {TOKEN}"
SIDS = (blame_world.CLAUDE_SID, blame_world.CODEX_SID)


@pytest.fixture
def world(tmp_path, monkeypatch):
    return blame_world.synced_with_prompt(tmp_path, monkeypatch, PROMPT)


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    return blame_world.gate_reads(monkeypatch)


@pytest.fixture
def forks(monkeypatch) -> list[tuple[int, list[str]]]:
    """The children `GateApart` forked in this process, each with the sessions it answers."""
    made: list[tuple[int, list[str]]] = []
    real = gate_apart.GateApart._fork

    def counted(self, ahead, sessions, members):
        real(self, ahead, sessions, members)
        made.append((self.pids[-1], sorted(sessions)))

    monkeypatch.setattr(gate_apart.GateApart, "_fork", counted)
    return made


def _gate_dir(bucket):
    return bucket / "cache" / "blame" / "gate"


def _memos(bucket):
    return {p.name: orjson.loads(p.read_bytes()) for p in sorted(_gate_dir(bucket).glob("*.json"))}


def _blame(world, bucket, capsys, monkeypatch, apart: bool, *extra: str) -> str:
    """`blame app.py --json`, a forked child allowed (`apart`) or not."""
    monkeypatch.setattr(two_cores, "_alone", lambda: apart)
    monkeypatch.setattr(two_cores, "_core_free", lambda: apart)
    monkeypatch.chdir(world.repo.path)
    capsys.readouterr()
    assert main(["--bucket", str(bucket), "blame", "app.py", "--json", *extra]) == 0
    return capsys.readouterr().out


def _cold(bucket) -> None:
    """The index kept, the gate's memos and the trail's cache emptied."""
    shutil.rmtree(_gate_dir(bucket))
    shutil.rmtree(bucket / "cache" / "trail", ignore_errors=True)


def test_a_kept_index_s_writers_are_answered_apart_as_the_gate_answers_them(
    tmp_path, world, capsys, monkeypatch, reads, forks
):
    bucket = tmp_path / "bucket"
    alone = _blame(world, bucket, capsys, monkeypatch, apart=False)  # index and memos made here
    assert sorted(reads) == sorted(SIDS) and forks == []
    kept = _memos(bucket)
    assert TOKEN not in alone and "<GITHUB_TOKEN_1>" in alone and "add a greeting" in alone
    _cold(bucket)
    reads.clear()
    apart = _blame(world, bucket, capsys, monkeypatch, apart=True)
    assert reads == []  # the writers answered by the children: none read here
    # The likeliest writer as soon as it is read ahead, the other once the lines have their writers.
    assert len(forks) == 2 and sorted(sid for _, sids in forks for sid in sids) == sorted(SIDS)
    assert apart == alone and _memos(bucket) == kept
    for pid, _ in forks:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped
    # Remembered: no child is made for answers kept.
    _blame(world, bucket, capsys, monkeypatch, apart=True)
    assert len(forks) == 2 and reads == []


def test_a_record_s_blame_makes_no_child(tmp_path, world, capsys, monkeypatch, forks):
    bucket = tmp_path / "bucket"
    _blame(world, bucket, capsys, monkeypatch, apart=False)
    _cold(bucket)
    _blame(world, bucket, capsys, monkeypatch, True, "--format", "agent-trace")
    assert forks == []


def test_a_child_still_answering_when_its_blame_fails_is_killed_and_reaped(
    tmp_path, world, capsys, monkeypatch
):
    bucket = tmp_path / "bucket"
    _blame(world, bucket, capsys, monkeypatch, apart=False)
    _cold(bucket)
    monkeypatch.setattr(log_gate.AnswersAhead, "answer", lambda *a: time.sleep(60))  # the child's
    monkeypatch.setattr(two_cores, "_alone", lambda: True)
    monkeypatch.setattr(two_cores, "_core_free", lambda: True)
    ahead = gate_apart.GateApart(None)
    with Bucket.open(bucket) as library, two_cores.on_two_cores():
        ahead.library = library
        ahead(list(SIDS), library.session)
        [pid] = ahead.pids
        started = time.monotonic()
        ahead.close()
    assert time.monotonic() - started < 10 and ahead.pids == []
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    assert not _gate_dir(bucket).exists() or not _memos(bucket)


def test_a_killed_writer_s_temporary_file_is_never_read_and_swept(tmp_path, world, capsys, monkeypatch):
    bucket = tmp_path / "bucket"
    alone = _blame(world, bucket, capsys, monkeypatch, apart=False)
    kept = _memos(bucket)
    _cold(bucket)
    folder = _gate_dir(bucket)
    folder.mkdir(parents=True)
    # What a writer killed between `mkstemp` and the rename leaves: each memo's own name, its pid.
    # Planted with answers that would print the token, were they read.
    lie = orjson.dumps({"format": "tracetui.log-gate/1", "salt": "x", "texts": {}})
    dead = _dead_pid()
    stale = [_planted(folder, f".{name}.k1ll3d.{dead}.tmp", lie) for name in kept]
    live = _planted(folder, f".0123.json.w41t.{os.getppid()}.tmp", lie)  # a live writer's, mid-write
    other = _planted(folder, "notes.tmp", b"not ours")  # no writer's name
    assert _blame(world, bucket, capsys, monkeypatch, apart=False) == alone
    assert _memos(bucket) == kept
    assert not any(p.exists() for p in stale)
    assert live.exists() and other.exists()


def _planted(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid



def test_a_child_that_never_ends_is_killed_at_the_deadline_and_the_gate_answers(
    tmp_path, world, capsys, monkeypatch, reads, forks
):
    """A child stuck for ever (a lock copied held into it) costs the blame FINISH_SECONDS, not the
    rest of time: `finish` kills it and the gate answers its sessions, to the same bytes."""
    bucket = tmp_path / "bucket"
    alone = _blame(world, bucket, capsys, monkeypatch, apart=False)
    _cold(bucket)
    reads.clear()
    monkeypatch.setattr(log_gate.AnswersAhead, "answer", lambda *a: time.sleep(600))  # the child's
    monkeypatch.setattr(gate_apart, "FINISH_SECONDS", 0.5)
    started = time.monotonic()
    apart = _blame(world, bucket, capsys, monkeypatch, apart=True)
    assert time.monotonic() - started < 30 and forks
    assert apart == alone and sorted(reads) == sorted(SIDS)  # the gate read and answered them itself
    for pid, _ in forks:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # killed and reaped


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "polled"])
def test_the_wait_for_a_child_ends_as_the_child_does(monkeypatch, pidfd):
    """A first blame waits on its children: the wait ends within a few ms of the child's end, and a
    child that does not end by the deadline is left to be killed."""
    if not pidfd:
        monkeypatch.delattr(gate_apart.os, "pidfd_open", raising=False)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        time.sleep(0.2)
        os._exit(0)
    began = time.monotonic()
    assert gate_apart._ended_by(pid, began + 30.0)
    assert 0.19 < time.monotonic() - began < 3.0  # the child's end, not the deadline (a loaded CI is slow)
    stuck = os.fork()
    if stuck == 0:  # pragma: no cover - the child
        time.sleep(30)
        os._exit(0)
    began = time.monotonic()
    try:
        assert not gate_apart._ended_by(stuck, began + 0.2)
        assert time.monotonic() - began < 3.0
    finally:
        os.kill(stuck, signal.SIGKILL)
        os.waitpid(stuck, 0)
