"""The runner of a trusted check (run unconfined): the check's subreaper, run as a script of its own.

Killing a check's process group misses whatever called setsid(), and a double fork leaves a process
that is the machine's init's, outside the tree the watch sums. This runner asks the kernel to make it
the parent of every orphan under it (PR_SET_CHILD_SUBREAPER), runs the check's shell, and once the
shell has ended, or on SIGTERM, SIGINT or SIGHUP (tracetui ended: PR_SET_PDEATHSIG), kills every
process under it and waits for them all. It exits as the shell did (128 + a signal's number).
Standard library only: it is started as `python -I reaper.py PARENT SCRIPT NAME COMMAND`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
FAILED = 125  # as the check's shell says when its limits cannot be set: the check never ran


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
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children", "rb") as fh:
                    todo.extend(int(child) for child in fh.read().split())
            except (OSError, ValueError):
                continue
    return found


def kill_all() -> None:
    """SIGKILL every process under this one, through a pidfd so a pid reused meanwhile is not hit."""
    for pid in descendants():
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            continue
        try:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
        except OSError:
            pass
        finally:
            os.close(fd)


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
