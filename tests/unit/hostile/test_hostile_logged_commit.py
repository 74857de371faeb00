"""The commit a log names is the log's text, not a value the capsule put there. The second gate let
every value of `structural` through, and that set held the log's commit as it was written (Codex's
`git.commit_hash`): a token there went out as a capsule's base, a dataset's `git_commit` and an ATIF
trajectory's `git.commit`. Only a value shaped as a commit id passes for one now, and a log's commit that
is none is left out. The token is made up here.
"""

from __future__ import annotations

import sys

from support.narrow import present
from shared_data import FIXTURES

from tracetui.capsule import seal
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.capsule.scrub import Scrubbed, gate_findings, prepare
from tracetui.model import GitInfo, Session
from tracetui.redact import build_plan, scan_session

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

TOKEN = "ghp_" + "Qm3Vx8Tr2Lk7Np4Zs9Wc1Hd6Jf5Gb0Ya2UeR"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def test_the_gate_passes_only_a_commit_shaped_structural_value():
    members = {"trail.jsonl": f'{{"commit": "{TOKEN}", "base": "aws {COMMIT}"}}'.encode()}
    scrubbed = Scrubbed(Session("s", "codex", "x"), [], [])
    found = gate_findings(members, scrubbed, structural=frozenset({TOKEN, COMMIT}))
    assert [g.kind for g in found] == ["github-token"]


def test_a_token_in_the_logged_commit_is_never_sealed(tmp_path):
    session = kit.make_session(tmp_path / "nowhere")  # no repository here: the base is the log's word
    session.git = GitInfo("main", TOKEN, None)
    plan = build_plan(session, scan_session(session, workers=0))
    result = seal(session, plan, accept_suggested=True)
    assert result.manifest["repo"]["base"] is None
    assert TOKEN.encode() not in b"".join(read_archive(result.data, ALLOWED).values())
    session.git = GitInfo("main", COMMIT, None)
    assert seal(session, plan, accept_suggested=True).manifest["repo"]["base"] == COMMIT


def test_the_scrubbed_copy_keeps_the_logged_commit_only_when_it_is_one(tmp_path):
    session = kit.make_session(tmp_path)
    for logged, kept in ((TOKEN, None), (COMMIT, COMMIT), ("HEAD", None)):
        session.git = GitInfo("main", logged, None)
        assert present(prepare(session, None, True, None).session.git).commit == kept
