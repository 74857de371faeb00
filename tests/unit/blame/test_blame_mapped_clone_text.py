"""Blame takes a posting the trail's mapping places at the clone only when the clone holds its text.

Blame's mapping rule (`_Matcher._ours`: the mapping places the session's logged folder at the clone's
top and the clone holds MAPPED_FILES of its file names) took a stranger's posting on two names every
JS project has: a log of a folder `webapp` that wrote README.md and package.json had its lines blamed
in the user's clone `site` wherever the text matched. The trail never takes a clone on names alone
(`belongs` asks `holds_logged_text`); blame now asks it here too, once per session.
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

README = "".join(f"Observatory plate {i} charts the southern constellations nightly.\n" for i in range(6))
PACKAGE = '{\n  "name": "observatory-plates",\n  "description": "charts southern constellations"\n}\n'


def _stranger(i: int) -> str:
    return f"Mallory's invoice tracker keeps receipt number {i} forever.\n"


@pytest.fixture
def clone(tmp_path) -> pygit2.Repository:
    source = Repo(tmp_path / "source" / "site")
    source.write("README.md", README)
    source.write("package.json", PACKAGE)
    source.commit("start", iso(9))
    where = tmp_path / "here" / "site"
    where.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(source.path), str(where)], check=True)
    return pygit2.Repository(str(where))


def _session(tmp_path: Path, who: str, edits: list[tuple[str, str, str]]) -> Any:
    where: Any = SimpleNamespace(path=Path(f"/home/{who}/webapp"))  # not named as the clone; not here
    log = claude_log(where, tmp_path / "logs" / who, edits)
    kept = [x for x in log.read_bytes().splitlines(keepends=True) if b'"uuid":"a9"' not in x]
    log.write_bytes(b"".join(x for x in kept if b'"uuid":"r9"' not in x))  # no new d.py
    return read_session(SessionFiles("claude", log))


def _posting(session: str, who: str) -> Posting:
    return Posting(
        session=session, agent="claude", step="x", index=0, patch=0, path=f"/home/{who}/webapp/README.md",
        time=None, timestamp=None, active=True, prompt_step=None, prompt=None, remote=None, commit=None,
    )  # fmt: skip


STRANGE_PACKAGE = '{\n  "name": "invoice-tracker",\n  "description": "mallory keeps receipts"\n}\n'
BARE_PACKAGE = '{\n  "private": true,\n  "devDependencies": {\n  }\n}\n'

# (who logged README.md and package.json in a folder `webapp`, their edits, whether blame takes the
# README's posting in the user's clone `site`)
CASES = [
    ("mallory", [("README.md", _stranger(1), _stranger(1) + _stranger(2)),
                 ("package.json", STRANGE_PACKAGE, STRANGE_PACKAGE + "\n")], False),  # none of the text
    ("mallory", [("README.md", "# webapp\n", "# webapp\n\n"),
                 ("package.json", BARE_PACKAGE, BARE_PACKAGE + "\n")], False),  # only the format's words
    ("alice", [("README.md", README, README + _stranger(3)),
               ("package.json", PACKAGE, PACKAGE + "\n")], True),  # the clone's own lines
]  # fmt: skip


@pytest.mark.parametrize("who, edits, taken", CASES, ids=["stranger", "names-only", "own"])
def test_blame_takes_a_mapped_folder_s_posting_only_with_its_text(clone, tmp_path, who, edits, taken):
    session = _session(tmp_path, who, edits)
    asked: list[str] = []

    def session_of(sid: str) -> Any:
        asked.append(sid)
        return session

    matcher = _Matcher(clone, session_of)
    posting = _posting(session.id, who)
    assert (matcher.tier(posting, ["README.md"]) == 1) is taken
    assert (matcher.tier(posting, ["README.md"]) == 1) is taken
    assert len(asked) <= 2  # read once for the mapping's question, not per line
