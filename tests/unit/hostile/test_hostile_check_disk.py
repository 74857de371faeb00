"""A check's disk use is what its clone grows by, and the clone is on the user's disk. The watch
summed the blocks of regular files only: folders, links and empty files cost nothing, so a capsule's
code making folders (each a block of the disk) or empty files (each an inode) filled the user's disk,
or ran its file system out of inodes, past the disk limit with nothing said. Found 2026-11-28 by a
replay whose check made 3,000 folders with an 8 MiB disk limit: it ended by itself, no limit hit."""

from __future__ import annotations

import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import INCONCLUSIVE, CheckLimits, replay
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
MiB = 1 << 20
# 3,000 of them, then long enough a wait for the watch's walk of the clone (at most once a second).
FOLDERS = "python3 -c 'import os\nfor i in range(3000): os.mkdir(f\"d{i}\")'; echo MADE; sleep 4; exit 1"
EMPTY_FILES = "python3 -c 'for i in range(3000): open(f\"f{i}\", \"w\").close()'; echo MADE; sleep 4; exit 1"
LINKS = "python3 -c 'import os\nfor i in range(3000): os.symlink(\"x\" * 400, f\"l{i}\")'; sleep 4; exit 1"


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    repo, capsule, _ = kit.sealed_episode(tmp_path_factory.mktemp("disk"), 0x07)
    return repo, capsule


@needs_sandbox
@pytest.mark.parametrize("check", [FOLDERS, EMPTY_FILES, LINKS], ids=["folders", "empty-files", "links"])
def test_what_holds_no_file_bytes_still_counts_against_the_disk_limit(sealed, check):
    repo, capsule = sealed
    result = replay(capsule, repo, check=check, limits=CheckLimits(disk=8 * MiB))
    assert result.verdict == INCONCLUSIVE, result.reason
    assert result.base_check is not None
    assert result.base_check.limit == "disk", result.base_check.output
    assert result.reason == "the check hit its disk limit (8 MiB) at the base commit"


@needs_sandbox
def test_a_check_of_a_few_hundred_small_files_is_within_it(sealed):
    repo, capsule = sealed
    made = "import os\nfor i in range(300): os.mkdir(f\"d{i}\"); open(f\"d{i}/x\", \"w\").close()"
    check = f"python3 -c '{made}'; sleep 3; exit 1"
    result = replay(capsule, repo, check=check, limits=CheckLimits(disk=8 * MiB))
    assert result.base_check is not None and result.base_check.limit is None, result.reason
