"""A remote dataset's tables copied into a local folder before DuckDB reads them (tracetui.dataset.mirror):
a second query copies nothing, a changed or gone remote file is copied again or dropped, a file a
crash left behind is dropped, and a remote name that would climb out of the folder is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from fsspec.implementations.memory import MemoryFileSystem

from tracetui.dataset.location import Location, open_location
from tracetui.dataset.mirror import mirrored
from tracetui.errors import TracetuiError

PART = "data/steps/machine=a/agent=pi/month=2026-01/part-00000.parquet"
OTHER = "data/steps/machine=b/agent=pi/month=2026-01/part-00000.parquet"
SESSIONS = "data/sessions/machine=a/agent=pi/month=2026-01/part-00000.parquet"


class Remote(MemoryFileSystem):
    """An in-memory object store that says each object's version (an S3 ETag) and counts reads."""

    protocol = "remote"
    cachable = False  # fsspec hands out one instance per arguments otherwise: a test's own store

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[str, object] = {}
        self.pseudo_dirs = [""]
        self.etags: dict[str, str] = {}
        self.reads: list[str] = []
        self.extra: dict[str, dict] = {}  # listed names no object store would hold

    def put_bytes(self, rel: str, data: bytes, etag: str) -> None:
        self.pipe_file(f"/ds/{rel}", data)
        self.etags[f"/ds/{rel}"] = etag

    def walk(self, path, maxdepth=None, topdown=True, on_error="omit", **kwargs):
        """A folder at a time, as tracetui lists a store without one flat listing; the extra names are said
        last, so that they stand for what the store holds under the same name."""
        for folder, folders, files in super().walk(path, maxdepth, topdown, on_error, **kwargs):
            for info in files.values():
                info["ETag"] = self.etags.get(info["name"], "")
            yield folder, folders, files
        yield path, {}, {k: v for k, v in self.extra.items() if k.startswith(str(path))}

    def _open(self, path, mode="rb", **kwargs):
        if "r" in mode:
            self.reads.append(path)
        return super()._open(path, mode, **kwargs)


@pytest.fixture
def remote() -> tuple[Remote, Location]:
    fs = Remote()
    fs.put_bytes(PART, b"one", "e1")
    fs.put_bytes(OTHER, b"two", "e2")
    fs.put_bytes(SESSIONS, b"three", "e3")
    fs.pipe_file("/ds/machines/a/manifest.json", b"{}")  # not a table's: never copied
    return fs, Location(fs, "/ds", "remote://ds")


def test_the_tables_asked_for_are_copied_once_then_only_what_changed(remote, tmp_path):
    fs, location = remote
    local = mirrored(location, tmp_path, frozenset(["steps"]))
    assert local.local and Path(local.root) == tmp_path.resolve()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet")) == sorted([PART, OTHER])
    assert (tmp_path / PART).read_bytes() == b"one" and sorted(fs.reads) == sorted([f"/ds/{PART}", f"/ds/{OTHER}"])

    fs.reads.clear()
    mirrored(location, tmp_path, frozenset(["steps"]))
    assert fs.reads == []  # nothing changed: nothing read

    fs.put_bytes(PART, b"uno", "e1b")  # the same size, another version
    fs.rm(f"/ds/{OTHER}")
    mirrored(location, tmp_path, frozenset(["steps"]))
    assert fs.reads == [f"/ds/{PART}"] and (tmp_path / PART).read_bytes() == b"uno"
    assert not (tmp_path / OTHER).exists()

    mirrored(location, tmp_path)  # every table
    assert (tmp_path / SESSIONS).read_bytes() == b"three" and not (tmp_path / "machines").exists()


def test_a_file_a_stopped_copy_left_in_a_tables_folder_is_dropped(remote, tmp_path):
    fs, location = remote
    mirrored(location, tmp_path, frozenset(["steps"]))
    stray = tmp_path / "data/steps/machine=a/agent=pi/month=2026-01/part-00001.parquet"
    stray.write_bytes(b"left by a crash")
    fs.reads.clear()
    mirrored(location, tmp_path, frozenset(["steps"]))
    assert not stray.exists() and fs.reads == []


@pytest.mark.parametrize("name", ["data/steps/../../../outside.parquet", "data/steps//x.parquet",
                                  "data/steps/./x.parquet", "data/steps/a\0b.parquet"])  # fmt: skip
def test_a_remote_name_that_is_no_local_path_is_refused_in_one_line(remote, tmp_path, name):
    fs, location = remote
    fs.extra[f"/ds/{name}"] = {"name": f"/ds/{name}", "size": 1, "type": "file"}
    with pytest.raises(TracetuiError) as caught:
        mirrored(location, tmp_path / "copy", frozenset(["steps"]))
    assert "\n" not in str(caught.value) and "no local path" in str(caught.value)
    assert not (tmp_path / "outside.parquet").exists()


def test_a_local_dataset_is_read_where_it_is(tmp_path):
    location = open_location(tmp_path)
    assert mirrored(location, tmp_path / "copy") is location and not (tmp_path / "copy").exists()


