"""Values nested as deep as a log's JSON may be (found 2026-11-26): a tool input a thousand levels
deep cost its whole session at sync (the index mended it before cutting it, and the mending recursed
past Python's limit), and a JWT-shaped token whose header decodes to thousands of nested arrays
stopped every scan of its text (`review`, `export`, a seal: a RecursionError and a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.deep_values import DEEP_SESSION, deep_claude_log, deep_json, deep_jwt
from support.hostile_fields import PICKS, each_field

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.redact import iter_fields, scan_text
from tracetui.redact.fields import rewrite_fields
from tracetui.sources import read_session, registry


def test_a_jwt_shaped_token_with_a_header_nested_past_the_parsers_limit_is_scanned():
    token = deep_jwt()
    found = scan_text(f"token: {token}")
    assert all(f.end <= len(token) + 7 for f in found)  # it returns, whatever it makes of the token


def test_a_session_nested_a_thousand_levels_deep_is_kept_reviewed_and_exported(tmp_path, capsys):
    deep_claude_log(tmp_path / "claude")
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"claude={tmp_path / 'claude'}", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sessions"] == 1 and report["errors"] == [], report["errors"]
    assert main([*bucket, "show", DEEP_SESSION[:8], "--step", "1"]) == 0
    assert '"deep"' in capsys.readouterr().out
    assert main([*bucket, "review", "--json"]) == 0
    capsys.readouterr()
    dest = tmp_path / "out"
    assert main([*bucket, "export", str(dest), "--format", "atif", "--accept-suggested", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["written"] == 1 and out["refused"] == []
    assert deep_jwt() not in "".join(p.read_text() for p in Path(dest).rglob("*.json"))


@pytest.mark.parametrize("agent", list(PICKS))
def test_any_field_of_any_agents_log_nested_a_thousand_deep_is_read_indexed_and_walked(tmp_path, agent):
    """Every container a reader reads (a tool call's input, a record's metadata, a message's parts),
    replaced in turn by a value nested a thousand levels deep: the session is read, synced into a
    bucket whole, and as the bucket loads it, its fields are walked as a scan walks them and copied as
    a seal's scrub copies it. Python's own limit is about a thousand frames; orjson reads up to 1,024
    levels."""
    reader = registry.get(agent)
    tried = 0
    for field in each_field(agent, tmp_path):
        if not field.where or not isinstance(field.value, dict | list):
            continue
        field.write(None, deep_json())
        for group in reader.group(field.files):
            read_session(group)  # never raises
        with Bucket.open(tmp_path / f"b{tried}") as bucket:  # what a sync keeps of it, as it loads it
            report = bucket.sync({agent: [field.folder]})
            assert not [e for e in report.errors if "could not read" in e.error], (field.where, report.errors)
            for row in bucket.list_sessions():
                session = bucket.session(row.id)
                list(iter_fields(session))
                rewrite_fields(session, lambda step, name, text: text)  # a seal's scrubbed copy
        tried += 1
    assert tried > 5
