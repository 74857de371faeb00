"""Versions' counts of a trail's keys kept between trails (`blob_facts`): a version a trail of the same
keys read before is not read again, its counts are the ones it had (the same Counter, in the same
order), and a trail that reads them gives the same fates. Counts of other keys are not read; a
damaged, cut or foreign file is not read at all; the oldest files are dropped past FACTS_KEEP.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import pygit2
import pytest
from support.trail_kit import Repo, iso, replace, session_of

from tracetui.trail import blob_facts, file_versions, trail
from tracetui.trail.blob_facts import FOLDER, BlobFacts
from tracetui.trail.file_versions import FileVersions

WORDS = ["alpha", "beta(", "gamma)", "  delta = 1", "\tepsilon", "", "x", "é", "return x", "}"]


def _text(rng: random.Random) -> bytes:
    lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(0, 40))]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _versions(repo: pygit2.Repository, keys: frozenset[str], cache: Path | None) -> FileVersions:
    files = FileVersions(repo, {})
    files.look_for(keys)
    files.facts = BlobFacts(cache, files.every)
    return files


@pytest.mark.parametrize("seed", range(3))
def test_counts_kept_are_the_counts_made(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    repo = pygit2.init_repository(str(tmp_path / "r"))
    texts = [_text(rng) for _ in range(60)] + [b"al\xffpha\n", b"\xc2\xa0alpha\n", b""]  # not read on bytes
    blobs = [str(repo.create_blob(t)) for t in texts]
    keys = frozenset({"".join(rng.choice(WORDS).split()) for _ in range(6)} | {"alphabeta(", "nowhere"})
    first = _versions(repo, keys, tmp_path / "cache")
    exact = {b: first.key_counts(b) for b in blobs}
    first.facts.store()
    later = _versions(repo, keys, tmp_path / "cache")
    later._bytes = None  # type: ignore[assignment,method-assign]  # a version read again fails here
    for blob in blobs:
        have = later.key_counts(blob)
        assert have == exact[blob] and list(have.items()) == list(exact[blob].items())
    other = _versions(repo, keys | {"x=1"}, tmp_path / "cache")  # another trail's keys: counted anew
    assert not any(other.facts.knows(b) for b in blobs)


def test_a_damaged_cut_or_foreign_file_is_not_read(tmp_path: Path) -> None:
    keys = ["a", "b"]
    good = BlobFacts(tmp_path, keys)
    good.add("11" * 20, Counter({"b": 2}))
    good.store()
    folder = tmp_path / FOLDER
    [whole] = list(folder.iterdir())
    data = whole.read_bytes()
    digest = good.digest

    def record(place: int, n: int) -> bytes:
        return bytes.fromhex("22" * 20) + (2).to_bytes(4, "little") + place.to_bytes(4, "little") + n.to_bytes(4, "little")

    (folder / f"{digest}-00000000000000000001-1.facts").write_bytes(data[: len(data) - 3] + record(0, 1))
    (folder / f"{digest}-00000000000000000002-1.facts").write_bytes(b"tracetui key counts 0\n" + record(0, 1))
    (folder / f"{digest}-00000000000000000003-1.facts").write_bytes(blob_facts.MAGIC + record(2, 1))  # no key 2
    (folder / f"{digest}-00000000000000000004-1.facts").write_bytes(blob_facts.MAGIC + record(0, 0))
    (folder / f"{digest}-00000000000000000005-1.facts").write_bytes(blob_facts.MAGIC + record(0, 1)[:-1])
    os.mkfifo(folder / f"{digest}-00000000000000000006-1.facts")  # never opened for a read that blocks
    facts = BlobFacts(tmp_path, keys)
    assert facts.get("22" * 20) is None
    assert facts.get("11" * 20) == Counter({"b": 2})


def test_the_oldest_files_are_dropped(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(blob_facts, "FACTS_KEEP", 3)
    for i in range(5):
        facts = BlobFacts(tmp_path, [f"k{i}"])  # other trails' keys count too
        facts.add(f"{i:02d}" * 20, Counter({f"k{i}": 1}))
        facts.store()
    assert [BlobFacts(tmp_path, [f"k{i}"]).knows(f"{i:02d}" * 20) for i in range(5)] == [False, False, True, True, True]


def test_a_killed_writer_s_temporary_file_is_swept_and_a_live_one_s_kept(tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = tmp_path / FOLDER
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = folder / f".x.facts.abc123.{dead.pid}.tmp"  # a worker killed before its rename
    writing = folder / f".y.facts.def456.{os.getppid()}.tmp"  # a live process's, mid-write
    for path in (left, writing):
        path.write_bytes(b"cut")
    facts = BlobFacts(tmp_path, ["a"])
    facts.add("11" * 20, Counter({"a": 1}))
    facts.store()
    assert not left.exists() and writing.exists()
    assert BlobFacts(tmp_path, ["a"]).get("11" * 20) == Counter({"a": 1})


def test_nothing_is_kept_without_a_folder_or_keys(tmp_path: Path) -> None:
    for facts in (BlobFacts(None, ["a"]), BlobFacts(tmp_path, [])):
        facts.add("11" * 20, Counter({"a": 1}))
        facts.store()
        assert facts.get("11" * 20) is None and not facts.knows("11" * 20)
    assert not (tmp_path / FOLDER).exists()


def _moved_session(tmp_path: Path):
    """Five sections of a README moved into docs/topics.md by a commit that also changes a file holding
    none of their lines (a version of the move window, read to say no)."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "# Tool\n\nIntro.\n")
    repo.write("notes.txt", "nothing of the sections\n")
    repo.commit("init", iso(9))
    edits, sections = [], []
    for i in range(5):
        section = f"\n## Topic {i}\n\nRun `tool topic-{i} --fast` to set up provider {i}.\n"
        old = repo.read("README.md")
        edits.append((iso(10, i), replace(repo, "README.md", old, old + section)))
        sections.append(section)
    repo.commit("docs", iso(11))
    repo.write("README.md", "# Tool\n\nIntro.\n")
    repo.write("docs/topics.md", "# Topics\n" + "".join(sections))
    repo.write("notes.txt", "still nothing of the sections\n")
    repo.commit("move", iso(12))
    return repo, session_of(repo.path, edits)


