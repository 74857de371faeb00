"""The replay clone as a capsule can shape it: its own patches (a file where a later patch wants a
folder, a folder where it wants a file), and what a check left between two steps in the app (a link,
a socket, a hard link) before the next patch is applied. Every such patch is a reason, nothing is
written outside the clone, and nothing waits."""

from __future__ import annotations

import socket
import stat
import sys

import pytest
from shared_data import FIXTURES

from tracetui.capsule import open_capsule
from tracetui.capsule.apply import apply_patch
from tracetui.capsule.replay import open_replay
from tracetui.capsule.sandbox import find_sandbox

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit


def _create(path: str, text: str = "x") -> dict:
    return {"op": "create", "path": path, "hunks": [{"old_start": 0, "lines": [f"+{text}"]}]}


def _modify(path: str) -> dict:
    return {"op": "modify", "path": path, "hunks": [{"old_start": 1, "lines": ["-x", "+y"]}]}


# (patches applied in order, the reason the last one gives)
SEQUENCES = {
    "a folder under a file": ([_create("a"), _create("a/b")], "cannot write"),
    "a file that is a folder": ([_create("d/x"), _modify("d")], "does not exist"),
    "deleting a folder": ([_create("d/x"), {"op": "delete", "path": "d"}], "does not exist"),
    "moving onto a folder": ([_create("f"), _create("d/x"), {**_modify("f"), "move_to": "d"}], "cannot write"),
}


@pytest.mark.parametrize("name", SEQUENCES)
def test_a_patch_against_the_shape_an_earlier_one_left_is_a_reason(tmp_path, name):
    patches, said = SEQUENCES[name]
    root = tmp_path / "clone"
    root.mkdir()
    for patch in patches[:-1]:
        assert apply_patch(root, patch) is None
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    reason = apply_patch(root, patches[-1])
    assert reason is not None and said in reason, reason
    if name != "moving onto a folder":  # the move reads its source first, and leaves it where it fails
        assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before


def test_a_socket_where_a_patch_reads_or_writes_is_a_reason_not_a_wait(tmp_path):
    root = tmp_path / "clone"
    root.mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(root / "s"))
    try:
        said = {"modify": "does not exist", "create": "No such device"}  # open() of a socket: ENXIO
        for patch in (_modify("s"), _create("s")):
            reason = apply_patch(root, patch)
            assert reason is not None and said[patch["op"]] in reason, reason
        assert stat.S_ISSOCK((root / "s").lstat().st_mode)
    finally:
        server.close()


needs_sandbox = pytest.mark.skipif(find_sandbox() is None, reason="bubblewrap is not usable on this machine")


@needs_sandbox
def test_what_a_check_leaves_between_steps_leads_no_later_patch_outside(tmp_path):
    """The app applies a step, runs the check, applies the next: the check made README.md (which the
    next step edits) a link to a file of the user's, and tried to hard-link the object store's files
    into the clone (a later patch would have written through them into the store)."""
    repo, capsule, _ = kit.sealed_episode(tmp_path, 7)
    outside = tmp_path / "outside.md"
    outside.write_text("# calc\n\nAdds numbers.\n")  # what the next patch would match, were it reached
    before = outside.read_bytes()
    with open_replay(open_capsule(capsule), repo) as run:
        assert run.apply_next() is not None and run.worktree is not None and run._store is not None
        store_file = next(p for p in run._store.objects.rglob("*") if p.is_file())
        check = (
            f"ln {store_file} stolen 2>/dev/null && echo LINK=made || echo LINK=refused; "
            f"rm README.md && ln -s {outside} README.md && echo SYMLINK=made"
        )
        done = run.run_check(check)
        assert "LINK=refused" in done.output and "SYMLINK=made" in done.output, done.output
        step = run.apply_next()
        assert step is not None and [r.ok for r in step.results] == [False]
        assert "symbolic link" in (step.results[0].reason or "")
    assert outside.read_bytes() == before
