"""`CopyCounts`: a commit's added less removed copies of a text from one run of git's diffs, equal to
libgit2's diff of each commit on every kind of change; a file version's copies counted on its bytes,
equal to counting its decoded lines."""

from __future__ import annotations

import time
from collections import Counter

import pygit2
import pytest
from support.trail_kit import iso, Repo, silent_git

from tracetui.blame.copy_counts import _git_net, _libgit2_net, _parsed, CopyCounts
from tracetui.trail.line_identity import framed_norms, norm, norms_of

# Lines that look like a diff's own lines once a diff prefixes them: a header, a hunk, a commit id.
LOOKALIKES = "-- a/x.py\n++ b/x.py\n@@ -1,2 +1,2 @@\n" + "a" * 40 + "\ndiff --git a/x b/x\n\\ No newline\n"


def _history(tmp_path) -> tuple[pygit2.Repository, list[str]]:
    """Commits of every kind a diff reads differently: a root, lines moved between files, look-alike
    lines, CRLF and whitespace-only changes, bytes that are not UTF-8, a binary file, a last line with
    no newline, a submodule's pointer, a merge, a deletion."""
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "import os\n\ndef f():\n    return 1\n")
    repo.write("b.txt", "x\ny\n")
    ids = [repo.commit("root", iso(9))]
    repo.write("a.py", "import os\n")
    repo.write("pkg/f.py", "def f():\n    return 1\n\ndef f():\n    return 1\n")
    ids.append(repo.commit("split into a package", iso(10)))
    repo.write("look.txt", LOOKALIKES + "--- a/y\n+++ b/y\n")
    ids.append(repo.commit("look-alikes", iso(11)))
    (repo.path / "crlf.txt").write_bytes(b"one\r\ntwo \r\n\tthree\n")
    (repo.path / "latin.txt").write_bytes(b"caf\xe9\nna\xefve\n\xff\xfe\n")
    (repo.path / "blob.bin").write_bytes(b"\0\x01binary\nline\n")
    (repo.path / "tail.txt").write_bytes(b"last line with no newline")
    ids.append(repo.commit("odd bytes", iso(12)))
    (repo.path / "crlf.txt").write_bytes(b"one\ntwo\n\tthree\n")
    (repo.path / "tail.txt").write_bytes(b"last line with no newline\nand one more\n")
    repo.write("nbsp.txt", "a\u00a0b\nab\n")
    sub = repo.git("hash-object", "-w", "--stdin")  # any id will do as a submodule's commit
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{sub},vendor/lib")
    ids.append(repo.commit("whitespace and a submodule", iso(13)))
    repo.git("checkout", "-q", "-b", "side", ids[2])
    repo.write("side.txt", "from the side\nx\n")
    repo.commit("side", iso(14))
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "merge", "side", when=iso(15))
    ids.append(repo.head())
    (repo.path / "b.txt").unlink()
    ids.append(repo.commit("delete", iso(16)))
    return pygit2.Repository(str(repo.path)), ids


def _same(a: Counter[str], b: Counter[str]) -> bool:
    return +a == +b and -a == -b  # zero counts aside


def _every_text(r: pygit2.Repository, ids: list[str]) -> dict[str, frozenset[str]]:
    """Each commit's every changed text, by libgit2's diff."""
    return {c: frozenset(_libgit2_net(r, c)) | {"deff():", "importos", "fromtheside"} for c in ids}


def test_git_s_diffs_count_what_libgit2_s_count_on_every_kind_of_change(tmp_path):
    r, ids = _history(tmp_path)
    asks = _every_text(r, ids)
    found = _git_net(r, asks)
    assert found is not None and set(found) == set(ids)
    for commit in ids:
        assert _same(found[commit], _libgit2_net(r, commit)), commit
    # The split moved `def f()` into a package and copied it: one copy new, the other moved.
    assert found[ids[1]]["deff():"] == 1 and found[ids[1]]["importos"] == 0
    # Look-alike lines are content: `--- a/y` is an added line, not a file's header.
    assert found[ids[2]]["---a/y"] == 1 and found[ids[2]]["a" * 40] == 1
    # Only the side branch's file is new in the merge, against its first parent.
    assert found[ids[5]]["fromtheside"] == 1


def test_only_the_texts_asked_are_counted_and_others_are_still_answered(tmp_path):
    r, ids = _history(tmp_path)
    counts = CopyCounts(r)
    counts.will_ask({ids[1]: {"deff():"}, ids[2]: {"---a/y"}})
    assert counts._wanted[ids[1]][1] == Counter({"deff():": 1})  # the split's other texts were not kept
    assert counts.net_new(ids[1], "deff():") == 1 and counts.net_new(ids[2], "---a/y") == 1
    assert ids[1] not in counts._net
    assert counts.net_new(ids[1], "return1") == 1  # not asked before: libgit2's diff of the commit
    # Asked again with more texts (a range's next commit), the new ones are counted and the old kept.
    later = CopyCounts(r)
    later.will_ask({ids[1]: {"deff():"}, ids[2]: {"---a/y"}})
    later.will_ask({ids[1]: {"importos", "return1"}, ids[3]: {"one"}})
    assert later._wanted[ids[1]] == (
        frozenset({"deff():", "importos", "return1"}),
        Counter({"deff():": 1, "return1": 1}),
    )
    removed = {c: frozenset(t for t, n in _libgit2_net(r, c).items() if n < 0) for c in ids}
    negative = CopyCounts(r)
    negative.will_ask({**{c: set(t) for c, t in removed.items() if t}, ids[1]: {"deff():"}})
    assert any(n < 0 for _, counted in negative._wanted.values() for n in counted.values())
    assert all(negative.net_new(c, t) == _libgit2_net(r, c)[t] for c, ts in removed.items() for t in ts)


