"""The runner of a trusted check (run unconfined): the check's subreaper, run as a script of its own.

Killing a check's process group misses whatever called setsid(), and a double fork leaves a process
that is the machine's init's. This runner is the parent of every orphan under it
(PR_SET_CHILD_SUBREAPER), runs the check's shell, and once it has ended, or on SIGTERM, SIGINT or
SIGHUP (tracetui ended: PR_SET_PDEATHSIG), kills every process under it and waits for them all,
exiting as the shell did. Standard library only: `python -I reaper.py PARENT SCRIPT NAME COMMAND`.
The check may kill the runner: tracetui is the next subreaper up while a trusted check runs
(`adopting`) and ends each child of its own that bears the runner's mark (`sweep`): a hard
RLIMIT_RTTIME below tracetui's, which the check inherits and cannot raise (docs/design.md, "Replay").
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Iterator

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
FAILED = 125  # as the check's shell says when its limits cannot be set: the check never ran
# The mark: a hard limit no unprivileged process can raise again, and one that touches nothing a check
# does: real-time CPU time, spent only by a real-time scheduled thread, lowered to 2**63 - 1 µs.
MARK = resource.RLIMIT_RTTIME
_INFINITE_MARK = (1 << 63) - 1  # below RLIM_INFINITY, which Python's setrlimit cannot take less one
_runners: list[set[int]] = []  # the runners of the trusted checks running now: never swept
_adopting = 0
_lock = threading.RLock()  # sweep() takes it, within adopting()'s too


def descendants() -> list[int]:
    """Every process under this one, parents first."""
    me = os.getpid()
    return [pid for pid in tree(me) if pid != me]


def tree(root: int) -> list[int]:
    """`root` and every process under it, read from each thread's `children` file, parents first
    (limits' watch walks a check's tree with it too)."""
    found: list[int] = []
    todo = [root]
    seen: set[int] = set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        found.append(pid)
        todo.extend(tree_children(pid))
    return found


def kill_all() -> None:
    """SIGKILL every process under this one, through a pidfd so a pid reused meanwhile is not hit."""
    _kill(descendants())


def end_all() -> None:
    """Kill and wait for everything under this one; a process forked while a pass ran is the next one's."""
    while True:
        kill_all()
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            return
        time.sleep(0.01)


def _marked_below() -> int | None:
    """The hard RLIMIT_RTTIME below which a process bears the runner's mark (this process's own), or
    None where it is 0 and cannot be lowered."""
    hard = resource.getrlimit(MARK)[1]
    if hard == resource.RLIM_INFINITY:
        return 1 << 64
    return hard if hard > 0 else None


def mark() -> None:
    """Lower this process's hard RLIMIT_RTTIME by one below its parent's (the runner, first thing)."""
    soft, hard = resource.getrlimit(MARK)
    lowered = _INFINITE_MARK if hard == resource.RLIM_INFINITY else hard - 1
    if lowered >= 0:
        resource.setrlimit(MARK, (lowered if soft == resource.RLIM_INFINITY else min(soft, lowered), lowered))


def _hard_limit(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/limits", "rb") as fh:
            for line in fh:
                if line.startswith(b"Max realtime timeout"):
                    hard = line.split()[-2]
                    return 1 << 64 if hard == b"unlimited" else int(hard)
    except (OSError, ValueError, IndexError):
        return None
    return None


@contextlib.contextmanager
def adopting() -> Iterator[set[int]]:
    """While a trusted check runs: this process is a subreaper, so what the check leaves when it kills
    its runner is re-parented here, not to init; on the way out it is swept. The caller adds its
    runner's pid to the set yielded: a runner still running is never swept."""
    global _adopting
    libc = ctypes.CDLL(None, use_errno=True)
    runners: set[int] = set()
    with _lock:
        _runners.append(runners)
        _adopting += 1
        if _adopting == 1:
            libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        yield runners
    finally:
        with _lock:
            _runners.remove(runners)
        sweep()
        with _lock:
            _adopting -= 1
            if _adopting == 0:
                sweep()  # a last orphan of another check, re-parented meanwhile
                libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def sweep(most: float = 2.0) -> None:
    """SIGKILL and reap every child of this process that bears the runner's mark, but a runner still
    running, and everything under each; pass after pass (a child killed re-parents its own here),
    for at most `most` seconds."""
    below = _marked_below()
    if below is None:
        return
    end = time.monotonic() + most
    me = os.getpid()
    while time.monotonic() < end:
        with _lock:
            runners = set().union(*_runners)
        children = [pid for pid in tree_children(me) if pid not in runners]
        marked = [pid for pid in children if (hard := _hard_limit(pid)) is not None and hard < below]
        if not marked:
            return
        for pid in marked:
            _kill(tree(pid))
        for pid in marked:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        time.sleep(0.01)


def tree_children(pid: int) -> list[int]:
    """The children of `pid`, from each of its threads' `children` file."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", "rb") as fh:
                found.extend(int(child) for child in fh.read().split())
        except (OSError, ValueError):
            continue
    return found


def _kill(pids: list[int]) -> None:
    for pid in pids:
        kill(pid)


def kill(pid: int) -> bool:
    """SIGKILL `pid` through a pidfd (a pid reused meanwhile is not hit); whether it was sent."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return False
    try:
        signal.pidfd_send_signal(fd, signal.SIGKILL)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _stop(signum: int, frame: object) -> None:
    end_all()
    os._exit(128 + signum)


def main(argv: list[str]) -> int:
    parent, script, name, command = argv
    libc = ctypes.CDLL(None, use_errno=True)
    reaping = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    if not reaping or libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        print("tracetui: the check's runner could not become its subreaper", file=sys.stderr)
        return FAILED
    if os.getppid() != int(parent):  # tracetui ended before the death signal was asked for
        return FAILED
    mark()  # before the check exists: every process of it inherits the mark
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _stop)
    shell = os.fork()
    if shell == 0:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        try:
            os.execv("/bin/sh", ["/bin/sh", "-c", script, name, command])
        finally:
            os._exit(127)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 127
        if pid == shell:
            end_all()
            return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
