"""The Codex VS Code extension names a new task by a run of its own: right after the task's thread starts it
runs `codex exec` (session_meta source "exec", originator codex_vscode, a small model, read-only) with
a prompt asking for a short UI title for the user's first prompt, and keeps the answer. Each such run
is a rollout of its own, so every task of a real user's home (Codex 0.81 to 0.98) came with a second
session titled "Generate a concise UI title…" or "You are a helpful assistant. You will be presented
with a user prompt…". Such a run is the agent's own, hidden as such (`ls --all` still lists it); the
same words in a session with prompts of the user's beside them leave it listed. Hand-made records of
the real shapes."""

from __future__ import annotations

from typing import Any

import orjson

from tracetui.model import StepKind
from tracetui.sources import RawLog
from tracetui.sources.codex import reader as codex
from tracetui.sources.common import titles

T = "2026-01-22T14:17:{:02d}.000Z"
SID = "019be611-0000-7000-8000-000000000002"
PATH = f"/h/.codex/sessions/2026/01/22/rollout-2026-01-22T21-17-52-{SID}.jsonl"

# The two wordings seen (the extension changed it between 0.81 and 0.89), the user's prompt made up.
OLD_ASK = (
    "Generate a concise UI title (20-40 characters) for this task.\n"
    "Return only the title. No quotes or trailing punctuation.\n"
    "If the task includes a ticket reference (e.g. ABC-123), include it verbatim.\n\n"
    "Task:\nadd a dark mode toggle to the settings page"
)
NEW_ASK = (
    "You are a helpful assistant. You will be presented with a user prompt, and your job is to provide "
    "a short title for a task that will be created from that prompt.\n"
    "Generate a concise UI title (18-36 characters) for this task.\n"
    "Return only the title. No quotes or trailing punctuation.\n\n"
    "User prompt:\nadd a dark mode toggle to the settings page"
)


def record(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "payload": payload}


def message(role: str, part: str, text: str) -> dict[str, Any]:
    content = [{"type": part, "text": text}]
    return record("response_item", {"type": "message", "role": role, "content": content})


def rollout(*prompts: str, source: str = "exec") -> Any:
    records = [
        record("session_meta", {"id": SID, "cwd": "/w/app", "originator": "codex_vscode",
                                "cli_version": "0.89.0", "source": source}),  # fmt: skip
        message("user", "input_text", "<environment_context>\n  <cwd>/w/app</cwd>\n</environment_context>"),
    ]
    for n, prompt in enumerate(prompts):
        records += [
            message("user", "input_text", prompt),
            record("event_msg", {"type": "user_message", "message": prompt}),
            record("turn_context", {"cwd": "/w/app", "model": "gpt-5.1-codex-mini",
                                    "approval_policy": "never", "sandbox_policy": {"type": "read-only"}}),
            record("event_msg", {"type": "agent_message", "message": f"Add dark mode toggle {n}"}),
            message("assistant", "output_text", f"Add dark mode toggle {n}"),
            record("event_msg", {"type": "token_count", "info": {"total_token_usage": {
                "input_tokens": 3600 * (n + 1), "cached_input_tokens": 2048, "output_tokens": 20 * (n + 1),
                "reasoning_output_tokens": 0, "total_tokens": 3620 * (n + 1)}}}),
        ]  # fmt: skip
    data = b"".join(orjson.dumps({"timestamp": T.format(n), **r}) + b"\n" for n, r in enumerate(records))
    return codex.read(RawLog(PATH, data), [])


def test_the_extensions_title_runs_are_hidden_as_its_own():
    for ask in (OLD_ASK, NEW_ASK):
        s = rollout(ask)
        assert [st.kind for st in s.steps if st.text == ask] == [StepKind.USER]
        assert s.hidden == titles.HIDDEN_OWN_RUN
        assert s.tokens.output == 20  # read whole: only hidden from listings


def test_a_session_with_the_users_own_prompts_beside_the_words_stays_listed():
    assert rollout(OLD_ASK, "now make the toggle remember the choice").hidden is None
    assert rollout("add a dark mode toggle", source="vscode").hidden is None
