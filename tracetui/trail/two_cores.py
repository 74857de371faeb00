"""A trail's patches judged on two processes, so that the first answer waits less on two cores.

After the history walk and the probes, each patch is judged alone (`by_file.py`: its fate never
depends on another's), and that is four fifths of a first trail. A forked child shares all that was
made before; it and its parent take units (a file's patches, or one patch where one file holds most
of the work) from one pipe, heaviest first, and the child sends its fates back.
More in docs/internals/trail.md, `trail/two_cores.py`.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import fields

from tracetui.trail.fates import Fate
from tracetui.trail.patch import Patch

MIN_WEIGHT = 400  # a trail whose patches weigh less (`judged_apart`) is judged in this process alone
_UNIT = struct.Struct("<i")
_MAX_UNITS = 16_000  # units written to the pipe before the fork: they must fit in its buffer (64 KB)
_FIELDS = tuple(f.name for f in fields(Fate) if f.name != "patch")


# Per thread and per task: one caller's `on_two_cores` (the app's worker) never lets another fork.
_ALLOWED: ContextVar[bool] = ContextVar("two_cores_allowed", default=False)


@contextmanager
def on_two_cores() -> Iterator[None]:
    """Trails judged inside may fork (`judged_apart`): for a command whose user waits on one answer
    (`trail`, `blame`), not for a caller that keeps every core busy already (an export's workers)."""
    token = _ALLOWED.set(True)
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def judged_apart(patches: list[Patch], weights: list[int], judge: Callable[[int], Fate],
                 start: Callable[[], None], finish: Callable[[], None]) -> list[Fate]:  # fmt: skip
    """`judge(i)` of every patch, in order: shared with a forked child where allowed and worth it.
    `weights`: each patch's expected cost (the versions of its file its searches may read), to hand
    out the heaviest first and to skip the fork for light trails. `start` and `finish` are called in
    the child before its first judgement and before it exits (a blob pipe of its own, closed). A child
    that fails leaves its patches judged here."""
    units = _units(patches, weights)
    if not _worth_forking(units, weights):
        return [judge(i) for i in range(len(patches))]
    fates: dict[int, Fate] = {}
    work_r, work_w = os.pipe()
    os.write(work_w, b"".join(_UNIT.pack(u) for u in range(len(units))))
    os.close(work_w)
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(done_r)
        _child(units, _taken(work_r), judge, start, finish, done_w)  # never returns
    os.close(done_w)
    try:
        for u in _taken(work_r):
            fates.update((i, judge(i)) for i in units[u])
        fates.update(_theirs(done_r, patches))
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # the caller meets the error now, not after the child's share
        raise
    finally:
        os.close(work_r)
        os.close(done_r)
        _reap(pid)
    return [fates[i] if i in fates else judge(i) for i in range(len(patches))]


def _units(patches: list[Patch], weights: list[int]) -> list[list[int]]:
    """A file's patches together (they share the file's versions read and counted), heaviest first;
    where one file weighs more than half, its patches one by one (else one process does most)."""
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(patches):
        groups.setdefault(p.path, []).append(i)
    total = sum(weights)
    units: list[list[int]] = []
    for group in groups.values():
        if 2 * sum(weights[i] for i in group) > total:
            units.extend([i] for i in group)
        else:
            units.append(group)
    return sorted(units, key=lambda g: -sum(weights[i] for i in g))  # stable: a file's patches in order


def _worth_forking(units: list[list[int]], weights: list[int]) -> bool:
    if len(units) < 2 or sum(weights) < MIN_WEIGHT or len(units) > _MAX_UNITS:
        return False
    return may_fork()


def may_fork() -> bool:
    """Work may go to a forked child here and now: inside `on_two_cores`, beside no other thread,
    with a core free for it (blame's line index is built so too, `blame/index_apart.py`)."""
    return _ALLOWED.get() and hasattr(os, "fork") and _alone() and _core_free()


def _alone() -> bool:
    """No other thread: a fork copies only the calling one, and a lock another held (in libgit2, in
    a logger) would stay held in the child for ever."""
    return threading.active_count() == 1


def _core_free() -> bool:
    """A core the child can have: the two processes do up to a fifth more work than one, which only
    shortens the wait where another core would idle (the last minute's load below the cores)."""
    try:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return os.getloadavg()[0] <= cores - 1
    except OSError:
        return False


def _taken(work_r: int) -> Iterator[int]:
    """The units this process takes, one at a time: a read of 4 bytes from a pipe is atomic, so each
    unit goes to one process, whichever is free first."""
    while True:
        got = os.read(work_r, _UNIT.size)
        if len(got) < _UNIT.size:
            return
        yield _UNIT.unpack(got)[0]


def _child(units: list[list[int]], taken: Iterator[int], judge: Callable[[int], Fate],
           start: Callable[[], None], finish: Callable[[], None], done_w: int) -> None:  # fmt: skip
    code = 1
    try:
        start()
        mine: list[tuple[int, tuple[object, ...]]] = []
        for u in taken:
            for i in units[u]:
                fate = judge(i)
                mine.append((i, tuple(getattr(fate, name) for name in _FIELDS)))
        finish()
        with os.fdopen(done_w, "wb") as out:
            out.write(pickle.dumps(mine, protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
    except BaseException:  # noqa: BLE001 - whatever the child met, the parent judges its patches
        pass
    finally:
        os._exit(code)  # no exit handlers run, no buffers flushed: they are the parent's


def _theirs(done_r: int, patches: list[Patch]) -> Iterator[tuple[int, Fate]]:
    chunks = []
    while chunk := os.read(done_r, 1 << 20):
        chunks.append(chunk)
    try:
        theirs = pickle.loads(b"".join(chunks)) if chunks else []
    except (pickle.UnpicklingError, EOFError, ValueError):
        return  # a child cut short sent part of its answer: its patches are judged again
    for i, values in theirs:
        yield i, Fate(patches[i], **dict(zip(_FIELDS, values)))


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
