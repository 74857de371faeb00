"""The line index brought up to date by a forked child while a file's blame goes on.

A fresh bucket's first blame builds the index: each new session replayed, its lines keyed, the keys
written (a third of a second for a session of 130 patches). Nothing of it is asked until the file's
lines are attributed; meanwhile git's blame runs and the likeliest writer's session is read ahead.
So a child indexes the new sessions (read by the parent before the fork) into the same file, while
the parent reads the index as it stood, and waits for the child before the attribution.
More in docs/internals/blame.md, `blame/index_apart.py`.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracetui.blame.index import index_path, LineIndex, read_for_index, Refresh
from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.trail.two_cores import may_fork

# More sessions than this to index are indexed in the blame's own process, with its progress: their
# reading before the fork would hold them all in memory at once, and the wait is long either way.
APART_MAX = 16
_PATCHES = struct.Struct("<q")


@dataclass
class Building:
    """A refresh handed to a forked child: `sessions`, the sessions it indexes (by id), are those the
    index does not answer for until `wait` returns."""

    index: LineIndex
    library: Any
    progress: Callable[[int, int], None] | None
    done: Refresh
    todo: list[tuple[str, str]]
    started: float
    pid: int = 0
    done_r: int = -1
    sessions: dict[str, Session] = field(default_factory=dict)

    def wait(self) -> Refresh:
        """The child's work taken (its patches counted), else the refresh made here: a child that
        failed leaves the sessions it did not index to this process."""
        if self.pid == 0:
            return self.done
        patches = _patches(self.done_r)
        self._end(kill=False)
        try:
            self.index.forget_found()  # those found meanwhile lack the child's sessions
            if patches is None:
                rest = self.index.refresh(self.library, self.progress)
                self.done.read, self.done.patches = rest.read, rest.patches
            else:
                self.done.read, self.done.patches = len(self.todo), patches
        except sqlite3.Error as exc:
            raise TracetuiError(f"could not write the blame index at {self.index.path}: {exc}") from None
        if self.progress is not None:
            self.progress(len(self.todo), len(self.todo))
        self.done.seconds = time.perf_counter() - self.started
        return self.done

    def close(self) -> None:
        """The child ended where its work is not waited for (the blame failed or was interrupted)."""
        self._end(kill=True)

    def _end(self, kill: bool) -> None:
        if self.pid == 0:
            return
        pid, self.pid = self.pid, 0
        if kill:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.close(self.done_r)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def refresh_apart(
    index: LineIndex, library: Any, progress: Callable[[int, int], None] | None = None
) -> Building:
    """`index.refresh(library)`, on a forked child where it is allowed (`may_fork`) and the sessions to
    index are few; else here, done when this returns (`Building.pid` 0)."""
    started = time.perf_counter()
    done, todo, listed = index.begin(library)
    building = Building(index, library, progress, done, todo, started)
    if not todo or index.path is None or len(todo) > APART_MAX or not may_fork():
        building.done = index.index_listed(library, (done, todo, listed), progress, started)
        return building
    if progress is not None:
        progress(0, len(todo))
    read = {sid: read_for_index(library, listed[sid]) for sid, _ in todo}
    building.sessions = {sid: s for sid, s in read.items() if s is not None}
    # The parent's connection closed before the fork: the child opens its own, and SQLite's state of
    # the file's locks is never shared between the two (sqlite.org's "how to corrupt" warns of it).
    index.conn.close()
    index.forget_found()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(done_r)
        _child(index, todo, read, done_w)  # never returns
    os.close(done_w)
    building.pid, building.done_r = pid, done_r
    try:
        index.reopen()
    except BaseException:
        building.close()
        raise
    return building


def _child(index: LineIndex, todo: list[tuple[str, str]], read: dict[str, Session | None], done_w: int) -> None:
    code = 1
    try:
        with LineIndex(index.path) as own:
            if own.path is None:
                return  # the file could not be opened: this index would be one in memory
            patches = own.index_sessions([(sid, fingerprint, read[sid]) for sid, fingerprint in todo])
        os.write(done_w, _PATCHES.pack(patches))
        code = 0
    except BaseException:  # noqa: BLE001 - whatever the child met, the parent indexes what is left
        pass
    finally:
        os._exit(code)  # no exit handlers run, no buffers flushed: they are the parent's


def open_index_apart(
    library: Any, progress: Callable[[int, int], None] | None = None
) -> tuple[LineIndex, Building]:
    """`open_index`, its refresh begun on a forked child where it may be (`refresh_apart`)."""
    index = LineIndex(index_path(getattr(library, "cache_dir", None)))
    try:
        return index, refresh_apart(index, library, progress)
    except sqlite3.Error as exc:
        index.close()
        raise TracetuiError(f"could not write the blame index at {index.path}: {exc}") from None
    except BaseException:
        index.close()
        raise


def _patches(done_r: int) -> int | None:
    """The patches the child indexed, None where it ended without saying (it failed)."""
    got = b""
    while chunk := os.read(done_r, _PATCHES.size):
        got += chunk
    return _PATCHES.unpack(got)[0] if len(got) == _PATCHES.size else None
