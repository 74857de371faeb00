"""Readable prompts for every agent (issue 40): what a harness wraps around a prompt (OpenClaw's
`Sender (untrusted metadata)` blocks and envelope, Copilot's reminders and date, spec-kit's
scaffold) is left out of the timeline's row and blame's prompt line, and a prompt that is nothing
but such context is labelled as context, not shown as the user's words; the step keeps its raw text."""

from __future__ import annotations

import pytest

from tracetui.model import SessionFilter, Step, StepKind
from tracetui.views.format import readable_prompt, step_summary

from shared_data import corpus_files, requires_corpus

OPENCLAW = (
    "Conversation info (untrusted metadata):\n```json\n{\"message_id\": \"42\", \"chat\": \"dm\"}\n```\n\n"
    "Sender (untrusted metadata):\n```json\n{\"label\": \"Ann Example (@ann)\", \"name\": \"Ann Example\"}\n```\n\n"
    "Please fix the login page."
)
COPILOT = (
    "<current_datetime>2026-03-20T20:47:00.120Z</current_datetime>\n\nBreak the feature into tasks.\n\n"
    "<reminder>\n<sql_tables>No tables currently exist.</sql_tables>\n</reminder>"
)
COPILOT_REMINDER_ONLY = "<reminder>\n<sql_tables>No tables currently exist.</sql_tables>\n</reminder>"
SPEC_KIT = (
    "## User Input\n\n```text\nAdd a dark mode toggle\n```\n\nYou **MUST** consider the user input before "
    "proceeding (if not empty).\n\n## Outline\n\n1. Run `.specify/scripts/bash/check-prerequisites.sh --json`"
)


def _user(text: str) -> Step:
    return Step(id="s1", index=1, kind=StepKind.USER, role="user", text=text)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (OPENCLAW, "Please fix the login page."),
        (COPILOT, "Break the feature into tasks."),
        (SPEC_KIT, "Add a dark mode toggle"),
        ("[Telegram Ann (@ann) id:1 2026-02-09 18:46 GMT+1] hi there\n[message_id: 3]", "hi there"),
        ("just the words", "just the words"),
    ],
)
def test_the_timeline_row_shows_the_users_words(raw, shown):
    assert step_summary(_user(raw)) == shown
    assert readable_prompt(raw) == shown


def test_a_prompt_of_context_alone_is_labelled_context():
    assert step_summary(_user(COPILOT_REMINDER_ONLY)) == "(context: reminder)"
    assert readable_prompt("<system-reminder>be brief</system-reminder>") == "(context: system reminder)"
    assert readable_prompt("") == ""


def test_the_step_keeps_its_raw_text():
    step = _user(OPENCLAW)
    step_summary(step)
    assert step.text == OPENCLAW  # the detail pane (one key away) shows it whole


def test_blame_prints_the_readable_prompt():
    from tracetui.cli.blame import _cut

    assert _cut(SPEC_KIT) == "Add a dark mode toggle"
    assert _cut(OPENCLAW) == "Please fix the login page."


@requires_corpus
def test_corpus_copilot_and_openclaw_prompts_read_as_typed(tmp_path, capsys):
    from tracetui.bucket import Bucket
    from tracetui.cli import main

    wrapped = []
    for agent in ("copilot", "pi"):
        for path in corpus_files(agent, "*.jsonl"):
            head = path.read_text(encoding="utf-8", errors="replace")[:2_000_000]
            if any(mark in head for mark in ("<reminder>", "[message_id:", "(untrusted metadata)")):
                wrapped.append((agent, path))
    if not wrapped:
        pytest.skip("no corpus log holds these wrappers")
    bucket = tmp_path / "bucket"
    for agent, path in wrapped:
        assert main(["--bucket", str(bucket), "sync", "--source", f"{agent}={path}"]) == 0
    capsys.readouterr()
    checked = 0
    with Bucket.open(bucket) as opened:
        for row in opened.list_sessions(SessionFilter(include_hidden=True)):
            for step in opened.session(row.id).steps:
                if step.kind == StepKind.USER and step.text:
                    shown = step_summary(step)
                    for mark in ("<reminder>", "(untrusted metadata)", "[message_id:", "<current_datetime>"):
                        assert mark not in shown, (row.id, step.index, shown)
                    checked += 1
    assert checked > 0


def test_a_reminders_row_shows_its_first_words_not_its_wrapper():
    """Claude Code wraps a reminder it sends in a user message in `<system-reminder>`: a row of only the
    tag said nothing of which reminder it is."""
    text = "<system-reminder>\nAttribution for git commits and pull requests: none.\n</system-reminder>"
    step = Step("s1", 0, StepKind.CONTEXT, "user", text, None)
    assert step_summary(step) == "Attribution for git commits and pull requests: none."
    assert step.text == text  # the step keeps what was sent
