"""The runner of a trusted check (run unconfined): the check's subreaper, run as a script.

Killing a check's process group misses what called setsid(). This runner is the parent of every
orphan under it (PR_SET_CHILD_SUBREAPER), runs the check's shell, and once it has ended, or on
SIGTERM, SIGINT or SIGHUP (tracetui ended: PR_SET_PDEATHSIG), kills every process under it. Where
tracetui may (`own_pids`), the shell runs under the init of a pid namespace of its own: the check
cannot leave it, nor name tracetui or this runner, and tracetui's death kills the runner and all
under it. Elsewhere, with no Landlock scopes, a check may kill it: tracetui, the next subreaper
up (`adopting`), ends each child bearing its mark (`sweep`), a hard RLIMIT_RTTIME below its own
(docs/design.md, "Replay"). Standard library only: `python -I reaper.py [--own-pids | --landlock=ABI]
PARENT SCRIPT NAME COMMAND`, ABI the Landlock told of.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import select
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWUSER = 0x10000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 0x4000, 1 << 18
FAILED = 125  # as the check's shell says when its limits cannot be set: the check never ran
# The mark: a hard limit no unprivileged process can raise again, and one that touches nothing a check
# does: real-time CPU time, spent only by a real-time scheduled thread, lowered to 2**63 - 1 µs.
MARK = resource.RLIMIT_RTTIME
_INFINITE_MARK = (1 << 63) - 1  # below RLIM_INFINITY, which Python's setrlimit cannot take less one
_runners: list[set[int]] = []  # the runners of the trusted checks running now: never swept
_adopting = 0
_own: bool | None = None  # own_pids()'s answer, once probed
_spared: set[tuple[int, int]] = set()  # (pid, start) of children adopted while every runner ran
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
            if _adopting == 1:  # swept while still adopting: sweep() does nothing after
                sweep()  # a last orphan of another check, re-parented meanwhile
                libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
                _spared.clear()
            _adopting -= 1


def own_pids() -> bool:
    """Whether a trusted check's runner can give it a pid namespace of its own here (`--own-pids`):
    where this process may make one: root with CAP_SYS_ADMIN, else an ordinary user where the kernel lets
    one make a user namespace (not in every container, nor where AppArmor forbids it). Probed once."""
    import subprocess  # here: the runner itself, a script started for every check, never needs it

    global _own
    with _lock:
        if _own is None:
            try:
                argv = [sys.executable, "-I", __file__, "--probe"]
                done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
                _own = done.returncode == 0
            except (OSError, subprocess.SubprocessError):
                _own = False
        return _own


def note_adopted() -> None:
    """Remember the children this process has while every trusted check's runner still runs: an orphan
    re-parented here then is no check's (its runner is the check's subreaper), and `sweep` spares it,
    whatever its mark (one that lowered its own hard RLIMIT_RTTIME, as rtkit's audio clients do)."""
    with _lock:
        if not _adopting:
            return
        runners = set().union(*_runners)
        children = [(pid, _started(pid)) for pid in tree_children(os.getpid()) if pid not in runners]
        # Read after the children: a runner that ran then had adopted every orphan of its check.
        if all(_running(pid) for pid in runners):
            _spared.update((pid, started) for pid, started in children if started is not None)


def _started(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return int(fh.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[:1] not in ([b"Z"], [b"X"])
    except OSError:
        return False


def sweep(most: float = 2.0) -> None:
    """SIGKILL and reap every child of this process that bears the runner's mark, but a runner still
    running, and everything under each; pass after pass (a child killed re-parents its own here),
    for at most `most` seconds."""
    below = _marked_below()
    if below is None or not _adopting:  # no check's orphan can be this process's child
        return
    end = time.monotonic() + most
    me = os.getpid()
    while time.monotonic() < end:
        with _lock:
            runners = set().union(*_runners)
        children = [pid for pid in tree_children(me) if pid not in runners]
        marked = [pid for pid in children if (hard := _hard_limit(pid)) is not None and hard < below
                  and (pid, _started(pid)) not in _spared]
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


def _unshare_pids() -> bool:
    """Whether this process's next child starts a pid namespace of its own, in a mount namespace of
    this process's own (where that child mounts its /proc). Without CAP_SYS_ADMIN, in a user namespace
    that maps the user to itself alone (`_as_myself`), where the kernel lets an ordinary user make one."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWPID | CLONE_NEWNS) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:  # root without CAP_SYS_ADMIN (a container's): mapped to itself it would lose its reach
        return False  # over the files of ids it does not map, which a check of root's may rely on
    return libc.unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS) == 0 and _as_myself(uid, gid)


def _as_myself(uid: int, gid: int) -> bool:
    """Map the new user namespace's ids to the user's own, one each: its processes are the user, with
    no capability in the machine's namespaces; others' ids show as the overflow id (`nobody`), and a
    set-user-ID program raises nothing (docs/design.md, "Replay")."""
    try:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as fh:
                fh.write(text)
    except OSError:
        return False
    return True


def _mount_own() -> bool:
    """A /proc of this pid namespace's own, and a devpts instance of its own over /dev/pts, mounted
    where the machine's mounts never see them: the check finds no terminal of the machine's by path
    (run by root it could type into one, TIOCSTI); /dev/ptmx opens the new instance's."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return False
    if libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) != 0:
        return False
    options = b"newinstance,ptmxmode=0666,mode=0620"
    if os.path.isdir("/dev/pts") and libc.mount(b"devpts", b"/dev/pts", b"devpts", MS_NOSUID | MS_NOEXEC,
                                                options) != 0:  # fmt: skip
        return False
    return _cgroups_read_only(libc) and _managers_hidden(libc)


# The sockets of the user's service manager and message buses, by the user's runtime folder: `systemctl
# --user kill` of the unit tracetui runs in (a terminal's scope), and logind's TerminateSession of the
# user's own session over the system bus, end tracetui from inside any pid namespace.
_RUNTIME_SOCKETS = ("bus", "systemd/private")
_SYSTEM_BUS = "/run/dbus/system_bus_socket"


def _managers_hidden(libc: ctypes.CDLL) -> bool:
    """Each socket of `_RUNTIME_SOCKETS`, the system bus's and the session bus's address (a path) made
    /dev/null in this mount namespace: a connect is refused. Another socket of the runtime folder (an
    ssh or gpg agent's) stays."""
    import stat

    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    paths = [os.path.join(runtime, name) for name in _RUNTIME_SOCKETS] + [_SYSTEM_BUS]
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    paths += [part[len("unix:path="):].split(",")[0] for part in address.split(";")
              if part.startswith("unix:path=")]
    for path in paths:
        try:
            if not stat.S_ISSOCK(os.stat(path).st_mode):
                continue
        except OSError:
            continue  # none there: nothing to reach
        target = os.path.realpath(path).encode("utf-8", "surrogateescape")
        if libc.mount(b"/dev/null", target, None, MS_BIND, None) != 0:
            return False
    return True


# A mount's flags by the words /proc/self/mountinfo gives them: a remount must keep each (the kernel
# refuses one that drops a flag the machine's namespace set).
_MOUNT_FLAGS = {b"nosuid": MS_NOSUID, b"nodev": MS_NODEV, b"noexec": MS_NOEXEC, b"noatime": 1024,
                b"nodiratime": 2048, b"relatime": 1 << 21, b"strictatime": 1 << 24}
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096


def _cgroups_read_only(libc: ctypes.CDLL) -> bool:
    """Every cgroup file system read-only in this mount namespace: a check is its user's process, and
    a user owns the cgroups systemd delegates to it (`user@UID.service`, where a terminal's shell and
    tracetui run), whose `cgroup.kill` ended tracetui and every process beside it, and `cgroup.freeze`
    stopped them, from inside the check's pid namespace."""
    try:
        with open("/proc/self/mountinfo", "rb") as fh:
            mounts = [line.split() for line in fh]
    except OSError:
        return False
    for fields in mounts:
        point = fields[4].decode("utf-8", "surrogateescape").replace("\\040", " ")
        kind = fields[fields.index(b"-") + 1] if b"-" in fields else b""
        if kind not in (b"cgroup", b"cgroup2") or b"ro" in fields[5].split(b","):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for word in fields[5].split(b","):
            flags |= _MOUNT_FLAGS.get(word, 0)
        if libc.mount(None, point.encode("utf-8", "surrogateescape"), None, flags, None) != 0:
            return False
    return True


def probe() -> int:
    """0 where a runner may give its check a pid namespace of its own (`python -I reaper.py --probe`)."""
    if not _unshare_pids():
        return FAILED
    child = os.fork()
    if child == 0:
        os._exit(0 if _mount_own() else FAILED)
    return os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])


