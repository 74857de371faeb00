"""A few bytes mapped of a large removed file. The disk limit counts the files on the clone's disk that
the check removed but still holds, and a mapping counted for its own length: a check that writes a
large file, maps one page of it, closes it and removes its name holds every block of the file on the
disk (the mapping keeps the inode), and the watch saw 4 KiB. Measured with the real sandbox: 80 MiB
held in 10 MiB files under a 16 MiB disk limit, no limit hit; each such file is bounded by the
file-size limit alone (512 MiB), and a process may hold thousands. Found 2026-11-28 by a red team. A removed file's
mapping now counts the whole file: its blocks read through /proc/PID/map_files where the kernel lets
tracetui follow it, else the most one file may hold (the file-size limit)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import CheckLimits
from tracetui.capsule import limits as limits_module
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit  # noqa: E402

needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")
MiB = 1 << 20
LIMIT = 16 * MiB

SLICES = """
import ctypes, mmap, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t] + [ctypes.c_int] * 3 + [ctypes.c_long]
for n in range(8):  # libc's mmap: Python's keeps a copy of the descriptor open
    with open(f"big{n}", "wb") as fh:
        for _ in range(10):
            fh.write(b"x" * (1 << 20))
    fd = os.open(f"big{n}", os.O_RDONLY)
    assert libc.mmap(None, 4096, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0) not in (None, 2**64 - 1)
    os.close(fd)
    os.unlink(f"big{n}")
print("HELD", flush=True)
sys.stdin.read() if len(sys.argv) > 1 else time.sleep(30)
"""


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    repo, capsule, _ = kit.sealed_episode(tmp_path_factory.mktemp("slice"), 0x0a)
    return repo, capsule


@needs_sandbox
def test_a_page_mapped_of_a_removed_file_counts_the_whole_file(sealed):
    repo, capsule = sealed
    kit.stopped_at(capsule, repo, kit.python_check(SLICES), CheckLimits(disk=LIMIT), "disk")


def _held_by(tmp_path, monkeypatch, followable: bool, clone=None) -> int:
    """What `_removed_held` counts for a process that holds a page of each of eight removed 10 MiB
    files; `followable` False stands for a kernel that refuses map_files to an unprivileged user."""
    proc = subprocess.Popen([sys.executable, "-c", SLICES, "wait"], cwd=tmp_path, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)  # fmt: skip
    clone = tmp_path if clone is None else clone
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"HELD\n"
        if not followable:

            def refused(path: str) -> os.stat_result:
                raise PermissionError(1, "Operation not permitted", path)

            monkeypatch.setattr(limits_module, "_follow_mapping", refused)
        return limits_module._removed_held(proc.pid, clone, 512 * MiB)
    finally:
        proc.kill()
        proc.wait()


def test_the_whole_file_is_counted_where_map_files_can_be_followed(tmp_path, monkeypatch):
    try:
        os.stat(f"/proc/self/map_files/{os.listdir('/proc/self/map_files')[0]}")
    except (OSError, IndexError):
        pytest.skip("map_files cannot be followed here (an unprivileged user)")
    held = _held_by(tmp_path, monkeypatch, followable=True)
    assert 80 * MiB <= held < 90 * MiB, held


def test_an_unsizable_mapping_counts_as_the_most_one_file_may_hold(tmp_path, monkeypatch):
    assert _held_by(tmp_path, monkeypatch, followable=False) == 8 * 512 * MiB


def test_an_unsizable_mapping_outside_the_clone_counts_its_length(tmp_path, monkeypatch):
    # The same disk, not the clone: a library an upgrade replaced while a trusted check runs, or a
    # trusted check's file in /tmp. Only the clone is the check's to fill; elsewhere the mapping counts
    # for its length, as it did, not as 512 MiB each.
    (tmp_path / "clone").mkdir()
    (tmp_path / "elsewhere").mkdir()
    held = _held_by(tmp_path / "elsewhere", monkeypatch, followable=False, clone=tmp_path / "clone")
    assert held == 8 * 4096, held
