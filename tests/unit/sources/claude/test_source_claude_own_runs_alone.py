"""A run Claude Code starts itself (`subagents/agent-a<kind>-<hex>.jsonl`: acompact, aside_question,
aprompt_suggestion) read without its main transcript was listed as a session of its own, titled by
Claude Code's instructions ("[SUGGESTION MODE: ...", "Your task is to create a detailed summary ...").
It is hidden as warm-ups are: counted in `ls`'s hidden line, listed by `ls --all`, `show` still opens
it. A spawned agent's run read alone stays listed. Hand-made transcripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from tracetui.cli import main
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code
from tracetui.sources.common import titles

SID = "c0c0c0c0-0000-4000-8000-000000000009"
BASE = {"sessionId": SID, "cwd": "/w/app", "version": "2.1.68", "userType": "external", "isSidechain": True}


def line(agent: str, uuid: str, parent: str | None, role: str, content: Any, second: int) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role, "content": content}
    if role == "assistant":
        message |= {"id": f"msg_{uuid}", "type": "message", "model": "claude-opus-4-6"}
    return BASE | {"agentId": agent, "uuid": uuid, "parentUuid": parent, "type": role,
                   "timestamp": f"2026-03-05T01:00:{second:02d}.000Z", "message": message}  # fmt: skip


def run(agent: str, prompt: str, reply: str) -> bytes:
    answer = [{"type": "text", "text": reply}]
    rows = [line(agent, "r1", None, "user", prompt, 1), line(agent, "r2", "r1", "assistant", answer, 2)]
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


OWN = {
    "acompact-0123456789abcdef": "Your task is to create a detailed summary of the conversation so far.",
    "aprompt_suggestion-554933": "[SUGGESTION MODE: Suggest what the user might type next.]",
    "aside_question-0123456789abcdef": "what does the todo list hold?",
}
SPAWNED = "a0123456789abcdef"


def path(folder: str, agent: str) -> str:
    return f"{folder}/{SID}/subagents/agent-{agent}.jsonl"


@pytest.mark.parametrize("agent", sorted(OWN))
def test_an_own_run_read_alone_is_hidden_as_the_agent_s_own(agent):
    s = claude_code.read(RawLog(path("/h/.claude/projects/-w-app", agent), run(agent, OWN[agent], "ok")), [])
    assert s.hidden == titles.HIDDEN_OWN_RUN


def test_a_spawned_agent_s_run_read_alone_stays_listed():
    log = path("/h/.claude/projects/-w-app", SPAWNED)
    s = claude_code.read(RawLog(log, run(SPAWNED, "map the parser", "ok")), [])
    assert s.hidden is None


def test_ls_counts_them_hidden_ls_all_lists_them_and_show_opens_them(tmp_path: Path, capsys):
    folder = tmp_path / "projects" / "-w-app"
    for agent, prompt in [*OWN.items(), (SPAWNED, "map the parser")]:
        target = Path(path(str(folder), agent))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(run(agent, prompt, "ok"))
    bucket = str(tmp_path / "bucket")
    assert main(["sync", "--bucket", bucket, "--source", f"claude={tmp_path / 'projects'}"]) == 0
    capsys.readouterr()
    assert main(["ls", "--bucket", bucket]) == 0
    out = capsys.readouterr().out
    assert "SUGGESTION MODE" not in out and "detailed summary" not in out and "map the parser" in out
    assert "(3 sessions not listed: agent's own run 3; `tracetui ls --all`)" in out
    assert main(["ls", "--bucket", bucket, "--all"]) == 0
    out = capsys.readouterr().out
    assert "SUGGESTION MODE" in out and "detailed summary" in out
    assert main(["show", "--bucket", bucket, f"{SID}-agent-aprompt_suggestion-554933"]) == 0
    assert "SUGGESTION MODE" in capsys.readouterr().out


def test_a_summarizer_holding_the_conversation_it_sums_up_stays_listed():
    """2.1.7x's compaction summarizer copies the conversation since the last compaction into its own
    transcript (the user's prompts, the model's calls), then asks for the summary. Read without its
    main transcript (a real 2.1.74 one, copied without its main file of over 4 MiB: three prompts, 18
    edits), it is the only record of that conversation, titled by the user's first prompt there:
    listed, not hidden."""
    agent = "acompact-0fedcba987654321"
    said = [{"type": "text", "text": "Done."}]
    rows = [
        line(agent, "c1", None, "user", "make the header sticky", 1),
        line(agent, "c2", "c1", "assistant", said, 2),
        line(agent, "c3", "c2", "user", "now check it on mobile", 3),
        line(agent, "c4", "c3", "assistant", said, 4),
        line(agent, "c5", "c4", "user", OWN["acompact-0123456789abcdef"], 5),
        line(agent, "c6", "c5", "assistant", [{"type": "text", "text": "<summary>…</summary>"}], 6),
    ]
    data = b"".join(orjson.dumps(r) + b"\n" for r in rows)
    s = claude_code.read(RawLog(path("/h/.claude/projects/-w-app", agent), data), [])
    assert s.hidden is None
    assert s.title == "make the header sticky"
