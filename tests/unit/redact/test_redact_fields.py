"""The field table: every field the redaction reads is a field it rewrites (issue: a field added to
the read walk only was found but never scrubbed)."""

from __future__ import annotations

import re

import pytest

from shared_data import FIXTURES
from tracetui.model import FileEdit, GitInfo, Hunk, LineError, LineErrors, Session, Step, Subagent
from tracetui.redact.fields import field_text, iter_fields, rewrite_fields
from tracetui.sources import group, read_session

_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank(step: str | None, name: str, text: str) -> str:
    return _NOT_NEWLINE.sub("x", text)


def _every_kind_of_field() -> Session:
    edit = FileEdit(
        path="/home/u/app.py", op="update", old_string="old", new_string="new", content="body", original="orig",
        move_to="/home/u/b.py", hunks=[Hunk(1, 1, 1, 2, ["-a", "+b", "+c"])],
    )  # fmt: skip
    step = Step(
        id="s1", index=0, kind="tool_call", role="assistant", text="hello", tool="Edit",
        tool_input={"file_path": "/home/u/app.py", "nested": [{"value": "v"}, "w"], "id": "keep-me"},
        edits=[edit], cwd="/home/u", meta={"stdout": "out", "extra": {"deep": "d"}},
    )  # fmt: skip
    plain = Step(id="s2", index=1, kind="tool_call", role="assistant", tool="Bash", tool_input="ls -la")
    return Session(
        id="sess", agent="claude", cwd="/home/u", title="t", source="/logs/a.jsonl", files=["/logs/a.jsonl"],
        git=GitInfo(remote="https://example.com/r.git", branch="main"),
        subagents=[Subagent(id="a1", agent_type="explore", description="look", source="/logs/sub.jsonl")],
        errors=LineErrors([LineError("/logs/a.jsonl", 3, "bad line")]), steps=[step, plain],
    )  # fmt: skip


def _assert_all_rewritten(session: Session) -> None:
    before = list(iter_fields(session))
    assert before, "the session has no text fields"
    after = {(f.step, f.name): f.text for f in iter_fields(rewrite_fields(session, _blank))}
    for f in before:
        assert (f.step, f.name) in after, f"{f.name} of step {f.step} vanished"
        assert set(after[(f.step, f.name)]) <= {"x", "\n"}, f"{f.name} of step {f.step} was read but not rewritten"
    assert len(after) == len(before)


def test_every_kind_of_field_is_rewritten_an_id_s_value_too():
    # What a tool's input holds under `id` is read (for sure findings only, as the gates act on) and so
    # is rewritten like any field (tests/unit/hostile/test_hostile_review_structural.py).
    session = _every_kind_of_field()
    _assert_all_rewritten(session)
    out = rewrite_fields(session, _blank)
    assert out.steps[0].tool_input["id"] == "xxxxxxx"
    assert out.steps[1].tool_input == "xxxxxx"
    assert session.steps[0].text == "hello", "the original session must not change"


def test_field_names_cover_nested_values():
    names = {f.name for f in iter_fields(_every_kind_of_field())}
    assert {"tool_input.nested[0].value", "tool_input.nested[1]", "meta.extra.deep", "edits[0].hunks[0]",
            "files[0]", "git.remote", "subagents[0].description", "errors[0].error"} <= names  # fmt: skip
    sure_only = {f.name for f in iter_fields(_every_kind_of_field()) if f.sure_only}
    assert sure_only == {"tool_input.id"}
    assert field_text(_every_kind_of_field(), "s1", "edits[0].hunks[0]") == "-a\n+b\n+c"


def test_a_hunk_rewrite_that_changes_its_line_count_loses_the_text():
    session = _every_kind_of_field()
    out = rewrite_fields(session, lambda s, n, t: "one line" if n == "edits[0].hunks[0]" else t)
    assert out.steps[0].edits[0].hunks[0].lines == ["-<REDACTED>", "+<REDACTED>", "+<REDACTED>"]


@pytest.mark.parametrize("agent", ["claude", "codex", "pi", "gemini", "copilot"])
def test_every_field_of_the_fixture_sessions_is_rewritten(agent):
    folder = FIXTURES / agent
    paths = [p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".py")]
    sessions = [read_session(files) for files in group(agent, paths)]
    sessions = [s for s in sessions if s.steps]
    assert sessions, f"no {agent} fixture sessions"
    for session in sessions:
        _assert_all_rewritten(session)
