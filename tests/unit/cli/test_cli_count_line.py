"""The one count line of the CLI's long jobs (`output.count_line`): on a terminal only, after a delay,
redrawn at most ten times a second and always at the last count; and the jobs that use it."""

from __future__ import annotations

import sys
import time as time_module

import pytest
from support.datasets import three_session_bucket

from tracetui.cli import main
from tracetui.bucket import SyncProgress
from tracetui.cli.output import count_line, progress_line


def _clock(monkeypatch, *times: float) -> None:
    ticks = iter(times)
    monkeypatch.setattr(time_module, "monotonic", lambda: next(ticks))


def test_nothing_is_drawn_off_a_terminal(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert count_line() is None


def test_a_quick_job_draws_nothing_and_a_long_one_its_counts_and_last(monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    _clock(monkeypatch, 0.0, 0.1, 0.2)
    quick = count_line(unit="logs")
    assert quick is not None
    quick("checking", 1, 2)
    quick("checking", 2, 2)
    assert capsys.readouterr().err == ""
    # From the delay on, a count is drawn where a tenth of a second has gone by since the last one
    # drawn, and the last count always, ended by a newline.
    _clock(monkeypatch, 0.0, 0.6, 0.65, 0.8, 0.81)
    line = count_line(unit="logs")
    assert line is not None
    for done in (1, 2, 3, 10):
        line("checking", done, 10)
    drawn = capsys.readouterr().err
    assert drawn == "".join(f"\r\x1b[Kchecking: {n}/10 logs" for n in (1, 3, 10)) + "\n"


def test_a_sync_line_is_the_same_line_with_files_and_bytes(monkeypatch, capsys):
    """A sync of many small logs reported every file: thousands of redraws a second on a terminal."""
    _clock(monkeypatch, 0.0, 1.5, 1.55, 1.7, 1.71)
    show = progress_line("syncing")
    for done in (1, 2, 3, 4):
        show(SyncProgress(files_done=done, files_total=4, bytes_done=done * 500_000, bytes_total=2_000_000))
    drawn = capsys.readouterr().err
    assert drawn == "\r\x1b[Ksyncing: 1/4 files, 0.5 MB\r\x1b[Ksyncing: 3/4 files, 1.5 MB" \
        "\r\x1b[Ksyncing: 4/4 files, 2.0 MB\n"


@pytest.fixture(scope="module")
def bucket(tmp_path_factory):
    return three_session_bucket(tmp_path_factory.mktemp("count"))


def test_doctor_counts_the_logs_whose_copies_it_checks(bucket, monkeypatch, capsys):
    """A thorough check reads every copy: a minute or more on a bucket of gigabytes."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    ticks = iter(range(10_000))
    monkeypatch.setattr(time_module, "monotonic", lambda: float(next(ticks)))  # each count a second on
    capsys.readouterr()
    assert main(["--bucket", str(bucket), "doctor"]) == 0
    out, err = capsys.readouterr()
    assert "healthy" in out and "checking the copies: 1/" in err and err.endswith(" logs\n")
