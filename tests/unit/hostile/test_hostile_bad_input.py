"""Bad input a new user types, each class once: one clear line on stderr, the documented exit code,
no traceback, and nothing written.

Found here: a number past 64 bits in `search --limit` reached SQLite (OverflowError) and in
`export --steps` reached the manifest's JSON (TypeError), both as tracebacks; an export into a
dangling symbolic link stopped with three chained tracebacks (FileExistsError) after the check that
should have refused it had taken the link for a missing folder; a failure's `--json` document
written to a closed pipe (`| head -1`) raised BrokenPipeError while the error was being reported;
`seal -o` given a FIFO, a symbolic link or a file of the user's replaced it with the capsule."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from shared_data import ROOT
from support.fixture_bucket import synced

from tracetui.cli import exit_codes, main

HUGE = str(2**64)  # past SQLite's and orjson's 64-bit integers


def _code(words: list[str]) -> int:
    try:
        return main(words)
    except SystemExit as exc:  # argparse's usage errors
        return int(exc.code or 0)


@pytest.mark.parametrize(
    ("words", "code"),
    [
        (["search", "x", "--limit", HUGE], exit_codes.USAGE),
        (["export", "OUT", "--format", "md", "--sessions", "3", "--steps", f"0:{HUGE}"], exit_codes.USAGE),
        (["export", "OUT", "--format", "md", "--sessions", "3", "--steps", HUGE], exit_codes.USAGE),
        (["seal", "3", "-o", "OUT", "--steps", f"{HUGE}:"], exit_codes.USAGE),
        (["export", "LINK", "--format", "atif"], exit_codes.FAILED),
        (["seal", "3", "-o", "LINK"], exit_codes.FAILED),  # replaced the link with the capsule
        (["seal", "3", "-o", "FIFO"], exit_codes.FAILED),  # replaced the FIFO with the capsule
        (["seal", "3", "-o", "MINE"], exit_codes.FAILED),  # replaced the user's file with the capsule
    ],
)
def test_bad_input_gets_one_line_and_its_code(tmp_path, capsys, words, code):
    bucket = synced(tmp_path, main)
    link = tmp_path / "link"
    os.symlink(tmp_path / "nowhere", link)  # dangling: where it points does not exist
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    mine = tmp_path / "notes.txt"
    mine.write_text("the user's\n")
    names = {"OUT": str(tmp_path / "out"), "LINK": str(link), "FIFO": str(fifo), "MINE": str(mine)}
    capsys.readouterr()
    assert _code([*bucket, *[names.get(w, w) for w in words]]) == code
    out, err = capsys.readouterr()
    assert len(err.splitlines()) == 1 and err.startswith("tracetui: "), err
    assert not (tmp_path / "out").exists() and not (tmp_path / "nowhere").exists()
    assert link.is_symlink() and stat.S_ISFIFO(fifo.lstat().st_mode) and mine.read_text() == "the user's\n"


def test_a_capsule_or_an_empty_file_is_written_over(tmp_path, capsys):
    """Sealing again into the same capsule file replaces it, as into an empty file (`mktemp`'s)."""
    bucket = synced(tmp_path, main)
    out = tmp_path / "out.capsule"
    out.touch()
    assert _code([*bucket, "seal", "3", "-o", str(out)]) == exit_codes.OK
    first = out.read_bytes()
    assert _code([*bucket, "seal", "3", "-o", str(out), "--steps", "0:1"]) == exit_codes.OK
    assert out.read_bytes() != first and out.read_bytes()[:2] == b"\x1f\x8b"


@pytest.mark.parametrize(
    "words",
    [
        ["show", "zzz", "--json"],  # the failure's JSON document meets the closed pipe
        ["ls", "--since", "nope", "--json"],  # argparse's error, the same way
        ["ls"],
        ["ls", "--json"],
    ],
)
def test_output_piped_to_a_reader_that_leaves_is_no_traceback(tmp_path, words):
    """`tracetui ... | head -1`: stdout's reader is gone before the first write."""
    bucket = synced(tmp_path, main)
    read, write = os.pipe()
    os.close(read)  # the reader left: every write to `write` fails with EPIPE
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "tracetui", *bucket, *words],
        stdout=write, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, timeout=120,
    )
    os.close(write)
    err = done.stderr.decode()
    assert "Traceback" not in err and len(err.splitlines()) <= 1, err
