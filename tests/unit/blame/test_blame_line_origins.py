"""`line_origins`: git's blame of a file (each line's last commit, the names it had), the same from
libgit2 where git is missing, and no program of the repository's run on the way."""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest
from support.trail_kit import iso, Repo

from tracetui.blame import blame_file, line_origins as lo
from tracetui.library import MemoryLibrary


def _history(tmp_path: Path, old: str, new: str) -> tuple[Repo, list[str]]:
    """`old` written, renamed to `new` and extended, then one of its first lines edited."""
    repo = Repo(tmp_path / "r")
    repo.write(old, "one\ntwo\nthree\n")
    first = repo.commit("first", iso(9))
    (repo.path / old).unlink()
    repo.write(new, "one\ntwo\nthree\nfour\n")
    second = repo.commit("renamed", iso(10))
    repo.write(new, "one\nTWO\nthree\nfour\n")
    third = repo.commit("edited", iso(11))
    return repo, [first, second, third]


NAMES = [
    ("plain.txt", "moved/plain.txt"),
    ("with space.txt", "dir/new name.txt"),
    ('quote"and\ttab.txt', "ok.txt"),
    ("caf\u00e9.txt", "\u00fcber/na\u00efve.txt"),
]


@pytest.mark.parametrize(("old", "new"), NAMES)
def test_each_line_s_commit_and_every_name_the_file_had(tmp_path, old, new):
    repo, (first, second, third) = _history(tmp_path, old, new)
    r = pygit2.Repository(str(repo.path))
    got = lo.line_origins(r, new, r[third].peel(pygit2.Commit), 4)
    assert got.commits == [first, third, first, second]
    assert set(got.names) == {old, new}
    # libgit2's blame reads the same history the same way
    assert got == lo._libgit2_blame(r, new, r[third].peel(pygit2.Commit), 4)
    assert set(lo.former_names(r, new, r[third].peel(pygit2.Commit))) == {old, new}


def test_without_git_libgit2_blames(tmp_path, monkeypatch):
    repo, (first, second, third) = _history(tmp_path, "a.txt", "b.txt")
    r = pygit2.Repository(str(repo.path))
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    assert lo._git_blame(r, "b.txt", third, 4) is None
    got = lo.line_origins(r, "b.txt", r[third].peel(pygit2.Commit), 4)
    assert got.commits == [first, third, first, second]


def test_a_line_count_git_does_not_share_falls_back(tmp_path):
    # Python splits a line at U+2028; git does not: the lines would not line up, so libgit2 is asked.
    repo = Repo(tmp_path / "r")
    repo.write("f.txt", "a\u2028b\nc\n")
    c = repo.commit("one", iso(9))
    r = pygit2.Repository(str(repo.path))
    assert lo._git_blame(r, "f.txt", c, 3) is None
    assert lo._git_blame(r, "f.txt", c, 2) is not None


def test_the_repository_s_textconv_program_is_not_run(tmp_path):
    repo = Repo(tmp_path / "r")
    marker = tmp_path / "ran"
    repo.write(".gitattributes", "*.txt diff=conv\n")
    repo.write("f.txt", "a\nb\n")
    c = repo.commit("one", iso(9))
    repo.git("config", "diff.conv.textconv", f"touch {marker}; cat")
    r = pygit2.Repository(str(repo.path))
    got = lo.line_origins(r, "f.txt", r[c].peel(pygit2.Commit), 2)
    assert got.commits == [c, c] and not marker.exists()
    # The same blame with textconv on does run it: the check above can fail.
    repo.git("blame", "--textconv", c, "--", "f.txt")
    assert marker.exists()


