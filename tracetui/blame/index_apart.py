"""The line index brought up to date by a forked child while a file's blame goes on.

A fresh bucket's first blame builds the index: each new session replayed, its lines keyed, the keys
written (a third of a second for a session of 130 patches). Nothing of it is asked until the file's
lines are attributed; meanwhile git's blame runs and the likeliest writer's session is read ahead.
So a child makes the new sessions' rows (read by the parent before the fork), sends them to the
parent, and then writes them into the file; the parent reads the index as it stood, and before the
attribution takes the rows, which answer for those sessions until the blame ends.
More in docs/internals/blame.md, `blame/index_apart.py`.
"""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tracetui.blame.index import index_path, LineIndex, patch_rows, PatchRow, read_for_index, Refresh
from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.trail.two_cores import may_fork

if TYPE_CHECKING:
    from tracetui.blame.log_gate import AnswersAhead

# More sessions than this to index are indexed in the blame's own process, with its progress: their
# reading before the fork would hold them all in memory at once, and the wait is long either way.
APART_MAX = 16


@dataclass
class Building:
    """A refresh handed to a forked child: `sessions`, the sessions it indexes (by id), are those the
    index leaves out until `wait` returns, and answers from their rows after."""

    index: LineIndex
    library: Any
    progress: Callable[[int, int], None] | None
    done: Refresh
    todo: list[tuple[str, str]]
    started: float
    pid: int = 0
    rows_r: int = -1
    sessions: dict[str, Session] = field(default_factory=dict)

    def wait(self) -> Refresh:
        """The child's rows taken (it goes on writing them), else the refresh made here: a child that
        failed before it sent them leaves the sessions to this process."""
        if self.pid == 0:
            return self.done
        rows = _rows(self.rows_r)
        try:
            if rows is None:
                self._end(kill=False)
                self.index.overlay(())
                rest = self.index.refresh(self.library, self.progress)
                self.done.read, self.done.patches = rest.read, rest.patches
            else:
                self.index.overlay((sid for sid, _ in self.todo), rows)
                self.done.read, self.done.patches = len(self.todo), sum(len(r) for r in rows.values())
        except sqlite3.Error as exc:
            raise TracetuiError(f"could not write the blame index at {self.index.path}: {exc}") from None
        if self.progress is not None:
            self.progress(len(self.todo), len(self.todo))
        self.done.seconds = time.perf_counter() - self.started
        return self.done

    def finish(self) -> None:
        """The child waited for: its rows are in the file (or, where it failed, the next refresh
        indexes its sessions again)."""
        self._end(kill=False)

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
        os.close(self.rows_r)
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
    # Imported here, where a fork is made: the gate loads the redaction package, which a blame that
    # indexes in its own process (the app's) never needs.
    from tracetui.blame.log_gate import AnswersAhead

    ahead = AnswersAhead(library, building.sessions)  # what asks the bucket: the child asks it nothing
    # The parent's connection closed across the fork: the child opens its own, and SQLite's state of
    # the file's locks is never shared between the two (sqlite.org's "how to corrupt" warns of it).
    index.conn.close()
    rows_r, rows_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rows_r)
        _child(index, todo, read, rows_w, ahead)  # never returns
    os.close(rows_w)
    building.pid, building.rows_r = pid, rows_r
    try:
        index.reopen()
        index.overlay(sid for sid, _ in todo)  # left out until their rows come
    except BaseException:
        building.close()
        raise
    return building


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


def _child(
    index: LineIndex, todo: list[tuple[str, str]], read: dict[str, Session | None], rows_w: int, ahead: AnswersAhead,
) -> None:
    code = 1
    try:
        rows = {sid: patch_rows(s) if (s := read[sid]) is not None else [] for sid, _ in todo}
        with os.fdopen(rows_w, "wb") as out:  # closed: the parent reads to its end
            out.write(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
        with LineIndex(index.path) as own:
            if own.path is not None:  # else the file could not be opened: one in memory is no use
                own.index_sessions([(sid, fingerprint, rows[sid]) for sid, fingerprint in todo])
                code = 0
        # The gate's answers kept before the parent gates what it prints, which it does once this
        # child has ended (`Building.finish`): the detectors' load and the scans off its path.
        for sid, _ in todo:
            ahead(sid, read[sid], rows[sid])
    except BaseException:  # noqa: BLE001 - whatever the child met, the parent indexes what is left
        pass
    finally:
        os._exit(code)  # no exit handlers run, no buffers flushed: they are the parent's


def _rows(rows_r: int) -> dict[str, list[PatchRow]] | None:
    """The rows the child made, by session; None where it ended before it sent them all."""
    chunks = []
    while chunk := os.read(rows_r, 1 << 20):
        chunks.append(chunk)
    try:
        rows = pickle.loads(b"".join(chunks)) if chunks else None
    except (pickle.UnpicklingError, EOFError, ValueError):
        return None
    return rows if isinstance(rows, dict) else None
