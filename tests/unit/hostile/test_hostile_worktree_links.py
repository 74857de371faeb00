"""A patch no commit took is looked for in the work tree's copy of its file, and that copy, or a folder
above it, may be a symbolic link out of the work tree (a clone or a tarball is anyone's): to a file of
the same lines elsewhere on the machine, or to /proc/self/environ, whose variables are this process's.
The trail read them as the project's file and judged the patch "uncommitted", kept. What such a link
names is no text of the project (git reads a link as its target's name, not its target's lines): the
copy now tells the trail nothing, as an unreadable one did. A link that stays inside the work tree is
still read, as the mapping of logged paths already read it (`mapping._work_tree_text`).

Each case runs in a child (the environment one sets a variable of its own) under a timeout."""

from __future__ import annotations

import os

import pytest
from support.trail_kit import trail_in_child

_BODY = """
name = "sub/a.txt" if kind == "folder" else "a.txt"
edit = write(repo, name, "one\\ntwo\\nthree\\n")
session = session_of(repo.path, [(iso(10), edit)])
outside = base / "outside"
outside.mkdir()
(outside / "a.txt").write_text("one\\ntwo\\nthree\\n")
copy = repo.path / name
copy.unlink()
if kind == "absolute":
    copy.symlink_to(outside / "a.txt")
elif kind == "relative":
    copy.symlink_to("../outside/a.txt")
elif kind == "chain":
    (repo.path / "hop").symlink_to("../outside/a.txt")
    copy.symlink_to("hop")
elif kind == "folder":
    (repo.path / "sub").rmdir()
    (repo.path / "sub").symlink_to(outside)
elif kind == "environ":
    copy.symlink_to("/proc/self/environ")
elif kind == "inside":
    repo.write("real/a.txt", "one\\ntwo\\nthree\\n")
    copy.symlink_to("real/a.txt")
# (a link inside the work tree names the file git tracks, so the one patch is its target's)
[(path, state)] = states(trail(session)).items()
print(state if path in (name, "real/a.txt") else "at " + path)
"""


def _judged(tmp_path, kind: str) -> str:
    out = trail_in_child(_BODY, kind, tmp_path, {"PLANTED": "\none\ntwo\nthree\n"})
    assert out.returncode == 0, out.stderr[-400:]
    return out.stdout.strip()


@pytest.mark.parametrize("kind", ["absolute", "relative", "chain", "folder", "environ"])
def test_a_work_tree_copy_linked_out_of_the_tree_is_not_the_projects(tmp_path, kind):
    if kind == "environ" and not os.path.exists("/proc/self/environ"):
        pytest.skip("no /proc on this system")
    assert _judged(tmp_path, kind) in ("lost", "unknown")


def test_a_link_inside_the_work_tree_is_still_read(tmp_path):
    assert _judged(tmp_path, "inside") == "uncommitted"
