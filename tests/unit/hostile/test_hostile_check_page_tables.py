"""Memory a stranger's check holds in page tables. The watch summed each process's resident pages and
RLIMIT_DATA bounds its writable private mappings; a read-only private mapping is neither, costs no
commit charge and maps the shared zero page wherever it is read, but every 2 MiB read costs the kernel
a 4 KiB page table. Measured with the real sandbox: one process read 512 GiB of such a mapping in
8.3 s, 8 MB resident and 1 GB of page tables (VmPTE), no limit hit; 256 processes are allowed. Found
2026-11-28 by a red team. A process's page tables now count as its own memory."""

from __future__ import annotations

import sys
import time

import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, CheckLimits, replay, seal
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402
from support.check_memory import GROUP, settled  # noqa: E402, F401  (settled: an autouse fixture)

pytestmark = GROUP

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
MiB = 1 << 20
PAGE_TABLES = ("python3 -c 'import mmap, time\n"
               "size = 1 << 40\n"
               "m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)\n"
               "for i in range(0, size, 2 << 20): m[i]\n"
               "print(\"MAPPED\", flush=True); time.sleep(30)'; exit 1")  # fmt: skip


@needs_sandbox
def test_page_tables_count_against_the_memory_limit(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ep.capsule", secret=b"\x0b" * 32)
    started = time.monotonic()
    result = replay(tmp_path / "ep.capsule", repo, check=PAGE_TABLES, limits=CheckLimits(memory=128 * MiB))
    run = result.base_check
    assert run is not None and run.sandbox == "bubblewrap", run
    assert run.limit == "memory", run.output
    assert "MAPPED" not in run.output and result.verdict == INCONCLUSIVE
    assert time.monotonic() - started < 25
