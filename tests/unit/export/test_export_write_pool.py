"""A Parquet export's per-session review and write on worker processes (`export/write_pool.py`): the
folder is byte for byte the one the exporting process makes alone, a worker that dies or a session
that fails in one is never lost silently, Ctrl-C leaves a folder `--check` vouches for, and no more
sessions are in flight than the pool allows."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from support.gate_kit import twins_bucket
from support.write_pool_kit import (
    BAD,
    IDS,
    TOKEN,
    counting_spawns,
    dying,
    exported,
    exported_here,
    force_pool,
    plans_unsettled,
)
from support.write_pool_kit import alike as _alike
from support.write_pool_kit import files as _files
from support.write_pool_kit import keys as _keys

from tracetui.export import ExportProgress, write_pool
from tracetui.export.verify import check

pytest.importorskip("pyarrow.parquet")



@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    return twins_bucket(tmp_path, IDS)


@pytest.fixture
def pool(monkeypatch) -> list[write_pool.WritePool]:
    return force_pool(monkeypatch)


def _export(bucket: Path, dest: Path, progress=None) -> dict[str, Any]:
    return exported(bucket, dest, "parquet", progress)


def _here(bucket: Path, dest: Path, monkeypatch) -> dict[str, Any]:
    return exported_here(bucket, dest, "parquet", monkeypatch)


def test_the_pool_makes_the_folder_and_keys_this_process_makes(bucket, tmp_path, monkeypatch, pool):
    plans_unsettled(monkeypatch)
    here = _here(bucket, tmp_path / "here", monkeypatch)
    keys_here = _keys(bucket)
    spawned = counting_spawns(monkeypatch)
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
    dying(monkeypatch, stage, die=IDS[2])
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
    dying(monkeypatch, stage, fail=IDS[3])
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


@pytest.mark.parametrize("fmt", ["parquet", "atif", "raw"])
def test_workers_that_cannot_set_up_leave_every_session_here_said_once(
    bucket, tmp_path, monkeypatch, pool, fmt
):
    here = exported_here(bucket, tmp_path / "here", fmt, monkeypatch)
    spawned = counting_spawns(monkeypatch)
    # The workers are told of a bucket that is not there; the exporting process keeps its own.
    init = write_pool.WritePool.__init__

    def elsewhere(self, ex, setup, size):
        init(self, ex, dataclasses.replace(setup, root=str(tmp_path / "gone")), size)

    monkeypatch.setattr(write_pool.WritePool, "__init__", elsewhere)
    pooled = exported(bucket, tmp_path / "pooled", fmt)
    assert len(pool) == 1 and 1 <= len(spawned) <= 2  # no worker started again once one said why
    [said] = pooled.pop("warnings")
    assert said.startswith("the export workers could not start (NotFound: there is no bucket at ")
    assert said.endswith("; the exporting process did every session's work instead")
    assert _files(tmp_path / "here") == _files(tmp_path / "pooled")
    assert _alike(here) == _alike(pooled) and pooled["written"] == len(IDS) - 1
    assert all(proc.poll() is not None for proc in pool[0].procs)
