"""A command that only reads, given a `--bucket` that does not exist, says so in one line and
makes nothing: it made an empty bucket there (a mistyped path), and answered from it as if the
user's sessions were gone. A command that writes (sync) still makes it."""

from __future__ import annotations

import pytest

from tracetui.cli import exit_codes, main

READS = [
    ["ls"],
    ["ls", "--json"],
    ["show", "3"],
    ["search", "word"],
    ["cost"],
    ["trail", "3"],
    ["blame", "f.py"],
    ["export", "OUT", "--format", "atif"],
    ["sql", "select 1"],
    ["review"],
    ["rate", "3", "good"],
    ["scan", "3"],
    ["rm", "3", "--yes"],
    ["doctor"],
    ["eval"],
    ["seal", "3", "-o", "OUT"],
    ["resume", "3", "--step", "1"],
    ["serve"],
]


@pytest.mark.parametrize("words", READS, ids=lambda words: " ".join(words[:2]))
def test_a_read_of_a_missing_bucket_is_one_line_and_makes_nothing(tmp_path, capsys, words):
    missing = tmp_path / "no" / "bucket"
    words = [str(tmp_path / "out") if w == "OUT" else w for w in words]
    assert main(["--bucket", str(missing), *words]) == exit_codes.FAILED
    out, err = capsys.readouterr()
    assert not (tmp_path / "no").exists() and not (tmp_path / "out").exists()
    assert err == f"tracetui: there is no bucket at {str(missing)!r} (`tracetui sync` makes one)\n"
    if "--json" not in words:
        assert out == ""


def test_a_sync_still_makes_the_bucket(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    bucket = tmp_path / "new" / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"pi={src}"]) == exit_codes.OK
    assert (bucket / "index.sqlite").is_file()
    assert main(["--bucket", str(bucket), "ls"]) == exit_codes.OK


@pytest.mark.parametrize("words", READS, ids=lambda words: " ".join(words[:2]))
def test_a_missing_bucket_named_by_the_environment_is_one_line_too(tmp_path, capsys, monkeypatch, words):
    """$TRACETUI_BUCKET names the bucket as --bucket does: a mistyped one was made, empty, by any
    command (found 2026-11-28), and every later read answered from it."""
    missing = tmp_path / "no" / "bucket"
    monkeypatch.setenv("TRACETUI_BUCKET", str(missing))
    words = [str(tmp_path / "out") if w == "OUT" else w for w in words]
    assert main(words) == exit_codes.FAILED
    out, err = capsys.readouterr()
    assert not (tmp_path / "no").exists() and not (tmp_path / "out").exists()
    assert err == (f"tracetui: there is no bucket at {str(missing)!r}, which $TRACETUI_BUCKET names "
                   "(`tracetui sync` makes one)\n")  # fmt: skip
    if "--json" not in words:
        assert out == ""


def test_a_sync_still_makes_the_bucket_the_environment_names(tmp_path, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    bucket = tmp_path / "new" / "bucket"
    monkeypatch.setenv("TRACETUI_BUCKET", str(bucket))
    assert main(["sync", "--source", f"pi={src}"]) == exit_codes.OK
    assert (bucket / "index.sqlite").is_file()
    assert main(["ls"]) == exit_codes.OK


@pytest.mark.parametrize("words", READS, ids=lambda words: " ".join(words[:2]))
@pytest.mark.parametrize("held", [["notes.txt"], ["notes.txt", "src/app.py"], [".hidden"]])
def test_a_read_of_a_folder_that_holds_no_bucket_is_one_line_and_makes_nothing(tmp_path, capsys, words, held):
    """`--bucket /etc ls` made an index in /etc and listed nothing: a folder of other files is no
    bucket, for a command that only reads, and is left as it was. (An empty folder is an empty bucket:
    test_cli_browse's `test_ls_of_an_empty_bucket_says_how_to_fill_it`.)"""
    folder = tmp_path / "folder"
    folder.mkdir()
    for name in held:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("mine\n")
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    words = [str(tmp_path / "out") if w == "OUT" else w for w in words]
    assert main(["--bucket", str(folder), *words]) == exit_codes.FAILED
    out, err = capsys.readouterr()
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before
    assert not (tmp_path / "out").exists()
    assert err == f"tracetui: there is no bucket at {str(folder)!r} (`tracetui sync` makes one)\n"
    if "--json" not in words:
        assert out == ""