def test_a_content_line_is_never_read_as_a_header():
    patches = [
        b"c" * 40,
        b"diff --git a/x b/x",
        b"--- a/x",
        b"+++ b/x",
        b"@@ -1,2 +1,3 @@",
        b"-" + b"d" * 40,
        b"---- a/x",
        b"+@@ -1 +1 @@",
        b"+" + b"e" * 40,
        b"+diff --git a/y b/y",
        b"\\ No newline at end of file",
        b"@@ -9 +9,0 @@",
        b"-gone",
        b"-not asked",
    ]  # fmt: skip
    asked = frozenset({"d" * 40, "---a/x", "@@-1+1@@", "e" * 40, "diff--gita/yb/y", "gone"})
    [(commit, net)] = _parsed((x + b"\n" for x in patches), {"c" * 40: asked}).items()
    assert commit == "c" * 40
    assert net == Counter(
        {"d" * 40: -1, "---a/x": -1, "@@-1+1@@": 1, "e" * 40: 1, "diff--gita/yb/y": 1, "gone": -1}
    )


def test_without_git_libgit2_makes_the_diffs(tmp_path, monkeypatch):
    r, ids = _history(tmp_path)
    asks = _every_text(r, ids)
    with_git = CopyCounts(r)
    with_git.will_ask(dict(asks))
    assert set(with_git._wanted) == set(ids)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    without = CopyCounts(r)
    without.will_ask(dict(asks))
    assert not without._wanted
    for commit in ids:
        for text in ("deff():", "return1", "---a/y", "fromtheside", "x", "caf\ufffd"):
            assert with_git.net_new(commit, text) == without.net_new(commit, text), (commit, text)


def test_a_diff_past_its_deadline_is_left_to_libgit2(tmp_path, monkeypatch):
    from tracetui.blame import copy_counts

    r, ids = _history(tmp_path)
    # A git that never answers (`sleep` reads no input and writes nothing) is killed at the deadline.
    silent_git(tmp_path, monkeypatch)
    monkeypatch.setattr(copy_counts, "GIT_DIFF_SECONDS", 0.5)
    started = time.monotonic()
    assert _git_net(r, _every_text(r, ids)) is None
    assert time.monotonic() - started < 10


TEXTS = [
    b"",
    b"one",
    b"one\n",
    b"one\n\none\n \n\t\none",
    b"a b\nab\n a\tb\r\n",
    b"caf\xc3\xa9\n\xc3\xa9\n",
    b"\n\n\n",
    b"a\xc2\xa0b\nab\n",  # a non-breaking space: decoded
    b"caf\xe9\n\xff\n",  # not UTF-8: decoded
]


@pytest.mark.parametrize("data", TEXTS)
def test_a_version_s_copies_are_its_decoded_lines_counts(tmp_path, data):
    repo = Repo(tmp_path / "r")
    (repo.path / "f").write_bytes(data)
    commit = repo.commit("f", iso(9))
    counts = CopyCounts(pygit2.Repository(str(repo.path)))
    decoded = Counter(norms_of(data.decode("utf-8", "replace")))
    for text in {*decoded, "", "one", "ab", "b", "caf\u00e9", "\ufffd"}:
        assert counts.in_file(commit, ("f",), text) == decoded[text], text
    framed = framed_norms(data)
    assert (framed is None) == (b"\xc2\xa0" in data or b"\xe9\n" in data)


def test_a_lines_norm_is_the_same_read_on_its_bytes_or_decoded():
    """ASCII lines are normed on their bytes, the others decoded: the counts are `norm`'s either way."""
    lines = [b"\tx = 1\r", b"x =\x0b1\x0c", b"y\xc2\xa0= 2",  # removed
             b"y = 2", b"z = \xff", b"caf\xc3\xa9 = 3", b"cafe\xcc\x81=3"]  # fmt: skip
    patches = [b"c" * 40, b"@@ -1,3 +1,4 @@", *(b"-" + x for x in lines[:3]), *(b"+" + x for x in lines[3:])]
    asked = frozenset(norm(x.decode("utf-8", "replace")) for x in lines) | {"x=1\r"}
    [(_, net)] = _parsed((x + b"\n" for x in patches), {"c" * 40: asked}).items()
    assert net == Counter({"x=1": -2, "y=2": 0, "z=\ufffd": 1, "café=3": 1, "cafe\u0301=3": 1})


class _Reads(pygit2.Repository):
    """A repository that counts the objects read through it."""

    reads = 0

    def __getitem__(self, key):
        self.reads += 1
        return super().__getitem__(key)


def test_versions_read_ahead_are_git_s_and_count_the_same(tmp_path):
    r, ids = _history(tmp_path)
    names = [(n,) for n in ("a.py", "b.txt", "crlf.txt", "latin.txt", "tail.txt", "nbsp.txt", "pkg/f.py", "gone")]
    asked = [(c, n) for c in ids for n in names]
    texts = ["importos", "deff():", "x", "two", "caf\ufffd", "ab", "andonemore", "return1"]
    alone = CopyCounts(r)
    expected = [alone.in_file(c, n, t) for c, n in asked for t in texts]
    reads = _Reads(r.path)
    ahead = CopyCounts(reads)
    ahead.read_ahead(asked)
    looked_up = reads.reads  # the commits and trees, to name the versions
    assert [ahead.in_file(c, n, t) for c, n in asked for t in texts] == expected
    assert reads.reads == looked_up  # no version read by libgit2
    ahead.close()
