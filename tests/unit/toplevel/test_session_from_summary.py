"""`Session.from_summary`: the one way a session is built back from its listing row (the bucket's
index, a dataset's sessions table), the inverse of `SessionSummary.of`."""

from __future__ import annotations

from tracetui.model import GitInfo, LineError, LineErrors, Session, SessionSummary, Step, StepKind, Subagent, Tokens


def _session() -> Session:
    steps = [
        Step(id="s0", index=0, kind=StepKind.USER, role="user", text="make the widget blue"),
        Step(id="s1", index=1, kind=StepKind.ASSISTANT, role="assistant", text="done", model="made-up-model"),
    ]
    return Session(
        id="11111111-2222-4333-8444-555555555555",
        agent="pi",
        source="/home/someone/.pi/sessions/a.jsonl",
        cwd="/home/someone/widgets",
        title="make the widget blue",
        started="2026-01-02T03:04:05Z",
        ended="2026-01-02T03:14:05Z",
        version="3",
        models=["made-up-model"],
        tokens=Tokens(10, 20, 30, 40),
        git=GitInfo("main", "0123abcd", "https://example.invalid/widgets.git"),
        steps=steps,
        subagents=[Subagent("sub-1", "helper", "looks around", "s1")],
        files=["/home/someone/.pi/sessions/a.jsonl"],
        errors=LineErrors([LineError("/home/someone/.pi/sessions/a.jsonl", 3, "torn line", True)]),
        skipped={"odd": 2},
        hidden="warm-up",
        forked_from="00000000-0000-4000-8000-000000000000",
        forked_at="2026-01-02T03:00:00Z",
        subagent_of="99999999-0000-4000-8000-000000000000",
    )


def test_a_session_comes_back_whole_from_its_listing_row_and_what_the_row_does_not_hold():
    session = _session()
    listed = SessionSummary.of(session)
    again = Session.from_summary(
        listed,
        list(session.steps),
        version=session.version,
        git=session.git,
        subagents=list(session.subagents),
        files=list(session.files),
        errors=list(session.errors),
        skipped=dict(session.skipped),
        forked_at=session.forked_at,
    )
    assert again.to_dict() == session.to_dict()
    assert again.models is not listed.models  # its own list: changing one never changes the other


def test_what_the_row_does_not_hold_defaults_to_empty():
    listed = SessionSummary.of(_session())
    bare = Session.from_summary(listed, [])
    assert (bare.version, bare.git, bare.subagents, bare.files, bare.errors, bare.skipped, bare.forked_at) == (
        None, None, [], [], [], {}, None,
    )
    assert (bare.hidden, bare.forked_from, bare.subagent_of) == (listed.hidden, listed.forked_from, listed.subagent_of)
