"""An export folder is someone else's as often as ours: a dataset cloned to add one's own sessions to,
an export received to `--check`. Its manifest and its folders are hostile input.

Found here: a folder of the earlier export replaced by a symbolic link made the next export write its
files through the link and remove the files the old manifest listed there (anywhere the link
pointed: the test's `outside` folder lost its file); a manifest.json that is a FIFO hung `--check`
for ever, and a manifest of the right format with a missing or mistyped part stopped it with a
traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest
from support.cli_zygote import forked_cli
from support.exported import atif_export

from tracetui.cli import main


@pytest.fixture
def exported(tmp_path):
    """A bucket of one Pi session, exported as ATIF once; and a folder outside the export."""
    bucket, dest = atif_export(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious\n")
    return bucket, dest, outside


def _manifest(dest: Path) -> dict:
    return orjson.loads((dest / "manifest.json").read_bytes())


def _put_manifest(dest: Path, doc: dict) -> None:
    (dest / "manifest.json").write_bytes(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2))


def test_a_stale_file_listed_behind_a_link_out_of_the_export_is_not_removed(exported, capsys):
    bucket, dest, outside = exported
    (dest / "gone").symlink_to(outside)
    doc = _manifest(dest)
    doc["files"]["gone/keep.txt"] = {"sha256": "0" * 64, "size": 9}
    _put_manifest(dest, doc)
    main([*bucket, "export", "--format", "atif", str(dest)])
    assert (outside / "keep.txt").read_text() == "precious\n"
    assert "gone/keep.txt" not in _manifest(dest)["files"]


def test_an_export_never_writes_through_a_link_in_the_export_folder(exported, capsys):
    bucket, dest, outside = exported
    shutil.rmtree(dest / "receipts" / "pi")
    (dest / "receipts" / "pi").symlink_to(outside)
    capsys.readouterr()
    code = main([*bucket, "export", "--format", "atif", str(dest)])
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    err = capsys.readouterr().err
    assert code == 1 and "symbolic link" in err and err.count("\n") == 1, err


def _check(dest: Path) -> subprocess.CompletedProcess[str]:
    """`export --check` in a child: read through a planted FIFO or /dev/zero, it would never end. Forked
    from the worker's warm CLI (cli_zygote.py): what a new Python would do, without its imports."""
    return forked_cli("export", "--check", str(dest), timeout=30)


def test_check_names_a_listed_file_behind_a_link_and_reads_nothing_through_it(exported):
    bucket, dest, outside = exported
    (outside / "dev").symlink_to("/dev/zero")
    (dest / "gone").symlink_to(outside)
    doc = _manifest(dest)
    doc["files"]["gone/dev"] = {"sha256": "0" * 64, "size": 9}
    _put_manifest(dest, doc)
    out = _check(dest)
    assert out.returncode == 1, out.stderr[-400:]
    assert "gone/dev" in out.stdout and "symbolic link" in out.stdout


@pytest.mark.parametrize("odd", ["fifo", "device"])
def test_check_of_an_odd_manifest_or_listed_file_ends_in_one_line(exported, odd):
    _, dest, _ = exported
    listed = next(iter(_manifest(dest)["files"]))
    for name in ("manifest.json", listed):
        copy = dest.parent / f"copy-{name.replace('/', '_')}"
        shutil.copytree(dest, copy, symlinks=True)
        (copy / name).unlink()
        if odd == "fifo":
            os.mkfifo(copy / name)
        else:
            (copy / name).symlink_to("/dev/zero")
        out = _check(copy)
        assert "Traceback" not in out.stderr, out.stderr[-400:]
        assert out.returncode in (1, 2), (name, out.stdout, out.stderr)


DAMAGED = {
    "no sessions": lambda d: {k: v for k, v in d.items() if k != "sessions"},
    "no groups": lambda d: {k: v for k, v in d.items() if k != "groups"},
    "no files": lambda d: {k: v for k, v in d.items() if k != "files"},
    "a session a number": lambda d: {**d, "sessions": {"x": 1}},
    "a session's files a number": lambda d: {**d, "sessions": {"x": {"files": 3, "rejected": []}}},
    "a session's rejected a number": lambda d: {**d, "sessions": {"x": {"files": [], "rejected": 5}}},
    "a group a list": lambda d: {**d, "groups": {"g": []}},
    "a group's sessions a number": lambda d: {**d, "groups": {"g": {"files": [], "sessions": 2}}},
    "a file's entry a number": lambda d: {**d, "files": {**d["files"], "x.json": 7}},
    "a listed name a number": lambda d: {**d, "sessions": {"x": {"files": [7], "rejected": []}}},
    "a file named outside": lambda d: {**d, "files": {**d["files"], "../outside/keep.txt": {"size": 9}}},
    "a file named absolute": lambda d: {**d, "files": {**d["files"], "/etc/hostname": {"size": 9}}},
    "a session's file named outside": lambda d: {**d, "sessions": {"x": {"files": ["a/../../b"]}}},
}


@pytest.mark.parametrize("damage", sorted(DAMAGED))
def test_a_manifest_of_the_wrong_shape_is_one_line_for_check_and_export(exported, capsys, damage):
    bucket, dest, _ = exported
    _put_manifest(dest, DAMAGED[damage](_manifest(dest)))
    for command in (["export", "--check", str(dest)], [*bucket, "export", "--format", "atif", str(dest)]):
        capsys.readouterr()
        code = main(command)
        err = capsys.readouterr().err
        assert code == 1 and "damaged" in err and err.count("\n") == 1, (command, err)
