"""The gate's answers for a file's writers made by a forked child while their fates are judged.

A blame that prints the logs' strings (the CLI's) gates them at its end (`log_gate.logs_gated`). For
a session whose answers are not remembered, that reads the session's plan, loads the detectors and
scans every string its patches may print: about 0.15 s of a first blame at idle, after the judging.
Once each line has its writer the sessions to print are known, and their answers are made on the
other core meanwhile, kept as the blame's own gate keeps them; the gate waits for the child, then
finds them remembered. An answer the child did not keep is the gate's to make, as before.
More in docs/internals/blame.md, `blame/gate_apart.py`.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from tracetui.blame.log_gate import AnswersAhead
from tracetui.blame.results import session_log_members
from tracetui.errors import TracetuiError
from tracetui.model import Session
from tracetui.trail.two_cores import may_fork

if TYPE_CHECKING:
    from tracetui.blame.log_gate import _Gates

# How long `finish` waits for the children: their work is the gate's own, so this only bounds a child
# that will never end (a lock copied held into it); past it the child is killed and the gate answers.
FINISH_SECONDS = 60.0


class GateApart:
    """`blame_file`'s `writers_known`: the writers whose answers are not remembered, answered by a
    forked child where one may be made (`may_fork`): the likeliest as soon as the blame has read it
    (the other core is idler then than while the fates are judged), the others once the lines have
    their writers. `finish` before the gate; `close` always."""

    def __init__(self, library: Any) -> None:
        self.library = library
        self.pids: list[int] = []
        self.asked: set[str] = set()
        self._ahead: AnswersAhead | None = None

    @property
    def gates(self) -> _Gates | None:
        """The writers' gates as made here (each memo read), for the gate's own use: those a child
        answers are dropped, to be made again from what it keeps once it has ended."""
        return self._ahead.gates if self._ahead is not None else None

    def __call__(self, writers: list[str], session_of: Callable[[str], Session]) -> None:
        new = [sid for sid in writers if sid not in self.asked]
        if not new or not may_fork():
            return
        self.asked.update(new)
        try:
            if self._ahead is None:
                self._ahead = AnswersAhead(self.library, new)  # salts and memos read here
            else:
                self._ahead.prepare(new)
            ahead = self._ahead
            # Read here what the child needs of the bucket: the sessions (as the gate would read them;
            # the blame most often holds the one) and their strings from the line index. A SQLite file
            # opened on both sides of a fork shares its locks' bookkeeping (sqlite.org's "how to corrupt").
            sessions: dict[str, Session] = {}
            members: dict[str, list[dict[str, Any]]] = {}
            for sid in new:
                if ahead.unknown(sid) and (rows := session_log_members(self.library, sid)):
                    try:
                        sessions[sid] = session_of(sid)
                    except TracetuiError:  # unreadable: the gate answers as it does for such a session
                        continue
                    members[sid] = rows
            if sessions:
                self._fork(ahead, sessions, members)
        except Exception:  # noqa: BLE001 - nothing here stops the blame: the gate answers what is left
            pass

    def _fork(
        self, ahead: AnswersAhead, sessions: dict[str, Session], members: dict[str, list[dict[str, Any]]]
    ) -> None:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                for sid, session in sessions.items():
                    ahead.answer(sid, session, partial(members.__getitem__, sid))
                code = 0
            except BaseException:  # noqa: BLE001 - whatever the child met, the gate answers what is left
                pass
            finally:
                os._exit(code)  # no exit handlers run, no buffers flushed: they are the parent's
        self.pids.append(pid)
        gates = ahead.gates
        if gates is not None:
            for sid in sessions:
                gates.by_session.pop(sid, None)

    def finish(self) -> None:
        """The children waited for, FINISH_SECONDS at most: their answers are kept (or, where one failed
        or was too slow and is killed, left to the gate)."""
        deadline = time.monotonic() + FINISH_SECONDS
        for pid in list(self.pids):
            if _ended_by(pid, deadline):
                self.pids.remove(pid)
        self._end(kill=True)

    def close(self) -> None:
        """The children ended where their answers will not be asked (the blame failed or was interrupted)."""
        self._end(kill=True)

    def _end(self, kill: bool) -> None:
        pids, self.pids = self.pids, []
        for pid in pids:
            if kill:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _ended_by(pid: int, deadline: float) -> bool:
    """Whether the child `pid` ended (and was reaped) before `deadline`. A first blame waits on this: it
    wakes as the child ends, on a pidfd where the kernel gives one, else polling every few ms."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux 5.3+, or the child already reaped
        fd = -1
    try:
        pause = 0.001
        while True:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return True
            if done:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if fd >= 0:
                select.select([fd], [], [], left)  # readable once the child has ended
            else:
                time.sleep(min(pause, left))
                pause = min(pause * 2, 0.005)
    finally:
        if fd >= 0:
            os.close(fd)
