"""Blame takes a posting of a folder named as the clone only when the clone holds the session's text.

Blame's name rule (`_Matcher._ours`: the logged folder is named as the clone) took a stranger's
posting with no evidence: a log of a folder named `proj` that wrote `a.py` had its lines blamed on
the user's clone `proj` wherever the text matched. The trail's content rule now decides it too
(`trail.mapping.holds_logged_text`), once per session.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pygit2
import pytest
from support.trail_kit import Repo, iso
from support.trail_logs import claude_log

from tracetui.blame.index import Posting
from tracetui.blame.lines import _Matcher
from tracetui.sources import SessionFiles, read_session

OURS = "".join(f"def chart_{i}(sky):\n    return project_the_stars(sky, plate={i})\n" for i in range(6))
HEAD = '#!/usr/bin/env python3\nfrom __future__ import annotations\nif __name__ == "__main__":\n'


def _mine(i: int) -> str:
    return f"def stranger_helper_{i}(records):\n    return [summarise_record(r) for r in records]\n"


@pytest.fixture
def clone(tmp_path) -> pygit2.Repository:
    source = Repo(tmp_path / "source" / "proj")
    source.write("a.py", HEAD + OURS)
    source.commit("start", iso(9))
    where = tmp_path / "here" / "proj"
    where.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(source.path), str(where)], check=True)
    return pygit2.Repository(str(where))


def _session(tmp_path: Path, who: str, old: str, new: str) -> Any:
    where: Any = SimpleNamespace(path=Path(f"/home/{who}/proj"))  # nothing is there on this machine
    log = claude_log(where, tmp_path / "logs" / who, [("a.py", old, new)])
    kept = [x for x in log.read_bytes().splitlines(keepends=True) if b'"uuid":"a9"' not in x]
    log.write_bytes(b"".join(x for x in kept if b'"uuid":"r9"' not in x))  # no new d.py
    return read_session(SessionFiles("claude", log))


def _posting(session: str, who: str) -> Posting:
    return Posting(
        session=session, agent="claude", step="x", index=0, patch=0, path=f"/home/{who}/proj/a.py", time=None,
        timestamp=None, active=True, prompt_step=None, prompt=None, remote=None, commit=None,
    )  # fmt: skip


# (who logged a.py in a folder named `proj`, the text the edit saw, the text it wrote, whether blame
# takes its posting in the user's clone `proj`)
CASES = [
    ("mallory", _mine(1), _mine(1) + _mine(2), False),  # none of the clone's text
    ("mallory", HEAD + _mine(1), HEAD + _mine(2), False),  # only a shebang and Python's dunders in common
    ("alice", OURS, OURS + _mine(3), True),  # the clone's own lines
]


@pytest.mark.parametrize("who, old, new, taken", CASES, ids=["stranger", "boilerplate", "own"])
def test_blame_takes_a_named_folder_s_posting_only_with_its_text(clone, tmp_path, who, old, new, taken):
    session = _session(tmp_path, who, old, new)
    asked: list[str] = []

    def session_of(sid: str) -> Any:
        asked.append(sid)
        return session

    matcher = _Matcher(clone, session_of)
    posting = _posting(session.id, who)
    assert (matcher.tier(posting, ["a.py"]) == 1) is taken
    assert (matcher.tier(posting, ["a.py"]) == 1) is taken
    assert len(asked) <= 2  # read once for the name's question (and once for the mapping's), not per line
