"""`tracetui export --format atif`: one ATIF v1.7 trajectory per session whose references all resolve,
every tool call and token accounted for, subagents embedded, compactions as context-management steps."""

from __future__ import annotations

import json

import pytest
from shared_data import FIXTURES, requires_corpus
from support.built_once import PLANTED_GROUP, planted_bucket, planted_export
from support.narrow import present

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.cost import session_cost, steps_cost
from tracetui.export import ExportOptions, check, export
from tracetui.model import StepKind

# The consumers' validator: `atif` (in the test extras; Harbor's own needs Python 3.12+).
atif = pytest.importorskip("atif", reason="the atif package (ATIF's pydantic models) is not installed")

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


def _consumers_accept(doc: dict) -> None:
    """The consumer's validator takes it, and what it cannot check holds: model names only on agent
    steps, each turn's llm_call_count and cost agree with its responses, no cost where none is known."""
    atif.Trajectory.model_validate(doc)
    for traj in (doc, *doc.get("subagent_trajectories", ())):
        for step in traj["steps"]:
            assert "model_name" not in step or step["source"] == "agent"
            if "cost_usd" in step.get("metrics", {}):
                assert step["llm_call_count"] >= 1
        costs = [s["metrics"].get("cost_usd") for s in traj["steps"] if "llm_call_count" in s]
        # requests outside a model turn (a compaction's) are priced on their system step's extra
        costs += [s["extra"]["metrics"].get("cost_usd") for s in traj["steps"] if "metrics" in s.get("extra", {})]
        total = traj["final_metrics"].get("total_cost_usd")
        if total is not None:
            # each figure is rounded to the micro-dollar
            assert None not in costs and total == pytest.approx(sum(costs), abs=1e-6 * (len(costs) + 1))


def _check_document(doc: dict, session) -> None:
    _consumers_accept(doc)
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
@PLANTED_GROUP
def test_corpus_trajectories_are_valid(tmp_path, tmp_path_factory):
    # The corpus's one ATIF export of the run (test_gate_corpus checks no planted secret is in it).
    dest, report = planted_export(tmp_path_factory, "atif")
    bucket = Bucket.open(planted_bucket(tmp_path_factory, tmp_path / "bucket"))
    assert report["refused"] == [] and report["written"] == report["sessions"]
    documents = {}
    for path in (dest / "trajectories").rglob("*.json"):
        doc = json.loads(path.read_bytes())
        documents[doc["session_id"]] = doc
    assert len(documents) == report["sessions"]
    kinds = set()
    priced = changed = 0
    for sid, doc in documents.items():
        session = bucket.session(sid)
        _check_document(doc, session)
        kinds |= {s.kind for s in session.steps}
        # The total is the price `ls` shows for the session, absent where `ls` shows "?".
        whole = session_cost(session).cost_usd
        got = doc["final_metrics"].get("extra", {}).get("session_cost_usd", doc["final_metrics"].get("total_cost_usd"))
        assert got == (None if whole is None else pytest.approx(whole, abs=1e-5))
        priced += whole is not None
        changed += any(s.kind == StepKind.MODEL_CHANGE and s.model for s in session.steps)
    assert StepKind.COMPACTION in kinds and StepKind.SUBAGENT_START in kinds
    assert priced >= 20 and changed >= 3
    assert {p.parent.name for p in (dest / "trajectories").rglob("*.json")} >= {"pi", "gemini", "copilot", "opencode"}
    checked = check(dest)
    assert checked.ok, checked.problems[:3]
    assert checked.atif_validator and checked.atif_validator.startswith(("atif ", "harbor "))


def test_model_changes_costs_and_calls_where_the_format_puts_them(tmp_path):
    """A Pi session that changes model and a Copilot one: the change is a system step whose model is
    in `extra`, every agent turn names its model, and each priced turn has its cost and call count."""
    bucket_dir = tmp_path / "bucket"
    sources = ["--source", f"pi={FIXTURES / 'pi'}", "--source", f"copilot={FIXTURES / 'copilot' / 'session-state'}"]
    assert main(["--bucket", str(bucket_dir), "sync", *sources]) == 0
    bucket = Bucket.open(bucket_dir)
    dest = tmp_path / "out"
    report = export(bucket, dest, ExportOptions("atif", accept_suggested=True))
    assert report.refused == [] and report.written == report.sessions
    changes = 0
    for path in (dest / "trajectories").rglob("*.json"):
        doc = json.loads(path.read_bytes())
        _consumers_accept(doc)
        session = bucket.session(doc["session_id"])
        for step in doc["steps"]:
            if step.get("extra", {}).get("kind") == StepKind.MODEL_CHANGE:
                changes += 1
                assert step["source"] == "system" and step["extra"].get("model")
        own = [s for s in session.steps if not s.copied and not s.subagent]
        turns = (StepKind.ASSISTANT, StepKind.REASONING, StepKind.TOOL_CALL, StepKind.TOOL_RESULT)
        responses = sum(1 for s in own if s.kind in turns and s.tokens is not None and s.tokens.total)
        assert sum(s.get("llm_call_count", 0) for s in doc["steps"]) == responses
        total = steps_cost(own, session.models).cost_usd
        assert doc["final_metrics"].get("total_cost_usd") == (None if total is None else pytest.approx(total, abs=1e-6))
    assert changes >= 2


