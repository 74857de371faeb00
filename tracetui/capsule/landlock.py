"""What a trusted check fenced without a pid namespace may not write or reach: cgroups, /proc, signals.

Such a check is its user's process beside tracetui, and the user owns the cgroup systemd delegates to
it (`user@UID.service`): its `cgroup.kill` ended tracetui and every program of the terminal,
`cgroup.freeze` stopped them, `/proc/PID/oom_score_adj` made tracetui the kernel's first to kill. A
Landlock domain (Linux 5.13+, no privilege) refuses the check, and all it starts, a file opened for
writing on a cgroup or proc file system, and any trace of a process outside it; with scopes (ABI 6,
Linux 6.12), a signal to, or a connect to an abstract unix socket of, one outside it too. Standard
library only: the runner (capsule/reaper.py) loads it by path. docs/design.md, "Replay"."""

from __future__ import annotations

import ctypes
import os

# The system calls (the same number on every architecture that has them) and the ABI's constants.
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_WRITE_FILE = 1 << 1
SCOPED_ABI = 6  # the first ABI with `scoped`: abstract unix sockets and signals
_SCOPES = 1 | 2  # LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL
# The file systems no check writes to: whoever may write a file there acts on processes, not files.
_UNWRITTEN = (b"cgroup", b"cgroup2", b"proc")


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


def abi() -> int:
    """The Landlock ABI this kernel gives an unprivileged process (0: none, or disabled at boot)."""
    return max(0, _libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION))


def available() -> bool:
    """Whether this kernel gives an unprivileged process a Landlock domain."""
    return abi() >= 1


def unwritten_mounts(mountinfo: bytes) -> set[str]:
    """The mount points of `mountinfo` (/proc/self/mountinfo's text) of the `_UNWRITTEN` kinds."""
    points: set[str] = set()
    for fields in (line.split() for line in mountinfo.splitlines()):
        if b"-" in fields and fields[fields.index(b"-") + 1] in _UNWRITTEN:
            points.add(fields[4].decode("utf-8", "surrogateescape").replace("\\040", " "))
    return points


def writable_tops(forbidden: set[str], top: str = "/") -> list[str]:
    """The fewest paths beneath which every file is, but those beneath `forbidden`: `top` itself where
    none is beneath it, else each of its entries so chosen (a link is passed by: what it names is
    reached through its own folder)."""
    if top in forbidden:
        return []
    inside = top.rstrip("/") + "/"
    if not any(f.startswith(inside) for f in forbidden):
        return [top]
    out: list[str] = []
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return []
    for entry in entries:
        if not entry.is_symlink():
            out += writable_tops(forbidden, entry.path)
    return out


def restrict(scoped: bool, writes: bool = True) -> bool:
    """Whether this process, and all it starts, now traces no process outside its domain, with `writes`
    writes no file of the `_UNWRITTEN` kinds, and with `scoped` (`SCOPED_ABI`) signals none and connects
    to no abstract socket of one. Sets no_new_privs, as the seccomp fence does, where it is not set."""
    libc = _libc()
    tops: list[str] = []
    if writes:
        try:
            with open("/proc/self/mountinfo", "rb") as fh:
                tops = writable_tops(unwritten_mounts(fh.read()))
        except OSError:
            return False
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    handled = _RulesetAttr(_WRITE_FILE if writes else 0, 0, _SCOPES if scoped else 0)
    size = ctypes.sizeof(handled) if scoped else 8  # an older kernel takes the first field alone
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(handled), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        return False
    try:
        for path in tops:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # gone since it was listed: nothing there to write
            try:
                rule = _PathBeneath(_WRITE_FILE, fd)
                if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
                    return False
            finally:
                os.close(fd)
        return libc.syscall(_RESTRICT_SELF, ruleset, 0) == 0
    finally:
        os.close(ruleset)
