"""A team dataset in a shared folder (`export file://…` or a folder on NFS) is every member's to write:
its folders and files are hostile input to the machine that exports into it, as they are to one
that reads it (test_hostile_dataset_files.py).

Found 2026-11-28 by exporting into such a folder: the machine's own folder (`machines/<id>`, whose
name anyone can read in the dataset) replaced by a link had the export write its manifest, card and
receipts where the link led and remove every other file there (a stand-in for the user's folder
lost its file); a link at `data/<table>/machine=<id>` or below it had the Parquet files written
through it, and the dataset's card (`README.md`) a link to a file had that file overwritten. A
FIFO named `machines/<any>/manifest.json` made every machine's export (which sums every manifest
into the card) and `export --check` wait for a writer for ever. Now nothing is written or removed
through a link below the dataset's folder (one line says which), and a manifest or a file that is
no regular file of the dataset is one that cannot be read."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support.datasets import cli_in_child as _cli
from support.datasets import three_session_bucket

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")

MACHINE = "alpha"


def _export(bucket: Path, dataset: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return _cli("--bucket", str(bucket), "export", f"file://{dataset}", "--format", "parquet",
                "--accept-suggested", "--machine", MACHINE, home=home)  # fmt: skip


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    """A bucket, and a dataset machine alpha exported it into."""
    home = tmp_path_factory.mktemp("writes")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home / "cache"))
        patch.setenv("XDG_STATE_HOME", str(home / "state"))
        bucket = three_session_bucket(home)
    done = _export(bucket, home / "ds", home)
    assert done.returncode == 0, done.stderr
    return bucket, home / "ds"


@pytest.fixture
def copied(exported, tmp_path) -> tuple[Path, Path, Path]:
    """The bucket, a copy of the dataset, and a folder outside it standing for the user's, with a file."""
    bucket, good = exported
    dataset = tmp_path / "ds"
    shutil.copytree(good, dataset, symlinks=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("mine")
    return bucket, dataset, outside


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("linked", [f"machines/{MACHINE}", f"data/sessions/machine={MACHINE}",
                                    f"data/steps/machine={MACHINE}/agent=pi", "machines"])  # fmt: skip
def test_nothing_is_written_or_removed_through_a_link_in_the_machines_folders(copied, tmp_path, linked):
    bucket, dataset, outside = copied
    where = dataset / linked
    shutil.copytree(where, outside, dirs_exist_ok=True)  # what the export finds there is its own
    before = {p: (outside / p).read_bytes() for p in _files(outside) if (outside / p).is_file()}
    shutil.rmtree(where)
    where.symlink_to(outside)
    done = _export(bucket, dataset, tmp_path)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert "symbolic link" in done.stderr and linked in done.stderr
    assert {p: (outside / p).read_bytes() for p in _files(outside) if (outside / p).is_file()} == before


def test_the_card_is_not_written_through_a_link(copied, tmp_path):
    bucket, dataset, outside = copied
    (dataset / "README.md").unlink()
    (dataset / "README.md").symlink_to(outside / "precious.txt")
    done = _export(bucket, dataset, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (outside / "precious.txt").read_text() == "mine"
    assert "README.md" in done.stdout + done.stderr and "symbolic link" in done.stdout + done.stderr


@pytest.mark.parametrize("machine", ["stranger", MACHINE])
def test_a_fifo_for_a_manifest_is_one_that_cannot_be_read(copied, tmp_path, machine):
    bucket, dataset, _ = copied
    (dataset / "machines" / machine).mkdir(exist_ok=True)
    (dataset / "machines" / machine / "manifest.json").unlink(missing_ok=True)
    os.mkfifo(dataset / "machines" / machine / "manifest.json")
    done = _export(bucket, dataset, tmp_path)  # sums every manifest into the card; reads its own
    if machine == MACHINE:
        assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1
        assert "manifest" in done.stderr and "Traceback" not in done.stderr
    else:
        assert done.returncode == 0, done.stderr
        assert "Not counted here: 1 machine(s)" in (dataset / "README.md").read_text()
    checked = _cli("export", "--check", f"file://{dataset}", home=tmp_path)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert f"machines/{machine}/manifest.json" in checked.stdout + checked.stderr


def test_a_manifest_linked_out_of_the_dataset_is_not_read(copied, tmp_path):
    bucket, dataset, outside = copied
    manifest = dataset / "machines" / MACHINE / "manifest.json"
    stranger = dataset / "machines" / "stranger"
    stranger.mkdir()
    shutil.copy(manifest, outside / "manifest.json")
    (stranger / "manifest.json").symlink_to(outside / "manifest.json")
    done = _export(bucket, dataset, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Not counted here: 1 machine(s)" in (dataset / "README.md").read_text()


def test_a_recipes_projection_is_not_written_through_a_link(exported, tmp_path):
    """A projection's tables go to a folder the user names, a team's as often (test_dataset_recipes):
    a link at `data` there had the table written where it led."""
    bucket, _ = exported
    recipe = tmp_path / "ids.toml"
    recipe.write_text('name = "ids"\n[review]\naccept_suggested = true\n'
                      '[output]\nsql = "SELECT session_id FROM sessions"\n')  # fmt: skip
    dest, outside = tmp_path / "shared", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (dest / "data").symlink_to(outside)
    done = _cli("--bucket", str(bucket), "export", "--recipe", str(recipe), str(dest), home=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "symbolic link" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert list(outside.rglob("*")) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a folder whatever its mode")
def test_a_folder_the_search_for_links_cannot_read_is_passed_over(tmp_path):
    from tracetui.dataset import open_location

    shut = tmp_path / "ds" / "machines" / MACHINE / "receipts"
    shut.mkdir(parents=True)
    shut.chmod(0)
    try:
        assert open_location(f"file://{tmp_path / 'ds'}").link_in(f"machines/{MACHINE}", below=True) is None
    finally:
        shut.chmod(0o700)
