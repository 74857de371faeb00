"""`git_read._AtTime` and `_base_commit` read the commit table the judging walks anyway, and give
what libgit2's own walks gave: the file's versions newest first, and the session's base commit."""

from __future__ import annotations

import pygit2
from pygit2.enums import SortMode
from support.trail_kit import Repo

from tracetui.model import Session
from tracetui.trail import history
from tracetui.trail.fates import SLACK_SECONDS
from tracetui.trail.git_read import _AtTime, _base_commit, _blob_text, epoch


class _Counted(pygit2.Repository):
    """A repository that counts the walks asked of git, by sort."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.walks: list[SortMode | None] = []

    def walk(self, *args, **kwargs):
        self.walks.append(args[1] if len(args) > 1 else kwargs.get("sort_mode"))
        return super().walk(*args, **kwargs)


def _libgit2s(repo: pygit2.Repository, path: str, when: str) -> list[str]:
    """The lookup as it was made on libgit2's walk by time alone (`_AtTime._listed`)."""
    tips = [c for _, c in history.ref_tips(repo)]
    walker = repo.walk(tips[0], SortMode.TIME)
    for c in tips[1:]:
        walker.push(c)
    listed = sorted(((c.commit_time, c) for c in walker), key=lambda t: -t[0])
    texts: list[str] = []
    seen: set[str] = set()
    scanned = 0
    t = epoch(when)
    assert t is not None
    for ctime, commit in listed:
        if ctime > t + SLACK_SECONDS:
            continue
        scanned += 1
        if scanned > _AtTime.SCAN or len(texts) >= _AtTime.KEEP:
            break
        try:
            entry = commit.tree[path]
        except KeyError:
            continue
        if str(entry.id) not in seen:
            seen.add(str(entry.id))
            texts.append(_blob_text(repo, entry.id))
    return texts


def _history(tmp_path, same_second: bool) -> Repo:
    """Versions of a.py on two branches; with `same_second`, the last three committed in one second."""
    repo = Repo(tmp_path / "r")
    for n in range(6):
        repo.write("a.py", f"v{n}\n")
        repo.commit(f"v{n}", f"2026-01-01T09:{5 if same_second and n >= 3 else n:02d}:00Z")
    repo.git("checkout", "-q", "-b", "side", "HEAD~4")
    repo.write("a.py", "side\n")
    repo.commit("side", "2026-01-01T09:02:30Z")
    repo.git("checkout", "-q", "main")
    return repo


def test_a_lookup_gives_libgit2s_versions_from_the_commit_table(tmp_path):
    made = _history(tmp_path, same_second=False)
    repo = _Counted(str(made.path))
    at = _AtTime(repo)
    asked = ["2026-01-01T10:00:00Z", "2026-01-01T09:03:00Z", "2026-01-01T09:00:00Z", "2026-01-01T08:00:00Z"]
    found = [at("a.py", when) for when in asked]
    assert found == [_libgit2s(pygit2.Repository(str(made.path)), "a.py", when) for when in asked]
    assert found[0] == ["v5\n", "v4\n", "v3\n", "side\n"]
    assert repo.walks == [SortMode.TOPOLOGICAL | SortMode.REVERSE]  # the table's walk, no walk by time


def test_versions_made_in_one_second_are_ordered_by_libgit2s_walk(tmp_path):
    made = _history(tmp_path, same_second=True)
    repo = _Counted(str(made.path))
    found = _AtTime(repo)("a.py", "2026-01-01T10:00:00Z")
    assert found == _libgit2s(pygit2.Repository(str(made.path)), "a.py", "2026-01-01T10:00:00Z")
    assert SortMode.TIME in repo.walks  # the table cannot order v3, v4, v5: libgit2's walk does
    # Before that second the table's order is the answer.
    before = _Counted(str(made.path))
    assert _AtTime(before)("a.py", "2026-01-01T09:03:00Z") == ["side\n", "v2\n", "v1\n", "v0\n"]
    assert SortMode.TIME not in before.walks


def test_the_base_commit_is_found_in_the_commit_table(tmp_path):
    made = _history(tmp_path, same_second=False)
    made.git("merge", "-q", "--no-ff", "-s", "ours", "side", "-m", "merged", when="2026-01-01T09:10:00Z")
    repo = _Counted(str(made.path))
    for start, wanted in [("2026-01-01T09:04:30Z", "v4"), ("2026-01-01T09:20:00Z", "merged"),
                          ("2026-01-01T09:02:45Z", "v2"), ("2026-01-01T08:00:00Z", None)]:  # fmt: skip
        base = _base_commit(repo, Session(id="s", agent="claude", source="s.jsonl", started=start))
        assert (base.message.strip() if base is not None else None) == wanted
    assert repo.walks == [SortMode.TOPOLOGICAL | SortMode.REVERSE]
