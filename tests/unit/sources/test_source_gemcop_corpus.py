"""The Gemini and Copilot readers against every real file in the corpus.

Each file is also counted here by a separate, deliberately plain method (json.loads, a dict of
messages replayed in file order; a set of toolCallIds), and the reader must agree with it: steps,
distinct tool calls, edit calls and subagents. The logs are read at run time, never copied into
the repository; those whose layout matters are laid out again in a temporary folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from shared_data import corpus_files, requires_corpus

from tracetui.model import StepKind
from tracetui.sources import RawLog, SessionFiles, read_session
from tracetui.sources.copilot import reader as copilot
from tracetui.sources.gemini import files as gemini_files
from tracetui.sources.gemini import reader as gemini

pytestmark = [requires_corpus, pytest.mark.corpus]

GEMINI = [p for p in corpus_files("gemini", "*.json*") if not p.name.endswith("logs.json")]
LOGS = corpus_files("gemini", "*logs.json")
COPILOT = corpus_files("copilot", "*.jsonl")


def _ids(paths: list[Path]) -> list[str]:
    return [p.name[:60] for p in paths]


# -- Gemini ------------------------------------------------------------------------------------


def plain_gemini_messages(path: Path) -> list[dict[str, Any]]:
    """The conversation as the agent would load it, replayed without the reader's code."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return list(json.loads(text).get("messages") or [])
    messages: dict[str, dict[str, Any]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if "$rewindTo" in record:
            ids = list(messages)
            for mid in ids[ids.index(record["$rewindTo"]) if record["$rewindTo"] in ids else 0 :]:
                del messages[mid]
        elif "$set" in record:
            if isinstance(record["$set"].get("messages"), list):
                messages = {m["id"]: m for m in record["$set"]["messages"]}
        elif "id" in record:
            messages[record["id"]] = record
    return list(messages.values())


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content or [] if isinstance(p, dict))


def plain_gemini_steps(messages: list[dict[str, Any]]) -> int:
    """A prompt or notice is one step; an answer is its thoughts (one step), its text (one step,
    also when it has nothing else), and a call and a result per tool call; an answer of another
    model than the one before it one step more (the switch, which no record names)."""
    steps = 0
    last = None
    for m in messages:
        if m["type"] != "gemini":
            steps += 1
            continue
        thoughts, calls = bool(m.get("thoughts")), m.get("toolCalls") or []
        steps += thoughts + bool(_text(m["content"]).strip() or not (thoughts or calls)) + 2 * len(calls)
        if isinstance(m.get("model"), str) and m["model"]:
            steps += last is not None and m["model"] != last
            last = m["model"]
    return steps


@pytest.mark.parametrize("path", GEMINI, ids=_ids(GEMINI))
def test_every_gemini_file_reads_and_agrees_with_a_plain_count(path):
    session = gemini.read(RawLog(str(path), path.read_bytes()), [])
    assert session.errors == [] and session.skipped == {}
    messages = plain_gemini_messages(path)
    calls = [c for m in messages for c in m.get("toolCalls") or []]
    assert messages and len(session.steps) == plain_gemini_steps(messages)
    assert session.tool_calls == len({c["id"] for c in calls})
    edits = [c for c in calls if c["name"] in ("write_file", "replace") and c["args"].get("file_path")]
    assert session.edit_calls == len(edits)
    failed = [c for c in edits if c.get("status") != "success"]
    assert sum(1 for s in session.steps for e in s.edits if not e.applied) == len(failed)
    assert sum(1 for s in session.steps if s.kind == StepKind.USER) == sum(
        1
        for m in messages
        if m["type"] == "user"
        and not all(
            "functionResponse" in p for p in (m["content"] if isinstance(m["content"], list) else [{}])
        )
    )
    assert session.subagents == [] and all(s.active for s in session.steps)
    # every message with tokens is counted once
    totals = [m["tokens"] for m in messages if isinstance(m.get("tokens"), dict)]
    assert session.tokens.total == sum(
        t["input"] + t["output"] + t.get("thoughts", 0) + t.get("tool", 0) for t in totals
    )
    assert session.cwd and session.started and session.title


