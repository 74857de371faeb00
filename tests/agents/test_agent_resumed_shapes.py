"""Shapes the agents' own programs write that fmt17 found the readers wrong on, run for real (opt-in:
TRACETUI_AGENTS=1; tests/support/agents/programs.py): an OpenCode model step that calls two tools at
once, a Gemini CLI session resumed twice, a Claude Code session in a folder outside git. The hand-made
fixtures of each class are in tests/unit (test_opencode_parallel_results, test_gemini_resumed_twice,
test_git_branch)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support.agents import programs, recipes
from support.agents.server import Call, Reply
from support.narrow import present

from tracetui.model import Session, StepKind
from tracetui.sources import group, read_session, registry

pytestmark = [pytest.mark.slow, pytest.mark.agents]


def _skip_unless(agent: str) -> None:
    why = programs.unavailable(agent)
    if why:
        pytest.skip(why)


def _folder(home: Path, git: bool) -> Path:
    project = home / "work" / "shop"
    project.mkdir(parents=True)
    (project / "notes.txt").write_text("alpha\nbeta\n")
    if git:
        cmd = ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
        for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "start"]):
            subprocess.run([*cmd, *args], check=True)
    return project


def _one(agent: str, logs: list[Path]) -> Session:
    agent_of = registry.get(agent)
    found = [p for p in logs if any(p.match(pattern) for pattern in agent_of.patterns)] if agent == "gemini" else logs
    sessions = [read_session(g) for g in group(agent, found)]
    sessions = [s for s in sessions if any(st.kind == StepKind.USER for st in s.steps)]
    assert len(sessions) == 1, [s.id for s in sessions]
    return sessions[0]


def test_an_opencode_step_s_parallel_calls_read_before_their_results(tmp_path):
    _skip_unless("opencode")
    project = _folder(tmp_path, git=True)
    both = [Call("bash", {"command": "sleep 1; echo one", "description": "slow"}),
            Call("bash", {"command": "echo two", "description": "fast"})]
    done = recipes.opencode(tmp_path, project, "Run two at once", [Reply("Both.", both), Reply("Done.")])
    assert done.run.code == 0, done.run.stderr[-2000:]
    staged, problems = present(registry.get("opencode").stage)(done.logs, tmp_path / ".staged")
    assert problems == []
    s = _one("opencode", staged)
    tools = [(st.kind, st.text.strip()) for st in s.steps if st.kind in (StepKind.TOOL_CALL, StepKind.TOOL_RESULT)]
    assert [k for k, _ in tools] == [StepKind.TOOL_CALL, StepKind.TOOL_CALL, StepKind.TOOL_RESULT, StepKind.TOOL_RESULT]
    assert [t for k, t in tools if k == StepKind.TOOL_RESULT] == ["one", "two"]
    # What the model was sent next: both calls, then both results, as the steps hold them.
    sent = [m["role"] for m in done.run.main_requests()[1]["body"]["messages"] if m["role"] in ("assistant", "tool")]
    assert sent[-3:] == ["assistant", "tool", "tool"]


def test_a_gemini_session_resumed_twice_keeps_its_call_and_tokens(tmp_path):
    _skip_unless("gemini")
    project = _folder(tmp_path, git=False)
    notes = str(project / "notes.txt")
    first = recipes.gemini(tmp_path, project, "Read it", [Reply("", [Call("read_file", {"file_path": notes})]),
                                                          Reply("Read.")])
    assert first.run.code == 0, first.run.stderr[-2000:]
    for prompt in ("Again", "Once more"):
        more = recipes.gemini(tmp_path, project, prompt, [Reply(f"{prompt}.")], resume="latest")
        assert more.run.code == 0, more.run.stderr[-2000:]
    s = _one("gemini", more.logs)
    [call] = [st for st in s.steps if st.kind == StepKind.TOOL_CALL]
    [result] = [st for st in s.steps if st.kind == StepKind.TOOL_RESULT]
    assert (call.tool, result.tool_call_id, result.text) == ("read_file", call.tool_call_id, "alpha\nbeta\n")
    assert not any(st.text.startswith("[call]") for st in s.steps)
    # Each of the four replies' usage reports 50 input tokens (the server's); the earlier turns' were lost.
    assert [st.tokens.input for st in s.steps if st.tokens] == [50, 50, 50, 50] and s.tokens.input == 200
    assert [st.text for st in s.steps if st.kind == StepKind.USER] == ["Read it", "Again", "Once more"]


def test_a_claude_session_outside_git_has_no_branch(tmp_path):
    _skip_unless("claude")
    project = _folder(tmp_path, git=False)
    done = recipes.claude(tmp_path, project, "Hello", [Reply("Hi.")])
    assert done.run.code == 0, done.run.stderr[-2000:]
    s = _one("claude", done.logs)
    assert s.git is None
