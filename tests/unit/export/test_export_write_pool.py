"""A Parquet export's per-session write on worker processes (`export/write_pool.py`): the folder is
byte for byte the one the exporting process makes alone, a worker that dies or a session that fails
in one is never lost silently, Ctrl-C leaves a folder `--check` vouches for, and no more sessions
are in flight than the pool allows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.dying_write_worker import DIE_ON, FAIL_ON
from support.gate_kit import V3, twins_bucket

from tracetui.bucket import Bucket
from tracetui.export import ExportOptions, export
from tracetui.export import write_pool
from tracetui.export.check import check

pytest.importorskip("pyarrow.parquet")

TOKEN = "ghp_" + "Wm3Kd8Zq1Xr6Tv9Lp2Nc5Hb7Js4Gf0Ya8UeQ"  # made up
BAD = f"{TOKEN}-session"  # a session whose own id holds a token: the gate refuses it
IDS = [V3, *(f"{n}{n}{n}{n}{n}{n}{n}{n}-aaaa-4bbb-8ccc-00000000000{n}" for n in range(4, 9)), BAD]
SUPPORT = Path(__file__).resolve().parents[2]  # tests/: where `support` is a package


@pytest.fixture
def bucket(tmp_path: Path) -> Path:
    return twins_bucket(tmp_path, IDS)


@pytest.fixture
def pool(monkeypatch) -> list[write_pool.WritePool]:
    """Every export writes on two workers, however few its sessions; the pools made, to look at."""
    monkeypatch.setattr(write_pool, "POOL_SESSIONS", 1)
    monkeypatch.setattr(write_pool, "WORKERS", 2)
    made: list[write_pool.WritePool] = []
    start = write_pool.start

    def starting(ex, items):  # type: ignore[no-untyped-def]
        found = start(ex, items)
        if found is not None:
            made.append(found)
        return found

    monkeypatch.setattr(write_pool, "start", starting)
    return made


def _export(bucket: Path, dest: Path) -> dict[str, object]:
    """The report of a Parquet export of `bucket`, its gate's memo and export keys gone first (so no
    run reads another's)."""
    for cache in ("gate", "export-keys"):
        shutil.rmtree(bucket / "cache" / cache, ignore_errors=True)
    with Bucket.open(bucket) as b:
        return export(b, dest, ExportOptions("parquet", accept_suggested=True)).to_dict()


def _files(dest: Path) -> dict[str, bytes]:
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in sorted(dest.rglob("*")) if p.is_file()}


def _alike(report: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in report.items() if k != "dest"}


def test_the_pool_writes_the_folder_this_process_writes(bucket, tmp_path, monkeypatch):
    here = _export(bucket, tmp_path / "here")
    with monkeypatch.context() as m:
        m.setattr(write_pool, "POOL_SESSIONS", 1)
        m.setattr(write_pool, "WORKERS", 2)
        spawned: list[str] = []
        spawn = write_pool.spawn
        m.setattr(write_pool, "spawn", lambda module: spawned.append(module) or spawn(module))
        pooled = _export(bucket, tmp_path / "pooled")
    assert spawned == [write_pool.WORKER] * 2  # the pool wrote it, on two workers
    assert _files(tmp_path / "here") == _files(tmp_path / "pooled")
    assert _alike(here) == _alike(pooled)
    assert here["written"] == len(IDS) - 1 and [r["session"] for r in here["refused"]] == [BAD]
    assert "session's id" in here["refused"][0]["reason"] and TOKEN not in str(here["refused"][0]["findings"])


def test_a_small_export_is_written_in_this_process(bucket, tmp_path, monkeypatch):
    spawned: list[str] = []
    monkeypatch.setattr(write_pool, "spawn", lambda module: spawned.append(module))
    assert len(IDS) < write_pool.POOL_SESSIONS
    assert _export(bucket, tmp_path / "out")["written"] == len(IDS) - 1
    assert spawned == []


def test_a_session_whose_worker_dies_is_written_here_and_said(bucket, tmp_path, monkeypatch, pool):
    with monkeypatch.context() as m:
        m.setattr(write_pool, "POOL_SESSIONS", 10**6)
        here = _export(bucket, tmp_path / "here-first")
    assert pool == []
    monkeypatch.setattr(write_pool, "WORKER", "support.dying_write_worker")
    monkeypatch.setenv("PYTHONPATH", str(SUPPORT))
    monkeypatch.setenv(DIE_ON, IDS[2])
    pooled = _export(bucket, tmp_path / "pooled")
    assert len(pool) == 1
    said = f"a write worker stopped while writing session {IDS[2]}; it was written by the exporting process"
    assert pooled["warnings"] == [f"{said} instead"]
    assert _files(tmp_path / "here-first") == _files(tmp_path / "pooled")
    assert pooled["written"] == here["written"] == len(IDS) - 1


def test_a_session_that_fails_in_a_worker_stops_the_export_naming_it(bucket, tmp_path, monkeypatch, pool):
    monkeypatch.setattr(write_pool, "WORKER", "support.dying_write_worker")
    monkeypatch.setenv("PYTHONPATH", str(SUPPORT))
    monkeypatch.setenv(FAIL_ON, IDS[3])
    with pytest.raises(RuntimeError, match="planted failure") as raised:
        _export(bucket, tmp_path / "out")
    assert f"session {IDS[3]}" in " ".join(raised.value.__notes__)
    assert check(tmp_path / "out").ok  # the folder as an interrupted export leaves it: its manifest true
    assert all(proc.poll() is not None for proc in pool[0].procs)


def test_ctrl_c_stops_the_workers_and_leaves_a_checkable_folder(bucket, tmp_path, monkeypatch, pool):
    taken = write_pool.WritePool._taken
    seen: list[str] = []

    def interrupted(self, item, raw, here):  # type: ignore[no-untyped-def]
        seen.append(item.summary.id)
        if len(seen) == 3:
            raise KeyboardInterrupt
        return taken(self, item, raw, here)

    monkeypatch.setattr(write_pool.WritePool, "_taken", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _export(bucket, tmp_path / "out")
    assert all(proc.poll() is not None for proc in pool[0].procs) and len(pool[0].procs) == 2
    assert check(tmp_path / "out").ok  # what was written is named in the manifest
    assert not any(p.suffix == ".parquet" for p in (tmp_path / "out").rglob("*"))


def test_no_more_sessions_are_in_flight_than_the_pool_allows(bucket, tmp_path, monkeypatch, pool):
    most: list[int] = []
    submit = write_pool.WritePool.submit

    def counted(self, session_id, keys):  # type: ignore[no-untyped-def]
        ticket = submit(self, session_id, keys)
        most.append(self.waiting)
        return ticket

    monkeypatch.setattr(write_pool, "AHEAD", 1)
    monkeypatch.setattr(write_pool.WritePool, "submit", counted)
    assert _export(bucket, tmp_path / "out")["written"] == len(IDS) - 1
    assert len(most) == len(IDS) and max(most) == 2  # one a worker, however many are waiting
