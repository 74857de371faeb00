"""What the tests of an export on write workers share (`export/write_pool.py`): the bucket's sessions,
the pool forced on however few, an export's report, and what a folder and the bucket's keys hold."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from support.dying_write_worker import DIE_ON, FAIL_ON, IN
from support.gate_kit import V3
from tracetui.bucket import Bucket
from tracetui.export import ExportOptions, export, write_pool
from tracetui.redact import plan

TOKEN = "ghp_" + "Wm3Kd8Zq1Xr6Tv9Lp2Nc5Hb7Js4Gf0Ya8UeQ"  # made up
BAD = f"{TOKEN}-session"  # a session whose own id holds a token: the gate refuses it
IDS = [V3, *(f"{n}{n}{n}{n}{n}{n}{n}{n}-aaaa-4bbb-8ccc-00000000000{n}" for n in range(4, 9)), BAD]
TESTS = Path(__file__).resolve().parents[1]  # where `support` is a package, for the workers' path


def force_pool(monkeypatch) -> list[write_pool.WritePool]:
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


def exported(bucket: Path, dest: Path, fmt: str, progress=None, accept: bool = True) -> dict[str, Any]:
    """The report of an export of `bucket`, its gate's memo gone first (so no run reads another's;
    the export keys are the folder's own)."""
    shutil.rmtree(bucket / "cache" / "gate", ignore_errors=True)
    with Bucket.open(bucket) as b:
        return export(b, dest, ExportOptions(fmt, accept_suggested=accept), progress=progress).to_dict()


def exported_here(bucket: Path, dest: Path, fmt: str, monkeypatch, accept: bool = True) -> dict[str, Any]:
    """`exported` with no worker, whatever the test set."""
    with monkeypatch.context() as m:
        m.setattr(write_pool, "POOL_SESSIONS", 10**6)
        return exported(bucket, dest, fmt, accept=accept)


def files(dest: Path) -> dict[str, bytes]:
    return {p.relative_to(dest).as_posix(): p.read_bytes() for p in sorted(dest.rglob("*")) if p.is_file()}


def alike(report: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in report.items() if k != "dest"}


def plans_unsettled(monkeypatch) -> None:
    """No plan is old enough for an export key to keep its stamp (two seconds): left to the clock, two
    exports' keys differ whenever a loaded machine puts the second one past that mark."""
    monkeypatch.setattr(plan, "settled", lambda stamp, now_ns=None: False)


def keys(bucket: Path) -> dict[str, bytes]:
    """The export keys kept in the bucket, one file per export folder."""
    return {p.name: p.read_bytes() for p in (bucket / "cache" / "export-keys").iterdir()}


def counting_spawns(monkeypatch) -> list[str]:
    """The workers started from now on, by module."""
    spawned: list[str] = []
    spawn = write_pool.spawn

    def counted(module: str) -> subprocess.Popen[bytes]:
        spawned.append(module)
        return spawn(module)

    monkeypatch.setattr(write_pool, "spawn", counted)
    return spawned


def dying(monkeypatch, stage: str, **sessions: str) -> None:
    """The workers are `support.dying_write_worker`: in `stage`, one dies on the session named `die`,
    and one fails on `fail`."""
    monkeypatch.setattr(write_pool, "WORKER", "support.dying_write_worker")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.setenv(IN, stage)
    for name, sid in sessions.items():
        monkeypatch.setenv({"die": DIE_ON, "fail": FAIL_ON}[name], sid)
