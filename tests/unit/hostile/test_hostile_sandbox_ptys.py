"""The machine's pseudo-terminals, from inside the sandbox. bubblewrap gives the check a devpts of its
own with no `max`, and every instance but the host's first draws on one pool (kernel.pty.max less
kernel.pty.reserve: 3,072 here): a check opened /dev/ptmx 3,070 times in 0.1 s, and no other
container, sandbox or terminal outside the host's own could get one until it ended. The watch's
50 ms poll could not have stopped it. Found 2026-11-28 by a red team. The sandbox's devpts is now
mounted by tracetui, in a user namespace of its own, with `max=` the run's pty limit; the kernel
refuses the next one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import CheckLimits, replay, seal
from tracetui.capsule.sandbox import FRESH_SESSION, find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")

CHECK = """python3 -c '
import os, pty
master, slave = pty.openpty()  # a check may still use a terminal
os.write(master, b"hi\\n")
print("READ", os.read(slave, 8))
fds = []
try:
    while len(fds) < 5000:
        fds.append(os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY))
except OSError as e:
    print("REFUSED", e.errno)
print("OPENED", len(fds) + 1)
'; exit 1"""


def _ran(tmp_path, limits: CheckLimits):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x31" * 32)
    run = replay(tmp_path / "ep.capsule", repo, check=CHECK, limits=limits).base_check
    assert run is not None and run.sandbox == "bubblewrap" and run.failure is None, run
    return run


@needs_sandbox
def test_a_check_opens_no_more_ptys_than_its_limit(tmp_path):
    limits = CheckLimits()
    run = _ran(tmp_path, limits)
    opened = [int(line.split()[1]) for line in run.output.splitlines() if line.startswith("OPENED")]
    assert opened and opened[0] <= limits.ptys, run.output
    assert "READ b'hi" in run.output, run.output


@needs_sandbox
@pytest.mark.skipif(not os.path.exists("/usr/bin/python3"), reason="no system python to run the step in")
def test_where_no_user_namespace_can_be_made_the_check_gets_no_pty_at_all(tmp_path):
    # The step run where it cannot make a user namespace (inside a bwrap that forbids them): it binds
    # the folder read-only, not as a devpts, and bwrap's own devpts (the machine's pool) stays covered.
    pts = tmp_path / "pts"
    pts.mkdir()
    step = ["/usr/bin/python3", "-I", "-S", "-c", FRESH_SESSION, str(pts), "64", "",
            "/bin/echo", "--dev-bind", str(pts), "/dev/pts"]  # fmt: skip
    outer = ["bwrap", "--unshare-user", "--disable-userns", "--ro-bind", "/", "/", "--dev", "/dev",
             "--proc", "/proc", "--"]  # fmt: skip
    done = subprocess.run(outer + step, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["--ro-bind", str(pts), "/dev/pts"], done.stdout


def test_where_a_namespace_is_made_but_no_devpts_mounted_in_it_the_check_still_starts(tmp_path):
    # Some machines let a user namespace be made but refuse a mount in it (Ubuntu's AppArmor rule for
    # unprivileged namespaces); a namespace made cannot be left, so the step tries in a child first and
    # binds the folder read-only as above, rather than refusing every check. A file where the folder
    # should be makes the mount fail wherever a namespace can be made.
    pts = tmp_path / "pts"
    pts.write_text("")
    step = [sys.executable, "-I", "-S", "-c", FRESH_SESSION, str(pts), "64", "",
            "/bin/echo", "--dev-bind", str(pts), "/dev/pts"]  # fmt: skip
    done = subprocess.run(step, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["--ro-bind", str(pts), "/dev/pts"], done.stdout
