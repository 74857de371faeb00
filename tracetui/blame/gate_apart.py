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
import signal
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


class GateApart:
    """`blame_file`'s `writers_known`: the writers whose answers are not remembered, answered by a
    forked child where one may be made (`may_fork`). `finish` before the gate; `close` always."""

    def __init__(self, library: Any) -> None:
        self.library = library
        self.pid = 0
        # The writers' gates as made here (each memo read), for the gate's own use: those the child
        # answers are dropped, to be made again from what it keeps once it has ended.
        self.gates: _Gates | None = None

    def __call__(self, writers: list[str], session_of: Callable[[str], Session]) -> None:
        if self.pid or not writers or not may_fork():
            return
        ahead = AnswersAhead(self.library, writers)  # the salts and memos read here: the child asks no bucket
        self.gates = ahead.gates
        # Read here what the child needs of the bucket: the sessions (as the gate would read them; most
        # often the blame holds the one) and their strings from the line index. A SQLite file opened on
        # both sides of a fork shares its locks' bookkeeping (sqlite.org's "how to corrupt").
        sessions: dict[str, Session] = {}
        members: dict[str, list[dict[str, Any]]] = {}
        for sid in writers:
            if ahead.unknown(sid) and (rows := session_log_members(self.library, sid)):
                try:
                    sessions[sid] = session_of(sid)
                except TracetuiError:  # unreadable: the gate answers as it does for such a session
                    continue
                members[sid] = rows
        if not sessions:
            return
        todo = list(sessions)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                for sid in todo:
                    ahead.answer(sid, sessions[sid], partial(members.__getitem__, sid))
                code = 0
            except BaseException:  # noqa: BLE001 - whatever the child met, the gate answers what is left
                pass
            finally:
                os._exit(code)  # no exit handlers run, no buffers flushed: they are the parent's
        self.pid = pid
        if self.gates is not None:
            for sid in todo:
                self.gates.by_session.pop(sid, None)

    def finish(self) -> None:
        """The child waited for: its answers are kept (or, where it failed, left to the gate)."""
        self._end(kill=False)

    def close(self) -> None:
        """The child ended where its answers will not be asked (the blame failed or was interrupted)."""
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
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
