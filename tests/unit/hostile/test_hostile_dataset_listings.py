"""An object store's listing of a team dataset is as long as any member makes it: s3fs and
huggingface_hub gather every page of it before tracetui sees an entry.

Found 2026-11-28 (after http(s) answers were bounded): keys put under an s3:// dataset's prefix, or
files in an hf:// repository, without end were listed whole by `export --check`, `sql --dataset` and
the app (some 630 bytes of memory an entry, before a line was said). Now a listing past LIST_LIMIT
entries is refused in one line as its pages come (LIST_LIMIT made small here: moto is no place for
a million keys)."""

from __future__ import annotations

from typing import Any

import pytest
from support.datasets import small_dataset
from support.moto_s3 import client, served_s3

from tracetui.cli import main
from tracetui.dataset import location as location_mod
from tracetui.errors import TracetuiError

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

pytestmark = pytest.mark.xdist_group("hostile-s3-listings")
BUCKET = "hostile-listings"
LIMIT = 40


@pytest.fixture(scope="module")
def s3() -> Any:
    pytest.importorskip("s3fs", reason="the s3 extra (s3fs) is not installed")
    with served_s3(BUCKET) as env:
        yield env, client(env)


def _small_on_s3(s3, tmp_path, monkeypatch, junk: list[str]) -> str:
    """The small dataset on S3 under a prefix of the test's own, with an empty key at each of `junk`
    (paths inside it), LIST_LIMIT made LIMIT: its URL."""
    env, s3client = s3
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("CACHE", "STATE", "CONFIG"):
        monkeypatch.setenv(f"XDG_{key}_HOME", str(tmp_path / key.lower()))
    name = tmp_path.name
    folder = small_dataset(tmp_path / "src")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        key = f"{name}/{path.relative_to(folder).as_posix()}"
        s3client.put_object(Bucket=BUCKET, Key=key, Body=path.read_bytes())
    for rel in junk:
        s3client.put_object(Bucket=BUCKET, Key=f"{name}/{rel}", Body=b"")
    monkeypatch.setattr(location_mod, "LIST_LIMIT", LIMIT)
    return f"s3://{BUCKET}/{name}"


@pytest.fixture
def flooded(s3, tmp_path, monkeypatch) -> str:
    """The small dataset on S3, with more keys put in a table's partition than LIMIT."""
    junk = [f"data/sessions/machine=x/agent=pi/month=2026-01/j{n}.txt" for n in range(LIMIT + 5)]
    return _small_on_s3(s3, tmp_path, monkeypatch, junk)


@pytest.mark.parametrize("command", ["check", "sql"])
def test_an_s3_listing_past_the_limit_is_one_line(flooded, capsys, command):
    capsys.readouterr()
    if command == "check":
        code = main(["export", "--check", flooded])
    else:
        code = main(["sql", "--dataset", flooded, "SELECT count(*) FROM sessions", "--csv"])
    out, err = capsys.readouterr()
    assert code != 0, out
    assert f"more than {LIMIT:,} entries" in err, err
    assert len(err.strip().splitlines()) == 1, err


def test_an_hf_listing_past_the_limit_is_refused_as_it_comes(monkeypatch):
    hf = pytest.importorskip("huggingface_hub")
    listed: list[int] = []

    def endless(self: Any, repo_id: str, *args: Any, **kwargs: Any) -> Any:
        n = 0
        while True:  # a repository's tree of no end
            listed.append(n)
            yield hf.hf_api.RepoFile(path=f"data/j{n}", size=0, oid="0" * 40)
            n += 1

    monkeypatch.setattr(hf.HfApi, "list_repo_tree", endless)
    hf.HfFileSystem.clear_instance_cache()
    monkeypatch.setattr(location_mod, "LIST_LIMIT", LIMIT)
    opened = location_mod.open_location("hf://datasets/team/listings")
    try:
        with pytest.raises(TracetuiError, match=f"more than {LIMIT:,} entries"):
            list(opened.fs._api.list_repo_tree("team/listings", repo_type="dataset", recursive=True))
    finally:
        hf.HfFileSystem.clear_instance_cache()
    assert len(listed) == LIMIT + 1  # no page past the one that crossed it


@pytest.mark.parametrize("command", ["app", "check", "sql"])
def test_many_folders_each_under_one_listings_bound_are_refused_in_all(s3, tmp_path, monkeypatch, capsys, command):
    """Found 2026-11-28: the bound held per listing, and the app's reading of an s3:// dataset
    (`dataset.files.locate`) listed it a folder at a time, so folders of a few keys each, without end,
    were all listed. `export --check` and `sql` list it flat, and were bounded in all already."""
    junk = [f"data/steps/f{f}/j{n}.txt" for f in range(6) for n in range(LIMIT // 4)]  # each folder well under
    url = _small_on_s3(s3, tmp_path, monkeypatch, junk)
    capsys.readouterr()
    if command == "app":
        from tracetui.dataset.files import locate

        with pytest.raises(TracetuiError, match=f"more than {LIMIT:,} entries"):
            locate(url)
        return
    if command == "check":
        code = main(["export", "--check", url])
    else:
        code = main(["sql", "--dataset", url, "SELECT count(*) FROM steps", "--csv"])
    out, err = capsys.readouterr()
    assert code != 0, out
    assert f"more than {LIMIT:,} entries" in err and len(err.strip().splitlines()) == 1, err


def test_a_walk_of_folders_without_end_stops_at_the_bound_in_all(monkeypatch):
    """A filesystem without one flat listing (hf://, http(s)://) is walked a folder at a time: the count
    runs across its folders, and the walk stops there."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    root = "/hostile-walk"
    for f in range(30):
        for n in range(3):
            fs.pipe(f"{root}/f{f:02d}/j{n}.txt", b"")
    monkeypatch.setattr(location_mod, "LIST_LIMIT", LIMIT)
    walked: list[str] = []
    walk = fs.walk

    def counted(path: str, *args: Any, **kwargs: Any) -> Any:
        for entry in walk(path, *args, **kwargs):
            walked.append(entry[0])
            yield entry

    monkeypatch.setattr(fs, "walk", counted)
    with pytest.raises(TracetuiError, match=f"more than {LIMIT:,} entries"):
        location_mod.find_files(fs, root, "memory://hostile-walk")
    assert len(walked) < 30, walked  # it stopped part-way
    fs.rm(root, recursive=True)
    fs.pipe(f"{root}/data/one.parquet", b"x")
    assert list(location_mod.find_files(fs, root, "memory://hostile-walk")) == [f"{root}/data/one.parquet"]
