"""Folder trees nested deeper than Python's recursion limit, where tracetui walks a tree someone else
made: an export folder received to `--check` or exported into again, an agent's source folder, a
work tree a hook snapshots, a replay's clone after the capsule's code ran in it. A path of 2 KB holds
a thousand folders; Python 3.11's os.walk, Path.rglob and shutil.rmtree recurse once a level, and each
such walk stopped its command with a RecursionError and a traceback (found 2026-11-27)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from shared_data import FIXTURES
from support.exported import atif_export

from tracetui.cli import main
from tracetui.folder_walk import rmtree


def deep_tree(top: Path, leaf: str = "x.json") -> Path:
    """A chain of folders nested past the recursion limit under `top`, with one file at its end."""
    top.mkdir(parents=True, exist_ok=True)
    path = top
    for _ in range(sys.getrecursionlimit() + 100):
        path = path / "d"
        os.mkdir(path)  # os.makedirs recurses too
    (path / leaf).write_text("{}")
    return path


@pytest.fixture(autouse=True)
def _removed_after(tmp_path):
    """pytest's own clean-up of its temporary folders is shutil.rmtree, which such a tree stops."""
    yield
    rmtree(tmp_path)


@pytest.fixture
def exported(tmp_path):
    bucket, dest = atif_export(tmp_path)
    deep_tree(dest / "deep")
    return bucket, dest


def test_check_of_an_export_holding_a_deep_tree_names_its_file(exported, capsys):
    _, dest = exported
    capsys.readouterr()
    code = main(["export", "--check", "--json", str(dest)])
    out = capsys.readouterr().out
    assert code == 1 and "not in the manifest" in out and "/d/d/x.json" in out


def test_an_export_into_a_folder_holding_a_deep_tree_ends_and_keeps_it(exported, capsys):
    bucket, dest = exported
    capsys.readouterr()
    assert main([*bucket, "export", "--format", "atif", "--prune", str(dest)]) == 0
    assert capsys.readouterr().err == ""
    assert (dest / "deep" / "d").is_dir()  # not ours to remove: it holds a file


def test_a_source_folder_holding_a_deep_tree_syncs_its_logs(tmp_path, capsys):
    # Gemini CLI's patterns of several parts (`chats/*/*.json`) were looked for with Path.rglob.
    source = tmp_path / "gemini"
    shutil.copytree(FIXTURES / "gemini", source)
    deep_tree(source / "deep", leaf="session-x.json")
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"gemini={source}"]) == 0
    assert main([*bucket, "ls", "--json"]) == 0
    assert '"agent": "gemini"' in capsys.readouterr().out


def test_a_work_tree_holding_a_deep_tree_is_snapshotted_to_a_bound_at_once(tmp_path):
    # Past the recursion limit the hook stopped with a traceback; at 2,000 folders libgit2's ignore
    # look-ups, each reading every folder above, cost a minute.
    import pygit2

    from tracetui.trail.snapshot import take_snapshot

    repo = tmp_path / "repo"
    pygit2.init_repository(str(repo))
    (repo / "a.txt").write_text("a\n")
    leaf = deep_tree(repo / "deep", leaf="f.txt")
    kept = "/".join(["deep"] + ["d"] * 126 + ["kept.txt"])  # 128 parts, as a capsule's patch may name
    (repo / kept).write_text("k\n")
    started = time.monotonic()
    snap = take_snapshot(repo, "sess-1", now=1)
    assert time.monotonic() - started < 5
    tree = pygit2.Repository(str(repo)).get(snap.tree)
    assert isinstance(tree, pygit2.Tree)
    found = tree / kept
    assert "a.txt" in tree and isinstance(found, pygit2.Blob) and found.data == b"k\n"
    with pytest.raises(KeyError):
        tree / (leaf / "f.txt").relative_to(repo).as_posix()


def test_a_replay_clone_the_check_filled_with_a_deep_tree_is_removed(tmp_path):
    # The check runs the capsule's code in the clone; the clone's removal was shutil.rmtree.
    from tracetui.capsule.clone import remove_tree as remove_clone

    clone = tmp_path / "clone"
    leaf = deep_tree(clone / "deep")
    leaf.chmod(0o500)  # and a folder the check left unwritable
    assert remove_clone(clone) == []
    assert not clone.exists()


def test_a_deep_tree_a_watcher_saw_arrive_is_synced(tmp_path):
    # The watcher names a folder moved in; the scoped sync took the files under it with os.walk.
    from tracetui.bucket import Bucket

    source = tmp_path / "pi"
    source.mkdir()
    shutil.copyfile(FIXTURES / "pi" / "v3_tree.jsonl", source / "a.jsonl")
    sources = {"pi": [source]}
    with Bucket.open(tmp_path / "b") as bucket:
        assert bucket.sync(sources, workers=1).new == 1
        deep_tree(source / "deep", leaf="notes.txt")
        report = bucket.sync(sources, workers=1, paths={str(source / "deep")})
        assert report.errors == [] and (report.new, report.unchanged) == (0, 1)
