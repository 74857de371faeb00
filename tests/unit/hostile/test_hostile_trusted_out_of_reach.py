"""A trusted check (run unconfined, `--trust`) that turns on tracetui itself, its user's own process:
it stops its runner and kills tracetui, or stops tracetui (found through getppid or /proc). Measured
2026-11-28 by the eighth red team: the runner's death signal waits behind its stop, so the check's
shell, its `sleep` and a setsid'd one ran on under a stopped runner after tracetui was gone; killing
the runner then tracetui left them the machine's init's; a stopped tracetui waited, and its terminal
with it, for as long as the check liked. Where tracetui may make a pid namespace (root with
CAP_SYS_ADMIN), the check now runs in one of its own: it cannot name a process outside it, and
tracetui's death kills the runner, its init and every process in it, the kernel's doing."""

from __future__ import annotations

import importlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from shared_data import FIXTURES, ROOT
from support.procs import processes_holding

from tracetui.capsule import Replay
from tracetui.capsule.opened import open_capsule
from tracetui.capsule.reaper import own_pids
from tracetui.capsule.replay import CheckRun

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

replay_module = importlib.import_module("tracetui.capsule.replay")  # the package's `replay` is the function

needs_own_pids = pytest.mark.skipif(
    not own_pids(), reason="no pid namespace may be made here (an ordinary user's bound: docs/design.md)"
)

# tracetui in a process of its own, running one trusted replay; it writes its pid where the check reads it.
DRIVER = """
import json, os, sys
from tracetui.capsule import replay
capsule, repo, check, pidfile, timeout = sys.argv[1:]
open(pidfile, "w").write(str(os.getpid()))
run = replay(capsule, repo, check=check, sandbox=None, trust=True, timeout=float(timeout)).base_check
print(json.dumps(run.to_dict() if run else None), flush=True)
"""


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    return kit.sealed_episode(tmp_path_factory.mktemp("reach"), 0x0c)


def _drive(sealed, tmp_path, check: str, timeout: float) -> tuple[subprocess.Popen[str], str]:
    repo, capsule, _ = sealed
    pidfile = tmp_path / "tracetui.pid"
    argv = [sys.executable, "-c", DRIVER, str(capsule), str(repo), check.replace("TRACETUI", str(pidfile)),
            str(pidfile), str(timeout)]  # fmt: skip
    # Its clone is made under the test's folder: a tracetui killed never removes it.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    return proc, str(pidfile)


def _survivors(token: str, wait: float) -> list[int]:
    """What still holds `token` once `wait` has passed (killed then, not to outlive the test)."""
    end = time.monotonic() + wait
    while (left := processes_holding(token)) and time.monotonic() < end:
        time.sleep(0.05)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


def _started(token: str, proc: subprocess.Popen[str]) -> None:
    end = time.monotonic() + 15
    while len(processes_holding(token)) < 2 and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.02)


@needs_own_pids
def test_a_check_that_stops_its_runner_and_kills_tracetui_leaves_nothing_running(sealed, tmp_path):
    token = f"299.{random.randrange(10**6):06d}"  # sleep takes a fraction: a name no other process bears
    check = f"( setsid sh -c 'exec sleep {token}' </dev/null >/dev/null 2>&1 & ); "
    check += f"kill -STOP $PPID; kill -9 $(cat TRACETUI); exec sleep {token}"
    proc, _ = _drive(sealed, tmp_path, check, timeout=30)
    _started(token, proc)
    time.sleep(0.3)  # the check's kills are done
    proc.kill()  # whoever did it: tracetui is gone while the check runs
    proc.wait()
    assert not _survivors(token, wait=2.0), "a process the check started outlived tracetui"


@needs_own_pids
def test_a_check_that_kills_its_runner_then_tracetui_leaves_nothing_running(sealed, tmp_path):
    token = f"298.{random.randrange(10**6):06d}"
    # Root with CAP_SYS_RESOURCE first raises the runner's mark (a hard RLIMIT_RTTIME), which the sweep
    # goes by where no namespace may be made; in one, nothing goes by a mark.
    check = "prlimit --rttime=unlimited:unlimited --pid $$ 2>/dev/null; "
    check += f"( setsid sh -c 'exec sleep {token}' </dev/null >/dev/null 2>&1 & ); sleep 0.2; "
    check += f"kill -9 $(cat TRACETUI); kill -9 $PPID; exec sleep {token}"
    proc, _ = _drive(sealed, tmp_path, check, timeout=30)
    _started(token, proc)
    time.sleep(0.3)
    proc.kill()
    proc.wait()
    assert not _survivors(token, wait=2.0), "a process the check started outlived tracetui"


@needs_own_pids
def test_a_check_cannot_stop_tracetui(sealed, tmp_path):
    # tracetui by its pid, then as its runner's parent (0 where that is out of sight: not signalled)
    check = "kill -STOP $(cat TRACETUI); p=$(cut -d' ' -f4 /proc/$PPID/stat); "
    check += "[ $p -gt 1 ] && kill -STOP $p; exit 1"
    proc, pidfile = _drive(sealed, tmp_path, check, timeout=10)
    stopped = False
    end = time.monotonic() + 20
    while proc.poll() is None and time.monotonic() < end:
        with open(f"/proc/{proc.pid}/stat", "rb") as fh:
            if fh.read().rsplit(b")", 1)[1].split()[0] == b"T":
                stopped = True
                os.kill(proc.pid, signal.SIGCONT)
        time.sleep(0.05)
    out, _ = proc.communicate(timeout=30)
    assert not stopped, "the check stopped tracetui"
    run = json.loads(out)
    assert run["exit"] == 1, run


