"""Blame takes a posting of a stranger's folder only when the clone holds the session's text.

Two of blame's rules (`_Matcher._ours`) took a posting with no evidence of the text: the name rule (the
logged folder is named as the clone: a log of a folder `proj` that wrote `a.py`) and the mapping rule
(the mapping places the logged folder at the clone's top on MAPPED_FILES names: a log of a folder
`webapp` that wrote README.md and package.json, names every JS project has). Either had its lines
blamed in the user's clone wherever the text matched. The trail's content rule now decides both
(`trail.mapping.holds_logged_text`), once per session. A mapping that places one file of the session's
asks the text the session wrote (`holds_written_text`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pygit2
import pytest
from support.trail_kit import Repo, iso
from support.trail_logs import logged_elsewhere

from tracetui.blame.index import Posting
from tracetui.blame.lines import _Matcher

# The clone `proj` (a Python file) for the name rule.
OURS = "".join(f"def chart_{i}(sky):\n    return project_the_stars(sky, plate={i})\n" for i in range(6))
HEAD = '#!/usr/bin/env python3\nfrom __future__ import annotations\nif __name__ == "__main__":\n'
# The clone `site` (a JS project's two usual files) for the mapping rule.
README = "".join(f"Observatory plate {i} charts the southern constellations nightly.\n" for i in range(6))
PACKAGE = '{\n  "name": "observatory-plates",\n  "description": "charts southern constellations"\n}\n'
STRANGE_PACKAGE = '{\n  "name": "invoice-tracker",\n  "description": "mallory keeps receipts"\n}\n'
BARE_PACKAGE = '{\n  "private": true,\n  "devDependencies": {\n  }\n}\n'
CLONES = {"proj": {"a.py": HEAD + OURS}, "site": {"README.md": README, "package.json": PACKAGE}}


def _mine(i: int) -> str:
    return f"def stranger_helper_{i}(records):\n    return [summarise_record(r) for r in records]\n"


def _stranger(i: int) -> str:
    return f"Mallory's invoice tracker keeps receipt number {i} forever.\n"


def _clone(tmp_path: Path, name: str) -> pygit2.Repository:
    source = Repo(tmp_path / "source" / name)
    for rel, text in CLONES[name].items():
        source.write(rel, text)
    source.commit("start", iso(9))
    where = tmp_path / "here" / name
    where.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(source.path), str(where)], check=True)
    return pygit2.Repository(str(where))


# (the user's clone, the logged folder, who logged it, the edits, whether blame takes the posting of
# the first edited file)
CASES = [
    # the name rule: a folder named `proj`
    ("proj", "proj", "mallory", [("a.py", _mine(1), _mine(1) + _mine(2))], False),  # none of the clone's text
    ("proj", "proj", "mallory", [("a.py", HEAD + _mine(1), HEAD + _mine(2))], False),  # a shebang, dunders
    ("proj", "proj", "alice", [("a.py", OURS, OURS + _mine(3))], True),  # the clone's own lines
    # the mapping rule: a folder `webapp` whose README.md and package.json the clone `site` holds
    ("site", "webapp", "mallory", [("README.md", _stranger(1), _stranger(1) + _stranger(2)),
                                   ("package.json", STRANGE_PACKAGE, STRANGE_PACKAGE + "\n")], False),
    ("site", "webapp", "mallory", [("README.md", "# webapp\n", "# webapp\n\n"),
                                   ("package.json", BARE_PACKAGE, BARE_PACKAGE + "\n")], False),  # format words
    ("site", "webapp", "alice", [("README.md", README, README + _stranger(3)),
                                 ("package.json", PACKAGE, PACKAGE + "\n")], True),  # the clone's own lines
    # one file the clone holds: the lines the session wrote there must be the clone's (a repository
    # brought into a monorepo by `git subtree add`), the clone's text as the edit's context is not enough
    ("site", "webapp", "alice", [("README.md", README[:60], README)], True),
    ("site", "webapp", "mallory", [("README.md", _stranger(1), _stranger(1) + _stranger(2))], False),
    ("site", "webapp", "mallory", [("README.md", README, README + _stranger(3))], False),
]  # fmt: skip
IDS = [
    "named-stranger", "named-boilerplate", "named-own", "mapped-stranger", "mapped-names-only", "mapped-own",
    "one-file-own", "one-file-stranger", "one-file-context-only",
]  # fmt: skip


@pytest.mark.parametrize("name, folder, who, edits, taken", CASES, ids=IDS)
def test_blame_takes_a_stranger_s_posting_only_with_its_text(tmp_path, name, folder, who, edits, taken):
    clone = _clone(tmp_path, name)
    session = logged_elsewhere(tmp_path, edits, who, folder)
    asked: list[str] = []

    def session_of(sid: str) -> Any:
        asked.append(sid)
        return session

    matcher = _Matcher(clone, session_of)
    rel = edits[0][0]
    posting = Posting(
        session=session.id, agent="claude", step="x", index=0, patch=0, path=f"/home/{who}/{folder}/{rel}",
        time=None, timestamp=None, active=True, prompt_step=None, prompt=None, remote=None, commit=None,
    )  # fmt: skip
    assert (matcher.tier(posting, [rel]) == 1) is taken
    assert (matcher.tier(posting, [rel]) == 1) is taken
    assert len(asked) <= 2  # read once for the name's question and once for the mapping's, not per line
