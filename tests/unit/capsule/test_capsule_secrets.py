"""Secrets planted everywhere a session can carry them never reach a capsule's bytes."""

from __future__ import annotations

import gzip
import re
import sys

import pytest
from support.narrow import present
from shared_data import FIXTURES

from tracetui.capsule import SealRefused, open_capsule, seal
from tracetui.capsule.archive import read_archive
from tracetui.capsule.manifest import ALLOWED
from tracetui.model import FileEdit, Step, StepKind
from tracetui.redact import build_plan, scan_session

sys.path.insert(0, str(FIXTURES / "capsule"))
import capsule_kit as kit

# Made-up values in the shapes of real credentials (none is, or was, a live key).
PLANTED = {
    "aws": "AKIAQ3EGVP7XJ5RTNW2K",
    "aws-secret": "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",
    "github": "ghp_R7tYk2LmN9pQ4sV8wX1zA3bC5dE7fG9hJ0kL",
    "openai": "sk-proj-Tq8Zr3Lk9Vw2Xy7Mn4Bc6Df1Gh5Jk0Pq3Rs8Tu2Vw",
    "email": "jane.doe@acme-corp.io",
    "env-password": "Hunter2-Blue-Sky-77",
}


def _planted_session(repo):
    s = kit.make_session(repo)
    cwd = str(repo)
    p = PLANTED
    s.steps[0].text = f"use key {p['aws']}, mail {p['email']} when done"  # prompt
    content = f"TOKEN = '{p['github']}'\nOPENAI = '{p['openai']}'\n"
    path = f"{cwd}/config/{p['github']}.py"  # a file path that carries a token
    s.steps[2].tool_input = {"file_path": path, "content": content}  # tool input
    s.steps[2].edits = [FileEdit(path, "create", content=content)]  # patch
    ts = s.steps[3].timestamp
    s.steps[4:4] = [
        Step("c9", 0, StepKind.TOOL_CALL, "assistant", "", ts, tool="Bash", tool_call_id="toolu_9",
             tool_input={"command": f"curl -H 'Authorization: token {p['github']}' https://api.example.com"},
             parent="r1"),
        Step("r9", 0, StepKind.TOOL_RESULT, "tool", f"DB_PASSWORD={p['env-password']}\nAWS_ACCESS_KEY_ID={p['aws']}\nAWS_SECRET_ACCESS_KEY={p['aws-secret']}\n",
             ts, tool="Bash", tool_call_id="toolu_9", parent="c9"),  # tool output
    ]  # fmt: skip
    for i, step in enumerate(s.steps):
        step.index = i
    s.steps[6].parent = "r9"
    return s


def test_no_planted_secret_survives_sealing_with_suggestions_accepted(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = _planted_session(repo)
    plan = build_plan(session, scan_session(session, workers=0))
    with pytest.raises(SealRefused):  # the email and the entropy guess are suggestions
        seal(session, plan, repo=repo)
    result = seal(
        session, plan, repo=repo, out=tmp_path / "s.capsule", accept_suggested=True, secret=b"k" * 32
    )
    data = (tmp_path / "s.capsule").read_bytes()
    tar = gzip.decompress(data)
    members = read_archive(data, ALLOWED)
    for name, value in PLANTED.items():
        raw = value.encode()
        assert raw not in data, name
        assert raw not in tar, name
        for member, content in members.items():
            assert raw not in content, (name, member)
    # What replaced them is named in the receipt, with counts and deciders, never values.
    by_kind = {r["kind"]: r for r in result.receipt}
    assert by_kind["github-token"]["decided_by"] == "detector"
    assert by_kind["email"]["decided_by"] == "user (--accept-suggested)"
    assert by_kind["aws-key"]["count"] == 2
    opened = open_capsule(tmp_path / "s.capsule")
    step = present(opened.session(session.id).step("c1"))
    assert step.edits[0].path == f"{repo}/config/<GITHUB_TOKEN_1>.py"
    assert opened.fates[0]["path"] == "config/<GITHUB_TOKEN_1>.py"
    assert "TOKEN = '<GITHUB_TOKEN_1>'" in opened.fates[0]["diff"]
    assert re.fullmatch(
        r"DB_PASSWORD=<[A-Z_]+_1>\nAWS_ACCESS_KEY_ID=<AWS_KEY_1>\nAWS_SECRET_ACCESS_KEY=<[A-Z_]+_1>\n",
        present(opened.session(session.id).step("r9")).text,
    )


def test_a_rejected_sure_finding_is_kept_and_passes_the_second_gate(tmp_path):
    repo, _ = kit.make_repo(tmp_path)
    session = _planted_session(repo)
    plan = build_plan(session, scan_session(session, workers=0))
    for span in plan.spans:
        if span.kind == "aws-key":
            plan.decide(span, "rejected")
    result = seal(session, plan, repo=repo, accept_suggested=True)
    members = read_archive(result.data, ALLOWED)
    assert PLANTED["aws"].encode() in members["trace.jsonl"]
    assert PLANTED["github"].encode() not in members["trace.jsonl"]
    assert {"kind": "aws-key", "count": 2} in result.manifest["redaction"]["rejected"]


def test_second_gate_stops_a_secret_that_only_git_context_carried(tmp_path):
    """Without a decision the seal stops; with --accept-suggested (issue 35: the review showed nothing
    undecided, since no field holds it) the gate scrubs it by value and the seal goes through."""
    repo, _ = kit.make_repo(tmp_path)
    token = "ghp_Z9yX8wV7uT6sR5qP4oN3mL2kJ1iH0gF9eD8c"
    (repo / "README.md").write_text(f"# calc\n\nAdds numbers.\nci token {token}\n")
    kit.git(repo, "commit", "-qam", "readme")
    session = kit.make_session(repo)
    plan = build_plan(session, scan_session(session, workers=0))
    out = tmp_path / "g.capsule"
    with pytest.raises(SealRefused, match="second gate") as info:
        seal(session, plan, repo=repo, out=out)
    assert {(f["member"], f["kind"], f["tier"]) for f in info.value.findings} == {
        ("trail.jsonl", "github-token", "auto")
    }
    assert token not in str(info.value) and token not in repr(info.value.findings)
    assert not out.exists()
    result = seal(session, plan, repo=repo, out=out, accept_suggested=True)
    assert token.encode() not in b"".join(read_archive(result.data, ALLOWED).values())
    assert "user (--accept-suggested)" in {r["decided_by"] for r in result.receipt}
