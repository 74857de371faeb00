"""What one check run may use, and the watch that holds it to that (docs/design.md, "Replay").

Two layers: rlimits set inside the sandbox (per process: data, file size, CPU; processes where the
kernel counts them, which it does not for root) and a watch from outside that sums the sandbox's
processes every few tens of milliseconds (count, private resident memory and the shared memory
the machine gained, CPU, and the clone's growth on disk) and ends the whole sandbox at the first
limit passed. A limit hit is the run's outcome, never
a verdict.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tracetui.capsule.buffers import buffered_bytes, descriptors
from tracetui.capsule.reaper import kill, tree

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True, slots=True)
class CheckLimits:
    """One check run's limits (every figure is documented in README's Safety section)."""

    memory: int = 2 * GiB  # per process (RLIMIT_DATA) and for the sandbox's resident total
    file_size: int = 512 * MiB  # one file the check writes (RLIMIT_FSIZE)
    processes: int = 256  # alive at once in the sandbox
    cpu_seconds: int = 600  # CPU of all the sandbox's processes together
    disk: int = 2 * GiB  # what the clone may grow by
    tmp: int = 512 * MiB  # each private tmpfs (/tmp, /var/tmp, home); /dev/shm and /run get less
    small_tmp: int = 64 * MiB
    ptys: int = 64  # pseudo-terminals open at once in the sandbox (its devpts' `max`)

    def ulimits(self, processes: bool = True) -> str:
        """The shell line that sets the per-process limits (POSIX sh's ulimit: -d in KiB, -f in
        512-byte blocks, -t seconds, -p processes, which bash spells -u: dash and bash both take -d -f -t)."""
        line = f"ulimit -d {self.memory // 1024} && ulimit -f {self.file_size // 512} && ulimit -t {self.cpu_seconds}"
        return f"{line} && {{ ulimit -p {self.processes} 2>/dev/null || ulimit -u {self.processes}; }}" if processes else line


DEFAULT_LIMITS = CheckLimits()

# How an exceeded rlimit shows from outside: the kernel's signal, or the check's own words for a
# refused allocation, file write or fork (Python ignores SIGXFSZ and raises instead).
_SIGNALLED = {128 + signal.SIGXFSZ: "file_size", 128 + signal.SIGXCPU: "cpu_seconds"}
_SAID = [
    ("memory", re.compile(r"MemoryError|Cannot allocate memory|out of memory|bad_alloc|heap out of memory", re.I)),
    ("file_size", re.compile(r"File too large|File size limit exceeded", re.I)),
    ("processes", re.compile(r"Cannot fork|can't fork|fork: retry|fork: Resource temporarily unavailable", re.I)),
]


def limit_named(limit: str, limits: CheckLimits) -> str:
    """`limit` (a CheckLimits field) as a user reads it: 'its memory limit (2 GiB)'."""
    value = getattr(limits, limit)
    label = {
        "memory": "memory", "file_size": "file size", "processes": "process", "cpu_seconds": "CPU time",
        "disk": "disk", "tmp": "temporary space", "small_tmp": "temporary space",
    }[limit]  # fmt: skip
    if limit == "processes":
        shown = f"{value} processes"
    elif limit == "cpu_seconds":
        shown = f"{value} s"
    else:
        shown = f"{value / GiB:g} GiB" if value >= GiB else f"{value // MiB} MiB"
    return f"its {label} limit ({shown})"


def limit_from_exit(exit_code: int, output: str) -> str | None:
    """The limit a failed check most likely hit, judged from its exit and the tail it printed."""
    if exit_code == 0:
        return None
    if exit_code in _SIGNALLED:
        return _SIGNALLED[exit_code]
    for name, said in _SAID:
        if said.search(output):
            return name
    return None


class Watch:
    """Sums the processes under `root_pid` (the sandbox) and `killer()`s it at the first limit passed.

    `hit` names the CheckLimits field that was passed, or None. Start it right after the sandbox starts and
    `stop()` it when the run ends."""

    INTERVAL = 0.05
    # The clone's size is walked at most once a second, and never more than a tenth of the time: a
    # walk costs what the tree does (a kernel checkout takes a good part of a second).
    DISK_EVERY = 1.0
    DISK_SHARE = 10
    BUFFERS_EVERY = 0.25

    def __init__(
        self, root_pid: int, limits: CheckLimits, clone: Path | None, killer: Callable[[], None],
        threads: bool = True,
    ) -> None:  # fmt: skip
        self.root_pid = root_pid
        self.limits = limits
        self.clone = clone
        self.killer = killer
        self.threads = threads  # each thread counts against `processes`, as RLIMIT_NPROC counts them
        self.hit: str | None = None
        self._done = threading.Event()
        started = time.monotonic()
        self._disk_start = _tree_bytes(clone) if clone is not None else 0
        self._shared_start = _shared_bytes()
        self._buffers = 0
        self._buffers_next = 0.0
        self._disk_next = time.monotonic() + max(self.DISK_EVERY, self.DISK_SHARE * (time.monotonic() - started))
        self._thread = threading.Thread(target=self._run, name="tracetui-check-watch", daemon=True)

    def start(self) -> Watch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()
        self._thread.join(5)

    def _run(self) -> None:
        hz = os.sysconf("SC_CLK_TCK")
        while not self._done.wait(self.INTERVAL):
            processes, tasks, private_kib, cpu_ticks = _sum_tree(self.root_pid)
            count = tasks if self.threads else processes
            if count == 0:
                continue
            hit = None
            if count > self.limits.processes:
                hit = "processes"
            elif private_kib * 1024 + self._tmpfs_held() + self._buffered() > self.limits.memory:
                hit = "memory"
            elif cpu_ticks / hz > self.limits.cpu_seconds:
                hit = "cpu_seconds"
            elif self.clone is not None and time.monotonic() >= self._disk_next:
                walk = time.monotonic()
                held = _removed_held(self.root_pid, self.clone, self.limits.file_size)
                grown = _tree_bytes(self.clone) - self._disk_start + held
                if grown > self.limits.disk:
                    hit = "disk"
                self._disk_next = time.monotonic() + max(self.DISK_EVERY, self.DISK_SHARE * (time.monotonic() - walk))
            if hit is not None:
                self.hit = hit
                self.killer()
                return

    def _buffered(self) -> int:
        """What waits in the sandbox's socket and pipe buffers (capsule/buffers.py), read again at most
        every BUFFERS_EVERY s and never more than a tenth of the time (a read costs what it holds open)."""
        if time.monotonic() >= self._buffers_next:
            read = time.monotonic()
            self._buffers = buffered_bytes(_tree_pids(self.root_pid))
            spent = time.monotonic() - read
            self._buffers_next = time.monotonic() + max(self.BUFFERS_EVERY, self.DISK_SHARE * spent)
        return self._buffers

    def _tmpfs_held(self) -> int:
        """The memory the sandbox holds beyond its processes' own pages. Shared memory: what the
        machine's grew by since the check started (a memfd, a SysV segment, a shared mapping: no
        process's resident size need show any of it), less what the sandbox's size-capped tmpfs mounts
        hold, bounded on their own; another program's growth meanwhile counts too (at worst a run ends
        inconclusive, never with a wrong verdict). And each entry of those mounts, as INODE_BYTES of
        kernel memory: an empty file holds no byte the size cap counts."""
        shared = _shared_bytes()  # before the mounts: what they gain meanwhile is subtracted, not counted
        use = _tmpfs_use(self.root_pid)
        if use is None:  # the sandbox's processes are ending: its mounts' bytes are freed after them
            return 0
        held, entries = use
        return max(0, shared - self._shared_start - held) + entries * INODE_BYTES


def _shared_bytes() -> int:
    """The machine's shared memory (`Shmem` of /proc/meminfo: tmpfs files, memfds, SysV segments and
    shared anonymous pages) and unevictable memory (`Unevictable`: memfd_secret files, whose pages are
    in no process's anonymous size nor in Shmem, and locked pages), in bytes; 0 where unreadable.
    A page both locked and anonymous or shared counts twice: at most the memory-lock limit a process."""
    total = 0
    try:
        with open("/proc/meminfo", "rb") as fh:
            for line in fh:
                if line.startswith((b"Shmem:", b"Unevictable:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 0
    return total


_OCTAL = re.compile(rb"\\([0-7]{3})")  # mountinfo's escapes (a space is \040)


# What one file, folder or link on a tmpfs costs the kernel, not counted by the mount's size: its inode
# and its name (0.8 KB measured for a million empty files with short names).
INODE_BYTES = 1024


def _tmpfs_use(root: int) -> tuple[int, int] | None:
    """(bytes, entries) the tmpfs mounts of the sandbox under `root` (bwrap) hold, read through its
    first child's view of the file system (/proc/PID/root); none where that child does not have a
    file system of its own (not yet, or a trusted check run unconfined); None where it cannot be read
    (the child is gone)."""
    if not os.path.exists(f"/proc/{root}/task/{root}/children"):
        return 0, 0  # a kernel without the file: every growth of the machine's is the check's
    try:
        with open(f"/proc/{root}/task/{root}/children", "rb") as fh:
            inner = int(fh.read().split()[0])
        if os.readlink(f"/proc/{inner}/ns/mnt") == os.readlink("/proc/self/ns/mnt"):
            return 0, 0
        with open(f"/proc/{inner}/mountinfo", "rb") as fh:
            lines = fh.read().splitlines()
    except (OSError, ValueError, IndexError):
        return None
    total = entries = 0
    seen: set[bytes] = set()
    for line in lines:
        fields, _, kind = line.partition(b" - ")
        parts = fields.split()
        if len(parts) < 5 or not kind.startswith(b"tmpfs ") or parts[2] in seen:
            continue
        seen.add(parts[2])  # one file system mounted twice is counted once
        mount = os.fsdecode(_OCTAL.sub(lambda m: bytes([int(m.group(1), 8)]), parts[4]))
        try:
            fs = os.statvfs(f"/proc/{inner}/root{mount}")
        except OSError:
            continue
        total += (fs.f_blocks - fs.f_bfree) * fs.f_frsize
        entries += fs.f_files - fs.f_ffree
    try:  # still there after the last mount was read: what they hold was read whole
        os.readlink(f"/proc/{inner}/ns/mnt")
    except OSError:
        return None
    return total, entries


def _removed_held(root: int, clone: Path, unsized: int) -> int:
    """The bytes of files on the clone's disk whose every name is gone but that a process under `root`
    still holds open or mapped: they keep their blocks, and no walk of the clone finds them. A mapping
    holds the whole file, however little of it is mapped: sized through /proc/PID/map_files where the
    kernel lets tracetui follow it (privileged), else, for a file that was in the clone (the only
    place on its disk the check can write), counted as `unsized` (the file-size limit, the most one
    file may hold), and elsewhere for its length (a library replaced by an upgrade meanwhile). Each
    file counts once, however many processes hold it."""
    inside = os.fsencode(os.path.realpath(clone)) + b"/"  # maps names the path with no link in it
    try:
        device = os.stat(clone).st_dev
    except OSError:
        return 0
    held: dict[int, int] = {}
    for pid in _tree_pids(root):
        for _, st in descriptors(pid):
            if stat.S_ISREG(st.st_mode) and st.st_nlink == 0 and st.st_dev == device:
                held[st.st_ino] = max(held.get(st.st_ino, 0), st.st_blocks * 512)
        for inode, span, path in _removed_mappings(pid, device):
            if inode in held:
                continue  # sized already, through a descriptor or an earlier mapping
            try:
                st = _follow_mapping(f"/proc/{pid}/map_files/{span}")
            except PermissionError:
                start, end = (int(x, 16) for x in span.split("-"))
                held[inode] = unsized if path.startswith(inside) else end - start
                continue
            except OSError:  # unmapped meanwhile
                continue
            if st.st_ino == inode:
                held[inode] = st.st_blocks * 512
    return sum(held.values())


def _follow_mapping(path: str) -> os.stat_result:
    """The file a /proc/PID/map_files entry maps (the kernel lets only a privileged reader follow it)."""
    return os.stat(path)


def _removed_mappings(pid: int, device: int) -> list[tuple[int, str, bytes]]:
    """(inode, map_files name, path it had) of each mapping of `pid` of a removed file on `device`."""
    try:
        with open(f"/proc/{pid}/maps", "rb") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        if not line.endswith(b" (deleted)"):
            continue
        parts = line.split(None, 5)
        try:
            start, end = (int(x, 16) for x in parts[0].split(b"-"))
            major, minor = (int(x, 16) for x in parts[3].split(b":"))
            inode = int(parts[4])
        except (IndexError, ValueError):
            continue
        if inode and os.makedev(major, minor) == device:
            # maps pads addresses with zeros, map_files not
            out.append((inode, f"{start:x}-{end:x}", parts[5].strip() if len(parts) > 5 else b""))
    return out


def _tree_pids(root: int) -> list[int]:
    """`root` and its descendants. Walked through each thread's `children` file, so a poll costs what
    the sandbox holds, not what the machine runs; where the kernel has no such file, from every
    process's parent."""
    if not os.path.exists(f"/proc/{root}/task/{root}/children"):
        return _scanned_pids(root) if os.path.exists(f"/proc/{root}") else []
    return tree(root)


def kill_tree(root: int, most: float = 1.0) -> None:
    """SIGKILL every process under `root`, not `root` itself, each through a pidfd (a pid reused
    meanwhile is not hit); pass after pass, since one may fork while a pass runs, until none is left
    but zombies, or for `most` seconds. A process that left its group (setsid) is still found where
    `root` is its subreaper (capsule/reaper.py) or a pid namespace's init (bwrap)."""
    end = time.monotonic() + most
    while time.monotonic() < end:
        living = 0
        for pid in _tree_pids(root)[1:]:
            if kill(pid):
                living += _stat(pid) is not None and not _zombie(pid)
        if not living:
            return
        time.sleep(0.01)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[:1] in ([b"Z"], [b"X"])
    except OSError:
        return True


def _scanned_pids(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                raw = fh.read()
            children.setdefault(int(raw[raw.rfind(b")") + 2 :].split()[1]), []).append(int(name))
        except (OSError, ValueError, IndexError):
            continue
    found: list[int] = []
    todo = [root]
    seen: set[int] = set()
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            found.append(pid)
            todo.extend(children.get(pid, ()))
    return found


def _sum_tree(root: int) -> tuple[int, int, int, int]:
    """(processes, tasks, private memory in KiB, CPU ticks with reaped children's) of `root` and its
    descendants (`_stat`). Tasks: every thread, as the kernel counts RLIMIT_NPROC, which it does
    not for root (a check run by root held 2,001 threads in one process, and pid_max is 32,768)."""
    count = tasks = rss = cpu = 0
    for pid in _tree_pids(root):
        found = _stat(pid)
        if found is None:
            continue
        count += 1
        tasks += found[2]
        cpu += found[0]
        rss += found[1]
    return count, tasks, rss, cpu


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(CPU ticks with reaped children's, private memory in KiB, threads) of one process, or None when
    gone.
    Private: its anonymous resident pages (what it shares with files is the page cache, and shared
    memory is `Watch._tmpfs_held`'s, each page once) and its page tables, which a read-only mapping
    read every 2 MiB makes without a page of its own (a GiB of them at 8 MB resident)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
        with open(f"/proc/{pid}/status", "rb") as fh:
            status = fh.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields start after its last ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    if len(fields) < 22:
        return None
    kib = 0
    for line in status.splitlines():
        if line.startswith((b"RssAnon:", b"VmPTE:")):
            try:
                kib += int(line.split()[1])
            except (IndexError, ValueError):
                continue
    return sum(int(f) for f in fields[11:15]), kib, max(1, int(fields[17]))


# What one folder entry costs the disk at the least, whatever blocks it holds: a folder's block, an
# inode (file systems set aside about one per 16 KiB). Summing file blocks alone let folders, links and
# empty files, which hold none, fill the disk or run it out of inodes past the limit.
ENTRY_BYTES = 4096


def _tree_bytes(top: Path | None) -> int:
    """The bytes the entries under `top` hold, each at least ENTRY_BYTES (links not followed)."""
    if top is None:
        return 0
    total = 0
    todo = [str(top)]
    while todo:
        try:
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            todo.append(entry.path)
                        total += max(ENTRY_BYTES, entry.stat(follow_symlinks=False).st_blocks * 512)
                    except OSError:
                        continue
        except OSError:
            continue
    return total
