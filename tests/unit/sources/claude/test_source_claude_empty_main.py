"""Claude Code 2.0.x leaves an empty main transcript (0 bytes) when a resumed session moves on to a
new session id right after start-up; the two cache warm-up runs it started (flat `agent-*.jsonl`
files whose first line names the empty transcript's id) still join it. Seen in a real Windows home
folder kept on GitHub (Trollz1004/OMEGA-public, 2.0.74): seven such sessions were listed with no
project and no title among the user's real ones, each eight steps of "Warmup". Hand-made files in
that shape: the session is hidden as a warm-up, and its cwd (and so its project) is the runs' own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code
from tracetui.sources.common import titles

SID = "5e5e5e5e-0000-4000-8000-000000000001"
NEXT = "5e5e5e5e-0000-4000-8000-000000000002"  # the session the resume went on in
CWD = "C:\\Users\\dev\\shop"
FOLDER = "/h/.claude/projects/C--Users-dev-shop"


def agent_file(aid: str, reply: str) -> bytes:
    base: dict[str, Any] = {"isSidechain": True, "userType": "external", "cwd": CWD, "version": "2.0.74"}
    prompt = base | {
        "sessionId": SID,
        "agentId": aid,
        "parentUuid": None,
        "uuid": f"{aid}-u",
        "type": "user",
        "timestamp": "2026-01-04T04:06:58.000Z",
        "message": {"role": "user", "content": "Warmup"},
    }
    answer = base | {
        "sessionId": NEXT,
        "agentId": aid,
        "parentUuid": f"{aid}-u",
        "uuid": f"{aid}-a",
        "type": "assistant",
        "timestamp": "2026-01-04T04:07:01.000Z",
        "message": {
            "id": f"msg_{aid}",
            "type": "message",
            "role": "assistant",
            "model": "claude-haiku-4-5-20251001",
            "content": [{"type": "text", "text": reply}],
            "usage": {"input_tokens": 800, "output_tokens": 100},
        },
    }
    return orjson.dumps(prompt) + b"\n" + orjson.dumps(answer) + b"\n"


def files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "C--Users-dev-shop"
    folder.mkdir()
    (folder / f"{SID}.jsonl").write_bytes(b"")
    (folder / "agent-a111111.jsonl").write_bytes(agent_file("a111111", "Ready to search."))
    (folder / "agent-a222222.jsonl").write_bytes(agent_file("a222222", "Ready to plan."))
    return sorted(folder.iterdir())


def test_an_empty_main_transcript_with_only_warm_up_runs_is_hidden_as_a_warm_up(tmp_path: Path) -> None:
    groups = claude_code.group(files(tmp_path))
    assert len(groups) == 1  # both runs joined the empty transcript named in their first line
    main = RawLog(str(groups[0].main), groups[0].main.read_bytes())
    companions = [RawLog(str(p), p.read_bytes()) for p in groups[0].companions]
    assert len(companions) == 2
    session = claude_code.read(main, companions)
    assert session.hidden == titles.HIDDEN_WARMUP
    assert session.cwd == CWD
    # Nothing of the runs is dropped: both prompts and both replies are still there.
    kinds = [s.kind for s in session.steps]
    assert kinds.count(StepKind.USER) == 2 and kinds.count(StepKind.ASSISTANT) == 2
    assert {a.id for a in session.subagents} == {"a111111", "a222222"}


def test_a_main_transcript_with_a_prompt_of_its_own_beside_warm_ups_is_listed() -> None:
    own = {
        "sessionId": SID,
        "cwd": CWD,
        "version": "2.0.74",
        "isSidechain": False,
        "userType": "external",
        "parentUuid": None,
        "uuid": "m1",
        "type": "user",
        "timestamp": "2026-01-04T04:06:59.000Z",
        "message": {"role": "user", "content": "add a cart page"},
    }
    main = RawLog(f"{FOLDER}/{SID}.jsonl", orjson.dumps(own) + b"\n")
    companions = [RawLog(f"{FOLDER}/agent-a111111.jsonl", agent_file("a111111", "Ready."))]
    session = claude_code.read(main, companions)
    assert session.hidden is None
    assert session.title == "add a cart page"


def test_a_subagent_file_with_a_real_prompt_after_its_warm_up_is_listed() -> None:
    data = agent_file("a333333", "Ready.")
    extra = {
        "sessionId": SID,
        "agentId": "a333333",
        "cwd": CWD,
        "isSidechain": True,
        "parentUuid": "a333333-a",
        "uuid": "a333333-u2",
        "type": "user",
        "timestamp": "2026-01-04T04:08:00.000Z",
        "message": {"role": "user", "content": "find the cart code"},
    }
    log = RawLog(f"{FOLDER}/agent-a333333.jsonl", data + orjson.dumps(extra) + b"\n")
    session = claude_code.read(log, [])
    assert session.hidden is None


def test_warm_up_runs_that_logged_only_their_reply_beside_an_empty_main_transcript_are_hidden(tmp_path):
    # 2.0.60 wrote some warm-up runs as one assistant line, without the "Warmup" prompt before it.
    folder = tmp_path / "c--Users-dev-shop"
    folder.mkdir()
    (folder / f"{SID}.jsonl").write_bytes(b"")
    for aid in ("06d3f2e0", "6b5066ba"):
        reply = agent_file(aid, "Ready.").splitlines()[1]
        first = orjson.loads(reply) | {"sessionId": SID, "parentUuid": None}
        (folder / f"agent-{aid}.jsonl").write_bytes(orjson.dumps(first) + b"\n")
    [files] = claude_code.group(sorted(folder.iterdir()))
    session = claude_code.read(
        RawLog(str(files.main), b""), [RawLog(str(p), p.read_bytes()) for p in files.companions]
    )
    assert [s.kind for s in session.steps].count(StepKind.ASSISTANT) == 2
    assert (session.hidden, session.cwd) == (titles.HIDDEN_WARMUP, CWD)


def test_a_subagent_file_read_alone_with_no_prompt_is_listed():
    # Alone, a reply with no prompt may be a torn run's: only a "Warmup" prompt names a warm-up.
    reply = agent_file("a444444", "Found the cart code in src/cart.py.").splitlines()[1]
    session = claude_code.read(RawLog(f"{FOLDER}/agent-a444444.jsonl", reply + b"\n"), [])
    assert session.hidden is None


def test_an_empty_main_transcript_takes_its_title_from_the_runs_beside_it(tmp_path: Path) -> None:
    # A home folder kept on GitHub (AndersKaae/dotfiles, 2.1.80) holds a session whose main
    # transcript is there but empty (its blob was dropped), beside a /btw side question's run
    # (`subagents/agent-aside_question-*.jsonl`) that carries the conversation: 275 steps listed
    # with no title at all. The run's first prompt is the best name the session has.
    folder = tmp_path / "-home-dev"
    runs = folder / SID / "subagents"
    runs.mkdir(parents=True)
    (folder / f"{SID}.jsonl").write_bytes(b"")
    aid = "aside_question-e6f7a1b2c3d4e5f6"
    question = {
        "parentUuid": None, "isSidechain": True, "agentId": aid, "type": "user", "uuid": "q1",
        "sessionId": SID, "cwd": "/home/dev", "version": "2.1.80", "timestamp": "2026-03-20T16:13:00.000Z",
        "message": {"role": "user", "content": "Please read the modal handoff notes"},
    }  # fmt: skip
    answer = question | {
        "parentUuid": "q1", "type": "assistant", "uuid": "q2", "timestamp": "2026-03-20T16:13:05.000Z",
        "message": {"id": "msg_q2", "type": "message", "role": "assistant", "model": "claude-opus-4-6",
                    "content": [{"type": "text", "text": "Read them."}],
                    "usage": {"input_tokens": 3, "output_tokens": 10}},
    }  # fmt: skip
    (runs / f"agent-{aid}.jsonl").write_bytes(orjson.dumps(question) + b"\n" + orjson.dumps(answer) + b"\n")
    [group] = claude_code.group(sorted(p for p in folder.rglob("*") if p.is_file()))
    main = RawLog(str(group.main), group.main.read_bytes())
    session = claude_code.read(main, [RawLog(str(p), p.read_bytes()) for p in group.companions])
    assert (session.title, session.hidden) == ("Please read the modal handoff notes", None)
    assert session.cwd == "/home/dev"
    assert session.version == "2.1.80"  # the runs' too