def _shell(script: str, name: str, command: str, fenced: int | None = None, promised: int = 0) -> int:
    """The check's shell, started; `fenced`: tracetui's pid, which it may not reach (`fence`), behind a
    Landlock domain of the ABI `promised` at least (what tracetui told the user: `fenced_by`)."""
    shell = os.fork()
    if shell == 0:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        try:
            if fenced is not None and fenceable() and not fence(fenced, os.getpgid(fenced)):
                print("tracetui: the check's runner could not fence tracetui off", file=sys.stderr)
                os._exit(FAILED)
            if not (_landlocked(promised) if fenced is not None else _scoped()):
                os._exit(FAILED)
            os.execv("/bin/sh", ["/bin/sh", "-c", script, name, command])
        finally:
            os._exit(127)
    return shell


def _landlocked(promised: int) -> bool:
    """Whether this process is now in a Landlock domain as strict as this kernel's ABI allows and at
    least as strict as ABI `promised` (said, in one line, where not: the check never runs)."""
    landlock = _landlock()
    abi = landlock.abi() if landlock is not None else 0
    if abi < promised:
        print(f"tracetui: this kernel's Landlock (ABI {abi}) cannot fence the check as you were told (ABI"
              f" {promised})", file=sys.stderr)
        return False
    if abi and not landlock.restrict(scoped=abi >= landlock.SCOPED_ABI):
        print("tracetui: the check's runner could not keep it off cgroups and /proc", file=sys.stderr)
        return False
    return True


