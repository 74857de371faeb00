"""Claude Code 2.1.6x writes the run that summarizes a compaction as a subagent transcript of its own
(`<session>/subagents/agent-acompact-<hex>.jsonl`; seen in a real 2.1.68 session kept in a Windows
home folder on GitHub): no tool call spawns it, so it went to the end of the session, 60 steps after
the compaction it wrote, and its summary read as the last thing the session did. A run Claude Code
starts itself (a compaction's summarizer, a `/btw` side question) is placed where its time falls;
warm-ups and runs whose call is lost stay at the end. Hand-made transcripts."""

from __future__ import annotations

from typing import Any

import orjson
from mirrored import clone, committed_folder

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code
from tracetui.sources.claude import subagents as claude_subagents

SID = "c0c0c0c0-0000-4000-8000-000000000007"
FOLDER = "/h/.claude/projects/C--w-app"
PATH = f"{FOLDER}/{SID}.jsonl"
COMPACT = "acompact-0123456789abcdef"
SUMMARIZER = f"{FOLDER}/{SID}/subagents/agent-{COMPACT}.jsonl"
WARMUP = f"{FOLDER}/{SID}/subagents/agent-a0a0a0a0a0a0a0a0a.jsonl"
BASE = {"sessionId": SID, "cwd": "C:\\w\\app", "version": "2.1.68", "userType": "external"}


def line(uuid: str, parent: str | None, kind: str, content: Any, second: int, **extra: Any) -> dict[str, Any]:
    stamp = f"2026-03-05T01:{second // 60:02d}:{second % 60:02d}.000Z"
    role = "assistant" if kind == "assistant" else "user"
    message: dict[str, Any] = {"role": role, "content": content}
    if kind == "assistant":
        message |= {"id": f"msg_{uuid}", "type": "message", "model": "claude-opus-4-6"}
    record = {**BASE, "isSidechain": False, "uuid": uuid, "parentUuid": parent, "type": kind}
    return record | {"timestamp": stamp, "message": message} | extra


