"""Values nested as deep as a log's JSON may be (found 2026-11-26): a tool input a thousand levels
deep cost its whole session at sync (the index mended it before cutting it, and the mending recursed
past Python's limit), and a JWT-shaped token whose header decodes to thousands of nested arrays
stopped every scan of its text (`review`, `export`, a seal: a RecursionError and a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

from support.deep_values import DEEP_SESSION, deep_claude_log, deep_jwt

from tracetui.cli import main
from tracetui.redact import scan_text


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
