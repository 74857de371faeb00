"""Copilot CLI writes a `session.model_change` each time a session resumes, naming the model already in
use: a real session resumed seven times showed eight MODEL_CHANGE steps, all naming one model. A change
to the model (and reasoning effort) in use is no change; the first setting of the session, which says
what it ran on, stays a step, as a real change does. Hand-made events of the real shapes."""

from __future__ import annotations

from typing import Any

from support.copilot_events import read_events

from tracetui.model import StepKind

PATH = "/h/.copilot/session-state/0d0d0d0d-1111-4222-8333-444455556666/events.jsonl"


def read(*items: tuple[str, dict[str, Any]]) -> Any:
    return read_events(PATH, list(items), hour="2026-07-03T08")


START = ("session.start", {"sessionId": "0d0d0d0d-1111-4222-8333-444455556666", "copilotVersion": "1.0.40",
                           "reasoningEffort": "high", "context": {"cwd": "/w/shop"}})  # fmt: skip


def resume(n: int) -> tuple[str, dict[str, Any]]:
    return ("session.resume", {"resumeTime": f"2026-07-03T0{n}:00:00.000Z", "eventCount": n})


def change(new: str, previous: str | None = None, effort: str = "high") -> tuple[str, dict[str, Any]]:
    data = {"newModel": new, "reasoningEffort": effort}
    return ("session.model_change", data if previous is None else {"previousModel": previous, **data})


def prompt(text: str) -> tuple[str, dict[str, Any]]:
    return ("user.message", {"content": text})


def changes(session: Any) -> list[tuple[str, str | None]]:
    return [(s.text, s.meta.get("previousModel")) for s in session.steps if s.kind == StepKind.MODEL_CHANGE]


def test_a_model_change_per_resume_to_the_model_in_use_is_no_step():
    s = read(
        START,
        change("claude-opus-4.6", "claude-opus-4.6"),  # the session's first setting: what it ran on
        prompt("add a cart"),
        resume(2),
        change("claude-opus-4.6", "claude-opus-4.6"),
        prompt("and a checkout"),
        resume(3),
        change("claude-opus-4.6"),
        prompt("now the tests"),
    )
    assert changes(s) == [("claude-opus-4.6", "claude-opus-4.6")]
    prompts = [x.text for x in s.steps if x.kind == StepKind.USER]
    assert prompts == ["add a cart", "and a checkout", "now the tests"]
    assert s.models == ["claude-opus-4.6"]


def test_a_real_change_stays_and_so_does_the_next_resume_s_change_back():
    s = read(
        START,
        change("claude-opus-4.6"),
        prompt("plan it"),
        change("gpt-5-mini", "claude-opus-4.6"),  # /model
        prompt("write it"),
        change("gpt-5-mini", "gpt-5-mini"),  # the same again: no change
        resume(2),
        change("claude-opus-4.6", "claude-opus-4.6"),  # resumed on another model than the one in use
    )
    assert changes(s) == [
        ("claude-opus-4.6", None),
        ("gpt-5-mini", "claude-opus-4.6"),
        ("claude-opus-4.6", "claude-opus-4.6"),
    ]


def test_the_same_model_with_another_reasoning_effort_is_a_change():
    s = read(START, change("gpt-5.4", effort="medium"), prompt("go"), change("gpt-5.4", "gpt-5.4", "xhigh"))
    efforts = [x.meta.get("reasoningEffort") for x in s.steps if x.kind == StepKind.MODEL_CHANGE]
    assert efforts == ["medium", "xhigh"]
