"""Where the user's check runs when a capsule's patches are applied: a stranger's code.

The check runs in bubblewrap (`bwrap`) with a file system built from nothing: the toolchain
(`/usr`, `/bin`, `/lib*`, a short list of `/etc`, whose passwd, group and hosts name only the
running user and nobody), read-only; its clone and the clone's own object store; private,
size-capped tmpfs for `/tmp`, `/var/tmp`, `/run`, `/dev/shm`, `$XDG_RUNTIME_DIR` and home; the root
and `/dev` (bwrap's own tmpfs, of no size) read-only. Nothing else of the machine is there, so no
socket bound on the file system (an ssh or gpg agent, D-Bus, Docker) can be reached, and with the
network namespace unshared neither can an abstract one. bwrap starts with an empty environment:
its reaper, pid 1 in the sandbox, keeps the one it was given (`/proc/1/environ`). docs/design.md
("Replay") says why this and not a seccomp filter.
"""

from __future__ import annotations

import functools
import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tracetui.capsule.limits import DEFAULT_LIMITS, CheckLimits

BWRAP = "bwrap"
# Passed through to the check: enough to find and run the user's tools, nothing that authenticates.
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ")
# The toolchain: where programs and their libraries live on a Linux system.
TOOLCHAIN = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# The /etc a toolchain reads: libraries, time, certificates, the alternatives programs are linked
# through, language runtimes' settings. Never credentials (shadow, ssh host keys, pip.conf, npmrc,
# gitconfig with its helpers, NetworkManager's connections), nor /etc/environment (machine-wide
# tokens and proxies), nor the host's accounts and host names: those three are made up (SYNTHETIC).
ETC = (
    "nsswitch.conf", "host.conf", "localtime", "timezone", "ld.so.cache",
    "ld.so.conf", "ld.so.conf.d", "alternatives", "ssl/certs", "ca-certificates", "mime.types",
    "protocols", "services", "os-release", "debian_version", "lsb-release", "shells", "magic",
    "magic.mime", "locale.alias", "locale.conf", "inputrc", "terminfo", "perl", "python3",
    "gai.conf",
)  # fmt: skip
SYNTHETIC = ("passwd", "group", "hosts")  # written per run user, bound at /etc/NAME
NOBODY = 65534
ETC_PREFIXES = ("java-", "python3.", "jvm")  # versioned runtime folders (/etc/java-17-openjdk)
CHECK_NAME = "tracetui-check"  # $0 of the shell that runs the user's command
# A process inherits its parent's session keyring, and may search and read the keys in it (a Kerberos
# ticket, a share's password): bwrap starts in a new, empty one, with an empty environment. keyctl's
# number by machine; ENOSYS or EPERM (no keyrings, or a filter that refuses them the check as well)
# leaves nothing to hide; any other failure stops here (bwrap never starts: the check does not run).
KEYCTL = {"x86_64": 250, "aarch64": 219, "riscv64": 219, "loongarch64": 219, "i686": 288, "armv7l": 311,
          "ppc64le": 271}  # fmt: skip
# The check's devpts: bwrap's has no `max`, and every instance but the host's first draws on one pool
# (kernel.pty.max less kernel.pty.reserve), which a check emptied in 0.1 s. So bwrap runs in a user and
# mount namespace of tracetui's own, where this mounts a devpts capped at the run's pty limit on a folder
# bwrap binds at /dev/pts. Where no user namespace can be made (the kernel forbids it; bwrap is setuid)
# or no devpts mounted in one (AppArmor's rule for unprivileged namespaces), that folder is bound empty
# and read-only instead: no pty at all, never the machine's pool.
FRESH_SESSION = f"""
import ctypes, os, platform, sys
libc = ctypes.CDLL(None, use_errno=True)
keyctl = {KEYCTL!r}.get(platform.machine())
if keyctl is not None and libc.syscall(keyctl, 1, None) < 0:
    if ctypes.get_errno() not in (1, 38):
        sys.exit("tracetui: no session keyring of the sandbox's own")
pts, most, group, argv = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
if group:  # a root run's pids cgroup (capsule/cgroup.py); the watch bounds it where this fails
    try:
        with open(group, "w") as fh:
            fh.write(str(os.getpid()))
    except OSError:
        pass
uid, gid = os.getuid(), os.getgid()
def own_devpts():
    if libc.unshare(0x10000000 | 0x20000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
        return False
    maps = (("setgroups", "deny"), ("uid_map", f"{{uid}} {{uid}} 1"), ("gid_map", f"{{gid}} {{gid}} 1"))
    try:
        for name, text in maps:
            with open(f"/proc/self/{{name}}", "w") as fh:
                fh.write(text)
    except OSError:
        return False
    options = f"newinstance,ptmxmode=0666,mode=0620,max={{most}}".encode()
    return libc.mount(b"devpts", pts.encode(), b"devpts", 2 | 8, options) == 0  # MS_NOSUID | MS_NOEXEC
# Tried first in a child: a namespace made cannot be left, and some machines let one be made but
# not a devpts be mounted in it (AppArmor's rule for unprivileged namespaces), where bwrap must
# still start as it did, outside one.
child = os.fork()
if child == 0:
    os._exit(0 if own_devpts() else 1)
if os.waitpid(child, 0)[1] == 0:
    if not own_devpts():
        sys.exit("tracetui: no devpts of the sandbox's own: " + os.strerror(ctypes.get_errno()))
elif argv[argv.index(pts) - 1] == "--dev-bind":
    argv[argv.index(pts) - 1] = "--ro-bind"
os.execve(argv[0], argv, {{}})
"""