def test_a_trail_after_a_new_commit_gives_the_same_fates_without_counting_the_versions_again(
    tmp_path: Path, monkeypatch
) -> None:
    repo, session = _moved_session(tmp_path)
    notes = str(pygit2.Repository(str(repo.path)).revparse_single("HEAD:notes.txt").id)
    read: list[str] = []
    bytes_of = file_versions.FileVersions._bytes

    def counted(self, blob):
        read.append(blob)
        return bytes_of(self, blob)

    monkeypatch.setattr(file_versions.FileVersions, "_bytes", counted)
    cache = tmp_path / "cache"
    plain = [f.to_dict() for f in trail(session, repo=repo.path).fates]
    assert notes in read
    read.clear()
    first = [f.to_dict() for f in trail(session, repo=repo.path, cache_dir=cache).fates]
    assert notes in read and list((cache / FOLDER).iterdir())
    repo.write("later.txt", "a commit after the trail\n")
    repo.commit("later", iso(14))  # the refs moved: the trail's cached fates no longer hold
    read.clear()
    again = trail(session, repo=repo.path, cache_dir=cache)
    assert not again.cached
    assert [f.to_dict() for f in again.fates] == first == plain
    assert {(f.state, f.path_now) for f in again.fates} == {("alive", "docs/topics.md")}
    assert notes not in read and read  # the versions the move itself needs whole are still read


def test_files_read_are_merged_into_one_by_the_next_trail_that_stores(tmp_path: Path) -> None:
    keys = ["a", "b"]
    for i in range(3):  # as a worker writes them: one file a unit, none merged
        facts = BlobFacts(tmp_path, keys)
        facts.add(f"{i:02d}" * 20, Counter({"a": i + 1}))
        facts.store(merge=False)
    assert len(list((tmp_path / FOLDER).iterdir())) == 3
    trail_process = BlobFacts(tmp_path, keys)
    assert trail_process.get("01" * 20) == Counter({"a": 2})
    trail_process.add("03" * 20, Counter({"b": 1}))
    trail_process.store()
    assert len(list((tmp_path / FOLDER).iterdir())) == 1
    again = BlobFacts(tmp_path, keys)
    assert [again.get(f"{i:02d}" * 20) for i in range(4)] == [
        Counter({"a": 1}), Counter({"a": 2}), Counter({"a": 3}), Counter({"b": 1})
    ]
    again.store()  # nothing made, one file read: nothing written
    assert len(list((tmp_path / FOLDER).iterdir())) == 1


def test_a_new_cache_version_counts_anew(tmp_path: Path, monkeypatch) -> None:
    facts = BlobFacts(tmp_path, ["a"])
    facts.add("11" * 20, Counter({"a": 1}))
    facts.store()
    assert BlobFacts(tmp_path, ["a"]).knows("11" * 20)
    monkeypatch.setattr(blob_facts, "CACHE_VERSION", blob_facts.CACHE_VERSION + 1)
    assert not BlobFacts(tmp_path, ["a"]).knows("11" * 20)
