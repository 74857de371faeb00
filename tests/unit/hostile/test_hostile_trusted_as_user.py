"""A trusted check run by an ordinary user that turns on tracetui: it stops its runner and kills the
process that started it. Root's checks got a pid namespace of their own (870eb6bf); an ordinary
user's ran under the subreaper, where such a check left its processes running after tracetui was gone
(measured 2026-11-28, session 48). Where the kernel lets an ordinary user make a user namespace, the
runner now makes one that maps the user to itself, and in it the pid namespace: the same bound as root's.

The runner is standard library only, so a driver as small (`DRIVER`) stands for tracetui: it asks the
runner's own probe, as replay does, and runs the runner as replay does. Run as `nobody` from root."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from support.procs import processes_holding

from tracetui.capsule import landlock, reaper

REAPER = Path(reaper.__file__).resolve()
NOBODY = 65534

# tracetui's part in a trusted replay, the standard library's way: the runner's probe, then the runner.
DRIVER = """
import importlib.util, os, subprocess, sys
path, pidfile, command = sys.argv[1:]
spec = importlib.util.spec_from_file_location("reaper", path)
reaper = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reaper)
own = ["--own-pids"] if reaper.own_pids() else []
open(pidfile, "w").write(str(os.getpid()))
runner = subprocess.Popen([sys.executable, "-I", path, *own, str(os.getpid()), 'exec /bin/sh -c "$1"', "check",
                           command])
