"""A trusted check (run unconfined, `--trust` where there is no sandbox) that leaves its process group.
tracetui ended such a check by killing its process group and counted the processes under its shell;
a process that calls setsid() is in neither once its parent is gone (it is the machine's init's). It
ran on after the check's end, after its timeout and after tracetui, and its memory was never counted:
setsid'd children held 480 MiB under a 192 MiB memory limit, and lived on. Found 2026-11-28 by a red
team. The unconfined check now runs under a small runner that is its subreaper (every orphan of the
check stays its descendant) and kills all of them when the check ends or is stopped."""

from __future__ import annotations

import importlib
import os
import random
import signal
import sys
import time

import pytest
from shared_data import FIXTURES
from support.procs import processes_holding

from tracetui.capsule import CheckLimits, Replay, landlock, replay
from tracetui.capsule.opened import open_capsule
from tracetui.capsule.reaper import own_pids

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

MiB = 1 << 20
replay_module = importlib.import_module("tracetui.capsule.replay")  # the package's `replay` is the function


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    return kit.sealed_episode(tmp_path_factory.mktemp("escape"), 0x0b)


@pytest.fixture(params=[True, False], ids=["own-pids", "subreaper"])
def own(request, monkeypatch) -> bool:
    """Both ways a trusted check runs: in a pid namespace of its own where one may be made, under the
    subreaper and tracetui's sweep elsewhere."""
    if request.param and not own_pids():
        pytest.skip("no pid namespace may be made here")
    monkeypatch.setattr(replay_module, "own_pids", lambda: request.param)
    return bool(request.param)


@pytest.fixture
def token() -> str:
    """A fraction for `sleep` (or an argument) that no other process on the machine bears: in its own
    pid namespace the check's `$$` names no process tracetui's tests can see."""
    return f"60.{random.randrange(10**6):06d}"


def _escaping(pidfile, then: str, holding: str) -> str:
    # A double fork into a session of its own: the subshell ends at once, its child is orphaned.
    inner = f"echo $$ > {pidfile}; {holding}"
    return f"( setsid sh -c '{inner}' </dev/null >/dev/null 2>&1 & ); {then}"


def _alive(token: str, wait: float = 2.0) -> bool:
    """Whether a process bearing `token` still runs (a zombie does not), once `wait` has passed."""
    end = time.monotonic() + wait
    while True:
        living = [pid for pid in processes_holding(token) if _state(pid) not in (None, b"Z")]
        if not living or time.monotonic() > end:
            for pid in living:
                os.kill(pid, signal.SIGKILL)  # not left running past the test
            return bool(living)
        time.sleep(0.05)


