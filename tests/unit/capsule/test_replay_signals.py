"""The user's check dies with tracetui, and its clone goes, on Ctrl-C, SIGTERM and a closed terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from shared_data import FIXTURES, processes_with, ROOT

from tracetui.capsule import seal

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit




@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_ends_the_check_and_removes_the_clone(tmp_path, signum):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    capsule = tmp_path / "ep.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=capsule, secret=b"\x03" * 32)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    marker = f"73.{signum:d}{os.getpid() % 1000:03d}"
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONPATH": str(ROOT)}
    code = "import sys; from tracetui.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "replay", str(capsule), "--repo", str(repo), "--trust",
         "--check", f"touch started; sleep {marker}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        # As a terminal starts it: an xdist worker ignores SIGINT, and a child inherits that (Python
        # then leaves Ctrl-C ignored, as it must for a `nohup` job).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        for _ in range(200):
            if list(scratch.glob("*/clone/started")) and processes_with(marker):
                break
            time.sleep(0.05)
        assert processes_with(marker), "the check never started"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err.decode()
    assert b"interrupted" in err
    for _ in range(40):
        if not processes_with(marker):
            break
        time.sleep(0.05)
    assert not processes_with(marker), "the check outlived tracetui"
    assert list(scratch.iterdir()) == [], "the replay's clone was left behind"


def test_ctrl_c_during_an_unconfined_check_ends_the_check_too(tmp_path):
    """A trusted check with no sandbox has no bwrap to die with its parent: the replay itself must end
    it on Ctrl-C. It ran on after tracetui (the check was forgotten before the clean-up that kills it)."""
    import threading

    from tracetui.capsule import replay

    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    capsule = tmp_path / "ep.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=capsule, secret=b"\x03" * 32)
    marker = f"74.{os.getpid() % 100000:05d}"

    def interrupt_once_running() -> None:
        for _ in range(400):
            if processes_with(marker):
                os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: KeyboardInterrupt in the main thread
                return
            time.sleep(0.025)

    # Ctrl-C as a terminal delivers it: an xdist worker ignores SIGINT.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Thread(target=interrupt_once_running, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            replay(capsule, repo, check=f"sleep {marker}", sandbox=None, trust=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    for _ in range(40):
        if not processes_with(marker):
            break
        time.sleep(0.05)
    assert not processes_with(marker), "the unconfined check outlived the replay"