@pytest.mark.parametrize("path", LOGS, ids=_ids(LOGS))
def test_logs_json_is_no_session_but_gives_titles(path, tmp_path):
    project = tmp_path / "tmp" / "proj"
    (project / "chats").mkdir(parents=True)
    logs = project / "logs.json"
    shutil.copyfile(path, logs)
    assert gemini.group([logs]) == []
    entries = json.loads(path.read_text(encoding="utf-8"))
    sid = str(entries[0]["sessionId"])
    log = project / "chats" / "session-2026-01-01T00-00-abcdefab.json"
    log.write_text(json.dumps({"sessionId": sid, "projectHash": "x", "messages": []}))
    [files] = gemini.group([log, logs])
    prompts = [e["message"] for e in entries if str(e["sessionId"]) == sid]
    first = ([p for p in prompts if not p.startswith("/")] or prompts)[
        0
    ]  # slash commands only if nothing else
    assert read_session(files).title == " ".join(first.split())[:200]


def test_the_jsonl_file_synced_from_its_real_layout_keeps_its_project(tmp_path):
    [path] = [p for p in GEMINI if p.suffix == ".jsonl"]
    chats = tmp_path / "tmp" / "ticketing-vc" / "chats"
    chats.mkdir(parents=True)
    shutil.copyfile(path, chats / path.name.rsplit("__", 1)[-1])
    [logs] = [p for p in LOGS if "ticketing-vc" in p.name]
    shutil.copyfile(logs, chats.parent / "logs.json")
    [files] = gemini.group(sorted(p for p in tmp_path.rglob("*") if p.is_file()))
    session = read_session(files)
    assert session.errors == [] and session.project == "ticketing-VC"


# -- Copilot -----------------------------------------------------------------------------------


def plain_copilot_counts(path: Path) -> dict[str, int]:
    events = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    ids: set[str] = set()
    edit_ids: set[str] = set()
    for e in events:
        data = e.get("data") or {}
        if e["type"] == "assistant.message":
            for r in data.get("toolRequests") or []:
                ids.add(r["toolCallId"])
                if r["name"] in ("edit", "create") or (
                    r["name"] == "str_replace_editor"
                    and r["arguments"].get("command") in ("create", "str_replace")
                ):
                    edit_ids.add(r["toolCallId"])
        elif e["type"] == "tool.execution_start":
            ids.add(data["toolCallId"])
            args = data.get("arguments") or {}
            if data["toolName"] in ("edit", "create") or (
                data["toolName"] == "str_replace_editor" and args.get("command") in ("create", "str_replace")
            ):
                edit_ids.add(data["toolCallId"])
    return {
        "tool_calls": len(ids),
        "edits": len(edit_ids),
        "subagents": sum(1 for e in events if e["type"] == "subagent.started"),
        "users": sum(1 for e in events if e["type"] == "user.message"),
        "results": sum(1 for e in events if e["type"] == "tool.execution_complete"),
        "output": sum(
            (e.get("data") or {}).get("outputTokens") or 0 for e in events if e["type"] == "assistant.message"
        ),
        "steps": plain_copilot_steps(events),
    }


def plain_copilot_steps(events: list[dict[str, Any]]) -> int:
    """One step per event that says something, and per tool call: an assistant message is its
    reasoning, its text (also when it has nothing else) and each call it asks for first."""
    one_each = {"user.message", "system.message", "tool.execution_complete",
                "session.error", "session.warning", "session.info", "session.mode_changed",
                "session.task_complete", "abort", "session.compaction_complete", "subagent.started",
                "subagent.completed", "subagent.failed"}  # fmt: skip
    asked: set[str] = set()
    steps = 0
    chosen: tuple[Any, Any] | None = None  # the model and effort set: a change to the same is none
    for e in events:
        data = e.get("data") or {}
        if e["type"] in one_each:
            steps += 1
        elif e["type"] == "session.model_change":
            now = (data.get("newModel"), data.get("reasoningEffort"))
            steps += chosen is None or now != chosen
            chosen = now
        elif e["type"] == "assistant.message":
            requests = [r for r in data.get("toolRequests") or [] if r["toolCallId"] not in asked]
            reasoning = bool((data.get("reasoningText") or "").strip())
            steps += reasoning + bool((data.get("content") or "").strip() or not (requests or reasoning))
            steps += len(requests)
            asked.update(r["toolCallId"] for r in requests)
        elif e["type"] == "tool.execution_start" and data["toolCallId"] not in asked:
            steps += 1
            asked.add(data["toolCallId"])
    return steps


