"""Disk a stranger's check holds where the clone's walk does not see it. The disk limit is the clone's
growth, summed by walking its tree; a file the check writes and then removes while it holds it open
(or mapped) keeps its blocks on the disk until it lets go, and no walk finds it. Measured with the
real sandbox: 217 MB held so under a 64 MiB disk limit, no limit hit; each such file is bounded by
the file-size limit (512 MiB) alone, and a process may hold a thousand. Found 2026-11-28 by a red
team. The watch now adds the files on the clone's disk that the sandbox's processes hold open or
mapped after their last name is gone."""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest
from shared_data import FIXTURES

from tracetui.capsule import CheckLimits, replay
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
MiB = 1 << 20
LIMIT = 64 * MiB


OPEN = kit.python_check("""
    import os, time
    held = []
    for n in range(4):
        fd = os.open(f"held{n}", os.O_RDWR | os.O_CREAT)
        os.unlink(f"held{n}")
        for _ in range(50):
            os.write(fd, b"x" * (1 << 20))
        held.append(fd)
    print("HELD", flush=True)
    time.sleep(30)
""")
MAPPED = kit.python_check("""
    import mmap, os, time
    held = []
    for n in range(4):
        fd = os.open(f"held{n}", os.O_RDWR | os.O_CREAT)
        for _ in range(50):
            os.write(fd, b"x" * (1 << 20))
        held.append(mmap.mmap(fd, 50 << 20))
        os.close(fd)
        os.unlink(f"held{n}")
    print("HELD", flush=True)
    time.sleep(30)
""")


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    repo, capsule, _ = kit.sealed_episode(tmp_path_factory.mktemp("unlinked"), 0x09)
    return repo, capsule


@needs_sandbox
@pytest.mark.parametrize("check", [OPEN, MAPPED], ids=["open", "mapped"])
def test_a_removed_file_the_check_holds_counts_against_its_disk_limit(sealed, check):
    repo, capsule = sealed
    kit.stopped_at(capsule, repo, check, CheckLimits(disk=LIMIT), "disk")


@needs_sandbox
def test_a_removed_file_let_go_of_counts_for_nothing(sealed):
    repo, capsule = sealed
    check = kit.python_check("""
        import os
        for n in range(4):
            with open(f"gone{n}", "wb") as fh:
                fh.write(b"x" * (50 << 20))
            os.unlink(f"gone{n}")
        print("DONE", flush=True)
    """)
    result = replay(capsule, repo, check=check, limits=CheckLimits(disk=LIMIT))
    run = result.base_check
    assert run is not None
    assert run.limit is None and "DONE" in run.output, run.output


def test_the_walk_without_children_files_finds_the_same_processes():
    import subprocess

    from tracetui.capsule import limits

    # The shell, its two sleeps and the subshell between: waited for, not given 0.3 s (a busy machine
    # had not forked them all by then); then the tree stays as it is until it is killed.
    tree = subprocess.Popen(["sh", "-c", "sleep 60 & (sleep 60 & wait) & wait"], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while len(limits._scanned_pids(tree.pid)) < 4:
            assert time.monotonic() < deadline, limits._scanned_pids(tree.pid)
            time.sleep(0.01)
        walked = sorted(limits._tree_pids(tree.pid))
        assert walked == sorted(limits._scanned_pids(tree.pid)) and len(walked) >= 4
    finally:
        os.killpg(tree.pid, signal.SIGKILL)
        tree.wait()