class SandboxFailed(Exception):
    """bubblewrap could not set the sandbox up: the check never ran."""


@dataclass(frozen=True, slots=True)
class Sandbox:
    """A way to run a shell command confined to one writable folder."""

    name: str  # "bubblewrap"
    program: str
    # The check cannot make user namespaces of its own (bwrap's --disable-userns): in one, it had every
    # capability over a mount namespace of its own, and mounted a tmpfs of no size cap out of the
    # watch's sight, with the kernel interfaces a user namespace opens to anyone.
    no_nested_userns: bool = False

    def command(
        self,
        shell_command: str,
        workdir: Path,
        readable: list[Path],
        limits: CheckLimits = DEFAULT_LIMITS,
        status_fd: int | None = None,
        *,
        etc: Path,
        cgroup: Path | None = None,
    ) -> list[str]:
        """The argv that runs `shell_command` in `workdir`, confined (see the module docstring).

        `readable` are bound read-only at their own paths (the clone's object store); `status_fd`,
        where given, receives bwrap's JSON status, which tells its own failure from the check's exit;
        `etc` is a folder of tracetui's own, outside `workdir`, that the check's made-up passwd, group
        and hosts are written to (the caller removes it with its other temporary files); `cgroup`, where
        given, is the `cgroup.procs` of a pids group bwrap starts in (capsule/cgroup.py)."""
        # `--clearenv` clears only the check's environment; bwrap's own reaper (pid 1 inside) keeps
        # the one bwrap started with, readable at /proc/1/environ: so bwrap gets none of tracetui's
        # (FRESH_SESSION starts it with none, in a session keyring of its own).
        args = [
            sys.executable, "-I", "-S", "-c", FRESH_SESSION, str(etc / "pts"), str(limits.ptys),
            str(cgroup) if cgroup is not None else "",
            self.program,
            "--die-with-parent",  # tracetui killed: the check goes too
            "--new-session",  # no TIOCSTI into the user's terminal
            "--unshare-all",  # network, pids, ipc, uts, cgroup (user namespaces where allowed)
            "--cap-drop", "ALL",
        ]  # fmt: skip
        if self.no_nested_userns:
            args += ["--unshare-user", "--disable-userns"]
        if status_fd is not None:
            args += ["--json-status-fd", str(status_fd)]
        home = os.environ.get("HOME")
        home = home if home and home.startswith("/") and home != "/" else "/home/check"
        args += _toolchain_binds()
        _write_names(etc, os.getuid(), os.getgid(), home)
        for name in SYNTHETIC:
            args += ["--ro-bind", str(etc / name), f"/etc/{name}"]
        (etc / "pts").mkdir(parents=True, exist_ok=True)
        # Devices on it (--dev-bind), which a devpts needs; not remounted read-only, which would take them
        # away: a devpts takes no file but the ptys the kernel makes.
        args += ["--dev", "/dev", "--dev-bind", str(etc / "pts"), "/dev/pts", "--proc", "/proc"]
        # Run by root, the check is the machine's root without capabilities, and a sysctl is written by
        # whoever owns it: kernel.core_pattern names a program the kernel runs as root, outside. bwrap
        # covers /proc/sys only where it cannot write it itself. Each setting still reads the sandbox's
        # own namespaces (procfs answers for the reader's), so its host name and network are its own.
        args += ["--ro-bind", "/proc/sys", "/proc/sys"]
        private = [("/tmp", limits.tmp), ("/var/tmp", limits.tmp), ("/run", limits.small_tmp)]
        private += [("/dev/shm", limits.small_tmp), (home, limits.tmp)]
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        if runtime and runtime.startswith("/") and not runtime.startswith("/run/"):
            private.append((runtime, limits.small_tmp))
        for path, size in private:
            args += ["--size", str(size), "--tmpfs", path]
        if runtime and runtime.startswith("/run/"):
            args += ["--dir", runtime]  # on /run's private tmpfs, empty
        args += ["--symlink", "../run", "/var/run"]
        for readable_path in readable:
            args += ["--ro-bind", str(readable_path), str(readable_path)]
        args += ["--bind", str(workdir), str(workdir)]
        # bwrap's own root and /dev are tmpfs mounts of no size, left writable: a check wrote gigabytes of
        # the machine's memory under / (as many files as it liked, each within the file-size limit).
        # Read-only once everything is mounted on them; the sized tmpfs mounts and the clone stay writable.
        args += ["--remount-ro", "/dev", "--remount-ro", "/"]
        args += ["--chdir", str(workdir), "--clearenv"]
        for name in KEPT_ENV:
            value = os.environ.get(name)
            if value is not None:
                args += ["--setenv", name, value]
        if runtime:
            args += ["--setenv", "XDG_RUNTIME_DIR", runtime]
        # The limits are set inside, after the user namespace exists, so they count only its processes.
        script = f'{limits.ulimits()} || exit 125; exec /bin/sh -c "$1"'
        args += ["--setenv", "HOME", home, "--", "/bin/sh", "-c", script, CHECK_NAME, shell_command]
        return args


