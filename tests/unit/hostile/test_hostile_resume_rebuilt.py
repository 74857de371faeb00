"""Pi and Copilot CLI sessions are always rebuilt from steps (`sources/common/carried.py`), never
copied: what either program reads back as a setting of the session it continues (Pi's model and
thinking level, its custom entries and labels; Copilot's selected model, mode, working folder and the
directories and URLs it was allowed) has no way from a log into what tracetui writes. These pin
that: a writer that starts copying a record or a field of the log fails here."""

from __future__ import annotations

from pathlib import Path

import orjson
from shared_data import FIXTURES
from support.resume_kit import forked_at_last

PI_LOG = FIXTURES / "pi/v3_tree.jsonl"
COPILOT_LOG = FIXTURES / "copilot/session-state/3c4d5e6f-4444-4d4d-9e9e-112233445566/events.jsonl"


def _resume(path: Path, agent: str, tmp_path: Path, cwd: str):
    return forked_at_last(path, agent, tmp_path / "home", cwd, {"PI_CODING_AGENT_DIR": str(tmp_path / "pi")})[1]


def test_a_pi_resume_carries_no_model_thinking_level_or_entry_of_the_log(tmp_path):
    """Pi restores the model of the last `model_change` or assistant message on the path
    (`buildSessionContext`: their provider and model id, looked up among the user's providers), the
    thinking level of the last `thinking_level_change`, and hands custom entries to extensions."""
    lines = [orjson.loads(raw) for raw in PI_LOG.read_bytes().splitlines()]
    for rec in lines:
        if rec.get("type") == "model_change":
            rec.update({"provider": "openrouter-planted", "modelId": "planted-model"})
        message = rec.get("message")
        if isinstance(message, dict) and message.get("role") == "assistant":
            message["provider"] = "openrouter-planted"
    tail = lines[-1]["id"]
    lines += [{"type": "thinking_level_change", "id": "h1", "parentId": tail,
               "timestamp": "2026-02-01T09:09:00.000Z", "thinkingLevel": "xhigh"},
              {"type": "label", "id": "h2", "parentId": "h1", "timestamp": "2026-02-01T09:09:01.000Z",
               "targetId": tail, "label": "planted-label"},
              {"type": "session_info", "id": "h3", "parentId": "h2", "timestamp": "2026-02-01T09:09:02.000Z",
               "name": "planted-name"}]
    path = tmp_path / "sessions" / "--work-proj--" / PI_LOG.name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines) + b"\n")
    resumed = _resume(path, "pi", tmp_path, "/work/proj")
    written = Path(resumed.path).read_bytes()
    records = [orjson.loads(raw) for raw in written.splitlines()]
    assert [r["type"] for r in records[:1]] == ["session"] and {r["type"] for r in records[1:]} == {"message"}
    messages = [r["message"] for r in records if r["type"] == "message"]
    assistants = [m for m in messages if m["role"] == "assistant"]
    # A provider no user has: Pi finds no such model and starts on the user's own default.
    assert assistants and {m["provider"] for m in assistants} == {"tracetui"}
    # (the model's name stays the history's, `openrouter-planted/claude-opus-4-5`, under that provider)
    for planted in (b'"openrouter-planted"', b"xhigh", b"planted-label", b"planted-name", b"custom"):
        assert planted not in written
    assert records[0]["cwd"] == "/work/proj" and records[0]["id"] == resumed.session_id


def test_a_copilot_resume_carries_no_setting_of_the_log(tmp_path):
    """Copilot CLI resumes a session in its saved working folder, on its saved model, mode and
    reasoning effort, with the folders and URLs it was allowed: none of a log's such events or
    fields reach the events tracetui writes, only prompts, answers, calls and their results."""
    lines = [orjson.loads(raw) for raw in COPILOT_LOG.read_bytes().splitlines()]
    lines[0]["data"].update({"selectedModel": "planted-model", "reasoningEffort": "xhigh",
                             "context": {"cwd": "/", "gitRoot": "/"}})
    tail = lines[-1]["id"]
    planted = [("session.model_change", {"previousModel": "x", "newModel": "planted-model"}),
               ("session.mode_changed", {"previousMode": "interactive", "newMode": "autopilot"}),
               ("session.context_changed", {"cwd": "/"}),
               ("session.info", {"infoType": "folder_trust", "message": "trusted /"})]
    for n, (kind, data) in enumerate(planted):
        lines.append({"type": kind, "data": data, "id": f"h{n}", "timestamp": "2026-05-02T09:30:00.000Z",
                      "parentId": tail})
        tail = f"h{n}"
    path = tmp_path / "session-state" / "3c4d5e6f-4444-4d4d-9e9e-112233445566" / "events.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in lines) + b"\n")
    resumed = _resume(path, "copilot", tmp_path, "/home/dev/garden")
    written = Path(resumed.path).read_bytes()
    records = [orjson.loads(raw) for raw in written.splitlines()]
    assert records[0]["type"] == "session.start"
    start = {"sessionId", "version", "producer", "copilotVersion", "startTime", "context"}
    assert set(records[0]["data"]) == start
    assert records[0]["data"]["context"] == {"cwd": "/home/dev/garden"}
    history = {"user.message", "assistant.message", "tool.execution_complete"}
    assert {r["type"] for r in records[1:]} <= history
    for word in (b"autopilot", b"xhigh", b"selectedModel", b"reasoningEffort", b"trusted", b"gitRoot"):
        assert word not in written
    # The model an answer came from rides on its message, as Copilot CLI writes it (whether a resume
    # takes it up as the session's model could not be seen offline: BYOK mode needs an explicit model).
    models = {r["data"].get("model") for r in records if r["type"] == "assistant.message"}
    assert "planted-model" in models and models <= {None, "planted-model", "claude-sonnet-4.6", "gpt-5-mini"}
