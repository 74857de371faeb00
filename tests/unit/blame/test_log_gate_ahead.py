"""The forked child that builds a fresh bucket's line index answers blame's gate ahead
(`log_gate.AnswersAhead`): each session it indexes has its strings' answers kept as a blame keeps
them, so the blame's own process reads no session and scans nothing for its gate. Those answers serve
only under the salt they were made under: with another identity, or a plan decided since, the session
is read and its strings answered again. An index built in the blame's own process answers nothing
ahead: there it would be on the blame's path for every session indexed, printed or not."""

from __future__ import annotations

import os
import shutil

import orjson
import pytest
from support import blame_world
from support.made_up import github_token

import tracetui.blame.log_gate as log_gate
from tracetui.blame import LOG_MEMBERS, logs_gated, open_index, session_log_members
from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.trail import two_cores

TOKEN = github_token("blame gate ahead")
EMAIL = "marguerite.oakhaven@clientcorp.io"  # a suggestion: no gate is sure of it, a plan may scrub it
PROMPT = f"add a greeting; the token is {TOKEN}, ask {EMAIL}"
SIDS = (blame_world.CLAUDE_SID, blame_world.CODEX_SID)
CLAUDE = blame_world.CLAUDE_SID


@pytest.fixture
def world(tmp_path, monkeypatch):
    return blame_world.synced_with_prompt(tmp_path, monkeypatch, PROMPT)


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    return blame_world.gate_reads(monkeypatch)


def _memos(bucket):
    return sorted((bucket / "cache" / "blame" / "gate").glob("*.json"))


def _blame(world, bucket, capsys, monkeypatch, apart: bool) -> str:
    """`blame app.py --json`, its index built by a forked child (`apart`) or in this process."""
    monkeypatch.setattr(two_cores, "_alone", lambda: apart)
    monkeypatch.setattr(two_cores, "_core_free", lambda: apart)
    monkeypatch.chdir(world.repo.path)
    capsys.readouterr()
    assert main(["--bucket", str(bucket), "blame", "app.py", "--json"]) == 0
    return capsys.readouterr().out


def _afresh(bucket) -> None:
    shutil.rmtree(bucket / "cache" / "blame" / "gate")
    shutil.rmtree(bucket / "cache" / "trail", ignore_errors=True)


def test_the_child_s_answers_serve_the_blame_and_are_the_blame_s_own(tmp_path, world, capsys, monkeypatch, reads):
    bucket = tmp_path / "bucket"
    pid = os.getpid()
    first = _blame(world, bucket, capsys, monkeypatch, apart=True)
    assert os.getpid() == pid and reads == []  # this process read no session for its gate
    memos = _memos(bucket)
    assert len(memos) == 2  # one per session the child indexed
    for memo in memos:
        assert TOKEN.encode() not in memo.read_bytes() and b"greeting" not in memo.read_bytes()
    assert TOKEN not in first and "<GITHUB_TOKEN_1>" in first and "add a greeting" in first
    kept = {p.name: orjson.loads(p.read_bytes()) for p in memos}
    # What the blame's own gate answers with nothing kept, each writer read: the same, to the byte.
    _afresh(bucket)
    again = _blame(world, bucket, capsys, monkeypatch, apart=False)
    assert again == first
    assert sorted(reads) == sorted(SIDS)
    assert {p.name: orjson.loads(p.read_bytes()) for p in _memos(bucket)} == kept


def test_an_index_built_in_the_blame_s_own_process_answers_nothing_ahead(tmp_path, world):
    bucket = tmp_path / "bucket"
    with Bucket.open(bucket) as library:
        index, refresh = open_index(library)
        index.close()
    assert refresh.read == 2 and not _memos(bucket)


def _other_identity(monkeypatch) -> None:
    real = log_gate.Identity.from_environment

    def more() -> log_gate.Identity:
        ident = real()
        ident.user_names.add("quillfeather")
        return ident

    monkeypatch.setattr(log_gate.Identity, "from_environment", staticmethod(more))


@pytest.mark.parametrize("change", ["identity", "plan"])
def test_answers_kept_under_another_salt_are_not_served(tmp_path, world, capsys, monkeypatch, reads, change):
    bucket = tmp_path / "bucket"
    _blame(world, bucket, capsys, monkeypatch, apart=True)
    assert len(_memos(bucket)) == 2 and reads == []
    with Bucket.open(bucket) as library:
        doc = [{**m, "line": i} for i, m in enumerate(session_log_members(library, CLAUDE))]
    if change == "identity":
        _other_identity(monkeypatch)
    else:
        assert main(["--bucket", str(bucket), "scan", CLAUDE, "--accept", "email"]) == 0
    with Bucket.open(bucket) as library:
        gated = logs_gated(doc, library, LOG_MEMBERS)
        assert reads == [CLAUDE]  # the child's answers set aside: the session read for its plan and identity
        _afresh(bucket)
        assert logs_gated(doc, library, LOG_MEMBERS) == gated
    said = orjson.dumps(gated).decode()
    assert TOKEN not in said and "add a greeting" in said
    assert (EMAIL in said) is (change == "identity")  # the plan's decision scrubs the address