@pytest.mark.parametrize(
    ("porcelain", "lines", "expected"),
    [
        # a group header with its count, the commit's details, a filename per group
        (b"%s 1 1 2\nauthor A\nfilename x.py\n\tone\n%s 2 2\n\ttwo\n" % (b"a" * 40, b"a" * 40), 2,
         ([("a" * 40)] * 2, ("x.py",))),  # fmt: skip
        # two groups under two names, the second quoted with an octal escape and a tab
        (b"%s 1 1 1\nfilename x.py\n\tone\n%s 5 2 1\nfilename \"y\\303\\251\\tz\"\n\ttwo\n"
         % (b"a" * 40, b"b" * 40), 2, (["a" * 40, "b" * 40], ("x.py", "y\u00e9\tz"))),  # fmt: skip
        (b"%s 1 1 1\nfilename x\n\tone\n" % (b"a" * 40), 2, None),  # a line git did not name
        (b"%s 1 3 1\nfilename x\n\tone\n" % (b"a" * 40), 2, None),  # a line past the file's end
        (b"fatal: something\n", 1, None),
        (b"", 1, None),
    ],
)
def test_the_porcelain_format_read_strictly(porcelain, lines, expected):
    got = lo._parsed(porcelain, lines)
    assert (None if got is None else (got.commits, got.names)) == expected


def test_a_line_a_merge_brought_from_its_second_parent_is_the_branch_commit_s(tmp_path):
    # Blamed through the merge to the parent the line came from, not to the merge.
    repo = Repo(tmp_path / "r")
    repo.write("f.txt", "a\nb\nc\n")
    base = repo.commit("base", iso(9))
    repo.git("checkout", "-q", "-b", "side")
    repo.write("f.txt", "a\nb\nc\nfrom side\n")
    side = repo.commit("side", iso(10))
    repo.git("checkout", "-q", "main")
    repo.write("f.txt", "top\na\nb\nc\n")
    main = repo.commit("main", iso(11))
    repo.git("merge", "-q", "--no-edit", "side", when=iso(12))
    merge = repo.head()
    r = pygit2.Repository(str(repo.path))
    got = lo.line_origins(r, "f.txt", r[merge].peel(pygit2.Commit), 5)
    assert got.commits == [main, base, base, base, side]


@pytest.mark.parametrize("case", ["renamed", "added"])
def test_a_blob_missing_from_the_clone_leaves_the_other_lines_their_commits(tmp_path, case):
    # A clone without its largest files (a mirror, `--filter=blob:limit`): the commit that also edited
    # this file renamed a file whose old blob is missing, or added one beside a deletion (planner-004's
    # case). libgit2 1.9's rename search fails on the missing blob and gives that commit every line.
    repo = Repo(tmp_path / "r")
    repo.write("f.txt", "a\nb\nc\n")
    repo.write("big.txt", "".join(f"{n}\n" for n in range(100)))
    first = repo.commit("first", iso(9))
    repo.write("f.txt", "a\nb\nc\nd\n")
    second = repo.commit("second", iso(10))
    (repo.path / "big.txt").unlink()
    made = "big2.txt" if case == "renamed" else "results.json"
    repo.write(made, "".join(f"{n}\n" for n in range(101 if case == "renamed" else 500)))
    repo.write("f.txt", "top\na\nb\nc\nd\n")
    third = repo.commit("third", iso(11))
    gone = repo.git("rev-parse", f"{second}:big.txt" if case == "renamed" else f"{third}:{made}")
    (repo.path / ".git" / "objects" / gone[:2] / gone[2:]).unlink()
    r = pygit2.Repository(str(repo.path))
    got = lo.line_origins(r, "f.txt", r[third].peel(pygit2.Commit), 5)
    assert got.commits == [third, first, first, first, second]


@pytest.mark.parametrize("odd", ["\x0c", "\u2028", "\x1c", "\x85", "\x0b", "\r"])
def test_a_file_s_lines_are_numbered_as_git_numbers_them(tmp_path, odd):
    # Python's splitlines cuts at a form feed (a page break in older sources), U+2028 and more; git
    # does not: every line after one was given the commit of the line before it.
    repo = Repo(tmp_path / "r")
    repo.write("f.c", f"int a;\n{odd}x\nint b{odd}c;\n")
    first = repo.commit("first", iso(9))
    repo.write("f.c", f"int a;\n{odd}x\nint b{odd}c;\nint d;\r\n")
    second = repo.commit("second", iso(10))
    got = blame_file(MemoryLibrary([]), str(repo.path / "f.c"), repo=repo.path, states=False)
    assert [(x.line, x.text, x.commit) for x in got.lines] == [
        (1, "int a;", first), (2, f"{odd}x", first), (3, f"int b{odd}c;", first), (4, "int d;", second),
    ]  # fmt: skip
