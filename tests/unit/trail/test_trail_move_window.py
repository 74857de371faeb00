"""The move searches' window: the files the commits between two versions changed, with their blobs at
both, found by one diff of the two trees. Every answer must be the one a look-up of each name in each
tree gives (the reference below): files added, deleted, changed and changed back, nested, a symlink,
a submodule, a file too large to search, a file that became a folder; and the path itself left out."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pygit2
from support.trail_kit import Repo, iso

from tracetui.trail import file_versions
from tracetui.trail.file_versions import FileVersions, _small_blob
from tracetui.trail.history import walk
from tracetui.trail.moves import MOVE_WINDOW, _window


def _history(tmp_path: Path) -> tuple[Repo, list[str]]:
    repo = Repo(tmp_path / "r")
    steps: list[tuple[str, dict[str, str | None]]] = [
        (
            "start",
            {"a.py": "a\n", "c.py": "c\n", "d.py": "d\n", "e/f.py": "f\n", "big.txt": "x" * 50, "g": "g\n"},
        ),
        ("change a and c, add b", {"a.py": "a2\n", "b.py": "b\n", "c.py": "c2\n"}),
        ("delete c, change d", {"c.py": None, "d.py": "d2\n"}),
        ("change d back, nested", {"d.py": "d\n", "e/f.py": "f2\n"}),
        ("grow the big one, change g", {"big.txt": "y" * 2000, "g": "g2\n"}),
        ("g becomes a folder", {"g": None, "g/h.py": "h\n"}),
    ]
    commits: list[str] = []
    for i, (message, files) in enumerate(steps):
        for name, text in files.items():
            if text is None:
                (repo.path / name).unlink()
            else:
                repo.write(name, text)
        if i == 1:
            os.symlink("a.py", repo.path / "link")
        repo.git("add", "-A")
        if i in (2, 4):
            # a submodule's commit in the tree (a gitlink), moved on; commits this repository has, so
            # that only its mode tells it from a file
            repo.git("update-index", "--add", "--cacheinfo", f"160000,{commits[i - 2]},vendor/lib")
        repo.git("commit", "-q", "-m", message, when=iso(9, i))
        commits.append(repo.head())
    return repo, commits


def _reference(
    history, files: FileVersions, path: str, prev: str, cid: str
) -> list[tuple[str, str | None, str | None]]:
    """The window as a look-up of each touched name in both trees makes it."""
    repo = history.repo
    lo, hi = history.position[prev], history.position[cid]
    first = max(lo + 1, hi - MOVE_WINDOW + 1)
    ancestry = history.ancestors_from(cid, first)
    names = {n for c in history.order[first : hi + 1] if c in ancestry for n in files.touched(c)}
    names.discard(history.name_at(cid, path))
    old_tree, new_tree = repo[prev].peel(pygit2.Commit).tree, repo[cid].peel(pygit2.Commit).tree
    out = []
    for name in sorted(names):
        new, old = _small_blob(repo, new_tree, name), _small_blob(repo, old_tree, name)
        if new != old:
            out.append((name, new, old))
    return out


def test_the_window_from_one_diff_is_the_window_of_each_names_look_up(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(file_versions, "MOVE_BLOB_LIMIT", 1000)  # above a commit object's size
    repo, commits = _history(tmp_path)
    r = pygit2.Repository(str(repo.path))
    history = walk(r, ["a.py", "d.py"], 0)
    files = FileVersions(r, {})
    seen: set[str] = set()
    for i, prev in enumerate(commits):
        for cid in commits[i + 1 :]:
            for path in ("a.py", "d.py", "e/f.py", "nowhere.py"):
                got = _window(history, files, path, prev, cid)
                assert got == _reference(history, FileVersions(r, {}), path, prev, cid), (prev[:7], cid[:7], path)
                seen.update(name for name, _, _ in got)
    # the cases the table means to hold were met: a deleted file, a nested one, the symlink, the folder
    assert {"c.py", "e/f.py", "link", "g", "g/h.py", "b.py"} <= seen
    # a file changed and changed back is no candidate, nor a submodule, nor a file grown too large
    names = {name for name, _, _ in _window(history, files, "a.py", commits[1], commits[3])}
    assert "d.py" not in names
    assert r[commits[4]].peel(pygit2.Commit).tree["vendor/lib"].filemode == 0o160000
    assert not any(
        name == "vendor/lib"
        for i, p in enumerate(commits)
        for q in commits[i + 1 :]
        for name, _, _ in _window(history, files, "b.py", p, q)
    )
    assert [
        (new, old is not None)
        for name, new, old in _window(history, files, "a.py", commits[0], commits[2])
        if name == "c.py"
    ] == [(None, True)]
    [(_, new, old)] = [
        c for c in _window(history, files, "a.py", commits[3], commits[4]) if c[0] == "big.txt"
    ]
    assert new is None and old is not None


def test_a_window_asks_git_for_its_files_at_the_later_commit_only(tmp_path: Path) -> None:
    """The versions before are read only where the one after holds a line looked for, which most do
    not: asked too, git's answers of them came before the wanted ones, read and kept unused."""
    repo, commits = _history(tmp_path)
    r = pygit2.Repository(str(repo.path))
    history = walk(r, ["a.py"], 0)
    files = FileVersions(r, {})
    asked: list[str | None] = []
    files.ask = lambda blobs, counted=False: asked.extend(blobs)  # type: ignore[method-assign]
    window = _window(history, files, "a.py", commits[0], commits[3])
    assert {"b.py", "d.py"} & {name for name, _, _ in window} and any(old for _, _, old in window)
    every = files.windows[(commits[0], commits[3])]  # the window of every path, `a.py` too
    assert asked == [new for _, new, _ in every]


