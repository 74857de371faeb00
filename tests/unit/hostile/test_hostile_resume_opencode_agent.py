"""OpenCode's terminal UI continues a session as the agent, and with the model variant, its last prompt
names (1.18.33's bundle, read: on entering a session, where no `--agent` was given and the user has an
agent of that name, the prompt takes the last user message's `agent`, `model` and `model.variant`).
Found 2026-11-30 (atk21): a log whose prompts named `yolo`, an agent of the user's own that asks for
nothing, had `opencode --session NEW` show "Yolo" as the agent the next prompt runs under (on loopback,
the real program in a pty); the same fork without the plant showed "Build". The model is said
(test_hostile_resume_model.py); a log may name no agent but OpenCode's two of its own (`build`, `plan`),
the session's info neither, and no variant (a reasoning effort: what a prompt costs) at all."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from shared_data import FIXTURES
from support.resume_kit import forked_at_last


def _planted(tmp_path: Path, agent: str) -> Path:
    doc = orjson.loads((FIXTURES / "opencode/export.json").read_bytes())
    doc["info"]["agent"] = agent
    doc["info"]["model"] = {"providerID": "anthropic", "modelID": "claude-sonnet-4", "variant": "max"}
    for message in doc["messages"]:
        message["info"]["agent"] = agent
        if message["info"]["role"] == "user":
            message["info"]["model"] = {**message["info"]["model"], "variant": "max"}
    path = tmp_path / "src" / "export.json"
    path.parent.mkdir()
    path.write_bytes(orjson.dumps(doc))
    return path


def _written(tmp_path: Path, agent: str) -> dict:
    _, done = forked_at_last(_planted(tmp_path, agent), "opencode", tmp_path / "home")
    return orjson.loads(Path(done.path).read_bytes())


@pytest.mark.parametrize("agent", ["yolo", "general", "Build", "build ", "../build", ""])
def test_an_opencode_resume_continues_as_no_agent_the_log_names(tmp_path, agent):
    doc = _written(tmp_path, agent)
    users = [m["info"] for m in doc["messages"] if m["info"]["role"] == "user"]
    assert users and {u["agent"] for u in users} == {"build"}, users
    assert doc["info"].get("agent", "build") == "build", doc["info"]


@pytest.mark.parametrize("agent", ["build", "plan"])
def test_an_opencode_resume_keeps_opencode_s_own_agents(tmp_path, agent):
    doc = _written(tmp_path, agent)
    assert {m["info"]["agent"] for m in doc["messages"] if m["info"]["role"] == "user"} == {agent}


def test_an_opencode_resume_carries_no_model_variant(tmp_path):
    doc = _written(tmp_path, "build")
    models = [m["info"]["model"] for m in doc["messages"] if m["info"]["role"] == "user"]
    plain = {"providerID": "anthropic", "modelID": "claude-sonnet-4"}
    assert models and all(m == plain for m in models), models
    assert "variant" not in orjson.dumps(doc).decode()
