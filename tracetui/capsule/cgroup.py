"""A pids cgroup for a sandboxed check run by root (docs/design.md, "Replay").

The kernel does not hold root to RLIMIT_NPROC, so a root run's processes were bounded only by the
watch, whose poll slows as the tree grows: a fork loop held 1,100 to 3,000 processes before it was
ended (an ordinary user's was refused at 253). Root may make a cgroup where the machine mounts the
pids controller (v1, or v2 with it enabled for the group tracetui is in): the sandbox joins one whose
`pids.max` is the process limit, so the kernel refuses the next fork. Nowhere else: an ordinary user
may not without a delegated group, and needs none.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

_made = itertools.count()


def _pids_folder() -> Path | None:
    """The pids controller's folder of the group this process is in, or None."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            mounts = [line.split(" - ", 1) for line in fh if " - cgroup" in line]
        with open("/proc/self/cgroup", encoding="utf-8", errors="replace") as fh:
            groups = [line.rstrip("\n").split(":", 2) for line in fh]
    except OSError:
        return None
    for fields, fs in mounts:
        kind, _, options = (fs.split() + ["", "", ""])[:3]
        point = fields.split()[4]
        if kind == "cgroup" and "pids" in options.split(","):
            wanted = [g[2] for g in groups if len(g) == 3 and "pids" in g[1].split(",")]
        elif kind == "cgroup2":
            wanted = [g[2] for g in groups if len(g) == 3 and g[0] == "0"]
        else:
            continue
        if wanted:
            folder = Path(point + wanted[0].rstrip("/"))
            if kind == "cgroup" or "pids" in _read(folder / "cgroup.subtree_control").split():
                return folder
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def make(processes: int) -> Path | None:
    """A new pids group allowing `processes` tasks: its `cgroup.procs`, which the sandbox's first
    step joins before bwrap starts (`sandbox.FRESH_SESSION`); None where this process is not root or
    the machine offers none it may make."""
    if os.geteuid() != 0:
        return None
    parent = _pids_folder()
    if parent is None:
        return None
    group = parent / f"tracetui-check-{os.getpid()}-{next(_made)}"
    try:
        group.mkdir()
    except OSError:
        return None
    try:
        (group / "pids.max").write_text(str(processes))
    except OSError:
        remove(group / "cgroup.procs")
        return None
    return group / "cgroup.procs"


def remove(procs: Path | None, most: float = 2.0) -> None:
    """Remove the group of `procs` once its last task is gone (the sandbox has been reaped)."""
    if procs is None:
        return
    end = time.monotonic() + most
    while True:
        try:
            procs.parent.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > end:
                return
            time.sleep(0.02)

