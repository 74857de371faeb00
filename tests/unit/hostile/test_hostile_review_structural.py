"""The review lists what the gates scrub under a tool input's `id`, `hash` or `request_id`.

`fields.py` kept the values under keys that name an id, a hash or a signature out of every field, so the
plan never proposed what they held, while every export's gate and the capsule's seal read those strings
and scrubbed a credential found there: the user's hand review was not the whole of what changed, an
export without `--accept-suggested` was refused ("text no field of the session holds") and so was a
seal. A credential there may be a key of a known format, or only read as one once decoded (base64,
hex) or a home folder: the gates find each, so the review must too. Now such values are fields read
for sure findings only (what a gate acts on), so an ordinary id proposes nothing. Keys are made up.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest
from support.claude_chat import claude_tool_call
from support.gate_kit import no_value_in
from support.made_up import HEX, drawn

from tracetui.cli import main
from tracetui.model import Session, Step
from tracetui.redact import apply, build_plan, iter_fields, scan_session

SID = "7d7d7d7d-1111-4222-8333-444455556666"
_GHP = "ghp_" + drawn("review-structural-ghp", 36)
# Field -> a credential the gates find there, each of its own so a finding names its place.
PLANTED: dict[str, str] = {
    "tool_input.id": "sk-proj-" + drawn("review-structural-id", 156),
    "tool_input.request_id": "ghp_" + drawn("review-structural-request", 36),
    "tool_input.hash.note": "see ghp_" + drawn("review-structural-hash", 36) + " here",
    "tool_input.sha": base64.b64encode(_GHP.encode()).decode(),  # only a decoder reads it as a key
    "tool_input.call_id[0]": "/home/jdoe7/notes/today.md",  # a home folder: every gate scrubs it
}
_rng = random.Random(20261129)
# What such keys hold in every log: none of it is proposed, not even as a suggestion.
ORDINARY: dict[str, str] = {
    "uuid": "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
    "sha256": "".join(_rng.choice(HEX) for _ in range(64)),
    "message_id": "msg_01" + drawn("review-structural-msg", 22),
    "digest": "sha256:" + "".join(_rng.choice(HEX) for _ in range(64)),
    # Random base64 reads as a high-entropy token (a suggestion) wherever else it sits.
    "etag": base64.b64encode(_rng.randbytes(32)).decode(),
}


def _tool_input() -> dict[str, Any]:
    planted = {
        "id": PLANTED["tool_input.id"],
        "request_id": PLANTED["tool_input.request_id"],
        "hash": {"note": PLANTED["tool_input.hash.note"]},
        "sha": PLANTED["tool_input.sha"],
        "call_id": [PLANTED["tool_input.call_id[0]"]],
    }
    return {"path": "kv/app", **planted, **ORDINARY}


def _log(folder: Path) -> Path:
    return claude_tool_call(folder, SID, "/srv/app", "store it", _tool_input(), "ok")


def _secrets() -> list[str]:
    """The planted values as no placeholder is: each credential's own body."""
    return [PLANTED["tool_input.id"][8:60], PLANTED["tool_input.request_id"][4:], _GHP[4:],
            PLANTED["tool_input.hash.note"][8:44], PLANTED["tool_input.sha"], "jdoe7"]


@pytest.fixture()
def bucket(tmp_path) -> Path:
    bucket = tmp_path / "bucket"
    logs = _log(tmp_path / "logs")
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={logs}", "--json"]) == 0
    return bucket


def _scan_rows(bucket: Path, capsys) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["--bucket", str(bucket), "scan", SID, "--json"]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def test_scan_lists_every_credential_a_gate_finds_under_an_id_or_a_hash(bucket, capsys):
    rows = _scan_rows(bucket, capsys)
    by_field: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_field.setdefault(row["field"], []).append(row)
    for name in PLANTED:
        assert [r["tier"] for r in by_field.get(name, [])] == ["auto"], (name, by_field.get(name))
    for key in ORDINARY:
        assert f"tool_input.{key}" not in by_field, key


def test_the_review_lists_no_suggestion_there_but_does_where_the_same_value_is_text(tmp_path, capsys):
    # The random base64 under `etag` is no proposal; the same string as a note's text waits for a decision.
    logs = _log(tmp_path / "logs")
    log = next(logs.rglob("*.jsonl"))
    log.write_text(log.read_text().replace('"path": "kv/app"', f'"note": "{ORDINARY["etag"]}"'))
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={logs}", "--json"]) == 0
    capsys.readouterr()
    assert main(["--bucket", str(bucket), "review", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groups"]
    places = [w["field"] for g in groups for w in g["where"]]
    assert "tool_input.note" in places
    assert not [p for p in places if p.split(".")[-1] in ORDINARY], places


def test_an_export_needs_no_accept_suggested_for_them(bucket, tmp_path, capsys):
    """The gate has nothing left to find that the plan did not list: no refusal, nothing leaves."""
    for fmt in ("atif", "parquet", "raw"):
        dest = tmp_path / fmt
        capsys.readouterr()
        code = main(["--bucket", str(bucket), "export", str(dest), "--format", fmt, "--json"])
        report = json.loads(capsys.readouterr().out)
        assert code == 0 and not report.get("refused"), (fmt, report.get("refused"))
        for value in _secrets():
            no_value_in(dest, value)


def test_a_seal_needs_no_accept_suggested_for_them(bucket, tmp_path, capsys):
    out = tmp_path / "s.capsule"
    code = main(["--bucket", str(bucket), "seal", SID, "-o", str(out), "--json"])
    assert code == 0, capsys.readouterr()
    sealed = gzip.decompress(out.read_bytes())
    assert b"stored" in sealed
    assert [v for v in _secrets() if v.encode() in sealed] == []
    for value in ORDINARY.values():
        assert value.encode() in sealed  # ordinary ids go as they are


def test_sure_only_reaches_every_depth_under_such_a_key():
    token = "ghp_" + drawn("review-structural-key", 36)
    tool_input = {"hash": {"note": "n", "list": ["a", {"x": "b"}], token: "v"}, "plain": "p", "uuid": "u"}
    step = Step("s1", 0, "tool_call", "assistant", tool="put", tool_input=tool_input)
    fields = {f.name: f.sure_only for f in iter_fields(Session("s", "claude", "/l.jsonl", steps=[step]))}
    assert fields["tool_input.plain"] is False and fields["tool"] is False
    assert fields["tool_input.uuid"] is True
    assert fields["tool_input.hash.note"] and fields["tool_input.hash.list[0]"]
    assert fields["tool_input.hash.list[1].x"] and fields["tool_input.hash[#2]"] and fields["tool_input.hash{#2}"]


def test_the_plan_scrubs_a_key_under_an_id_and_leaves_an_ordinary_id():
    tool_input = {**_tool_input(), "plain": ORDINARY["etag"]}
    step = Step("s1", 0, "tool_call", "assistant", tool="put", tool_input=tool_input)
    session = Session("s", "claude", "/l.jsonl", steps=[step])
    findings = scan_session(session, workers=0)
    places = {(f.field, f.tier) for f in findings}
    assert ("tool_input.plain", "suggested") in places  # the filter is by place, not by value
    assert {name for name, _ in places} == {*PLANTED, "tool_input.plain"}
    plan = build_plan(session, findings)
    out = apply(session, plan).steps[0].tool_input
    assert out is not None
    assert PLANTED["tool_input.id"] not in str(out) and _GHP[4:] not in str(out)
    assert {k: out[k] for k in ORDINARY} == ORDINARY