# While a trusted check ran under its subreaper, tracetui was a subreaper too: an orphan of any other child
# of tracetui's (a tool the app starts that forks into the background) became tracetui's. One that had
# lowered its hard RLIMIT_RTTIME, as an audio client asking rtkit for real-time does, bore the runner's
# mark and was killed at the check's end; one that ended was tracetui's zombie for as long as it ran.
# Found 2026-11-28 by the eighth red team. In its own pid namespace the check needs no subreaper above it.
@pytest.mark.parametrize("own", [True, False], ids=["own-pids", "subreaper"])
def test_an_unrelated_orphan_is_not_killed_at_the_check_s_end(sealed, tmp_path, own, monkeypatch):
    if own and not own_pids():
        pytest.skip("no pid namespace may be made here")
    monkeypatch.setattr(replay_module, "own_pids", lambda: own)
    lowered, ended = (f"{n}.{random.randrange(10**6):06d}" for n in (297, 296))
    rt = "import resource, sys, time; resource.setrlimit(resource.RLIMIT_RTTIME, (200000, 200000))"
    orphans = f"( python3 -c '{rt}; time.sleep(30)' {lowered} & python3 -c 'import time' {ended} & )"
    _check_beside(sealed, tmp_path, orphans)
    survived = processes_holding(lowered)
    zombies = [pid for pid in processes_holding(ended) if _parent_of_zombie(pid) == os.getpid()]
    for pid in survived:
        os.kill(pid, signal.SIGKILL)
    for pid in zombies:
        os.waitpid(pid, 0)
    assert survived, "an unrelated process was killed at the check's end"
    # Under the subreaper an orphan that ends is tracetui's zombie still (docs/design.md, the bound):
    # tracetui cannot tell it from a child of its own that a Popen will wait for.
    assert not zombies or not own, "an unrelated orphan was left tracetui's zombie"


def _check_beside(sealed, tmp_path, orphans: str) -> None:
    """A trusted check of 1.5 s, and `orphans` run by a child of tracetui's own while it runs."""
    repo, capsule, base = sealed
    started = tmp_path / "started"
    with Replay(open_capsule(capsule), repo, base, sandbox=None, trust=True) as run:
        done: list[CheckRun] = []
        check = f"touch {started}; sleep 1.5; exit 1"
        checking = threading.Thread(target=lambda: done.append(run.run_check(check)))
        checking.start()
        end = time.monotonic() + 15
        while not started.exists() and time.monotonic() < end:
            time.sleep(0.02)
        subprocess.run(["sh", "-c", orphans], check=True)  # tracetui's own child, not the check's
        checking.join(30)
    assert done and done[0].exit_code == 1, done


def _parent_of_zombie(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]) if fields[0] == b"Z" else None


# A trusted check found its user's terminal by path (/dev/pts/N: the user's own, or any, run by root)
# and wrote to it: escape sequences no safe_text ever saw, and, run by root, keystrokes (TIOCSTI) the
# user's shell reads once tracetui has ended, outside every namespace. Found 2026-11-28 by the eighth red
# team. In its own namespaces the check gets a devpts instance of its own: the machine's ptys are not in it.
@needs_own_pids
def test_a_check_cannot_write_to_a_terminal_of_its_user(sealed, tmp_path):
    repo, capsule, base = sealed
    master, slave = os.openpty()
    try:
        path = os.ttyname(slave)
        check = f"printf 'INJECTED' > {path} && exit 0; exit 1"
        with Replay(open_capsule(capsule), repo, base, sandbox=None, trust=True) as run:
            result = run.run_check(check, timeout=20)
        os.set_blocking(master, False)
        try:
            seen = os.read(master, 1024)
        except BlockingIOError:
            seen = b""
    finally:
        os.close(master)
        os.close(slave)
    assert b"INJECTED" not in seen and result.exit_code == 1, (seen, result)


# A trusted check run by root mounted in the machine's own mount namespace: a bind mount of a folder
# outside its clone outlived it, and tracetui's clean-up of the clone removed that folder's files
# through it (and left the mount). Found 2026-11-28 by the eighth red team. Its own namespaces hold a
# mount namespace of its own, private: what it mounts goes with it.
@needs_own_pids
def test_a_mount_a_check_made_neither_outlives_it_nor_leads_the_clean_up_out(sealed, tmp_path):
    repo, capsule, base = sealed
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious").write_text("kept")
    check = f"mkdir {victim.name} && mount --bind {victim} {victim.name} && exit 0; exit 1"
    with Replay(open_capsule(capsule), repo, base, sandbox=None, trust=True) as run:
        assert run.worktree is not None
        inside = str(run.worktree / victim.name)
        result = run.run_check(check, timeout=20)
    with open("/proc/self/mountinfo") as fh:
        left = [fields[4] for fields in map(str.split, fh) if fields[4] == inside]
    for point in left:
        subprocess.run(["umount", point], check=False)
    assert result.exit_code == 0, result
    assert not left, "the check's mount outlived it"
    assert (victim / "precious").exists(), "the clean-up removed a file outside the clone"