def _scoped() -> bool:
    """In its own namespaces, which hold no network namespace (a check may need the network): where the
    kernel's Landlock has scopes, a domain that connects to no abstract unix socket (an X server's, an
    old setup's session bus) nor signals any process outside it; elsewhere nothing more."""
    landlock = _landlock()
    if landlock is None or landlock.abi() < landlock.SCOPED_ABI:
        return True
    if landlock.restrict(scoped=True, writes=False):
        return True
    print("tracetui: the check's runner could not keep it off abstract sockets", file=sys.stderr)
    return False


def _landlock() -> Any:
    """capsule/landlock.py, loaded by path: this runner is a script, run isolated (`python -I`)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tracetui_landlock", os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "landlock.py"))
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The fence (`fence`): a seccomp filter. Its system calls, by architecture: (AUDIT_ARCH, the calls that
# name their target by their first argument, ptrace (its second), the calls refused whatever they name
# (tkill names a thread, whose ids tracetui makes as it runs; the pidfd calls a descriptor, which may be
# a /proc folder opened by path; io_uring's, whose own socket and connect operations no filter sees),
# whether numbers from 0x40000000 are another ABI's (x32), and socket, refused for AF_UNIX: the user's
# service manager and buses listen on unix sockets no mount namespace hides here, and connect(2) names
# its address in memory a filter cannot read; then socketpair, refused for a datagram pair, one end of
# which sends to any named datagram socket (the manager's notifications, the journal's); a stream pair
# stays, a pipe between the check's own processes.
_SECCOMP_SET_MODE_FILTER, _PR_SET_NO_NEW_PRIVS = 1, 38
_IO_URING = (425, 426, 427)  # io_uring_setup, _enter, _register: the same numbers on both
_FENCE_CALLS: dict[str, tuple[int, tuple[int, ...], int, tuple[int, ...], bool, tuple[int, int]]] = {
    # kill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo, process_vm_readv/writev, pidfd_open
    "x86_64": (0xC000003E, (62, 234, 129, 297, 310, 311, 434), 101, (200, 424, 438, *_IO_URING), True,
               (41, 53)),
    "aarch64": (0xC00000B7, (129, 131, 138, 240, 270, 271, 434), 117, (130, 424, 438, *_IO_URING), False,
                (198, 199)),
}
_AF_UNIX = 1
# A datagram pair's type, every way the kernel takes it: SOCK_DGRAM, or SOCK_RAW (a unix socket's
# datagram), with or without SOCK_NONBLOCK and SOCK_CLOEXEC (the same bits on both machines).
_DATAGRAM_TYPES = tuple(kind | flags for kind in (2, 3) for flags in (0, 0x800, 0x80000, 0x80800))


def _filter(arch: int, named: tuple[int, ...], ptrace: int, refused: tuple[int, ...], x32: bool,
            sockets: tuple[int, int], targets: tuple[int, ...]) -> list[tuple[int, int, int, int]]:
    """The filter's instructions (code, jt, jf, k): EPERM for each call of `refused`, and for each of
    `named` (ptrace's second argument) whose target's low 32 bits, all the kernel reads of a pid, are one
    of `targets`, for `sockets`' socket of the family AF_UNIX (its first argument's low half, an int) and
    its socketpair of a `_DATAGRAM_TYPES` type; EPERM for every call of another architecture or ABI (a
    64-bit process may make i386 calls, socketcall among them), whose numbers differ; others allowed."""
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    # Written with labels (a string: where the next instruction is; a jump names where it goes when
    # true), then resolved to offsets.
    code: list[str | tuple[int, str | None, int]] = [(ld, None, 4), (jeq, "native", arch), (ret, None, deny),
                                                     "native", (ld, None, 0)]
    code += [(jge, "deny", 0x40000000)] if x32 else []
    code += [(jeq, "first", nr) for nr in named] + [(jeq, "second", ptrace), (jeq, "family", sockets[0]),
                                                    (jeq, "pair", sockets[1])]
    code += [(jeq, "deny", nr) for nr in refused] + [(ret, None, allow)]
    for label, offset in (("first", 16), ("second", 24)):  # the first argument's low half, the second's
        code += [label, (ld, None, offset), *((jeq, "deny", t) for t in targets), (ret, None, allow)]
    code += ["family", (ld, None, 16), (jeq, "deny", _AF_UNIX), (ret, None, allow)]
    code += ["pair", (ld, None, 24), *((jeq, "deny", kind) for kind in _DATAGRAM_TYPES), (ret, None, allow)]
    code += ["deny", (ret, None, deny)]
    labels: dict[str, int] = {}
    out: list[tuple[int, str | None, int]] = []
    for item in code:
        if isinstance(item, str):
            labels[item] = len(out)
        else:
            out.append(item)
    return [(op, labels[to] - n - 1 if to else 0, 0, k) for n, (op, to, k) in enumerate(out)]


def fenceable() -> bool:
    """Whether `fence` knows this machine's system calls (elsewhere a check runs unfenced)."""
    import platform

    return platform.machine() in _FENCE_CALLS


