"""A fork burst in a sandbox run by root. The kernel does not hold root to RLIMIT_NPROC, so a root run's
processes were bounded only by the watch, whose poll slows as the tree grows: a check forking in a
loop held 1,123 to 2,960 processes (0.9 to 1.9 s) before it was ended, where an ordinary user's fork
was refused at 253. Measured 2026-11-28 by the seventh red team. Where root may make a pids cgroup
(capsule/cgroup.py), the sandbox now runs in one whose pids.max is the process limit, one more."""

from __future__ import annotations

import os
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, CheckLimits, cgroup, replay, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")

BURST = """python3 -c '
import os, time
n = 0
while n < 3000:
    try:
        pid = os.fork()
    except OSError as e:
        print("REFUSED after", n, flush=True)
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    n += 1
time.sleep(30)
'; exit 1"""


@needs_sandbox
@pytest.mark.skipif(os.geteuid() != 0, reason="an ordinary user is held to RLIMIT_NPROC")
def test_a_root_run_forks_no_more_than_its_process_limit(tmp_path):
    probe = cgroup.make(1)  # the very call the replay makes
    if probe is None:
        pytest.skip("no pids cgroup root may make here")
    cgroup.remove(probe)
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x41" * 32)
    limits = CheckLimits(processes=64)
    result = replay(tmp_path / "ep.capsule", repo, check=BURST, limits=limits)
    run = result.base_check
    assert run is not None and run.sandbox == "bubblewrap" and run.failure is None, run
    refused = [int(line.split()[2]) for line in run.output.splitlines() if line.startswith("REFUSED after")]
    assert refused and refused[0] <= limits.processes, run.output
    assert run.limit == "processes" and result.verdict == INCONCLUSIVE, run
