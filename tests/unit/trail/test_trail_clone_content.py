"""A clone named as the agent's folder is the session's only when it holds the text the log kept.

By name and paths alone, a stranger's log whose folder is named `proj` and that edits only a
README.md belonged to any clone named `proj`: every clone has a README.md. The log keeps the text
its edits saw and wrote; the clone's versions of those files must hold enough of its long lines.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from support.trail_kit import Repo, iso
from support.trail_logs import claude_log, logged_elsewhere

from tracetui.sources import SessionFiles, read_session
from tracetui.trail import belongs, given_clone

README = "".join(f"Proj draws chart number {i} of the southern night sky for observers.\n" for i in range(30))
OWN_LINE = "Proj draws chart number 7 of the southern night sky for observers."
OWN_TWO = f"{OWN_LINE}\nProj draws chart number 8 of the southern night sky for observers.\n"
SKY = "def constellations():\n    return sorted(load_catalogue('southern-hemisphere.csv'))\n"


@pytest.fixture
def clone(tmp_path) -> Repo:
    """The user's clone, named `proj` as the folders of the logs below."""
    repo = Repo(tmp_path / "mine" / "proj")
    repo.write("README.md", README)
    repo.write("sky.py", SKY)
    repo.commit("start", iso(9))
    return repo


def _stranger(n: int) -> str:
    return "".join(f"My own little project, readme paragraph number {i} of mine.\n" for i in range(n))


# (the edits a log named `proj` made, whether it wrote a new d.py too, whether the clone named `proj` is
# its own)
CASES = [
    # a stranger's README: the same name and folder, none of the text
    ([("README.md", _stranger(3), _stranger(3) + "More of my words, added by the agent.\n")], True, False),
    # the owner's edit: its old text is the clone's (and its new file is nobody's yet)
    ([("README.md", OWN_TWO, f"{OWN_TWO}A line the agent added, long enough to count.\n")], True, True),
    # a log that kept no line long enough to tell: the paths are all there is
    ([("README.md", "# proj\n", "# proj!\n")], False, True),
    # ... but a log whose only long lines are of a file the clone never had is another project's
    ([("README.md", "# proj\n", "# proj!\n")], True, False),
    # one of the clone's lines quoted among many of a stranger's: too few of them
    ([("README.md", _stranger(40) + OWN_TWO, _stranger(40) + "y\n")], True, False),
    # the clone's lines, but of another of its files: a file's text is looked for in that file
    ([("README.md", SKY, SKY + "# and more\n")], True, False),
]


@pytest.mark.parametrize("edits, write, own", CASES)
def test_a_clone_named_as_the_folder_must_hold_the_log_s_text(clone, tmp_path, edits, write, own):
    session = logged_elsewhere(tmp_path, edits, "mallory", write=write)
    assert belongs(session, clone.path) is own
    assert given_clone(session, clone.path)[0] == (clone.path if own else None)


def test_a_text_taken_out_since_is_found_in_the_file_s_history(clone, tmp_path):
    written = "A paragraph a human wrote in March,\nand took out again in April, a month later."
    clone.write("README.md", README + written + "\n")
    clone.commit("a paragraph", iso(10))
    clone.write("README.md", README)
    clone.commit("taken out", iso(11))
    edits = [("README.md", f"{written}\n", f"{written}\nThe agent's sentence after it, never committed.\n")]
    assert belongs(logged_elsewhere(tmp_path, edits, "alice", write=True), clone.path)
    clone.git("reflog", "expire", "--expire=now", "--all")
    clone.git("update-ref", "-d", "HEAD")  # no commit left to read: the paragraph is nowhere
    assert not belongs(logged_elsewhere(tmp_path, edits, "bob", write=True), clone.path)


def test_a_log_of_the_right_text_under_another_folder_name_is_not_taken(clone, tmp_path):
    where: Any = SimpleNamespace(path=Path("/home/alice/other"))
    edits = [("README.md", OWN_TWO, f"{OWN_TWO}A line the agent added, long enough to count.\n")]
    session = read_session(SessionFiles("claude", claude_log(where, tmp_path / "logs", edits)))
    assert not belongs(session, clone.path)
