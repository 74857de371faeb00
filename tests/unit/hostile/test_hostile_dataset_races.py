"""A team dataset's folder is every member's to change while a machine exports into it: a folder of
the machine's swapped for a symbolic link between the check for links and the write (a race), and a
hard link planted where the export writes (test_hostile_dataset_writes.py has the links planted
before the export starts).

Found 2026-11-28 after the links planted beforehand were refused: the check and the write named the
same path twice, so a folder swapped for a link between them still had the Parquet files, the
manifest and the receipts written where the link led, and a stale file removed there; and a file of
the user's hard-linked at `README.md` or at a data file's name (the same file system) was opened and
truncated in place, so the card or the Parquet bytes replaced the user's file. Now every write and
removal goes through folder descriptors opened without following a link, and a file is written
new and renamed over its name, which replaces a hard link and never writes into it."""

from __future__ import annotations

import importlib
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from support.datasets import three_session_bucket

from tracetui.errors import TracetuiError

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

MACHINE = "alpha"
STALE = "agent=pi/month=2000-01/part-00009.parquet"  # a file no manifest lists: the export removes it


def _publish(bucket: Path, dataset: Path) -> dict:
    from tracetui.bucket import Bucket
    from tracetui.dataset import publish
    from tracetui.export import ExportOptions

    opened = Bucket.open(bucket)
    try:
        options = ExportOptions("parquet", accept_suggested=True)
        return publish(opened, f"file://{dataset}", options, machine=MACHINE).to_dict()
    finally:
        opened.close()


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    home = tmp_path_factory.mktemp("races")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home / "cache"))
        patch.setenv("XDG_STATE_HOME", str(home / "state"))
        bucket = three_session_bucket(home)
        _publish(bucket, home / "ds")
    return bucket, home / "ds"


@pytest.fixture
def copied(exported, tmp_path, monkeypatch) -> tuple[Path, Path, Path]:
    """The bucket, a copy of the dataset whose manifest for the machine is gone (so the export writes
    every file again, and removes the stale one), and a folder outside it standing for the user's."""
    bucket, good = exported
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    dataset = tmp_path / "ds"
    shutil.copytree(good, dataset, symlinks=True)
    (dataset / "machines" / MACHINE / "manifest.json").unlink()
    stale = dataset / "data" / "steps" / f"machine={MACHINE}" / STALE
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale")
    outside = tmp_path / "outside"
    (outside / STALE).parent.mkdir(parents=True)
    (outside / STALE).write_bytes(b"precious")  # what a removal through a link would take
    return bucket, dataset, outside


def _contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _swap(folder: Path, outside: Path) -> None:
    """`folder` moved aside and a link to `outside` put at its name."""
    folder.rename(folder.with_name(folder.name + ".aside"))
    folder.symlink_to(outside)


@pytest.mark.parametrize(("checked", "swapped"), [
    ("data/sessions/", f"data/sessions/machine={MACHINE}"),  # a Parquet file's upload
    (f"machines/{MACHINE}/", f"machines/{MACHINE}"),  # the receipts' and the manifest's
    (f"data/steps/machine={MACHINE}/agent=pi/month=2000-01", f"data/steps/machine={MACHINE}"),  # a removal
])  # fmt: skip
def test_a_folder_swapped_for_a_link_after_the_check_takes_no_write(copied, monkeypatch, checked, swapped):
    """The swap made at the exact moment: right after the check before a write or a removal."""
    # (by its module's name: `tracetui.dataset.publish` is the function the package exports)
    publishing = importlib.import_module("tracetui.dataset.publish")

    bucket, dataset, outside = copied
    real = publishing._refuse_links
    seen: list[dict[str, bytes]] = []  # what the link's target held once the swap was made

    def check_then_swap(location, machine, rel=None):
        real(location, machine, rel)
        if rel is not None and rel.startswith(checked) and not seen:
            _swap(dataset / swapped, outside)
            seen.append(_contents(outside))

    monkeypatch.setattr(publishing, "_refuse_links", check_then_swap)
    with pytest.raises(TracetuiError, match="symbolic link") as caught:
        _publish(bucket, dataset)
    assert seen and "\n" not in str(caught.value)
    assert _contents(outside) == seen[0] == {STALE: b"precious"}  # nothing written there, nothing removed


def _swapping(folder: Path, outside: Path, stop: threading.Event) -> None:
    aside = folder.with_name(folder.name + ".aside")
    while not stop.is_set():
        try:
            folder.rename(aside)
            folder.symlink_to(outside)
            time.sleep(0.0002)  # (a sleep lets the writer run with either in place)
            folder.unlink()
            aside.rename(folder)
            time.sleep(0.0002)
        except OSError:  # the writer made the folder again while it was gone: that one is dropped
            if folder.is_symlink():
                folder.unlink()
            elif folder.is_dir() and aside.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            if aside.is_dir() and not os.path.lexists(folder):
                aside.rename(folder)


def test_a_folder_swapped_in_a_loop_takes_no_byte_of_a_projection(tmp_path):
    """A thread swaps the partition's folder for a link and back while tables are written into it."""
    import pyarrow as pa

    from tracetui.dataset.recipe import _write_table

    dest, outside = tmp_path / "shared", tmp_path / "outside"
    folder = dest / "data" / "t" / f"machine={MACHINE}"
    folder.mkdir(parents=True)
    outside.mkdir()
    table = pa.table({"n": [1, 2, 3]})
    stop = threading.Event()
    swapper = threading.Thread(target=_swapping, args=(folder, outside, stop), daemon=True)
    swapper.start()
    written = refused = 0
    try:
        for _ in range(400):
            try:
                _write_table(str(dest), f"data/t/machine={MACHINE}/part-00000.parquet", table)
                written += 1
            except (TracetuiError, OSError):
                refused += 1
    finally:
        stop.set()
        swapper.join()
    assert list(outside.iterdir()) == []
    assert written + refused == 400


@pytest.mark.parametrize("planted", ["README.md", f"data/sessions/machine={MACHINE}/agent=pi"])
def test_a_hard_link_where_the_export_writes_is_replaced_not_written_into(copied, tmp_path, planted):
    """A file of the user's (its `~/.bashrc`, on the dataset's file system) hard-linked at the name of
    the card or of a Parquet file the export writes again keeps its bytes and its inode."""
    bucket, dataset, _ = copied
    victim = tmp_path / "home" / ".bashrc"
    victim.parent.mkdir()
    victim.write_bytes(b"export PATH=mine\n")
    before = os.stat(victim)
    target = dataset / planted
    if target.is_dir():
        target = next(p for p in sorted(target.rglob("*.parquet")))
    target.unlink()
    os.link(victim, target)
    report = _publish(bucket, dataset)
    assert victim.read_bytes() == b"export PATH=mine\n"
    assert os.stat(victim).st_ino == before.st_ino and os.stat(victim).st_nlink == 1
    assert str(target.relative_to(dataset)) in report["uploaded"]
    assert target.read_bytes() != b"export PATH=mine\n"


def test_a_hard_link_at_a_removed_file_loses_only_the_datasets_name(copied, tmp_path):
    bucket, dataset, _ = copied
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"mine")
    stale = dataset / "data" / "steps" / f"machine={MACHINE}" / STALE
    stale.unlink()
    os.link(victim, stale)
    report = _publish(bucket, dataset)
    assert f"data/steps/machine={MACHINE}/{STALE}" in report["removed"] and not stale.exists()
    assert victim.read_bytes() == b"mine" and os.stat(victim).st_nlink == 1
