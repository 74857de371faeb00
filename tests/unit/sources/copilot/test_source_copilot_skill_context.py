"""Copilot CLI (1.0.2x) loads a skill the model asked for with the `skill` tool, writes `skill.invoked`,
then puts the skill's text in the conversation as a `user.message` of its own, its `source` naming the
skill (`skill-<name>`) and its content wrapped in `<skill-context name=…>`. The user typed none of it:
the message is CONTEXT, not a prompt, so it neither titles the session nor counts as a turn of the
user's. Hand-made events of the real shapes."""

from __future__ import annotations

from typing import Any

from support.copilot_events import read_events

from tracetui.model import StepKind

SID = "5e5e5e5e-1111-4222-8333-444455556666"
PATH = f"/h/.copilot/session-state/{SID}/events.jsonl"


def read(*items: tuple[str, dict[str, Any]]) -> Any:
    return read_events(PATH, list(items))


SKILL_TEXT = "---\nname: weather-report\ndescription: Write a weather report\n---\n\n# Weather report\n"
WRAPPED = f'<skill-context name="weather-report">\nBase directory for this skill: /w/.skills\n\n{SKILL_TEXT}'
WRAPPED += "</skill-context>"


def events(second_source: str | None = "skill-weather-report") -> list[tuple[str, dict[str, Any]]]:
    skill_message: dict[str, Any] = {"content": WRAPPED, "interactionId": "i1"}
    if second_source is not None:
        skill_message["source"] = second_source
    return [
        ("session.start", {"sessionId": SID, "copilotVersion": "1.0.27", "context": {"cwd": "/w/town"}}),
        ("user.message", {"content": "report the weather in town", "interactionId": "i1"}),
        ("assistant.turn_start", {"turnId": "0", "interactionId": "i1"}),
        (
            "assistant.message",
            {
                "messageId": "m1",
                "content": "",
                "toolRequests": [
                    {"toolCallId": "c1", "name": "skill", "arguments": {"skill": "weather-report"}}
                ],
                "outputTokens": 12,
            },
        ),
        (
            "tool.execution_start",
            {"toolCallId": "c1", "toolName": "skill", "arguments": {"skill": "weather-report"}},
        ),
        (
            "tool.execution_complete",
            {"toolCallId": "c1", "success": True, "result": {"content": "Skill loaded"}},
        ),
        ("skill.invoked", {"name": "weather-report", "path": "/w/.skills/weather-report/SKILL.md",
                           "content": SKILL_TEXT}),  # fmt: skip
        ("user.message", skill_message),
        ("assistant.turn_end", {"turnId": "0"}),
        ("assistant.message", {"messageId": "m2", "content": "Sunny all day.", "toolRequests": []}),
    ]


def test_a_skills_context_message_is_context_not_a_prompt():
    s = read(*events())
    prompts = [st for st in s.steps if st.kind == StepKind.USER]
    assert [p.text for p in prompts] == ["report the weather in town"]
    wrapped = next(st for st in s.steps if st.text == WRAPPED)
    assert wrapped.kind == StepKind.CONTEXT and wrapped.role == "user"
    assert wrapped.meta["source"] == "skill-weather-report"
    assert s.title == "report the weather in town"


def test_a_skill_context_opening_the_session_does_not_title_it():
    evs = events()
    first, prompt, *rest = evs
    skill_message = next(e for e in rest if e[1].get("source"))
    s = read(first, skill_message, prompt, *(e for e in rest if e is not skill_message))
    assert s.title == "report the weather in town"


def test_a_user_message_of_no_source_or_another_stays_a_prompt():
    for source in (None, "", "user"):
        s = read(*events(source))
        assert [st.kind for st in s.steps if st.text == WRAPPED] == [StepKind.USER]