def _state(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return None


def _wait_for(pidfile) -> None:
    for _ in range(100):
        if pidfile.exists() and pidfile.read_text().strip():
            return
        time.sleep(0.02)


def test_a_process_that_left_the_session_ends_with_the_check(sealed, tmp_path, own, token):
    repo, capsule, base = sealed
    pidfile = tmp_path / "pid"
    waiting = f"while [ ! -s {pidfile} ]; do sleep 0.02; done; exit 1"
    check = _escaping(pidfile, waiting, f"exec sleep {token}")
    result = replay(capsule, repo, check=check, sandbox=None, trust=True)
    assert result.base_check is not None and result.base_check.exit_code == 1, result.base_check
    assert not _alive(token), "a process the check started outlived it"


def test_a_process_that_left_the_session_ends_at_the_timeout(sealed, tmp_path, own, token):
    repo, capsule, base = sealed
    pidfile = tmp_path / "pid"
    with Replay(open_capsule(capsule), repo, base, sandbox=None, trust=True) as run:
        started = time.monotonic()
        check = run.run_check(_escaping(pidfile, "sleep 60", f"exec sleep {token}"), timeout=1.5)
        assert time.monotonic() - started < 10 and check.exit_code == -1, check
    _wait_for(pidfile)
    assert not _alive(token), "a process the check started outlived its timeout"


def test_a_process_that_left_the_session_counts_against_the_memory_limit(sealed, tmp_path, token):
    repo, capsule, base = sealed
    pidfile = tmp_path / "pid"
    # Four processes of 120 MiB each: each under the data limit, 480 MiB together.
    code = "import os, time; [os.fork() for _ in range(2)]; b = bytearray(120 << 20)"
    code += "; b[::4096] = bytes(30 << 10)"
    hold = f'exec python3 -c "{code}; time.sleep(30)" {token}'
    check = _escaping(pidfile, "sleep 8; exit 1", holding=hold)
    limits = CheckLimits(memory=192 * MiB)
    result = replay(capsule, repo, check=check, sandbox=None, trust=True, limits=limits)
    _wait_for(pidfile)
    alive = _alive(token)
    run = result.base_check
    assert run is not None and run.limit == "memory", run
    assert not alive


# Found 2026-11-28 by the seventh red team: the runner is the check's own user's process, so the check
# may kill it; its orphans then went to the machine's init, outside every tree tracetui walks, and a
# `sleep` outlived the replay. tracetui is now the next subreaper up while a trusted check runs, and
# ends every child of its own that carries the runner's mark (a hard RLIMIT_RTTIME below its own,
# which no unprivileged process can raise). In a pid namespace of its own (test_hostile_trusted_out_of_reach)
# the check cannot name its runner: this is the subreaper's way, where no namespace may be made. Where
# the kernel's Landlock has scopes the check cannot signal its runner either (atk21): the runner here
# is run with its probe answering an ABI without them (`UNSCOPED`), the way a 6.11 kernel runs it.
UNSCOPED = """
import importlib.util, os, sys
def load(name, file):
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
reaper = load("reaper", {reaper!r})
landlock = load("landlock", os.path.join(os.path.dirname({reaper!r}), "landlock.py"))
landlock.abi = lambda: min({abi}, landlock.SCOPED_ABI - 1)
reaper._landlock = lambda: landlock
sys.exit(reaper.main(sys.argv[1:]))
"""


@pytest.mark.parametrize("output", ["</dev/null >/dev/null 2>&1", ""], ids=["detached", "holding-output"])
def test_a_check_that_kills_its_runner_leaves_nothing_running(sealed, tmp_path, output, token, monkeypatch):
    monkeypatch.setattr(replay_module, "own_pids", lambda: False)
    runner = tmp_path / "unscoped_runner.py"
    runner.write_text(UNSCOPED.format(reaper=str(replay_module.REAPER), abi=landlock.abi()))
    monkeypatch.setattr(replay_module, "REAPER", runner)
    monkeypatch.setattr(landlock, "abi", lambda: 0)  # told of less than it gets: it runs
    repo, capsule, base = sealed
    pidfile = tmp_path / "pid"
    inner = f"echo $$ > {pidfile}; exec sleep {token}"
    check = f"( setsid sh -c '{inner}' {output} & ); while [ ! -s {pidfile} ]; do sleep 0.02; done; "
    check += "kill -9 $PPID || exit 7; sleep 300"
    started = time.monotonic()
    result = replay(capsule, repo, check=check, sandbox=None, trust=True, timeout=20)
    assert result.base_check is not None and result.base_check.exit_code != 7, result
    assert time.monotonic() - started < 15, result.base_check
    _wait_for(pidfile)
    assert not _alive(token, wait=0.5), "a process the check started outlived the replay"


def test_where_landlock_has_scopes_a_check_cannot_signal_its_runner(sealed, tmp_path, token, monkeypatch):
    if landlock.abi() < landlock.SCOPED_ABI:
        pytest.skip("this kernel's Landlock has no scopes: the sweep above is what holds")
    monkeypatch.setattr(replay_module, "own_pids", lambda: False)
    repo, capsule, base = sealed
    pidfile = tmp_path / "pid"
    check = _escaping(pidfile, "kill -9 $PPID && exit 0; kill -STOP $PPID && exit 0; exit 7",
                      f"exec sleep {token}")
    result = replay(capsule, repo, check=check, sandbox=None, trust=True, timeout=20)
    assert result.base_check is not None and result.base_check.exit_code == 7, result
    _wait_for(pidfile)
    assert not _alive(token, wait=0.5), "a process the check started outlived the replay"
