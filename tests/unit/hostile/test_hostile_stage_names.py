"""A file whose name is not UTF-8 among an agent's files, for the agents whose stage hook gathers
them (OpenCode's storage tree, Gemini CLI's chats and logs.json, Copilot CLI's session folders): it
is said in one line, and every other session syncs (an OpenCode one failed the whole agent)."""

from __future__ import annotations

import os
import shutil

import pytest

from shared_data import FIXTURES
from tracetui.bucket import Bucket
from tracetui.model import SessionFilter

TREES = {
    "opencode": FIXTURES / "opencode" / "storage",
    "gemini": FIXTURES / "gemini",
    "copilot": FIXTURES / "copilot",
}


@pytest.mark.parametrize("agent", list(TREES))
def test_a_file_named_in_other_bytes_is_one_line_and_the_rest_syncs(tmp_path, agent):
    plain, odd = tmp_path / "plain", tmp_path / "odd"
    shutil.copytree(TREES[agent], plain)
    shutil.copytree(TREES[agent], odd)
    with Bucket.open(tmp_path / "b0") as b:
        b.sync({agent: [plain]})
        want = sorted(r.id for r in b.list_sessions(SessionFilter(include_hidden=True)))
    some = sorted(p for p in odd.rglob("*.json*") if p.is_file())[0]
    twin = os.fsencode(some.parent) + b"/x\xff" + os.fsencode(some.name)
    shutil.copy(some, twin)
    with Bucket.open(tmp_path / "b1") as b:
        report = b.sync({agent: [odd]})
        assert sorted(r.id for r in b.list_sessions(SessionFilter(include_hidden=True))) == want != []
        said = [e for e in report.errors if "not UTF-8" in e.error]
        assert len(said) == 1 and not [e for e in report.errors if "cannot gather" in e.error]
