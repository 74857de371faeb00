"""`tracetui blame FILE --format agent-trace`: one Agent Trace record (agent-trace.dev) for the file,
valid against the spec's published JSON schema (its own file, read from the spec's mirror and checked
with `jsonschema`: tests/support/agent_trace_schema.py), its lines attributed per session with the
model, transformed lines as `mixed`, and survival under the record's metadata. The code's own check
(`record_problems`, what `export --check` runs without a JSON-schema library) is held to the same
file: it accepts and rejects exactly what the schema does, case by case."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest
from support.agent_trace_schema import published_validator, schema_errors, valid_record
from support.blame_world import CLAUDE_SID, CODEX_SID, agent_trace_out, build

from tracetui.blame import record_problems
from tracetui.cli import main


def test_blame_as_an_agent_trace_record(tmp_path, capsys, monkeypatch):
    world = build(tmp_path)
    bucket = tmp_path / "bucket"
    rec = orjson.loads(agent_trace_out(world, tmp_path, capsys, monkeypatch))
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


_DROP = object()
_GOOD: dict[str, Any] = {
    "version": "0.1", "id": "6f1c3a52-7c0e-5d8e-9a43-2b5d7e1f0c94", "timestamp": "2026-01-25T10:00:00Z",
    "vcs": {"type": "git", "revision": "a" * 40}, "tool": {"name": "tracetui", "version": "0.1.12"},
    "files": [{"path": "a.py", "conversations": [{
        "contributor": {"type": "ai", "model_id": "claude-test"},
        "ranges": [{"start_line": 1, "end_line": 2}, {"start_line": 4, "end_line": 4, "contributor": {"type": "mixed"}}],
    }]}],
    "metadata": {"dev.tracetui": {"ref": "HEAD"}},
}  # fmt: skip
_CONV = ("files", 0, "conversations", 0)
_RANGE = (*_CONV, "ranges", 0)
# (where, value): the good record with the value at `where` (or the key dropped), each a case the
# schema decides one way or the other. Only what every JSON-schema validator decides alike: no URL
# whose validity depends on a `uri` format library, no non-ASCII digit (ECMA-262's \d is ASCII only).
CASES: list[tuple[tuple[Any, ...], Any]] = [
    ((), "a record that is a string"),
    (("version",), "0.1.0"), (("version",), "1"), (("version",), 1), (("version",), "10.20"), (("version",), _DROP),
    (("id",), "not-a-uuid"), (("id",), "6f1c3a52-7c0e-0d8e-9a43-2b5d7e1f0c94"), (("id",), "00000000-0000-0000-0000-000000000000"),
    (("id",), "ffffffff-ffff-ffff-ffff-ffffffffffff"), (("id",), "6F1C3A52-7C0E-4D8E-AA43-2B5D7E1F0C94"), (("id",), _DROP),
    (("timestamp",), "2026-01-25T10:00Z"), (("timestamp",), "2026-01-25T10:00:00.123456Z"),
    (("timestamp",), "2026-01-25T10:00:00+01:00"), (("timestamp",), "2026-02-30T10:00:00Z"),
    (("timestamp",), "2026-13-01T10:00:00Z"), (("timestamp",), "2024-02-29T10:00:00Z"),
    (("timestamp",), "2023-02-29T10:00:00Z"), (("timestamp",), "2000-02-29T00:00:00Z"), (("timestamp",), "1900-02-29T00:00:00Z"),
    (("timestamp",), "2026-01-25T24:00:00Z"), (("timestamp",), "2026-01-25T10:60:00Z"), (("timestamp",), "2026-01-25T10:00:60Z"),
    (("timestamp",), "2026-01-25 10:00:00Z"), (("timestamp",), "2026-04-31T10:00:00Z"), (("timestamp",), "2026-01-00T10:00:00Z"),
    (("timestamp",), 1769335200),
    (("vcs", "revision"), _DROP), (("vcs", "type"), "cvs"), (("vcs", "revision"), 5), (("vcs", "branch"), "main"),
    (("vcs", "type"), "jj"), (("vcs",), "git"),
    (("tool", "version"), _DROP), (("tool", "version"), 1), (("tool", "url"), "https://example.com"), (("tool",), _DROP),
    (("files",), {}), (("files",), []), (("files", 0, "path"), _DROP), (("files", 0, "path"), 7), (("files", 0, "lines"), 3),
    (("files", 0, "conversations"), {}), (("files", 0, "conversations"), []), (("files", 0), "a.py"),
    ((*_CONV, "ranges"), _DROP), ((*_CONV, "ranges"), []), ((*_CONV, "ranges"), "1-2"), ((*_CONV, "contributor"), _DROP),
    ((*_CONV, "url"), "https://example.com/conversations/1"), ((*_CONV, "url"), 5),
    ((*_CONV, "related"), [{"type": "issue", "url": "https://example.com/issues/1"}]), ((*_CONV, "related"), [{"type": "issue"}]),
    ((*_CONV, "related"), [{"type": "issue", "url": "https://example.com/i/1", "title": "x"}]), ((*_CONV, "related"), {}),
    ((*_CONV, "related"), [{"type": 1, "url": "https://example.com/i/1"}]), ((*_CONV, "related"), ["https://example.com/i/1"]),
    ((*_CONV, "session"), "s1"), ((*_CONV, "contributor", "type"), "robot"), ((*_CONV, "contributor", "type"), _DROP),
    ((*_CONV, "contributor", "model_id"), "m" * 250), ((*_CONV, "contributor", "model_id"), "m" * 251),
    ((*_CONV, "contributor", "model_id"), "é" * 250), ((*_CONV, "contributor", "model_id"), 3),
    ((*_CONV, "contributor", "name"), "x"), ((*_CONV, "contributor"), "ai"),
    ((*_RANGE, "start_line"), 0), ((*_RANGE, "start_line"), -1), ((*_RANGE, "start_line"), 1.0), ((*_RANGE, "start_line"), 1.5),
    ((*_RANGE, "start_line"), True), ((*_RANGE, "start_line"), "1"), ((*_RANGE, "end_line"), 2**53 - 1),
    ((*_RANGE, "end_line"), 2**53), ((*_RANGE, "end_line"), _DROP), ((*_RANGE, "content_hash"), "murmur3:9f2e8a1b"),
    ((*_RANGE, "content_hash"), 9), ((*_RANGE, "state"), "alive"), ((*_RANGE, "contributor"), {"type": "human"}),
    ((*_RANGE, "contributor"), {}), ((*_CONV, "ranges", 1), [4, 4]),
    (("metadata",), []), (("metadata",), {}), (("metadata",), {"x": [1, {"y": None}]}), (("metadata",), _DROP),
    (("extra",), 1),
]  # fmt: skip


def _case(where: tuple[Any, ...], value: Any) -> Any:
    if not where:
        return value
    rec = copy.deepcopy(_GOOD)
    *parents, last = where
    at: Any = rec
    for key in parents:
        at = at[key]
    if value is _DROP:
        del at[last]
    else:
        at[last] = value
    return rec


def test_records_and_the_code_s_check_against_the_published_schema():
    validator = published_validator()
    if isinstance(validator, str):
        pytest.skip(validator)
    # The schema's `date-time` format is checked (rfc3339-validator, in the test extra), as strict
    # validators do: its pattern alone would let a time without seconds through.
    assert "date-time" in validator.format_checker.checkers
    assert schema_errors(validator, _GOOD) == [] and record_problems(_GOOD) == []
    verdicts = []
    for where, value in CASES:
        rec = _case(where, value)
        by_schema, by_code = schema_errors(validator, rec), record_problems(rec)
        assert (by_schema == []) == (by_code == []), (where, value, by_schema, by_code)
        verdicts.append(by_schema == [])
    assert 15 < verdicts.count(True) < verdicts.count(False)  # both kinds of case, many of each
