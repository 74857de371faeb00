"""`tracetui export --format atif`: one ATIF v1.7 trajectory per session whose references all resolve,
every tool call and token accounted for, subagents embedded, compactions as context-management steps."""

from __future__ import annotations

import json

import pytest
from shared_data import CORPUS, FIXTURES, requires_corpus

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.export import ExportOptions, export
from tracetui.model import StepKind

TOKEN = "ghp_" + "Rk7Tq2Wm9Xv4Lp8Zs3Nc6Hd1Jf5Gb0Ya2Ue7"


def _valid(doc: dict, embedded: set[str]) -> tuple[int, int]:
    """Check one trajectory as ATIF v1.7 requires; returns (tool calls, completion tokens) in it."""
    assert doc["schema_version"] == "ATIF-v1.7" and doc["session_id"] and doc["trajectory_id"]
    assert doc["agent"]["name"] and doc["agent"]["version"]
    calls = tokens = 0
    for n, step in enumerate(doc["steps"], 1):
        assert step["step_id"] == n and step["source"] in ("user", "agent", "system")
        assert isinstance(step["message"], str)
        ids = {c["tool_call_id"] for c in step.get("tool_calls", ())}
        assert step["source"] == "agent" or not ids
        for call in step.get("tool_calls", ()):
            assert isinstance(call["function_name"], str) and isinstance(call["arguments"], dict)
        calls += len(ids)
        for result in step.get("observation", {}).get("results", ()):
            if result.get("source_call_id") is not None:
                assert result["source_call_id"] in ids
            for ref in result.get("subagent_trajectory_ref", ()):
                assert ref["trajectory_id"] in embedded
        tokens += step.get("metrics", {}).get("completion_tokens", 0)
    assert doc["final_metrics"]["total_steps"] == len(doc["steps"])
    assert doc["final_metrics"]["total_completion_tokens"] == tokens
    return calls, tokens


def _check_document(doc: dict, session) -> None:
    embedded = {t["trajectory_id"] for t in doc.get("subagent_trajectories", ())}
    calls, _ = _valid(doc, embedded)
    for sub in doc.get("subagent_trajectories", ()):
        calls += _valid(sub, embedded)[0]
    assert calls == session.tool_calls
    assert len(embedded) == len({s.subagent for s in session.steps if s.subagent})
    compactions = [s for s in doc["steps"] if s.get("extra", {}).get("context_management") == "compaction"]
    # a fork's trajectory is its own run: the compactions it copied from its parent are the parent's
    assert len(compactions) == sum(
        1 for s in session.steps if s.kind == StepKind.COMPACTION and not s.subagent and "copied" not in s.meta
    )
    assert "labels" in doc["extra"]["tracetui"] and "patches" in doc["extra"]["tracetui"]


def test_atif_fixture_is_valid_and_scrubbed(tmp_path):
    bucket_dir = tmp_path / "bucket"
    src = FIXTURES / "redact" / "claude" / "projects"
    assert main(["--bucket", str(bucket_dir), "sync", "--source", f"claude={src}"]) == 0
    bucket = Bucket.open(bucket_dir)
    dest = tmp_path / "out"
    report = export(bucket, dest, ExportOptions("atif", accept_suggested=True))
    assert report.written == 1
    [path] = (dest / "trajectories" / "claude_code").glob("*.json")
    data = path.read_bytes()
    assert TOKEN.encode() not in data and b"jdoe" not in data
    doc = json.loads(data)
    [row] = bucket.list_sessions()
    _check_document(doc, bucket.session(row.id))
    receipt = doc["extra"]["tracetui"]["receipt"]
    assert receipt and all("placeholder" in r and "kind" in r for r in receipt)


@requires_corpus
@pytest.mark.corpus
def test_corpus_trajectories_are_valid(tmp_path):
    bucket_dir = tmp_path / "bucket"
    args = [x for a in ("claude", "codex", "pi") for x in ("--source", f"{a}={CORPUS / a}")]
    assert main(["--bucket", str(bucket_dir), "sync", *args]) == 0
    bucket = Bucket.open(bucket_dir)
    dest = tmp_path / "out"
    report = export(bucket, dest, ExportOptions("atif", accept_suggested=True))
    assert report.refused == [] and report.written == report.sessions
    documents = {}
    for path in (dest / "trajectories").rglob("*.json"):
        doc = json.loads(path.read_bytes())
        documents[doc["session_id"]] = doc
    assert len(documents) == report.sessions
    kinds = set()
    for sid, doc in documents.items():
        session = bucket.session(sid)
        _check_document(doc, session)
        kinds |= {s.kind for s in session.steps}
    assert StepKind.COMPACTION in kinds and StepKind.SUBAGENT_START in kinds
