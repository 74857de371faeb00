"""Claude Code 2.1.3xx writes its own running totals per model (`cost-state`, after each request; kept
across a resume, a fork's starting from its parent's). A compaction's summary request has no
transcript line: a /compact of a two-response session cost 100 input and 40 output tokens that the
session never showed (Claude Code's totals 250/100, the session's 150/60). What the totals grew by
beyond the responses the session counts, between its first and last `cost-state`, is a SYSTEM step per
model, counted in the session's tokens; never what the totals held before the file's first one.
Hand-made records of the shapes a fresh 2.1.332 log holds (tests/agents run the program itself)."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code
from tracetui.sources.claude.usage import UNLOGGED

SID = "7f3e2c9a-4d5b-4e6f-8a7b-8c9d0e1f2a3b"
PATH = f"/h/.claude/projects/-w-shop/{SID}.jsonl"
MODEL = "claude-opus-5-5"


def base(uuid: str, parent: str | None, second: int) -> dict[str, Any]:
    return {"uuid": uuid, "parentUuid": parent, "sessionId": SID, "cwd": "/w/shop", "version": "2.1.332",
            "timestamp": f"2026-11-26T10:00:{second:02d}.000Z"}  # fmt: skip


def user(uuid: str, parent: str | None, second: int, text: str, **more: Any) -> dict[str, Any]:
    return {
        "type": "user",
        "message": {"role": "user", "content": text},
        **base(uuid, parent, second),
        **more,
    }


def answer(uuid: str, parent: str, second: int, text: str) -> dict[str, Any]:
    usage = {
        "input_tokens": 50,
        "output_tokens": 20,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0,
    }
    message = {"id": f"m-{uuid}", "role": "assistant", "model": MODEL, "content": [{"type": "text", "text": text}],
               "usage": usage}  # fmt: skip
    return {"type": "assistant", "message": message, **base(uuid, parent, second)}


def cost(inputs: int, outputs: int, model: str = MODEL) -> dict[str, Any]:
    counts = {"inputTokens": inputs, "outputTokens": outputs, "cacheReadInputTokens": 0, "cacheCreationInputTokens": 0,
              "costUSD": 0.0}  # fmt: skip
    return {"type": "cost-state", "sessionId": SID, "totalCostUSD": 0.0, "startTime": 1795690473662,
            "modelUsage": {model: counts}}  # fmt: skip


COMPACTED = [
    user("u1", None, 1, "Look"),
    answer("a1", "u1", 2, "Done."),
    cost(50, 20),
    {
        "type": "system",
        "subtype": "compact_boundary",
        "content": "Conversation compacted",
        "logicalParentUuid": "a1",
        "compactMetadata": {"trigger": "manual"},
        **base("b1", None, 5),
    },
    user(
        "s1", "b1", 5, "This session is being continued from a previous conversation.", isCompactSummary=True
    ),
    cost(150, 60),  # the summary's request: 100 input, 40 output, no line of its own
    user("u2", "s1", 7, "More"),
    answer("a2", "u2", 8, "Still."),
    cost(200, 80),
]


def data(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def unlogged(session: Any) -> list[tuple[str | None, int, int]]:
    return [(st.model, st.tokens.input, st.tokens.output) for st in session.steps
            if st.meta.get("event") == UNLOGGED and st.tokens is not None]  # fmt: skip


def test_a_compactions_request_is_counted_from_claude_codes_own_totals():
    s = claude_code.read(RawLog(PATH, data(COMPACTED)), [])
    assert s.errors == [] and s.skipped == {}
    assert unlogged(s) == [(MODEL, 100, 40)]
    assert s.steps[-1].kind == StepKind.SYSTEM and s.steps[-1].meta["event"] == UNLOGGED
    assert (s.tokens.input, s.tokens.output) == (200, 80)  # what Claude Code's own totals say


def test_what_the_totals_held_before_the_file_is_not_the_sessions():
    """A fork's or a resumed session's totals start from what came before: 900/300 before its first
    response is not this file's spend; only a growth beyond its responses is."""
    records = [user("u1", None, 1, "Forked"), answer("a1", "u1", 2, "From the fork."), {**cost(950, 320)},
               user("u2", "a1", 3, "More"), answer("a2", "u2", 4, "Again."), cost(1000, 340)]  # fmt: skip
    s = claude_code.read(RawLog(PATH, data(records)), [])
    assert unlogged(s) == [] and (s.tokens.input, s.tokens.output) == (100, 40)
    alone = claude_code.read(RawLog(PATH, data(records[:3])), [])  # one cost-state: nothing to compare
    assert unlogged(alone) == []


def test_totals_below_the_responses_make_nothing_up():
    records = [*COMPACTED[:3], user("u2", "a1", 3, "More"), answer("a2", "u2", 4, "Again."), cost(60, 25)]
    s = claude_code.read(RawLog(PATH, data(records)), [])
    assert unlogged(s) == [] and (s.tokens.input, s.tokens.output) == (100, 40)


def test_a_read_resumed_between_the_totals_gives_the_same():
    whole = data(COMPACTED)
    cut = len(data(COMPACTED[:4]))
    first, state = claude_code.resume(None, RawLog(PATH, whole[:cut]), [])
    assert state is not None and unlogged(first) == []
    resumed, _ = claude_code.resume(state, RawLog(PATH, whole), [])
    assert unlogged(resumed) == [(MODEL, 100, 40)] and (resumed.tokens.input, resumed.tokens.output) == (
        200,
        80,
    )


def test_a_cost_state_of_very_many_models_keeps_a_few():
    many = {"type": "cost-state", "modelUsage": {f"m{i}": {"inputTokens": 1} for i in range(10_000)}}
    first = {"type": "cost-state", "modelUsage": {}}
    s = claude_code.read(RawLog(PATH, data([COMPACTED[0], COMPACTED[1], first, many])), [])
    assert 0 < len(unlogged(s)) <= 64


def test_the_steps_id_stays_as_the_log_grows():
    grown = [*COMPACTED, user("u3", "a2", 9, "Once more"), answer("a3", "u3", 10, "Yes."), cost(250, 100)]
    before = claude_code.read(RawLog(PATH, data(COMPACTED)), [])
    after = claude_code.read(RawLog(PATH, data(grown)), [])
    ids = [[st.id for st in s.steps if st.meta.get("event") == UNLOGGED] for s in (before, after)]
    assert ids[0] == ids[1] and len(ids[0]) == 1
