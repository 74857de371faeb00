"""Codex's system prompt (`base_instructions`, which newer builds write in the first session_meta and
nowhere else) is context the model saw: a CONTEXT step the ctx view shows at every step, kept across
a compaction, written again only where it changes, and a resumed read gives the same."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from shared_data import corpus_files

from tracetui.ctx import ContextIndex
from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex

T = "2026-05-01T10:00:{:02d}.000Z"
SID = "019e0000-0000-7000-8000-000000000001"
PATH = f"/x/rollout-2026-05-01T10-00-00-{SID}.jsonl"
PROMPT = "You are Codex, a coding agent. " * 20  # long enough for a snapshot to keep it as a span


def meta(base: Any = None, **more: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"id": SID, "cwd": "/w/p", "cli_version": "0.118.0", **more}
    if base is not None:
        payload["base_instructions"] = base
    return {"type": "session_meta", "payload": payload}


def message(role: str, part: str, text: str) -> dict[str, Any]:
    content = [{"type": part, "text": text}]
    return {"type": "response_item", "payload": {"type": "message", "role": role, "content": content}}


def user(text: str) -> dict[str, Any]:
    return message("user", "input_text", text)


def answer(text: str) -> dict[str, Any]:
    return message("assistant", "output_text", text)


def turn(**more: Any) -> dict[str, Any]:
    return {"type": "turn_context", "payload": {"cwd": "/w/p", "model": "gpt-5.4", **more}}


def log(*records: dict[str, Any]) -> bytes:
    return b"".join(orjson.dumps({"timestamp": T.format(n), **r}) + b"\n" for n, r in enumerate(records))


def test_the_system_prompt_is_a_context_step_the_model_saw_at_every_step():
    data = log(meta({"text": PROMPT}), turn(), user("hi"), answer("hello"), user("and then?"))
    s = codex.read(RawLog(PATH, data), [])
    prompt = s.steps[0]
    assert (prompt.id, prompt.kind, prompt.role, prompt.text) == ("L1", StepKind.CONTEXT, "system", PROMPT)
    assert prompt.meta == {"from": "base_instructions", "system_prompt": True}
    assert [x.kind for x in s.steps[1:]] == [StepKind.USER, StepKind.ASSISTANT, StepKind.USER]
    # The session is as it was otherwise: its id, title, and listed (not hidden as empty).
    # ("hi" gives way to the later prompt as the title, since 0.1.12)
    assert (s.id, s.title, s.hidden, s.cwd) == (SID, "and then?", None, "/w/p")
    index = ContextIndex(s)
    for step in s.steps:
        items = index.at(step.id).items
        assert items[0].step_id == "L1" and items[0].role == "system" and items[0].text == PROMPT


@pytest.mark.parametrize("base", [PROMPT, {"text": PROMPT}])
def test_either_spelling_and_a_repeat_gives_one_step(base):
    """A resumed rollout writes session_meta again; a turn_context may carry the same prompt."""
    data = log(meta(base), user("hi"), meta(base), turn(base_instructions={"text": PROMPT}), answer("ok"))
    s = codex.read(RawLog(PATH, data), [])
    assert [(x.id, x.kind) for x in s.steps] == [("L1", StepKind.CONTEXT), ("L2", StepKind.USER),
                                                 ("L5", StepKind.ASSISTANT)]  # fmt: skip


def test_a_changed_prompt_is_a_step_again_and_empty_ones_none():
    newer = "You are Codex, a newer build. " * 20
    changed = turn(base_instructions=newer)
    data = log(meta({"text": "  "}), user("hi"), answer("ok"), meta({"text": PROMPT}), changed, user("more"),
               changed, answer("done"))  # fmt: skip
    s = codex.read(RawLog(PATH, data), [])
    prompts = [(x.id, x.text) for x in s.steps if x.meta.get("system_prompt")]
    assert prompts == [("L4", PROMPT), ("L5", newer)]
    assert [x.kind for x in s.steps].count(StepKind.CONTEXT) == 2
    # The older field is the user's AGENTS.md, which the rollout holds as a message as well.
    s = codex.read(RawLog(PATH, log(meta(None, instructions="my AGENTS.md"), user("hi"))), [])
    assert [x.kind for x in s.steps] == [StepKind.USER]


def test_the_prompt_stays_in_the_context_across_a_compaction():
    data = log(meta({"text": PROMPT}), user("hi"), answer("ok"),
               {"type": "compacted", "payload": {"message": "summary of it all"}}, user("go on"))  # fmt: skip
    s = codex.read(RawLog(PATH, data), [])
    ctx = ContextIndex(s).at(s.steps[-1].id)
    assert ctx.compacted and [(i.kind, i.text) for i in ctx.items] == [
        (StepKind.CONTEXT, PROMPT),
        (StepKind.COMPACTION, "summary of it all"),
        (StepKind.USER, "go on"),
    ]


def test_a_resumed_read_keeps_the_prompt_without_reading_the_first_line_again():
    talk = [r for n in range(6) for r in (user(f"question {n}"), answer(f"answer {n}"))]
    data = log(meta({"text": PROMPT}), *talk)
    first = data.index(b"\n") + 1
    cut = data.index(b"\n", first + 512) + 1  # the tail hash before the cut stays clear of line 1
    _, state = codex.resume(None, RawLog(PATH, data[:cut]), [])
    assert state is not None
    blanked = b" " * (first - 1) + b"\n" + data[first:]  # the session's head is not read again
    resumed, _ = codex.resume(state, RawLog(PATH, blanked), [])
    full = codex.read(RawLog(PATH, data), [])
    assert resumed.to_dict() == full.to_dict() and resumed.steps[0].text == PROMPT


REAL = [p for p in corpus_files("codex") if b'"base_instructions"' in p.read_bytes()[:200_000]]


@pytest.mark.corpus
@pytest.mark.skipif(not REAL, reason="needs ../shared/corpus (Codex rollouts with base instructions)")
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name[:40])
def test_real_rollouts_show_their_system_prompt_in_every_context(path):
    data = path.read_bytes()
    head = json.loads(data[: data.index(b"\n")])["payload"]["base_instructions"]
    text = head["text"] if isinstance(head, dict) else head
    s = codex.read(RawLog(str(path), data), [])
    prompts = [x for x in s.steps if x.meta.get("system_prompt")]
    assert [(x.id, x.text) for x in prompts] == [("L1", text)] and s.steps[0] is prompts[0]
    index = ContextIndex(s)
    seen = [index.at(x.id).items[0].step_id for x in s.steps if x.subagent is None]
    assert seen and set(seen) == {"L1"}  # after shell-ws's compaction too