@pytest.mark.parametrize("path", COPILOT, ids=_ids(COPILOT))
def test_every_copilot_file_reads_and_agrees_with_a_plain_count(path):
    session = copilot.read(RawLog(str(path), path.read_bytes()), [])
    assert session.errors == [] and session.skipped == {}
    want = plain_copilot_counts(path)
    assert len(session.steps) == want["steps"] > 0
    assert session.tool_calls == want["tool_calls"]
    assert session.edit_calls == want["edits"]
    assert len(session.subagents) == want["subagents"]
    assert sum(1 for s in session.steps if s.kind == StepKind.USER) == want["users"]
    assert sum(1 for s in session.steps if s.kind == StepKind.TOOL_RESULT) == want["results"]
    assert session.tokens.output == want["output"]
    # every edit that succeeded carries the hunks of its diff
    for step in session.steps:
        for edit in step.edits:
            assert edit.hunks or not edit.applied or edit.content is not None, step.id


def test_the_session_folder_layout_from_its_real_files(tmp_path):
    [events] = [
        p
        for p in COPILOT
        if p.name.endswith("__events.jsonl")
        and (p.parent / p.name.replace("events.jsonl", "workspace.yaml")).exists()
    ]
    sid = events.name.split("__")[-2]
    folder = tmp_path / "session-state" / sid
    folder.mkdir(parents=True)
    shutil.copyfile(events, folder / "events.jsonl")
    shutil.copyfile(
        events.parent / events.name.replace("events.jsonl", "workspace.yaml"), folder / "workspace.yaml"
    )
    [files] = copilot.group(sorted(p for p in tmp_path.rglob("*") if p.is_file()))
    assert [c.name for c in files.companions] == ["workspace.yaml"]
    session = read_session(files)
    workspace = dict(
        line.split(": ", 1) for line in (folder / "workspace.yaml").read_text().splitlines() if ": " in line
    )
    assert (session.id, session.title, session.cwd) == (sid, workspace["summary"], workspace["cwd"])


def test_a_real_checkpoint_file_becomes_the_compaction_text(tmp_path):
    [checkpoint] = corpus_files("copilot", "*checkpoints__*.md")
    folder = tmp_path / "session-state" / "s1"
    (folder / "checkpoints").mkdir(parents=True)
    name = checkpoint.name.rsplit("__", 1)[-1]
    shutil.copyfile(checkpoint, folder / "checkpoints" / name)
    event = {
        "type": "session.compaction_complete",
        "id": "c1",
        "timestamp": "2026-03-20T21:00:00.000Z",
        "parentId": None,
        "data": {"checkpointNumber": int(name[:3]), "summaryContent": "short"},
    }
    (folder / "events.jsonl").write_text(json.dumps(event) + "\n")
    [files] = copilot.group(sorted(p for p in tmp_path.rglob("*") if p.is_file()))
    [step] = read_session(files).steps
    assert step.kind == StepKind.COMPACTION and step.text == checkpoint.read_text(encoding="utf-8")


def test_files_nobody_grouped_are_not_sessions():
    assert copilot.group([p for p in corpus_files("copilot", "*.md")]) == []
    assert [g.main for g in gemini.group(GEMINI)] == sorted(GEMINI)
    assert all(isinstance(g, SessionFiles) for g in gemini.group(GEMINI))


def test_the_corpus_folders_sync_as_they_are(tmp_path, capsys):
    """Flattened copies (owner__repo__path) are found, grouped and read like the real layout."""
    from shared_data import CORPUS

    from tracetui.cli import main

    argv = [
        "--bucket",
        str(tmp_path / "b"),
        "sync",
        "--source",
        f"gemini={CORPUS / 'gemini'}",
        "--source",
        f"copilot={CORPUS / 'copilot'}",
        "--json",
    ]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    # A session only a logs.json remembers (the first builds kept nothing else) is one too.
    held = {gemini_files._short_id(p)[:8] for p in GEMINI}
    logged = {str(e["sessionId"]) for p in LOGS for e in json.loads(p.read_text(encoding="utf-8"))}
    logs_only = {sid for sid in logged if sid[:8] not in held}
    assert report["errors"] == [] and report["sessions"] == len(GEMINI) + len(COPILOT) + len(logs_only)
    assert main([*argv[:2], "ls", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(r["steps"] > 0 and r["title"] for r in rows)
    titles = {r["title"] for r in rows}
    assert "Create Database Migrations And Seeder" in titles  # the flattened workspace.yaml's summary
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["new"], again["updated"], again["errors"]) == (0, 0, [])
