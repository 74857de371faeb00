"""`history.commit_table`: the walks of one blame (the judging's, the descent's) read the clone's
commits once while its refs stay, and give the histories a walk of their own gives."""

from __future__ import annotations

import pygit2
from pygit2.enums import SortMode
from support.trail_kit import Repo

from tracetui.trail import history
from tracetui.trail.history import walk


class _Counted(pygit2.Repository):
    """A repository that counts the walks asked of git."""

    walks = 0

    def walk(self, *args, **kwargs):
        self.walks += 1
        return super().walk(*args, **kwargs)


def _made(tmp_path) -> Repo:
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "one\n")
    repo.commit("one", "2026-01-01T09:00:00Z")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("a.py", "one\nside\n")
    repo.commit("side", "2026-01-01T10:00:00Z")
    repo.git("checkout", "-q", "main")
    repo.write("b.py", "two\n")
    repo.commit("two", "2026-01-01T11:00:00Z")
    return repo


def _own_walk(repo: pygit2.Repository) -> list[str]:
    tips = [c for _, c in history.ref_tips(repo)]
    walker = repo.walk(tips[0], SortMode.TOPOLOGICAL | SortMode.REVERSE)
    for c in tips[1:]:
        walker.push(c)
    return [str(c.id) for c in walker]


def test_the_walks_of_one_clone_read_its_commits_once(tmp_path):
    made = _made(tmp_path)
    repo = _Counted(str(made.path))
    judged = walk(repo, ["a.py"], 0.0, [made.head()])  # the judging's: HEAD is a ref's commit too
    descent = walk(repo, (), float("inf"))
    assert repo.walks == 1
    assert judged.order == descent.order == _own_walk(pygit2.Repository(str(made.path)))
    assert judged.position == {c: i for i, c in enumerate(judged.order)} and descent.blobs == {}
    side = made.git("rev-parse", "side")
    assert judged.parents[side] == [judged.order[0]] and judged.blob_at(side, "a.py") is not None
    assert len(judged.changes["a.py"]) == 2  # added, then changed on the side branch


def test_a_new_commit_or_an_extra_one_is_walked_again(tmp_path):
    made = _made(tmp_path)
    repo = _Counted(str(made.path))
    walk(repo, (), float("inf"))
    made.write("c.py", "three\n")
    new = made.commit("three", "2026-01-01T12:00:00Z")
    assert walk(repo, (), float("inf")).order[-1] == new and repo.walks == 2
    made.git("reset", "-q", "--hard", "HEAD~1")  # `new` is on no ref now: only the extra commit has it
    assert walk(repo, (), float("inf"), [new]).order[-1] == new and repo.walks == 3
