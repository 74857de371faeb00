"""`regular_file.keep_cache`, the one way the caches of keys, memos and cards are written: whole or not
at all, private, and a place it cannot write costs nothing but the next run's time."""

from __future__ import annotations

import os

import pytest

from tracetui.regular_file import keep_cache


def test_a_kept_file_is_whole_and_the_users_alone(tmp_path):
    path = tmp_path / "deep" / "er" / "memo.json"
    assert keep_cache(path, b"one") and keep_cache(path, b"two")
    assert path.read_bytes() == b"two" and path.stat().st_mode & 0o077 == 0
    assert [p.name for p in path.parent.iterdir()] == ["memo.json"]  # no temporary file left


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_folder_it_cannot_write_is_false_and_leaves_nothing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert keep_cache(folder / "memo.json", b"x") is False
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_file_where_its_folder_should_be_is_false(tmp_path):
    (tmp_path / "cache").write_bytes(b"a file, not a folder")
    assert keep_cache(tmp_path / "cache" / "memo.json", b"x") is False
    assert (tmp_path / "cache").read_bytes() == b"a file, not a folder"
