"""The work tree the trail reads is anyone's (a clone, a tarball of one, what the capsule's code left):
a patch no commit took is looked for in the work tree's copy of its file, and that copy may be a
FIFO (the read waited for a writer for ever: `trail`, the app's trail pane, `export` and `eval`
with it), a link to /dev/zero or a sparse file of gigabytes (a MemoryError with a traceback, or the
machine's memory). Such a copy now tells the trail nothing, as an unreadable one did.

Each case runs in a child under a 1 GB address-space limit and a timeout."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from shared_data import ROOT

_CHILD = """
import os, resource, sys
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from support.trail_kit import Repo, iso, write, session_of, states
from tracetui.trail import trail
kind, base = sys.argv[1], Path(sys.argv[2])
repo = Repo(base / "repo")
repo.write("keep.txt", "x\\n")
repo.commit("init", iso(9))
edit = write(repo, "a.txt", "one\\ntwo\\nthree\\n")
session = session_of(repo.path, [(iso(10), edit)])
copy = repo.path / "a.txt"
copy.unlink()
if kind == "fifo":
    os.mkfifo(copy)
elif kind == "zero":
    copy.symlink_to("/dev/zero")
elif kind == "huge":
    with open(copy, "wb") as fh:
        fh.truncate(1536 << 20)
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
print(states(trail(session))["a.txt"])
"""


@pytest.mark.parametrize("kind", ["fifo", "zero", "huge"])
def test_the_trail_reads_no_odd_work_tree_copy(tmp_path, kind):
    out = subprocess.run([sys.executable, "-c", _CHILD, kind, str(tmp_path), str(ROOT / "tests")],
                         capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert out.returncode == 0, out.stderr[-400:]
    assert out.stdout.strip() in ("lost", "unknown"), out.stdout


def test_a_plain_copy_still_says_uncommitted(tmp_path):
    child = _CHILD.replace("copy.unlink()", "copy = None")
    out = subprocess.run([sys.executable, "-c", child, "plain", str(tmp_path), str(ROOT / "tests")],
                         capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert out.returncode == 0 and out.stdout.strip() == "uncommitted", out.stderr[-400:]
