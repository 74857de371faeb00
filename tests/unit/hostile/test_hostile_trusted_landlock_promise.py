"""A kernel without Landlock, or with an older ABI: a trusted check where no pid namespace may be made
must never run less fenced than the trust box told the user (`capsule.trusted_bound`). Until 2026-11-30
(atk21) tracetui's words and the runner's domain came from two probes, one in each process, and the
runner ran the check with whatever its own found. Now replay passes the ABI the words were made from
(`--landlock=ABI`), and a runner whose kernel gives less refuses in one line: the check never runs.

Each case fakes the runner's probe (`reaper._landlock`: the real module, its `abi` replaced), runs a
hostile check, and holds what it did to what `trust_bound.words` says for that ABI."""

from __future__ import annotations

import importlib
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import FIXTURES

from tracetui.capsule import Replay, landlock, reaper, trust_bound
from tracetui.capsule.opened import open_capsule

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

REAPER = Path(reaper.__file__).resolve()
pytestmark = pytest.mark.skipif(platform.machine() not in reaper._FENCE_CALLS or not landlock.available(),
                                reason="no fence or no Landlock for this machine")  # fmt: skip

# tracetui, then the runner with its probe faked: the kernel's Landlock answers ABI `kernel`.
DRIVER = """
import os, subprocess, sys
fake, path, kernel, promised, command = sys.argv[1:]
runner = subprocess.Popen([sys.executable, "-I", "-c", fake, path, kernel, f"--landlock={promised}",
                           str(os.getpid()), 'exec /bin/sh -c "$1"', "check", command],
                          start_new_session=True)
print("runner", runner.wait(), flush=True)
"""
FAKE = """
import importlib.util, os, sys
path, kernel = sys.argv[1:3]
def load(name, file):
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
reaper = load("reaper", path)
landlock = load("landlock", os.path.join(os.path.dirname(path), "landlock.py"))
landlock.abi = lambda: int(kernel)
reaper._landlock = lambda: landlock
sys.exit(reaper.main(sys.argv[3:]))
"""
CHECK = "touch ran; kill -KILL {victim} && echo signalled-victim || echo refused-victim"


def _run(tmp_path: Path, kernel: int, promised: int) -> tuple[subprocess.CompletedProcess[str], bool]:
    victim = subprocess.Popen(["sleep", "60"])
    try:
        done = subprocess.run([sys.executable, "-c", DRIVER, FAKE, str(REAPER), str(kernel), str(promised),
                               CHECK.format(victim=victim.pid)], cwd=tmp_path, text=True, capture_output=True,
                              timeout=60)  # fmt: skip
        alive = victim.poll() is None
    finally:
        if victim.poll() is None:
            os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
    return done, alive


# (the kernel's ABI, the ABI the user was told of): none or one without scopes, told of scopes; none,
# told of Landlock.
REFUSED = {"none-told-scoped": (0, 7), "older-told-scoped": (5, 7), "none-told-one": (0, 1)}


@pytest.mark.parametrize("kernel, promised", REFUSED.values(), ids=REFUSED.keys())
def test_a_runner_given_less_landlock_than_the_user_was_told_refuses_in_one_line(tmp_path, kernel, promised):
    done, alive = _run(tmp_path, kernel, promised)
    assert done.stdout.split() == ["runner", str(reaper.FAILED)], done
    assert done.stderr.strip().splitlines() == [
        f"tracetui: this kernel's Landlock (ABI {kernel}) cannot fence the check as you were told"
        f" (ABI {promised})"
    ], done
    assert not (tmp_path / "ran").exists() and alive, "the check ran"


@pytest.mark.parametrize("kernel", [0, 5, landlock.abi()], ids=["none", "no-scopes", "this-kernel"])
def test_what_a_fenced_check_does_to_another_program_is_what_the_trust_box_says(tmp_path, kernel):
    done, alive = _run(tmp_path, kernel, promised=kernel)
    said = trust_bound.words(own_pids=False, fenced=True, landlock_abi=kernel)
    assert done.stdout.split()[-2:] == ["runner", "0"] and (tmp_path / "ran").exists(), done
    told_safe = "unable to signal or trace any program outside it" in said
    assert ("stop or kill your other programs" in said) is not told_safe, said
    assert alive is told_safe, (said, done.stdout)


def test_replay_holds_the_runner_to_the_landlock_its_words_were_made_from(tmp_path, monkeypatch):
    """tracetui's probe told of more than the runner's kernel gives (faked): the check never runs, and
    the replay says why, in the runner's line."""
    replay_module = importlib.import_module("tracetui.capsule.replay")
    monkeypatch.setattr(replay_module, "own_pids", lambda: False)
    told = landlock.abi() + 1
    monkeypatch.setattr(landlock, "abi", lambda: told)
    repo, capsule, base = kit.sealed_episode(tmp_path, 0x0d)
    with Replay(open_capsule(capsule), repo, base, sandbox=None, trust=True) as run:
        result = run.run_check("touch ran; exit 1", timeout=20)
        assert run.worktree is not None and not (run.worktree / "ran").exists()
    said = f"this kernel's Landlock (ABI {told - 1}) cannot fence the check as you were told (ABI {told})"
    assert result.failure == said, result