def _merged_history(tmp_path: Path) -> tuple[Repo, list[str]]:
    """A first-parent line with a side branch merged into it: the side changes a file the line then
    deletes (a window whose chain holds it names it only through the side commit's own diff), and one
    the line changes later; a file added and deleted on the line alone."""
    repo = Repo(tmp_path / "m")
    commits: list[str] = []

    def commit(message: str, files: dict[str, str | None], hour: int) -> None:
        for name, text in files.items():
            if text is None:
                (repo.path / name).unlink()
            else:
                repo.write(name, text)
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", message, when=iso(hour))
        commits.append(repo.head())

    commit("start", {"a.py": "a\n", "x.py": "x\n", "y.py": "y\n"}, 9)
    repo.git("checkout", "-q", "-b", "side")
    commit("side: change x and y", {"x.py": "x side\n", "y.py": "y side\n"}, 10)
    repo.git("checkout", "-q", "main")
    commit("change a, add t", {"a.py": "a2\n", "t.py": "t\n"}, 11)
    repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side", when=iso(12))
    commits.append(repo.head())
    commit("delete x and t, change a", {"x.py": None, "t.py": None, "a.py": "a3\n"}, 13)
    commit("change y", {"y.py": "y3\n"}, 14)
    return repo, commits


def test_a_window_on_one_line_of_first_parents_is_the_window_of_the_commits_diffs(tmp_path: Path) -> None:
    """Where the first parents of the later commit lead back to the earlier one within the window,
    the files come from the one diff of the two trees and no commit's own diff is read, unless a file
    is gone by then: the commits' diffs say whether the window changed it first. Every window the
    same as the reference's, through the merge and beside it."""
    repo, commits = _merged_history(tmp_path)
    r = pygit2.Repository(str(repo.path))
    history = walk(r, ["a.py", "y.py"], 0)
    assert len(history.order) == len(commits) == 6
    for i, prev in enumerate(history.order):
        for cid in history.order[i + 1 :]:
            for path in ("a.py", "y.py"):
                got = _window(history, FileVersions(r, {}), path, prev, cid)
                assert got == _reference(history, FileVersions(r, {}), path, prev, cid), (prev[:7], cid[:7], path)
    start, side, line, merge, delete, last = commits
    asked: list[str] = []
    files = FileVersions(r, {})
    touched = files.touched

    def counted(commit: str) -> list[str]:
        asked.append(commit)
        return touched(commit)

    files.touched = counted  # type: ignore[method-assign]
    # one commit on the line, nothing gone: the diff alone
    assert [n for n, _, _ in _window(history, files, "a.py", delete, last)] == ["y.py"] and asked == []
    # through the merge, nothing gone: the side's change of y.py is in the diff of the two trees
    assert {n for n, _, _ in _window(history, files, "a.py", line, merge)} == {"x.py", "y.py"} and asked == []
    # x.py and t.py gone by `delete`: the commits' diffs are read, and name x.py (the merge brought the
    # side's change of it) but not t.py (no commit of the window changed it but to delete it)
    window = _window(history, files, "y.py", line, delete)
    assert asked and [(n, new) for n, new, _ in window if n in ("x.py", "t.py")] == [("x.py", None)]


def test_a_window_does_not_ask_git_again_for_a_version_already_counted(tmp_path: Path) -> None:
    """Windows name the same versions again: one whose key counts are read is not read again (git sent
    it again, and its answer was read from the pipe and thrown away). A file's own versions are."""
    repo, _ = _history(tmp_path)
    files = FileVersions(pygit2.Repository(str(repo.path)), {})
    asked: list[str] = []

    class Pipe:
        def ask(self, oids: Iterable[str]) -> None:
            asked.extend(oids)

    files.pipe = Pipe()  # type: ignore[assignment]
    files.hits["c" * 40] = Counter()
    files.ask(["a" * 40, "c" * 40, None], counted=True)
    assert asked == ["a" * 40]
    files.ask(["c" * 40])
    assert asked == ["a" * 40, "c" * 40]
