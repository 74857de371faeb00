"""Claude Code 2.1.3xx writes beside each attachment what it sent (`rendered`, a list of `{content}`) and
in which role (`renderedRole`), and the system prompt as a `prompt_snapshot` attachment
(`systemPrompt`: its sections), written again, as long, each time the tools change. A context step is
what was sent, in its role (a system turn's without its `<system-reminder>` wrapper, as sent); the
system prompt is one step, again only where it changed. The reader
showed each attachment as its JSON: a 2.1.332 session of two prompts showed 18,000 tokens of context
where 4,400 were sent. Hand-made records of the shapes a fresh 2.1.332 log holds (tests/agents run
the program itself)."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui import ctx
from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.claude import reader as claude_code

SID = "6e2d1b8f-3c4a-4d5e-9f60-718293a4b5c6"
PATH = f"/h/.claude/projects/-w-shop/{SID}.jsonl"
PROMPT = ["\nYou are an agent working with the user.", "# Memory\n\nYou have a memory."]
TOOLS = [{"name": "Read", "description": "Read a file", "input_schema": {"type": "object"}}]


def base(uuid: str, parent: str | None, n: int) -> dict[str, Any]:
    return {"uuid": uuid, "parentUuid": parent, "sessionId": SID, "cwd": "/w/shop", "version": "2.1.332",
            "timestamp": f"2026-11-26T10:00:{n:02d}.000Z"}  # fmt: skip


def user(uuid: str, parent: str | None, n: int, text: str) -> dict[str, Any]:
    return {"type": "user", "message": {"role": "user", "content": text}, **base(uuid, parent, n)}


def answer(uuid: str, parent: str, n: int, text: str) -> dict[str, Any]:
    message = {
        "id": f"m-{uuid}",
        "role": "assistant",
        "model": "claude-x",
        "content": [{"type": "text", "text": text}],
    }
    return {"type": "assistant", "message": message, **base(uuid, parent, n)}


def attachment(uuid: str, parent: str, n: int, att: dict[str, Any], sent: str | None = None,
               role: str = "system") -> dict[str, Any]:  # fmt: skip
    record = {"type": "attachment", "attachment": att, **base(uuid, parent, n)}
    if sent is not None:
        record |= {"rendered": [{"content": sent}], "renderedRole": role}
    return record


def snapshot(uuid: str, parent: str, n: int, prompt: list[str], tools: bool = False) -> dict[str, Any]:
    att: dict[str, Any] = {"type": "prompt_snapshot", "systemPrompt": prompt, "reminderFold": False}
    if tools:
        att |= {"tools": TOOLS, "cliPrefix": "You are a Claude agent."}
    return attachment(uuid, parent, n, att)


ENVIRONMENT = "<system-reminder>\n# Environment\n - Primary working directory: /w/shop\n</system-reminder>"
ATTRIBUTION = "<system-reminder>\nAttribution for git commits: none.\n</system-reminder>"
RECORDS = [
    user("u1", None, 1, "Look at the notes"),
    attachment(
        "a1", "u1", 2, {"type": "environment", "snapshot": {"workingDirectory": "/w/shop"}}, ENVIRONMENT
    ),
    attachment("a2", "a1", 3, {"type": "remote_session_change", "commit": "none"}, ATTRIBUTION, role="user"),
    attachment("a3", "a2", 3, {"type": "session_context", "context": {}}),  # sent nothing: no step
    snapshot("p1", "a3", 4, PROMPT),
    answer("r1", "p1", 5, "Reading."),
    snapshot("p2", "r1", 6, PROMPT, tools=True),  # the same prompt, written again with the tools
    user("u2", "p2", 7, "And again"),
    snapshot("p3", "u2", 8, [*PROMPT, "# Plan mode\n\nPlan first."]),  # changed
    answer("r2", "p3", 9, "Still fine."),
]


def data(records: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def context(session: Any) -> list[tuple[str, str, Any]]:
    return [(st.role, st.text, st.meta) for st in session.steps if st.kind == StepKind.CONTEXT]


EXPECTED = [
    # A system turn sends it without its wrapper; a user message with it.
    ("system", "# Environment\n - Primary working directory: /w/shop", {"attachment": "environment"}),
    ("user", ATTRIBUTION, {"attachment": "remote_session_change"}),
    ("system", "\n\n".join(PROMPT), {"attachment": "prompt_snapshot", "system_prompt": True}),
    ("system", "\n\n".join([*PROMPT, "# Plan mode\n\nPlan first."]),
     {"attachment": "prompt_snapshot", "system_prompt": True}),
]  # fmt: skip


def test_an_attachment_is_what_was_sent_and_the_system_prompt_is_shown_where_it_changed():
    s = claude_code.read(RawLog(PATH, data(RECORDS)), [])
    assert s.errors == [] and s.skipped == {}
    assert context(s) == EXPECTED
    # The context at the last answer holds each text once: no attachment as JSON, no repeated prompt.
    texts = [item.text for item in ctx.context_at(s, s.steps[-1].id).items]
    assert not any(t.startswith("{") for t in texts) and texts.count("\n\n".join(PROMPT)) == 1


def test_a_read_resumed_after_the_first_prompt_knows_the_prompt_it_showed():
    whole = data(RECORDS)
    cut = len(data(RECORDS[:5]))  # through the first answer; the repeated snapshot comes next
    first, state = claude_code.resume(None, RawLog(PATH, whole[:cut]), [])
    assert state is not None and context(first) == EXPECTED[:3]
    resumed, _ = claude_code.resume(state, RawLog(PATH, whole), [])
    assert context(resumed) == EXPECTED


def test_the_steps_after_an_attachment_that_sent_nothing_hang_from_the_one_before():
    s = claude_code.read(RawLog(PATH, data(RECORDS)), [])
    [prompt] = [st for st in s.steps if st.meta.get("system_prompt") and st.id == "p1"]
    assert prompt.parent == "a2"  # through the empty session_context's line


def test_an_attachment_without_what_was_sent_is_read_as_before():
    old = attachment("a1", "u1", 2, {"type": "deferred_tools_delta", "addedNames": ["WebFetch"]})
    s = claude_code.read(RawLog(PATH, data([RECORDS[0], old])), [])
    [(role, text, meta)] = context(s)
    assert (
        role == "user"
        and orjson.loads(text) == old["attachment"]
        and meta == {"attachment": "deferred_tools_delta"}
    )