def test_a_copy_that_fails_says_so_in_one_line_and_leaves_no_part(remote, tmp_path):
    fs, location = remote

    def broken(path, mode="rb", **kwargs):
        raise ConnectionError("the network went away\nsecond line")

    fs._open = broken
    with pytest.raises(TracetuiError) as caught:
        mirrored(location, tmp_path, frozenset(["steps"]))
    assert "\n" not in str(caught.value) and "the network went away" in str(caught.value)
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.name != ".mirror.json"]


def test_a_file_and_a_folder_of_one_name_is_one_line(remote, tmp_path):
    """An object store holds `x.parquet` and `x.parquet/y.parquet` side by side; a folder cannot."""
    fs, location = remote
    inner = f"/ds/{PART}/inner.parquet"
    fs.extra[inner] = {"name": inner, "size": 4, "type": "file"}  # one MemoryFileSystem cannot hold
    with pytest.raises(TracetuiError) as caught:
        mirrored(location, tmp_path, frozenset(["steps"]))
    assert "\n" not in str(caught.value) and "cannot copy" in str(caught.value)


def test_a_copy_the_disk_cannot_spare_is_refused_before_a_byte_is_copied(remote, tmp_path, monkeypatch):
    """A dataset is other machines' files: one object of many gigabytes would fill this disk."""
    import shutil

    fs, location = remote
    fs.extra[f"/ds/{OTHER}"] = {"name": f"/ds/{OTHER}", "size": 50 << 30, "type": "file"}  # what S3 lists
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=20 << 30))
    with pytest.raises(TracetuiError) as caught:
        mirrored(location, tmp_path, frozenset(["steps"]))
    said = str(caught.value)
    assert "\n" not in said and "needs 53.7 GB" in said and "21.5 GB free" in said and "nothing copied" in said
    assert fs.reads == [] and not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_an_object_longer_than_its_listing_says_is_not_copied_past_it(remote, tmp_path):
    """The listing's size is what the room was checked for: an object that keeps giving bytes past it
    (a server that lies) is stopped there, and nothing of it is left."""
    fs, location = remote
    fs.extra[f"/ds/{PART}"] = {"name": f"/ds/{PART}", "size": 2, "type": "file"}  # the object holds 3
    with pytest.raises(TracetuiError) as caught:
        mirrored(location, tmp_path, frozenset(["steps"]))
    assert "\n" not in str(caught.value) and "more than the 2 bytes its listing says" in str(caught.value)
    assert not (tmp_path / PART).exists() and not list(tmp_path.rglob("*.part"))


def test_progress_counts_the_files_copied(remote, tmp_path):
    fs, location = remote
    seen: list[tuple[int, int]] = []
    mirrored(location, tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    seen.clear()
    mirrored(location, tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert seen == []  # nothing to copy: nothing said


def test_sql_says_how_far_a_slow_copy_is_and_nothing_of_a_quick_one(monkeypatch, capsys):
    import sys
    import time as time_module

    from tracetui.cli import sql as sql_cli

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    clock = iter([0.0, 0.1, 0.2])  # the start, then the quick copy's counts
    monkeypatch.setattr(time_module, "monotonic", lambda: next(clock))
    quick = sql_cli._copying()
    quick(0, 2)
    quick(2, 2)
    assert capsys.readouterr().err == ""
    clock = iter([0.0, 0.9, 1.1, 1.3])  # the start, then the counts, each more than a tenth of a second on
    slow = sql_cli._copying()
    slow(0, 2)
    slow(1, 2)
    slow(2, 2)
    said = "".join(f"\r\x1b[Kcopying the dataset's tables: {n}/2 files" for n in range(3))
    assert capsys.readouterr().err == said + "\n"


def test_a_query_on_some_partitions_copies_only_theirs_and_the_first_file(remote, tmp_path):
    """The rest of a remote table stays where it is: a query on one machine of many copied them all."""
    pytest.importorskip("pyarrow")
    pytest.importorskip("duckdb")
    from tracetui.dataset.prune import partition_filters

    fs, location = remote
    third = "data/steps/machine=c/agent=pi/month=2026-01/part-00000.parquet"
    fs.put_bytes(third, b"three", "e4")
    on_c = partition_filters("SELECT count(*) FROM steps WHERE machine = 'c'")
    mirrored(location, tmp_path, frozenset(["steps"]), keep=on_c)
    assert sorted(fs.reads) == sorted([f"/ds/{PART}", f"/ds/{third}"])  # the first file: the columns
    assert not (tmp_path / OTHER).exists()

    fs.reads.clear()
    fs.put_bytes(third, b"tres", "e4b")
    fs.put_bytes(OTHER, b"dos", "e2b")
    mirrored(location, tmp_path, frozenset(["steps"]), keep=partition_filters(
        "SELECT count(*) FROM steps WHERE machine = 'b'"))  # fmt: skip
    assert fs.reads == [f"/ds/{OTHER}"] and (tmp_path / OTHER).read_bytes() == b"dos"
    assert (tmp_path / third).read_bytes() == b"three"  # another partition's copy: left as it was

    fs.reads.clear()
    mirrored(location, tmp_path, frozenset(["steps"]))  # a query on every partition brings it up to date
    assert fs.reads == [f"/ds/{third}"] and (tmp_path / third).read_bytes() == b"tres"