def _toolchain_binds() -> list[str]:
    args: list[str] = []
    for path in TOOLCHAIN:
        p = Path(path)
        if p.is_symlink():  # merged /usr: /bin -> usr/bin
            args += ["--symlink", os.readlink(p), path]
        elif p.is_dir():
            args += ["--ro-bind", path, path]
    etc = Path("/etc")
    names = list(ETC)
    try:
        names += sorted(e.name for e in etc.iterdir() if e.name.startswith(ETC_PREFIXES))
    except OSError:
        pass
    for name in names:
        p = etc / name
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.exists():
            args += ["--ro-bind", str(p), str(p)]
    return args


def _write_names(folder: Path, uid: int, gid: int, home: str) -> None:
    """The passwd, group and hosts the check sees, written to `folder`: the running user (so `whoami`,
    `id` and tools that look their home up work), nobody, localhost; nothing of the host's."""
    user = _plain_name(lambda: pwd.getpwuid(uid).pw_name, "check")
    group = _plain_name(lambda: grp.getgrgid(gid).gr_name, user)
    users = {uid: f"{user}:x:{uid}:{gid}:{user}:{home}:/bin/sh"}
    users.setdefault(NOBODY, f"nobody:x:{NOBODY}:{NOBODY}:nobody:/nonexistent:/usr/sbin/nologin")
    groups = {gid: f"{group}:x:{gid}:"}
    groups.setdefault(NOBODY, f"nogroup:x:{NOBODY}:")
    texts = {
        "passwd": "".join(line + "\n" for line in users.values()),
        "group": "".join(line + "\n" for line in groups.values()),
        "hosts": "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n",
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="ascii")


def _plain_name(look_up: Callable[[], str], fallback: str) -> str:
    # A name that could break the file's format (a colon, a newline) is not written into it.
    try:
        name = look_up()
    except (KeyError, OSError):
        return fallback
    plain = name.isascii() and name.replace("-", "").replace("_", "").replace(".", "").isalnum()
    return name if plain else fallback


def find_sandbox() -> Sandbox | None:
    """The sandbox this machine offers, or None (not installed, or it cannot start here)."""
    program = shutil.which(BWRAP)
    return _probe(program) if program else None


def start_failure(status: bytes, killed: bool) -> str | None:
    """Why bwrap never started the check, from what it wrote to its status fd, or None when it did.

    bwrap writes `{"exit-code": N}` only once the sandbox was set up and its command has ended; a run
    with no such record that tracetui did not stop itself failed before the check began."""
    if killed or b'"exit-code"' in status:
        return None
    return "bubblewrap could not set the sandbox up"


@functools.lru_cache(maxsize=4)
def _probe(program: str) -> Sandbox | None:
    # Nested user namespaces refused where this bwrap can (0.8.0 and later, with a user namespace of
    # its own); otherwise the sandbox as before.
    strict = Sandbox("bubblewrap", program, no_nested_userns=True)
    return _started(strict) or _started(Sandbox("bubblewrap", program))


def _started(sandbox: Sandbox) -> Sandbox | None:
    # Installed is not enough: a kernel or container that forbids user namespaces, or refuses to
    # mount /proc or a tmpfs, makes bwrap fail. So the probe runs exactly the options a check gets.
    with tempfile.TemporaryDirectory(prefix="tracetui-probe-") as tmp:
        read, write = os.pipe()
        try:
            (Path(tmp) / "work").mkdir()
            argv = sandbox.command("true", Path(tmp) / "work", [], status_fd=write, etc=Path(tmp) / "etc")
            done = subprocess.run(
                argv, capture_output=True, timeout=10, check=False, pass_fds=(write,), stdin=subprocess.DEVNULL
            )
        except (OSError, subprocess.SubprocessError):
            return None
        finally:
            os.close(write)
        with os.fdopen(read, "rb") as fh:
            status = fh.read()
    if done.returncode != 0 or start_failure(status, killed=False) is not None:
        return None
    return sandbox
