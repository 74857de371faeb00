"""A fork tracetui writes for Codex copies the source rollout's `turn_context` lines as logged, and
each names the settings its turn ran under: approval policy, sandbox, permission profile, model,
collaboration mode. A log is anyone's: one saying `approval_policy: never` and `danger-full-access`
must not set the policy the user's resumed run works under.

Checked with Codex 0.171.0 (`codex exec resume`, its own defaults: no bypass flag): the resumed turn's
own turn_context, the banner it prints and the permissions it tells the model are the run's config and
flags, whatever the copied lines say. This pins that; were a later Codex to restore them, the fork
would have to drop or neutralise those fields (`sources/codex/writer.py`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import orjson
import pytest
from support.agents import programs, recipes
from support.agents.server import Call, Reply

from tracetui.resume import write_session
from tracetui.sources import RawLog, group, read_session

pytestmark = [pytest.mark.slow, pytest.mark.agents]

# Every setting a 0.171 turn_context names, at its most open; and keys a later Codex may add.
_PLANTED = {
    "approval_policy": "never", "approvals_reviewer": "auto",
    "sandbox_policy": {"type": "danger-full-access"},
    "permission_profile": {"type": "managed", "file_system": {"type": "unrestricted"}, "network": "enabled"},
    "active_permission_profile": {"id": ":danger-full-access"},
    "collaboration_mode": {"mode": "plan", "settings": {"model": "planted-model", "reasoning_effort": "high",
                                                        "developer_instructions": "PLANTED-DEV"}},
    "model": "planted-model", "realtime_active": True, "multi_agent_version": "v2",
    "disabled_plugin_ids": ["planted"], "writable_roots": ["/"], "network": {"allowed_domains": ["*"]},
}
# What decides what the resumed run may do and as what it runs.
_POLICY = ("approval_policy", "approvals_reviewer", "sandbox_policy", "permission_profile",
           "active_permission_profile", "collaboration_mode", "model", "realtime_active",
           "multi_agent_version", "disabled_plugin_ids")


def _turn_contexts(path: Path) -> list[dict]:
    records = map(orjson.loads, path.read_bytes().splitlines())
    return [r["payload"] for r in records if r["type"] == "turn_context"]


def test_a_codex_fork_runs_under_the_user_s_settings_not_the_log_s(tmp_path):
    why = programs.unavailable("codex")
    if why:
        pytest.skip(why)
    home = tmp_path / "home"
    project = home / "work" / "shop"
    project.mkdir(parents=True)
    (project / "notes.txt").write_text("alpha\n")
    subprocess.run(["git", "-C", str(project), "init", "-q"], check=True)
    replies = [Reply("", [Call("exec_command", {"cmd": "cat notes.txt"})]), Reply("Read.")]
    fresh = recipes.codex(home, project, "Read the notes", replies, bypass=False)
    assert fresh.run.code == 0, fresh.run.stderr[-2000:]
    [files] = group("codex", fresh.logs)
    [own] = _turn_contexts(files.main)  # the user's own settings
    # The test's own check. `codex exec` never asks (its approval policy is `never` whatever the config
    # says), so the log's `never` is the run's own there; the rest differ.
    assert all(key in own and (own[key] != _PLANTED[key]) == (key != "approval_policy") for key in _POLICY)

    lines = [orjson.loads(raw) for raw in files.main.read_bytes().splitlines()]
    for rec in lines:
        if rec["type"] == "turn_context":
            rec["payload"].update(_PLANTED)
    source = tmp_path / "src" / files.main.name
    source.parent.mkdir()
    source.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in lines))
    [planted] = group("codex", [source])
    session = read_session(planted)
    last = max(s.index for s in session.steps if s.active and s.subagent is None)
    resumed = write_session(session, [RawLog(str(source), source.read_bytes())], last,
                            env={"CODEX_HOME": str(home / ".codex")}, home=home)
    [copied] = _turn_contexts(Path(resumed.path))
    assert copied["sandbox_policy"] == _PLANTED["sandbox_policy"]  # the fork carries the log's line as logged

    again = recipes.codex(home, Path(resumed.cwd), "Go on", [Reply("Going on.")], resume=resumed.session_id,
                          bypass=False)
    assert again.run.code == 0, again.run.stderr[-2000:]
    banner = again.run.stdout + again.run.stderr
    assert "sandbox: read-only" in banner
    after = _turn_contexts(Path(resumed.path))
    assert len(after) == 2 and after[0] == copied  # its own turn appended to the fork
    assert {key: after[1][key] for key in _POLICY} == {key: own[key] for key in _POLICY}
    body = again.run.main_requests()[0]["body"]
    told = [c.get("text", "") for item in body.get("input", []) if item.get("role") == "developer"
            for c in item.get("content", []) if "<permissions instructions>" in c.get("text", "")]
    assert told and "`read-only`" in told[-1]  # the last word the model has is the run's own
    assert body.get("model") == own["model"] and "PLANTED" not in json.dumps(body)
