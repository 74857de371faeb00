"""Kernel memory a stranger's check holds in open descriptors. Each open file is kernel memory of its
own (its `struct file`; for a memfd an inode and a name too), in no process's resident size, and an
empty memfd holds no page of shared memory either: measured in the sandbox, 19,980 memfds took 1,264
bytes each and as many eventfds 575 bytes each. A process may hold its RLIMIT_NOFILE of them (20,000
here, 524,288 under systemd's default) and a check 256 processes: 6.5 GB here, none of it counted.
Found 2026-11-28 by the seventh red team. The watch now counts each descriptor a process of the
sandbox holds as 1,280 bytes of the check's memory (a descriptor of a file another also holds
included: a dup costs less, and is counted as much)."""

from __future__ import annotations

import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import CheckLimits, replay
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402
from support.check_memory import GROUP, settled  # noqa: E402, F401  (settled: an autouse fixture)

pytestmark = GROUP

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
MiB = 1 << 20
# Some 300,000 empty memfds across as many processes as the descriptor limit asks (at most 200).
MEMFDS = """python3 -c '
import os, resource, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
per = min(hard, 1 << 16)
resource.setrlimit(resource.RLIMIT_NOFILE, (per, hard))
per -= 16
for _ in range(min(200, -(-300000 // per)) - 1):
    if os.fork() == 0:
        break
fds = []
while len(fds) < per:
    fds.append(os.memfd_create("x"))
print("HELD", len(fds), flush=True)
time.sleep(30)
'; exit 1"""


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    repo, capsule, _ = kit.sealed_episode(tmp_path_factory.mktemp("descriptors"), 0x0c)
    return repo, capsule


@needs_sandbox
def test_open_descriptors_count_against_the_memory_limit(sealed):
    repo, capsule = sealed
    kit.stopped_at(capsule, repo, MEMFDS, CheckLimits(memory=192 * MiB), "memory")


@needs_sandbox
def test_a_thousand_descriptors_are_nothing(sealed):
    repo, capsule = sealed
    check = "python3 -c 'import os; fds = [os.memfd_create(\"x\") for _ in range(1000)]; print(\"HELD\")'"
    check += "; exit 1"
    result = replay(capsule, repo, check=check, limits=CheckLimits(memory=192 * MiB))
    run = result.base_check
    assert run is not None
    assert run.limit is None and "HELD" in run.output, run.output
