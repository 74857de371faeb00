"""`tracetui blame FILE --format agent-trace`: one Agent Trace record (agent-trace.dev) for the file,
valid against the rules of the spec's published JSON schema (schemas/trace-record.json, checked here
rule by rule: no JSON-schema library is in the test extras), its lines attributed per session with
the model, transformed lines as `mixed`, and survival under the record's metadata."""

from __future__ import annotations

import re
from typing import Any

import orjson
from test_blame import CLAUDE_SID, CODEX_SID, build

from tracetui.cli import main

# The published schema's rules (version 0.1 of the spec, January 2026).
_VERSION = re.compile(r"^[0-9]+\.[0-9]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$")
_KINDS = {"human", "ai", "mixed", "unknown"}


def _only(obj: dict[str, Any], allowed: set[str], required: set[str]) -> None:
    assert isinstance(obj, dict) and set(obj) <= allowed, set(obj) - allowed
    assert required <= set(obj), required - set(obj)


def _contributor(c: dict[str, Any]) -> None:
    _only(c, {"type", "model_id"}, {"type"})
    assert c["type"] in _KINDS
    assert "model_id" not in c or (isinstance(c["model_id"], str) and len(c["model_id"]) <= 250)


def valid_record(rec: dict[str, Any]) -> None:
    _only(rec, {"version", "id", "timestamp", "vcs", "tool", "files", "metadata"}, {"version", "id", "timestamp", "files"})
    assert _VERSION.match(rec["version"]) and _UUID.match(rec["id"]) and _TIME.match(rec["timestamp"])
    if "vcs" in rec:
        _only(rec["vcs"], {"type", "revision"}, {"type", "revision"})
        assert rec["vcs"]["type"] in {"git", "jj", "hg", "svn"} and isinstance(rec["vcs"]["revision"], str)
    if "tool" in rec:
        _only(rec["tool"], {"name", "version"}, {"name", "version"})
        assert all(isinstance(v, str) for v in rec["tool"].values())
    for f in rec["files"]:
        _only(f, {"path", "conversations"}, {"path", "conversations"})
        assert isinstance(f["path"], str)
        for conv in f["conversations"]:
            _only(conv, {"url", "contributor", "ranges", "related"}, {"ranges"})
            if "contributor" in conv:
                _contributor(conv["contributor"])
            for r in conv["ranges"]:
                _only(r, {"start_line", "end_line", "content_hash", "contributor"}, {"start_line", "end_line"})
                assert all(type(r[k]) is int and 1 <= r[k] <= 2**53 - 1 for k in ("start_line", "end_line"))
                if "contributor" in r:
                    _contributor(r["contributor"])
    assert isinstance(rec.get("metadata", {}), dict)


def test_blame_as_an_agent_trace_record(tmp_path, capsys, monkeypatch):
    world = build(tmp_path)
    bucket = tmp_path / "bucket"
    sources = ["--source", f"claude={world.logs / 'claude'}", "--source", f"codex={world.logs / 'codex'}"]
    assert main(["--bucket", str(bucket), "sync", *sources, "--json"]) == 0
    capsys.readouterr()
    monkeypatch.chdir(world.repo.path)
    assert main(["--bucket", str(bucket), "blame", "app.py", "--format", "agent-trace"]) == 0
    rec = orjson.loads(capsys.readouterr().out)
    valid_record(rec)
    assert rec["vcs"]["revision"] == world.c[max(world.c)] or len(rec["vcs"]["revision"]) == 40
    [f] = rec["files"]
    assert f["path"] == "app.py"
    by_kind: dict[str, list[tuple[int, int]]] = {}
    for conv in f["conversations"]:
        for r in conv["ranges"]:
            kind = r.get("contributor", conv["contributor"])["type"]
            by_kind.setdefault(kind, []).append((r["start_line"], r["end_line"]))
    # lines 4-5: Claude's, committed then edited (transformed): mixed; 8-9 Codex's, alive: ai
    assert by_kind == {"human": [(1, 3), (6, 7)], "mixed": [(4, 5)], "ai": [(8, 9)]}
    # each session's conversation names the model that answered at the writing step
    assert sorted(c["contributor"].get("model_id", "") for c in f["conversations"]) == ["", "claude-test", "gpt-test"]
    meta = rec["metadata"]["dev.tracetui"]
    assert set(meta["sessions"]) == {CLAUDE_SID, CODEX_SID}
    assert {(r["start_line"], r.get("session"), r["state"]) for r in meta["ranges"]} == {
        (1, None, "human"), (4, CLAUDE_SID, "transformed"), (6, None, "human"), (8, CODEX_SID, "alive"),
    }  # fmt: skip
    # the same revision and file give the same id
    assert main(["--bucket", str(bucket), "blame", "app.py", "--format", "agent-trace"]) == 0
    assert orjson.loads(capsys.readouterr().out)["id"] == rec["id"]
    # only a file's lines make a record
    assert main(["--bucket", str(bucket), "blame", "--commit", "HEAD", "--format", "agent-trace"]) == 2
    assert "give FILE" in capsys.readouterr().err


def test_the_schema_rules_reject_what_the_spec_does():
    good = {"version": "0.1", "id": "6f1c3a52-7c0e-5d8e-9a43-2b5d7e1f0c94", "timestamp": "2026-01-25T10:00:00Z",
            "files": [{"path": "a", "conversations": [{"contributor": {"type": "ai"}, "ranges": [{"start_line": 1, "end_line": 2}]}]}]}
    valid_record(good)
    for bad in ({**good, "version": "0.1.0"}, {**good, "timestamp": "2026-01-25T10:00:00+01:00"},
                {**good, "tool": {"name": "x"}}, {**good, "extra": 1}):
        try:
            valid_record(bad)
        except AssertionError:
            continue
        raise AssertionError(f"accepted {bad}")
