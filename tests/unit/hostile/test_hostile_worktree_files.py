"""The work tree the trail reads is anyone's (a clone, a tarball of one, what the capsule's code left):
a patch no commit took is looked for in the work tree's copy of its file, and that copy may be a
FIFO (the read waited for a writer for ever: `trail`, the app's trail pane, `export` and `eval`
with it), a link to /dev/zero or a sparse file of gigabytes (a MemoryError with a traceback, or the
machine's memory). Such a copy now tells the trail nothing, as an unreadable one did.

Each case runs in a child under a 1 GB address-space limit and a timeout."""

from __future__ import annotations

import pytest
from support.trail_kit import trail_in_child

_BODY = """
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
    out = trail_in_child(_BODY, kind, tmp_path)
    assert out.returncode == 0, out.stderr[-400:]
    assert out.stdout.strip() in ("lost", "unknown"), out.stdout


def test_a_plain_copy_still_says_uncommitted(tmp_path):
    out = trail_in_child(_BODY.replace("copy.unlink()", "copy = None"), "plain", tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == "uncommitted", out.stderr[-400:]
