"""The text a clone's work tree gives as evidence is its own: a link out of the tree gives none.

`_Clone.versions` read the work tree's file through any link: a clone named `proj` whose untracked
`notes.md` pointed to a file outside it (/etc/passwd, whose lines every machine has) held, for the
content rule, every line of that file, and a stranger's log quoting them was taken as the clone's.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from support.trail_kit import Repo, iso
from support.trail_logs import claude_log

from tracetui.sources import SessionFiles, read_session
from tracetui.trail import belongs

OUTSIDE = "".join(f"account{i}:x:100{i}:100{i}:A user of the machine:/home/u{i}:/bin/sh\n" for i in range(6))


def _log(tmp_path: Path, name: str, text: str):
    where: Any = SimpleNamespace(path=Path("/home/mallory/proj"))
    edits = [(name, text, text + "A line the agent added, long enough.\n")]
    log = claude_log(where, tmp_path / "logs", edits)
    return read_session(SessionFiles("claude", log))


def _clone(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "mine" / "proj")
    repo.write("README.md", "The user's own project, described at some length here.\n")
    repo.commit("start", iso(9))
    return repo


def test_a_link_out_of_the_work_tree_is_no_evidence(tmp_path):
    repo = _clone(tmp_path)
    (tmp_path / "passwd").write_text(OUTSIDE)
    os.symlink(tmp_path / "passwd", repo.path / "notes.md")
    assert not belongs(_log(tmp_path, "notes.md", OUTSIDE), repo.path)


def test_a_link_inside_the_work_tree_is_the_project_s_text(tmp_path):
    repo = _clone(tmp_path)
    (repo.path / "docs").mkdir()
    (repo.path / "docs" / "users.txt").write_text(OUTSIDE)
    os.symlink("docs/users.txt", repo.path / "notes.md")
    assert belongs(_log(tmp_path, "notes.md", OUTSIDE), repo.path)


def test_a_fifo_in_the_work_tree_is_passed_over(tmp_path):
    repo = _clone(tmp_path)
    os.mkfifo(repo.path / "notes.md")
    assert not belongs(_log(tmp_path, "notes.md", OUTSIDE), repo.path)
