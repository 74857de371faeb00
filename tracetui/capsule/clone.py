"""The replay's clones: a work tree at one commit that holds nothing else of the user's repository.

A `git clone --shared` borrowed every object of the user's repository through `objects/info/
alternates`, whose path also named the user's work tree. Now an `ObjectStore` takes, once per replay
or bisect, only the objects of the commits replayed (a depth-1 fetch over git's own protocol), and
each clone borrows from that store alone: the sandbox binds the store, never the user's repository.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from tracetui.capsule.archive import CapsuleError
from tracetui.capsule.gitcmd import git
from tracetui.folder_walk import rmtree, walk


class ObjectStore:
    """A bare repository holding the trees of `commits` (and nothing of their history).

    Use as a context manager; leaving it removes the store.

    Every git command here runs with `user_config=False`: the tree checked out is the one the capsule
    names (a stranger's branch the user fetched), so no filter, monitor, template or hook of the user's
    config runs on it, and none of its settings (core.autocrlf) changes the bytes patches are matched on.
    """

    def __init__(self, repo: Path, commits: list[str]) -> None:
        self.repo = repo
        self.commits = sorted(set(commits))
        self.path: Path | None = None

    def __enter__(self) -> ObjectStore:
        self.path = Path(tempfile.mkdtemp(prefix="tracetui-objects-"))
        try:
            git(self.path, "init", "--quiet", "--bare", "--template=", user_config=False)
            git(
                self.path, "-c", "protocol.version=2", "-c", "protocol.file.allow=always",
                "fetch", "--quiet", "--no-tags", "--depth", "1", f"file://{self.repo}", *self.commits,
                user_config=False,
            )  # fmt: skip
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def objects(self) -> Path:
        if self.path is None:
            raise CapsuleError("the replay's object store is not open")
        return self.path / "objects"

    def clone(self, dest: Path, commit: str) -> None:
        """A work tree at `commit` in `dest` (which must not exist), borrowing this store's objects."""
        if self.path is None:
            raise CapsuleError("the replay's object store is not open")
        dest.mkdir(parents=True)
        git(dest, "init", "--quiet", "--template=", user_config=False)
        dot_git = dest / ".git"
        (dot_git / "objects" / "info" / "alternates").write_text(f"{self.objects}\n")
        shallow = self.path / "shallow"
        if shallow.is_file():  # the commit's parents are not here: git log stops at it, not an error
            shutil.copyfile(shallow, dot_git / "shallow")
        git(dest, "config", "core.hooksPath", "/dev/null", user_config=False)
        git(dest, "checkout", "--quiet", "--detach", commit, user_config=False)

    def close(self) -> None:
        if self.path is not None:
            remove_tree(self.path)
            self.path = None


def remove_tree(top: Path) -> list[str]:
    """Remove `top` whatever modes what is in it was left with; the paths that stayed (none, normally).

    A check may leave folders it made unwritable or unreadable (`chmod 500`, `chmod 000`): an ordinary
    user cannot remove what is inside them until they are writable again, so folders are opened up
    before the removal, and once more for what the first pass left."""
    for _ in range(2):
        if not os.path.lexists(top):
            return []
        _open_up(top)
        rmtree(top)  # not shutil's: the check may nest past its recursion limit
    left: list[str] = []
    if os.path.lexists(top):
        for folder, dirs, files in walk(top):
            left += [os.path.join(folder, name) for name in dirs + files]
        left = left or [str(top)]
    return left


def _open_up(top: Path) -> None:
    todo = [str(top)]
    while todo:
        folder = todo.pop()
        try:
            mode = os.lstat(folder).st_mode
            if not stat.S_ISDIR(mode):
                continue
            os.chmod(folder, stat.S_IMODE(mode) | stat.S_IRWXU)
            with os.scandir(folder) as entries:
                todo += [e.path for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