def fence(pid: int, group: int) -> bool:
    """Whether this process, and every one it starts, can no longer signal, trace or read process `pid`
    nor signal its process group `group` or every process at once (kill(-1)): a seccomp filter, where no
    pid namespace hides tracetui (docs/design.md, "Replay")."""
    import platform  # here: only a runner without a pid namespace fences

    calls = _FENCE_CALLS.get(platform.machine())
    if calls is None:
        return False
    targets = tuple(t & 0xFFFFFFFF for t in (pid, -group, -1))
    program = _filter(*calls, targets)
    array = (ctypes.c_uint64 * len(program))(*(code | jt << 16 | jf << 24 | k << 32
                                                for code, jt, jf, k in program))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    fprog = Program(len(program), ctypes.cast(array, ctypes.c_void_p))
    return libc.syscall(317 if calls[0] == 0xC000003E else 277, _SECCOMP_SET_MODE_FILTER, 0,
                        ctypes.byref(fprog)) == 0


def _status(status: int) -> int:
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


def _init(script: str, name: str, command: str, runner_gone: int) -> int:
    """Pid 1 of the check's own pid namespace: it reaps every orphan there, and its end is the end of
    every process in it (the kernel's). It sets no handler, so no process of the check can signal it."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the runner killed: so is the namespace
    if select.select([runner_gone], [], [], 0)[0] or not _mount_own():
        return FAILED
    shell = _shell(script, name, command)
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == shell:
            return _status(status)


def _in_namespace(script: str, name: str, command: str, parent: int) -> int:
    """Run the check as the tree of a pid namespace's init (`_init`) and wait for it; this runner, its
    init's parent, is out of the check's sight (it cannot name a process outside the namespace)."""
    if not _unshare_pids():
        print("tracetui: the check's runner could not make its pid namespace", file=sys.stderr)
        return FAILED
    # A new user namespace is new credentials, and the kernel clears the death signal with them: asked
    # again, then tracetui's life checked again (it may have ended in between).
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0 or os.getppid() != parent:
        return FAILED
    gone, alive = os.pipe()  # the init reads end-of-file once this runner is gone
    init = os.fork()
    if init == 0:
        os.close(alive)
        os._exit(_init(script, name, command, gone))
    os.close(gone)

    def stop(signum: int, frame: object) -> None:
        kill(init)
        os.waitpid(init, 0)
        os._exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)
    return _status(os.waitpid(init, 0)[1])


def main(argv: list[str]) -> int:
    if argv == ["--probe"]:
        return probe()
    own_pids = argv[:1] == ["--own-pids"]
    promised = int(argv.pop(0).partition("=")[2]) if argv[:1] and argv[0].startswith("--landlock=") else 0
    parent, script, name, command = argv[1:] if own_pids else argv
    libc = ctypes.CDLL(None, use_errno=True)
    reaping = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    # In its own namespace the check cannot reach this runner: tracetui's death kills it outright, and
    # with it the namespace, the kernel's doing, whatever the check does meanwhile.
    death = signal.SIGKILL if own_pids else signal.SIGTERM
    if not reaping or libc.prctl(PR_SET_PDEATHSIG, death, 0, 0, 0) != 0:
        print("tracetui: the check's runner could not become its subreaper", file=sys.stderr)
        return FAILED
    if os.getppid() != int(parent):  # tracetui ended before the death signal was asked for
        return FAILED
    if own_pids:
        return _in_namespace(script, name, command, int(parent))
    mark()  # before the check exists: every process of it inherits the mark
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _stop)
    shell = _shell(script, name, command, fenced=int(parent), promised=promised)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 127
        if pid == shell:
            end_all()
            return _status(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
