"""What of a Claude Code fork reaches the model besides its history. A fork carries the log's lines,
and Claude Code 2.1.332 rebuilds from more than their messages: found 2026-11-30 (atk20) by marking
every string of a real transcript but its chain and its messages, forking it with tracetui and
resuming it: the logged system prompt (`prompt_snapshot`) became the request's `system`, a tool
result's `toolUseResult` naming a background agent or shell became a "SYSTEM NOTIFICATION" to the
model, and the names of the agent listing and deferred tools became a reminder that each was gone.
Now only an attachment's `rendered` text, what was sent then and what tracetui shows, reaches it."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import pytest
from support.agents import programs, recipes
from support.agents.server import Call, Reply
from support.resume_kit import last_step

from tracetui.resume import write_session
from tracetui.sources import RawLog, group, read_session

pytestmark = [pytest.mark.slow, pytest.mark.agents]

# The keys whose values make the chain, say what a line is, or are the history itself (`message`).
_KEPT = {"type", "uuid", "parentUuid", "logicalParentUuid", "sessionId", "timestamp", "cwd", "version",
         "message", "id", "tool_use_id", "toolUseID", "sourceToolUseID", "sourceToolAssistantUUID", "messageId",
         "slug", "userType", "subtype", "level", "requestId", "status", "gitBranch", "leafUuid"}
_MARK = re.compile(r"MK\d{4}")


def _marked(value: Any, path: str, marks: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: v if k in _KEPT else _marked(v, f"{path}.{k}", marks) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v, f"{path}[]", marks) for v in value]
    if isinstance(value, str):
        mark = f"MK{len(marks):04d}"
        marks[mark] = path
        return f"{value} {mark}"
    return value


def test_only_an_attachment_s_rendered_text_reaches_the_model_besides_the_history(tmp_path):
    why = programs.unavailable("claude")
    if why:
        pytest.skip(why)
    home, project = tmp_path / "home", tmp_path / "home" / "work" / "shop"
    project.mkdir(parents=True)
    (project / "notes.txt").write_text("alpha\nbeta\n")
    replies = [Reply("", [Call("Bash", {"command": "echo hi", "description": "say hi"})]),
               Reply("", [Call("Read", {"file_path": str(project / "notes.txt")})]),
               Reply("", [Call("Agent", {"description": "Look around", "prompt": "Say what is here",
                                         "subagent_type": "general-purpose", "run_in_background": True})]),
               Reply("Two text files.", when="Say what is here"), Reply("Read.")]
    outcome = recipes.claude(home, project, "Look around", replies)
    assert outcome.run.code == 0, outcome.run.stderr[-2000:]
    [files] = group("claude", outcome.logs)
    marks: dict[str, str] = {}
    lines = [_marked(orjson.loads(raw), "line", marks) for raw in files.main.read_bytes().splitlines()]
    files.main.write_bytes(b"\n".join(orjson.dumps(r) for r in lines) + b"\n")
    session = read_session(group("claude", [files.main])[0])
    home2 = tmp_path / "home2"
    done = write_session(session, [RawLog(str(files.main), files.main.read_bytes())], last_step(session),
                         cwd=str(project), env={}, home=home2)
    resumed = recipes.claude(home2, project, "Go on", [Reply("Ok.")], resume=done.session_id)
    assert resumed.run.code == 0, resumed.run.stderr[-2000:]
    sent = json.dumps(resumed.run.main_requests())
    reached = {marks[m] for m in _MARK.findall(sent) if m in marks}
    assert marks and reached <= {"line.rendered[].content"}, reached

