"""Threads past the process limit. The kernel counts a check's processes (RLIMIT_NPROC, 256) thread by
thread, but not for root: where tracetui runs as root (a CI job, a container) the sandbox's user is the
machine's root, and the watch counted processes, not threads. Measured with the real sandbox run as
root: 2,001 threads in one process (64 KiB stacks, under the data limit), no limit hit; this machine's
pid_max is 32,768, so sixteen such processes would leave no process id for anyone on it. Found
2026-11-28 by a red team. The watch now counts every thread against the process limit, as the kernel
does for every other user."""

from __future__ import annotations

import sys
import textwrap
import time

import pytest
from shared_data import FIXTURES

from tracetui.capsule import CheckLimits, replay, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")

THREADS = textwrap.dedent("""
    import threading, time
    threading.stack_size(65536)
    done = threading.Event()
    for n in range(600):  # a millisecond apart: held, not raced past the watch
        threading.Thread(target=done.wait, daemon=True).start()
        time.sleep(0.001)
    print("HELD 600", flush=True)
    time.sleep(20)
""").strip().replace("'", "'\"'\"'")


@needs_sandbox
def test_threads_count_against_the_process_limit(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x10" * 32)
    started = time.monotonic()
    result = replay(tmp_path / "ep.capsule", repo, check=f"python3 -c '{THREADS}'; exit 1",
                    limits=CheckLimits(processes=256))  # fmt: skip
    run = result.base_check
    assert run is not None and run.sandbox == "bubblewrap", run
    # Ended by the watch (root), or refused by the kernel (any other user): never 600 held.
    assert "HELD 600" not in run.output, run
    assert time.monotonic() - started < 15
