"""A Parquet export's per-session review and write on worker processes (`export/write_pool.py`): the
folder is byte for byte the one the exporting process makes alone, a worker that dies or a session
that fails in one is never lost silently, Ctrl-C leaves a folder `--check` vouches for, and no more
sessions are in flight than the pool allows."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from typing import Any
from pathlib import Path

import pytest
from support.dying_write_worker import DIE_ON, FAIL_ON, IN
from support.gate_kit import V3, twins_bucket

from tracetui.bucket import Bucket
from tracetui.export import ExportOptions, ExportProgress, export
from tracetui.export import write_pool
from tracetui.export.check import check

pytest.importorskip("pyarrow.parquet")

TOKEN = "ghp_" + "Wm3Kd8Zq1Xr6Tv9Lp2Nc5Hb7Js4Gf0Ya8UeQ"  # made up
BAD = f"{TOKEN}-session"  # a session whose own id holds a token: the gate refuses it
IDS = [V3, *(f"{n}{n}{n}{n}{n}{n}{n}{n}-aaaa-4bbb-8ccc-00000000000{n}" for n in range(4, 9)), BAD]
TESTS = Path(__file__).resolve().parents[2]  # where `support` is a package, for the workers' path


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    return twins_bucket(tmp_path, IDS)


@pytest.fixture
def pool(monkeypatch) -> list[write_pool.WritePool]:
    """Every export runs on two workers, however few its sessions; the pools made, to look at."""
    monkeypatch.setattr(write_pool, "POOL_SESSIONS", 1)
    monkeypatch.setattr(write_pool, "POOL_STEPS", 1)
    monkeypatch.setattr(write_pool, "WORKERS", 2)
    made: list[write_pool.WritePool] = []
    start = write_pool.start

    def starting(ex, sessions):
        found = start(ex, sessions)
        if found is not None and found not in made:
            made.append(found)
        return found

    monkeypatch.setattr(write_pool, "start", starting)
    return made


def _export(bucket: Path, dest: Path, progress=None) -> dict[str, Any]:
    """The report of a Parquet export of `bucket`, its gate's memo gone first (so no run reads
    another's; the export keys are the folder's own)."""
    shutil.rmtree(bucket / "cache" / "gate", ignore_errors=True)
    with Bucket.open(bucket) as b:
        return export(b, dest, ExportOptions("parquet", accept_suggested=True), progress=progress).to_dict()


def _here(bucket: Path, dest: Path, monkeypatch) -> dict[str, Any]:
    """`_export` with no worker, whatever the test set."""
    with monkeypatch.context() as m:
        m.setattr(write_pool, "POOL_SESSIONS", 10**6)
        return _export(bucket, dest)


def _files(dest: Path) -> dict[str, bytes]:
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in sorted(dest.rglob("*")) if p.is_file()}


def _alike(report: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in report.items() if k != "dest"}


def _keys(bucket: Path) -> dict[str, bytes]:
    """The export keys kept in the bucket, one file per export folder."""
    return {p.name: p.read_bytes() for p in (bucket / "cache" / "export-keys").iterdir()}


def _dying(monkeypatch, stage: str, **sessions: str) -> None:
    monkeypatch.setattr(write_pool, "WORKER", "support.dying_write_worker")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.setenv(IN, stage)
    for name, sid in sessions.items():
        monkeypatch.setenv({"die": DIE_ON, "fail": FAIL_ON}[name], sid)


def test_the_pool_makes_the_folder_and_keys_this_process_makes(bucket, tmp_path, monkeypatch, pool):
    here = _here(bucket, tmp_path / "here", monkeypatch)
    keys_here = _keys(bucket)
    spawned: list[str] = []
    spawn = write_pool.spawn

    def counted(module: str) -> subprocess.Popen[bytes]:
        spawned.append(module)
        return spawn(module)

    monkeypatch.setattr(write_pool, "spawn", counted)
    pooled = _export(bucket, tmp_path / "pooled")
    assert spawned == [write_pool.WORKER] * 2 and len(pool) == 1  # one pool reviewed and wrote
    assert _files(tmp_path / "here") == _files(tmp_path / "pooled")
    assert _alike(here) == _alike(pooled)
    [(_, pooled_keys)] = [(name, data) for name, data in _keys(bucket).items() if name not in keys_here]
    assert pooled_keys == next(iter(keys_here.values())) and b'"touched"' in pooled_keys
    assert here["written"] == len(IDS) - 1 and [r["session"] for r in here["refused"]] == [BAD]
    assert "session's id" in here["refused"][0]["reason"] and TOKEN not in str(here["refused"][0]["findings"])


@pytest.mark.parametrize("few", ["sessions", "steps"])
def test_a_small_export_runs_in_this_process(bucket, tmp_path, monkeypatch, few):
    spawned: list[str] = []
    monkeypatch.setattr(write_pool, "spawn", lambda module: spawned.append(module))
    monkeypatch.setattr(write_pool, "WORKERS", 2)
    # Enough of one, too few of the other: these sessions have 14 steps each.
    monkeypatch.setattr(write_pool, "POOL_SESSIONS", len(IDS) + (few == "sessions"))
    monkeypatch.setattr(write_pool, "POOL_STEPS", 14 * len(IDS) + (few == "steps"))
    assert _export(bucket, tmp_path / "out")["written"] == len(IDS) - 1
    assert spawned == []


@pytest.mark.parametrize("stage", ["review", "write"])
def test_a_session_whose_worker_dies_is_done_here_and_said(bucket, tmp_path, monkeypatch, pool, stage):
    here = _here(bucket, tmp_path / "here", monkeypatch)
    assert pool == []
    _dying(monkeypatch, stage, die=IDS[2])
    pooled = _export(bucket, tmp_path / "pooled")
    assert len(pool) == 1
    said = f"an export worker stopped on session {IDS[2]}; the exporting process did its work instead"
    assert pooled["warnings"] == [said]
    assert _files(tmp_path / "here") == _files(tmp_path / "pooled")
    assert pooled["written"] == here["written"] == len(IDS) - 1


@pytest.mark.parametrize("stage", ["review", "write"])
def test_a_session_that_fails_in_a_worker_stops_the_export_naming_it(
    bucket, tmp_path, monkeypatch, pool, stage
):
    _dying(monkeypatch, stage, fail=IDS[3])
    with pytest.raises(RuntimeError, match="planted failure") as raised:
        _export(bucket, tmp_path / "out")
    assert f"on session {IDS[3]}" in " ".join(raised.value.__notes__)
    if stage == "write":
        assert check(tmp_path / "out").ok  # the folder as an interrupted export leaves it: its manifest true
    else:
        assert not (tmp_path / "out").exists()  # refused in the review: nothing written
    assert all(proc.poll() is not None for proc in pool[0].procs)


@pytest.mark.parametrize("stage", ["review", "write"])
def test_ctrl_c_stops_the_workers_and_leaves_a_checkable_folder(bucket, tmp_path, pool, stage):
    seen: list[str] = []

    def interrupted(p: ExportProgress) -> None:
        if p.phase == stage:
            seen.append(str(p.session))
            if len(seen) == 3:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _export(bucket, tmp_path / "out", interrupted)
    assert len(pool[0].procs) == 2 and all(proc.poll() is not None for proc in pool[0].procs)
    if stage == "write":
        assert check(tmp_path / "out").ok  # what was written is named in the manifest
    else:
        assert not (tmp_path / "out").exists()
    assert not list((bucket / "cache").glob("tracetui-export-spill-*"))  # the spill went with the workers


def test_no_more_sessions_are_in_flight_than_the_pool_allows(bucket, tmp_path, monkeypatch, pool):
    most: list[int] = []
    submit = write_pool.WritePool.submit

    def counted(self, job):
        ticket = submit(self, job)
        most.append(self.waiting)
        return ticket

    monkeypatch.setattr(write_pool, "AHEAD", 1)
    monkeypatch.setattr(write_pool.WritePool, "submit", counted)
    assert _export(bucket, tmp_path / "out")["written"] == len(IDS) - 1
    assert len(most) == 2 * len(IDS)  # each session reviewed and written on a worker
    assert max(most) == 2  # one a worker, however many are waiting


def test_workers_that_cannot_set_up_leave_every_session_here_said_once(bucket, tmp_path, monkeypatch, pool):
    here = _here(bucket, tmp_path / "here", monkeypatch)
    spawned: list[str] = []
    spawn = write_pool.spawn

    def counted(module: str) -> subprocess.Popen[bytes]:
        spawned.append(module)
        return spawn(module)

    # The workers are told of a bucket that is not there; the exporting process keeps its own.
    init = write_pool.WritePool.__init__

    def elsewhere(self, ex, setup, size):
        init(self, ex, dataclasses.replace(setup, root=str(tmp_path / "gone")), size)

    monkeypatch.setattr(write_pool.WritePool, "__init__", elsewhere)
    monkeypatch.setattr(write_pool, "spawn", counted)
    pooled = _export(bucket, tmp_path / "pooled")
    assert len(pool) == 1 and 1 <= len(spawned) <= 2  # no worker started again once one said why
    [said] = pooled.pop("warnings")
    assert said.startswith("the export workers could not start (TracetuiError: the bucket ")
    assert said.endswith("; the exporting process did every session's work instead")
    assert _files(tmp_path / "here") == _files(tmp_path / "pooled")
    assert _alike(here) == _alike(pooled) and pooled["written"] == len(IDS) - 1
    assert all(proc.poll() is not None for proc in pool[0].procs)
