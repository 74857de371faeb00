"""Whether a file of a clone's work tree is there, and its stamp, followed links out of the work tree
(a clone or a tarball is anyone's): the mapping counted a link to a file elsewhere on the machine as a
file the clone holds, and took the log's folder for the clone's top on its word; the trail's cache and
an export's witness stamped the link's target, so a link turned from a file outside to one of the same
size and time inside kept the key, and the trail served the fate judged from the link out ("lost")
for a copy it now reads ("uncommitted"). A link out now reads as no file everywhere
(`regular_file.stat_inside`), as its read already did (`read_inside`); a link inside still counts.

A FIFO or a device (a link to /dev/zero) could never block these looks (a stat opens nothing) nor make
a file of one (not a regular file): the last tests say that stays so."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.trail_kit import Repo, iso, session_of, states, write

from tracetui.model import FileEdit
from tracetui.trail import trail
from tracetui.trail.mapping import NONE_HELD, _Clone, map_repository
from tracetui.trail.witness import CloneState, files_state

LINES = "one\ntwo\nthree\n"
LOGGED = "/home/alice/proj"  # where the agent worked, on another machine


def _clone(tmp_path, link: str | None):
    """A clone whose untracked `src/a.txt` is what `link` says: a link out ("file", or "folder" for
    its folder), a link inside ("inside"), or none."""
    repo = Repo(tmp_path / "clone")
    repo.write("keep.txt", "x\n")
    repo.commit("init", iso(9))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.txt").write_text(LINES)
    (repo.path / "src").mkdir()
    if link == "file":
        (repo.path / "src" / "a.txt").symlink_to(outside / "a.txt")
    elif link == "folder":
        (repo.path / "src").rmdir()
        (repo.path / "src").symlink_to(outside)
    elif link == "inside":
        repo.write("real/a.txt", LINES)
        (repo.path / "src" / "a.txt").symlink_to("../real/a.txt")
    return repo


def _logged_session():
    edit = FileEdit(path=f"{LOGGED}/src/a.txt", op="create", content=LINES)
    return session_of(Path(LOGGED), [(iso(10), edit)])


@pytest.mark.parametrize("link", ["file", "folder"])
def test_a_link_out_is_no_file_the_clone_holds(tmp_path, link):
    repo = _clone(tmp_path, link)
    found = map_repository(_logged_session(), repo.path)
    assert (found.logged_root, found.held) == (None, 0)
    assert found.note == NONE_HELD.format(where=str(repo.path), n=1, path=f"{LOGGED}/src/a.txt")
    assert found.repo is not None
    clone = _Clone(found.repo, found.workdir)
    assert not clone.has_file("src/a.txt") and not clone.has_folder("src" if link == "folder" else "nowhere")


def test_a_link_inside_is_still_a_file_the_clone_holds(tmp_path):
    repo = _clone(tmp_path, "inside")
    found = map_repository(_logged_session(), repo.path)
    assert (found.logged_root, found.held) == (LOGGED, 1)


def _same_stamp(*paths):
    for path in paths:
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))


def test_the_cache_is_not_kept_across_a_link_turned_from_outside_to_inside(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.write("keep.txt", "x\n")
    repo.commit("init", iso(9))
    session = session_of(repo.path, [(iso(10), write(repo, "a.txt", LINES))])
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.txt").write_text(LINES)
    repo.write("real/a.txt", LINES)
    _same_stamp(outside / "a.txt", repo.path / "real" / "a.txt")  # one size, one time
    copy = repo.path / "a.txt"
    copy.unlink()
    copy.symlink_to(outside / "a.txt")
    cache = tmp_path / "cache"
    assert states(trail(session, cache_dir=cache))["a.txt"] == "lost"
    copy.unlink()
    copy.symlink_to("real/a.txt")
    # (a link inside names the file git tracks: the one patch is real/a.txt's now, and still read)
    assert states(trail(session, cache_dir=cache)) == {"real/a.txt": "uncommitted"}
    assert states(trail(session)) == {"real/a.txt": "uncommitted"}  # what a run without the cache says


def test_a_witness_stamps_a_link_out_as_no_file(tmp_path):
    repo = Repo(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.txt").write_text(LINES)
    repo.write("real/a.txt", LINES)
    _same_stamp(outside / "a.txt", repo.path / "real" / "a.txt")
    state = CloneState(str(repo.path), "digest")
    none = files_state(state, ["a.txt"])
    (repo.path / "a.txt").symlink_to(outside / "a.txt")
    assert files_state(state, ["a.txt"]) == none  # the link's target is not the clone's
    (repo.path / "a.txt").unlink()
    (repo.path / "a.txt").symlink_to("real/a.txt")
    assert files_state(state, ["a.txt"]) != none  # a link inside stamps its file
    above = files_state(state, ["../outside/a.txt"])  # a name of the log's leading out, no link needed
    (outside / "a.txt").unlink()
    assert files_state(state, ["../outside/a.txt"]) == above


def test_a_fifo_or_a_device_is_no_file_and_never_blocks(tmp_path):
    if not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"):
        pytest.skip("no FIFOs or no /dev/zero here")
    repo = _clone(tmp_path, None)
    os.mkfifo(repo.path / "src" / "a.txt")
    (repo.path / "zero").symlink_to("/dev/zero")
    found = map_repository(_logged_session(), repo.path)  # a read of the FIFO would block here
    assert found.logged_root is None and found.repo is not None
    clone = _Clone(found.repo, found.workdir)
    assert not clone.has_file("src/a.txt") and not clone.has_file("zero") and not clone.has_folder("zero")