def test_check_names_the_validator_and_reports_what_it_rejects(tmp_path, capsys):
    from tracetui.export.manifest import MANIFEST, canonical, file_sha256, read_manifest

    bucket_dir = tmp_path / "bucket"
    assert main(["--bucket", str(bucket_dir), "sync", "--source", f"pi={FIXTURES / 'pi'}"]) == 0
    dest = tmp_path / "out"
    assert main(["--bucket", str(bucket_dir), "export", str(dest), "--format", "atif", "--accept-suggested"]) == 0
    capsys.readouterr()
    assert main(["export", "--check", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "ATIF trajectories validated by atif " in out or "validated by harbor " in out
    # A trajectory whose system step carries model_name (what the export wrote before): rejected.
    path = next((dest / "trajectories").rglob("*.json"))
    doc = json.loads(path.read_bytes())
    doc["steps"][0]["source"] = "system"
    doc["steps"][0]["model_name"] = "made-up-model"
    path.write_bytes(json.dumps(doc).encode())
    manifest = present(read_manifest(dest))
    rel = path.relative_to(dest).as_posix()
    sha, size = file_sha256(path)
    manifest["files"][rel] = {**manifest["files"][rel], "sha256": sha, "size": size}
    (dest / MANIFEST).write_bytes(canonical(manifest))
    report = check(dest)
    assert not report.ok
    assert any(p["file"] == rel and "model_name" in p["problem"] for p in report.problems)
    # A forged file: JSON, but no object, and subagents nested past what any reader follows.
    head = '{"schema_version": "ATIF-v1.7", "agent": {"name": "x", "version": "1"}, "steps": []'
    nested = (head + ', "trajectory_id": "t", "subagent_trajectories": [') * 400 + head + "}" + "]}" * 400
    for forged in (b"[1, 2]", nested.encode()):
        path.write_bytes(forged)
        sha, size = file_sha256(path)
        manifest["files"][rel] = {**manifest["files"][rel], "sha256": sha, "size": size}
        (dest / MANIFEST).write_bytes(canonical(manifest))
        problems = [p["problem"] for p in check(dest).problems if p["file"] == rel]
        assert problems and all("\n" not in p and len(p) < 500 for p in problems), problems


def test_demo_export_is_accepted(tmp_path):
    from tracetui.demo.build import build, open_library

    bucket = open_library(build(tmp_path / "demo"))
    dest = tmp_path / "out"
    report = export(bucket, dest, ExportOptions("atif", accept_suggested=True))
    assert report.refused == [] and report.written == report.sessions >= 3
    for path in (dest / "trajectories").rglob("*.json"):
        doc = json.loads(path.read_bytes())
        _check_document(doc, bucket.session(doc["session_id"]))
    checked = check(dest)
    assert checked.ok, checked.problems[:3]
    assert checked.atif_validator and checked.atif_validator.split()[0] in ("atif", "harbor")


def test_check_without_a_validator_says_so(tmp_path, capsys, monkeypatch):
    import importlib

    check_module = importlib.import_module("tracetui.export.verify")  # the package's `check` is the function

    bucket_dir = tmp_path / "bucket"
    assert main(["--bucket", str(bucket_dir), "sync", "--source", f"pi={FIXTURES / 'pi'}"]) == 0
    dest = tmp_path / "out"
    assert main(["--bucket", str(bucket_dir), "export", str(dest), "--format", "atif", "--accept-suggested"]) == 0
    monkeypatch.setattr(check_module, "find_validator", lambda: None)
    capsys.readouterr()
    assert main(["export", "--check", str(dest)]) == 0
    assert "ATIF trajectories not validated: no validator installed" in capsys.readouterr().out
    assert check(dest).atif_validator == "none installed"


def test_a_request_the_log_counts_in_part_is_marked_a_lower_bound(tmp_path):
    """A Claude Code response logged as its stream began (no stop reason, one output token for a long
    answer): its step's metrics and the trajectory's final metrics say the figures are floors, and
    the consumer's validator takes the marks (`extra`)."""
    src = tmp_path / "projects" / "-w-shop"
    src.mkdir(parents=True)
    sid = "5e2c4b1a-0d7e-4f7c-9a51-3c2b1d0e9f8a"
    base = {"sessionId": sid, "cwd": "/w/shop", "version": "2.1.20", "timestamp": "2026-02-03T10:00:00.000Z"}

    def answer(uuid: str, parent: str, mid: str, text: str, output: int, stop: str | None) -> dict:
        message = {"id": mid, "role": "assistant", "model": "claude-sonnet-4-5-20250929", "stop_reason": stop,
                   "content": [{"type": "text", "text": text}],
                   "usage": {"input_tokens": 50, "output_tokens": output}}  # fmt: skip
        return base | {"type": "assistant", "uuid": uuid, "parentUuid": parent, "message": message}

    def prompt(uuid: str, parent: str | None, text: str) -> dict:
        said = {"role": "user", "content": text}
        return base | {"type": "user", "uuid": uuid, "parentUuid": parent, "message": said}

    lines = [
        prompt("u1", None, "Tidy"),
        answer("a1", "u1", "msg_1", "The notes are tidy now. " * 10, 1, None),
        prompt("u2", "a1", "Thanks"),
        answer("a2", "u2", "msg_2", "You are welcome.", 9, "end_turn"),
    ]
    (src / f"{sid}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    bucket_dir = tmp_path / "bucket"
    assert main(["--bucket", str(bucket_dir), "sync", "--source", f"claude={src.parent}"]) == 0
    with Bucket.open(bucket_dir) as bucket:
        export(bucket, tmp_path / "out", ExportOptions("atif", accept_suggested=True))
    [path] = (tmp_path / "out" / "trajectories" / "claude_code").glob("*.json")
    doc = json.loads(path.read_bytes())
    _consumers_accept(doc)
    marks = [s["metrics"]["extra"].get("usage_lower_bound") for s in doc["steps"] if "metrics" in s]
    assert marks == [True, None]
    assert doc["final_metrics"]["extra"]["usage_lower_bound"] is True
