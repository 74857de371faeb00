"""Kernel memory a stranger's check holds in empty files. The sandbox's private tmpfs mounts are
capped in bytes, but an empty file holds no byte: its inode and name are kernel memory (some 0.8 KB
each, none of it reclaimable while the file is there), and each tmpfs allows millions. Measured with
the real sandbox: a million empty files in /tmp in 12.6 s took the machine's unreclaimable kernel
memory from 81 MB to 888 MB, with the tmpfs at 0 bytes used and no limit hit; five such mounts allow
some 15 million. Found 2026-11-28 by a red team. The watch now counts each file, folder and link on
the sandbox's tmpfs mounts as 1 KiB of the check's memory."""

from __future__ import annotations

import sys
import time

import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, CheckLimits, replay
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402
from support.check_memory import GROUP, settled  # noqa: E402, F401  (settled: an autouse fixture)

pytestmark = GROUP

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
MiB = 1 << 20
EMPTY_FILES = ("python3 -c 'import os, time\n"
               "for i in range(300000): os.close(os.open(f\"/tmp/{i}\", os.O_CREAT | os.O_WRONLY))\n"
               "print(\"MADE\", flush=True); time.sleep(30)'; exit 1")  # fmt: skip


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    repo, capsule, _ = kit.sealed_episode(tmp_path_factory.mktemp("inodes"), 0x0a)
    return repo, capsule


@needs_sandbox
def test_empty_files_on_the_private_tmpfs_count_against_the_memory_limit(sealed):
    repo, capsule = sealed
    started = time.monotonic()
    result = replay(capsule, repo, check=EMPTY_FILES, limits=CheckLimits(memory=192 * MiB))
    run = result.base_check
    assert run is not None and run.sandbox == "bubblewrap", run
    assert run.limit == "memory", run.output
    assert "MADE" not in run.output and result.verdict == INCONCLUSIVE
    assert time.monotonic() - started < 25


@needs_sandbox
def test_a_few_thousand_temporary_files_are_nothing(sealed):
    repo, capsule = sealed
    check = "i=0; while [ $i -lt 2000 ]; do : > /tmp/f$i; i=$((i+1)); done; echo MADE; exit 1"
    result = replay(capsule, repo, check=check, limits=CheckLimits(memory=192 * MiB))
    run = result.base_check
    assert run is not None
    assert run.limit is None and "MADE" in run.output, run.output