def text(words: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": words}]


MAIN = [
    line("u1", None, "user", "tidy the todo list", 10),
    line("a1", "u1", "assistant", text("Done."), 20),
    line("u2", "a1", "user", "is the todo list up to date?", 130),
    {
        **BASE,
        "isSidechain": False,
        "type": "system",
        "subtype": "compact_boundary",
        "content": "Conversation compacted",
        "uuid": "b1",
        "parentUuid": None,
        "logicalParentUuid": "u2",
        "timestamp": "2026-03-05T01:03:25.000Z",
        "compactMetadata": {"trigger": "auto", "preTokens": 170000},
    },
    line(
        "s1",
        "b1",
        "user",
        "This session is being continued from a previous conversation that ran out of context.",
        205,
        isCompactSummary=True,
    ),
    line("a2", "s1", "assistant", text("Yes, it is."), 212),
]
SIDE = {"isSidechain": True, "agentId": COMPACT}
RUN = [
    # the summarizer's transcript opens with a copy of the prompt that set the compaction off
    MAIN[2] | SIDE,
    line("c1", "u2", "user", "Your task is to create a detailed summary of the conversation.", 131, **SIDE),
    line("c2", "c1", "assistant", text("<analysis>The user tidied the todo list.</analysis>"), 204, **SIDE),
]
WARM = [
    line("w1", None, "user", "Warmup", 1, isSidechain=True, agentId="a0a0a0a0a0a0a0a0a"),
    line("w2", "w1", "assistant", text("Ready."), 2, isSidechain=True, agentId="a0a0a0a0a0a0a0a0a"),
]


def data(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def test_a_compaction_summarizer_sits_before_the_compaction_it_wrote():
    s = claude_code.read(RawLog(PATH, data(MAIN)), [RawLog(SUMMARIZER, data(RUN))])
    order = [(st.id, st.kind, st.subagent) for st in s.steps]
    start = order.index((f"subagent:{COMPACT}:start", StepKind.SUBAGENT_START, COMPACT))
    end = order.index((f"subagent:{COMPACT}:end", StepKind.SUBAGENT_END, COMPACT))
    prompt = [st.id for st in s.steps].index("u2")
    compaction = [st.kind for st in s.steps].index(StepKind.COMPACTION)
    assert prompt < start < end < compaction
    assert [st.id for st in s.steps[start + 1 : end]] == ["c1", "c2"]  # the copied prompt not twice
    assert [(a.id, a.agent_type, a.spawned_by) for a in s.subagents] == [(COMPACT, "compact", None)]
    assert s.steps[-1].id == "a2"
    assert [st.index for st in s.steps] == list(range(len(s.steps)))


def test_a_warm_up_with_no_call_stays_at_the_end():
    s = claude_code.read(
        RawLog(PATH, data(MAIN)), [RawLog(SUMMARIZER, data(RUN)), RawLog(WARMUP, data(WARM))]
    )
    ids = [st.id for st in s.steps]
    # written first of all, but nobody's call: out of the way at the end as before
    assert ids[-4:] == ["subagent:a0a0a0a0a0a0a0a0a:start", "w1", "w2", "subagent:a0a0a0a0a0a0a0a0a:end"]
    assert ids.index(f"subagent:{COMPACT}:start") < ids.index("a2")


def test_the_real_summarizer_sits_before_its_compaction(tmp_path_factory):
    """The session it was seen in (fabien-lessirard/dotfiles, a Windows home folder), where fetched."""
    commit = "f965d955f1b56882838b4744ca50c03fba039315"
    repo = clone(tmp_path_factory, "fabien-lessirard", "dotfiles", commit, checkout=False)
    folder = ".claude/projects/C--Users-acodu-dev-dashboard-mictlan"
    dest = tmp_path_factory.mktemp("home")
    sid = "e739b244-acba-4c61-bb7c-897bf3a86747"
    main = committed_folder(repo, commit, f"{folder}/{sid}.jsonl", dest)[0]
    runs = committed_folder(repo, commit, f"{folder}/{sid}/subagents", dest)
    s = claude_code.read(RawLog(str(main), main.read_bytes()), [RawLog(str(p), p.read_bytes()) for p in runs])
    kinds = [st.kind for st in s.steps]
    ids = [st.id for st in s.steps]
    run = "acompact-870cd0c7b9931190"
    assert ids.index(f"subagent:{run}:end") + 1 == kinds.index(StepKind.COMPACTION)
    assert s.subagents[0].agent_type == "compact"


def test_a_prompt_suggestion_is_a_run_of_its_own_kind_placed_by_time():
    """2.1.25 logs its guess at the user's next prompt as `agent-aprompt_suggestion-<hex>.jsonl`."""
    run = "aprompt_suggestion-554933"
    guess = [
        line("g1", None, "user", "[SUGGESTION MODE: Suggest what the user might type next.]", 25,
             isSidechain=True, agentId=run),
        line("g2", "g1", "assistant", text("is the list up to date?"), 26, isSidechain=True, agentId=run),
    ]  # fmt: skip
    path = f"{FOLDER}/{SID}/subagents/agent-{run}.jsonl"
    s = claude_code.read(RawLog(PATH, data(MAIN)), [RawLog(path, data(guess))])
    ids = [st.id for st in s.steps]
    assert ids[:6] == ["u1", "a1", f"subagent:{run}:start", "g1", "g2", f"subagent:{run}:end"]
    assert [(a.id, a.agent_type, a.spawned_by) for a in s.subagents] == [(run, "prompt_suggestion", None)]
    # a spawned agent's id is hex alone: no kind
    assert claude_subagents.own_run_kind("a0a0a0a0a0a0a0a0a") is None
    assert claude_subagents.own_run_kind("aside_question-0123456789abcdef") == "aside_question"


def test_a_summarizer_read_without_its_session_says_what_it_is():
    """Where the main transcript is absent (a home folder committed without it), the run is read as
    a session of its own; its kind comes from its name, as no sidecar is written for it."""
    s = claude_code.read(RawLog(SUMMARIZER, data(RUN)), [])
    assert [(a.id, a.agent_type) for a in s.subagents] == [(COMPACT, "compact")]
    assert s.id == f"{SID}-agent-{COMPACT}"
