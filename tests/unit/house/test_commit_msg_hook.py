"""The commit-msg hook in scripts/: a short subject, a blank line, a body."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import ROOT

HOOK = ROOT / "scripts" / "commit-msg"


def _run(tmp_path: Path, message: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "COMMIT_EDITMSG"
    path.write_text(message, encoding="utf-8")
    return subprocess.run([sys.executable, str(HOOK), str(path)], capture_output=True, text=True)


def test_a_short_subject_a_blank_line_and_a_body_pass(tmp_path):
    done = _run(tmp_path, "sources: a package per agent\n\nWhy, with the figures.\n# a comment\n")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "message, said",
    [
        ("x" * 73 + "\n\nbody\n", "73 characters"),
        ("area: what\nno blank line\n", "blank line"),
        ("area: what\n", "body is missing"),
        ("area: what\n\n# only a comment\n", "body is missing"),
        ("\n# nothing\n", "empty"),
    ],
)
def test_a_long_subject_a_missing_blank_line_or_body_is_refused(tmp_path, message, said):
    done = _run(tmp_path, message)
    assert done.returncode == 1 and said in done.stderr


def test_a_message_git_writes_itself_passes(tmp_path):
    assert _run(tmp_path, "Merge branch 'house'\n").returncode == 0


def test_the_diff_of_commit_v_is_not_the_body(tmp_path):
    cut = "# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n"
    assert _run(tmp_path, "area: what\n\n" + cut).returncode == 1
