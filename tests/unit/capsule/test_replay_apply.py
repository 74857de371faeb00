"""Replay's hunk matcher: linear on any content, bounded in time, still exact."""

from __future__ import annotations

import time

import pytest

from tracetui.capsule.apply import apply_hunks


def test_locating_a_hunk_is_linear_on_repetitive_files():
    # A capsule of repeated lines made the old matcher compare a slice at every offset: minutes.
    text = "\n".join(["x"] * 40_000)
    hunk = {"old_start": 0, "lines": [" x"] * 4_000 + ["-y"]}
    started = time.monotonic()
    assert apply_hunks(text, [hunk]) is None
    assert time.monotonic() - started < 2.0


def test_the_matcher_finds_the_one_right_place_among_near_misses():
    lines = ["a", "b", "a", "b", "c", "a", "b", "c", "d"]
    got = apply_hunks("\n".join(lines), [{"lines": [" a", " b", " c", "-d", "+D"]}])
    assert got == "a\nb\na\nb\nc\na\nb\nc\nD"


def test_the_line_number_breaks_ties_between_equal_places():
    text = "k\nv\nk\nv\nk\nv"
    got = apply_hunks(text, [{"old_start": 3, "lines": [" k", "-v", "+V"]}])
    assert got == "k\nv\nk\nV\nk\nv"


def test_malformed_hunks_do_not_apply():
    assert apply_hunks("a", [{"lines": [3]}]) is None
    assert apply_hunks("a", ["not a hunk"]) is None  # type: ignore[list-item]
    assert apply_hunks("a", [{"lines": "  a"}]) is None


def test_a_deadline_stops_a_long_application():
    with pytest.raises(TimeoutError):
        apply_hunks("a\nb", [{"lines": [" a"]}], deadline=0.0)


@pytest.mark.parametrize(
    ("before", "lines", "after"),
    [
        ("a\nb\nc\n", ["-a", "-b", "-c", "+z"], "z\n"),  # shorter: the old tail is cut
        ("a\n", ["-a", "+a", "+b", "+c"], "a\nb\nc\n"),  # longer
        ("a\nb\n", ["-a", "-b"], ""),  # nothing left
    ],
)
def test_a_patched_file_holds_its_new_text_alone_in_the_same_file(tmp_path, before, lines, after):
    """The text is written over the file, then the file is cut where it ends (not emptied first: an
    emptied file is written back to disk as it closes on ext4); it stays the file it was."""
    from tracetui.capsule.apply import apply_patch

    path = tmp_path / "f.txt"
    path.write_text(before)
    inode = path.stat().st_ino
    patch = {"path": "f.txt", "op": "update", "hunks": [{"old_start": 1, "lines": lines}]}
    assert apply_patch(tmp_path, patch) is None
    assert path.read_text() == after and path.stat().st_ino == inode