print(bool(own), runner.wait(), flush=True)
"""


def _as_user(argv: list[str], **kwargs: Any) -> subprocess.Popen[str]:
    """`argv` started as the ordinary user: `nobody` when the tests run as root, else as they run."""
    root = os.getuid() == 0
    return subprocess.Popen(argv, user=NOBODY if root else None, group=NOBODY if root else None,
                            extra_groups=[] if root else None, text=True, **kwargs)  # fmt: skip


def _done(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    with _as_user(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs) as proc:
        out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _python() -> str:
    """An interpreter the ordinary user may run that can read the runner (this one, or the checkout, may
    be in root's home), else a skip."""
    code = f"open({str(REAPER)!r}).close()"
    for python in (sys.executable, shutil.which("python3"), "/usr/bin/python3"):
        try:
            if python and _done([python, "-I", "-c", code]).returncode == 0:
                return python
        except OSError:  # not the user's to run
            continue
    pytest.skip("no Python the ordinary user may run that can read the runner")


def _user_namespaces() -> bool:
    """Whether this kernel lets the ordinary user make a user and a pid namespace (not every container does)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    argv = [unshare, "--user", "--map-current-user", "--pid", "--fork", "--mount", "--mount-proc", "true"]
    return _done(argv).returncode == 0


@pytest.fixture
def shared_dir():
    """A folder the ordinary user may write (pytest's are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="tracetui-as-user-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_an_ordinary_user_s_check_that_stops_its_runner_and_kills_tracetui_leaves_nothing(shared_dir):
    if not _user_namespaces():
        pytest.skip("the ordinary user may make no user namespace here (the bound docs/design.md says)")
    python = _python()
    token = f"297.{random.randrange(10**6):06d}"  # sleep takes a fraction: a name no other process bears
    pidfile = shared_dir / "tracetui.pid"
    check = f"( setsid sh -c 'exec sleep {token}' </dev/null >/dev/null 2>&1 & ); "
    check += f"kill -STOP $PPID; kill -9 $(cat {pidfile}); exec sleep {token}"
    proc = _as_user([python, "-I", "-c", DRIVER, str(REAPER), str(pidfile), check], cwd=shared_dir,
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        end = time.monotonic() + 60
        while len(processes_holding(token)) < 2 and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.02)
        time.sleep(0.3)  # the check's kills are done
        proc.kill()  # whoever did it: tracetui is gone while the check runs
        proc.wait()
        end = time.monotonic() + 10
        while (left := processes_holding(token)) and time.monotonic() < end:
            time.sleep(0.05)
    finally:
        for pid in processes_holding(token):
            os.kill(pid, signal.SIGKILL)
    assert not left, "a process an ordinary user's check started outlived tracetui"


def test_an_ordinary_user_is_given_a_pid_namespace_where_the_kernel_lets_one_be_made(shared_dir):
    if not _user_namespaces():
        pytest.skip("the ordinary user may make no user namespace here (the bound docs/design.md says)")
    python = _python()
    done = _done([python, "-I", str(REAPER), "--probe"], cwd=shared_dir)
    assert done.returncode == 0, done.stderr


# tracetui in a cgroup its user owns (systemd's `user@UID.service` delegates one to each user): it
# waits to be moved there, then runs the runner as replay does.
DRIVER_IN_CGROUP = """
import importlib.util, os, subprocess, sys, time
path, name, mode, command = sys.argv[1:]
end = time.monotonic() + 10
while name not in open("/proc/self/cgroup").read() and time.monotonic() < end:
    time.sleep(0.01)
spec = importlib.util.spec_from_file_location("reaper", path)
reaper = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reaper)
own = ["--own-pids"] if mode == "own" and reaper.own_pids() else []
runner = subprocess.Popen([sys.executable, "-I", path, *own, str(os.getpid()), 'exec /bin/sh -c "$1"', "check",
                           command])
print(bool(own), runner.wait(), "alive", flush=True)
"""


def _cgroup2() -> Path | None:
    with open("/proc/self/mountinfo", "rb") as fh:
        for fields in (line.split() for line in fh):
            if b"-" in fields and fields[fields.index(b"-") + 1] == b"cgroup2" and b"rw" in fields[5].split(b","):
                return Path(fields[4].decode())
    return None


# Each path a check can write to turn on tracetui without a signal, then what it says: the cgroup it
# runs in killed or frozen, itself made the kernel's first to kill, its memory opened to write.
TURNS = ("echo 1 > {group}/cgroup.freeze; echo 1 > {group}/cgroup.kill; "
         "read -r _ _ _ t _ < /proc/$PPID/stat; echo 1000 > /proc/$t/oom_score_adj && echo oom-raised; "
         "( exec 3<>/proc/$t/mem ) && echo mem-opened; echo tried")


@pytest.mark.parametrize("mode", ["own", "fenced"])
def test_a_trusted_check_cannot_kill_or_freeze_tracetui_s_cgroup_nor_reach_it_by_proc(shared_dir, mode):
    """Found 2026-11-30 (atk19): a check given its own pid namespace named no process outside it, but
    wrote `cgroup.kill` of the cgroup its user owns and tracetui runs in (read from /proc/self/cgroup):
    tracetui died (SIGKILL). The check's mount namespace now holds every cgroup file system read-only.
    Found again 2026-11-30 (atk20) where no pid namespace may be made (the fence's seccomp filter only):
    the same write killed tracetui, and /proc let the check raise tracetui's oom_score_adj and open its
    memory to write (where ptrace is not limited to a process's descendants: Debian's default). A
    Landlock domain now refuses the check every write to a cgroup or proc file system, and any trace of
    a process outside it (`capsule/landlock.py`)."""
    root = _cgroup2()
    if os.getuid() != 0 or root is None or not _user_namespaces():
        pytest.skip("needs root to hand a cgroup to the ordinary user, a cgroup2 mount and user namespaces")
    if mode == "fenced" and not (reaper.fenceable() and landlock.available()):
        pytest.skip("no seccomp fence or no Landlock here: the trust box says what such a check can do")
    python = _python()
    name = f"tracetui-test-{os.getpid()}-{random.randrange(10**6)}"
    group = root / name
    group.mkdir()
    try:
        for path in (group, *group.iterdir()):
            os.chown(path, NOBODY, NOBODY)
        proc = _as_user([python, "-I", "-c", DRIVER_IN_CGROUP, str(REAPER), name, mode, TURNS.format(group=group)],
                        cwd=shared_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        (group / "cgroup.procs").write_text(str(proc.pid))
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                (group / "cgroup.freeze").write_text("0")
                proc.kill()
                proc.wait()
        own = str(mode == "own")
        assert proc.returncode == 0 and out.split() == ["tried", own, "0", "alive"], (proc.returncode, out, err)
        refused = "Read-only file system" if mode == "own" else "Permission denied"
        assert err.count(refused) >= 2, err
    finally:
        group.rmdir()


# A check's probe of the user's service manager and session bus: each socket reached or refused.
REACH = """
import os, socket, sys
for name in ("bus", "systemd/private"):
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(os.path.join(sys.argv[1], name))
            print("reached-" + name)
        except OSError:
            print("refused-" + name)
"""


def test_a_check_in_its_own_namespace_cannot_reach_the_user_s_service_manager(shared_dir):
    """Found 2026-11-30 (atk20): a check in its own pid namespace still reached the user's systemd
    (`$XDG_RUNTIME_DIR/systemd/private`) and session bus (`$XDG_RUNTIME_DIR/bus`), whose `systemctl
    --user kill` of the unit tracetui runs in (a terminal's scope, named in /proc/self/cgroup) ends it
    and its shell. The check's mount namespace now holds /dev/null in their place (and the system
    bus's, logind's TerminateSession of the user's own session); an ssh agent's socket there stays."""
    if not _user_namespaces():
        pytest.skip("the ordinary user may make no user namespace here (the bound docs/design.md says)")
    python = _python()
    runtime = shared_dir / "runtime"
    (runtime / "systemd").mkdir(parents=True)
    listeners = []
    for name in ("bus", "systemd/private", "ssh-agent"):
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(runtime / name))
        sock.listen(4)
        os.chmod(runtime / name, 0o777)
        listeners.append(sock)
    try:
        check = f"{python} -I -c '{REACH}' {runtime}; test -S {runtime}/ssh-agent && echo agent-there"
        env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "DBUS_SESSION_BUS_ADDRESS": f"unix:path={runtime}/bus"}
        done = _done([python, "-I", "-c", DRIVER, str(REAPER), str(shared_dir / "pid"), check], cwd=shared_dir,
                     env=env)  # fmt: skip
    finally:
        for sock in listeners:
            sock.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused-bus", "refused-systemd/private", "agent-there", "True", "0"], done
