"""The plan (decisions, placeholders, on disk), apply(), and the session scan (cache, workers, budget)."""

from __future__ import annotations

import sys

import pytest
from support.narrow import present
from shared_data import FIXTURES

from tracetui.errors import TracetuiError
from tracetui.model import Step, StepKind
from tracetui.redact import (
    ACCEPTED,
    REJECTED,
    Identity,
    PlanStore,
    apply,
    build_plan,
    iter_fields,
    load_plan,
    refresh_plan,
    save_plan,
    scan_session,
)
from tracetui.redact import scan as scan_module
from tracetui.redact.plan import plan_path

sys.path.insert(0, str(FIXTURES / "redact"))
import redact_samples as S  # noqa: E402

NOBODY = Identity()  # tests must not depend on who runs them


def _plan(session=None):
    session = session or S.make_session()
    return session, build_plan(session, scan_session(session, NOBODY, workers=0))


def _everything(session) -> str:
    return "\n".join(f.text for f in iter_fields(session)) + repr([s.tool_input for s in session.steps])


def test_findings_cover_every_field_kind():
    session = S.make_session()
    found = {(f.step, f.field, f.kind) for f in scan_session(session, NOBODY, workers=0)}
    assert ("u1", "text", "openai-key") in found
    assert ("u1", "text", "email") in found
    assert ("r1", "text", "aws-key") in found
    assert ("r1", "text", "env-value") in found  # the .env read names its own values
    assert ("c2", "tool_input.edits[0].new_string", "github-token") in found
    assert ("c2", "edits[0].new_string", "github-token") in found
    assert ("c2", "edits[0].hunks[0]", "github-token") in found
    assert ("c2", "tool_input.file_path", "home-path") in found
    assert ("a1", "meta.note", "home-path") in found
    assert (None, "cwd", "home-path") in found
    assert (None, "source", "home-path") in found
    # Structural keys are not fields at all.
    assert not any(field.endswith((".id", "signature")) for _, field, _ in found)


def test_env_file_values_are_found_everywhere_in_the_session():
    session = S.make_session()
    plan = refresh_plan(session, PlanStore("/nonexistent-never-written"), NOBODY, save=False, workers=0)
    # DB_PASSWORD's value was read from .env in r1; its later mention in a1 is caught by value.
    hits = [s for s in plan.spans if s.step == "a1" and s.kind == "env-value"]
    assert len(hits) == 1 and hits[0].tier == "auto"


def test_same_value_same_placeholder_and_numbering():
    session, plan = _plan()
    by_value: dict[str, set[str]] = {}
    for span in plan.spans:
        text = next(f.text for f in iter_fields(session) if (f.step, f.name) == (span.step, span.field))
        by_value.setdefault(text[span.start : span.end], set()).add(span.placeholder)
    assert by_value[S.GITHUB] == {"<GITHUB_TOKEN_1>"}
    assert by_value[S.OPENAI] == {"<OPENAI_KEY_1>"}
    assert by_value["/Users/jdoe"] == {"<HOME>"}
    assert all(len(p) == 1 for p in by_value.values())


def test_apply_scrubs_every_field_and_keeps_hunk_shape():
    session, plan = _plan()
    clean = apply(session, plan)
    everything = _everything(clean)
    for secret in (S.OPENAI, S.GITHUB, S.AWS_ID, S.AWS_SECRET, S.DB_PASSWORD, "/Users/jdoe", "/home/jdoe"):
        assert secret not in everything
    c2 = present(clean.step("c2"))
    assert c2.tool_input["edits"][0]["new_string"] == "TOKEN = '<GITHUB_TOKEN_1>'"
    assert c2.edits[0].hunks[0].lines == [" import os", "-TOKEN = None", "+TOKEN = '<GITHUB_TOKEN_1>'"]
    assert c2.edits[0].path == "<HOME>/work/proj/config.py"
    assert clean.cwd == "<HOME>/work/proj"
    # Suggestions wait: the email is still there until someone decides.
    assert S.EMAIL in present(clean.step("u1")).text
    # Structure is untouched, and the original session is not modified.
    assert present(clean.step("a1")).meta["signature"] == S.SIGNATURE
    assert S.UUID in present(clean.step("a1")).text and S.TOOLU_ID in present(clean.step("a1")).text
    assert S.GITHUB in present(session.step("c2")).edits[0].new_string


def test_decisions_accept_reject_kind_and_pending():
    session, plan = _plan()
    email = next(s for s in plan.spans if s.kind == "email")
    assert email.pending and plan.pending() == [email]
    plan.decide(email, ACCEPTED)
    assert plan.pending() == []
    assert S.EMAIL not in present(apply(session, plan).step("u1")).text
    assert plan.decide_kind("github-token", REJECTED) == 3  # tool input, edit, hunk
    assert S.GITHUB in present(present(apply(session, plan).step("c2")).edits[0].new_string)
    plan.decide(email, None)
    assert plan.pending() == [email]
    assert plan.accept_pending() == 1 and email.decision == ACCEPTED


def test_manual_span_and_scrub_everywhere():
    session, plan = _plan()
    text = present(session.step("a1")).text
    start = text.index("landed")
    span = plan.add_manual("a1", "text", start, start + len("landed"), text)
    assert span.decision == "manual"
    with pytest.raises(TracetuiError):
        plan.add_manual("a1", "text", 5, 5, text)
    n = plan.scrub_everywhere(session, "Wire the client")
    assert n == 1
    from tracetui.redact.plan import assign_placeholders

    assign_placeholders(plan, session)
    clean = apply(session, plan)
    assert "landed" not in present(clean.step("a1")).text and "<REDACTED_" in present(clean.step("a1")).text
    assert present(clean.title).startswith("<REDACTED_")


def test_plan_round_trips_on_disk_without_values(tmp_path):
    session, plan = _plan()
    path = plan_path(tmp_path, session.id)
    save_plan(plan, path)
    raw = path.read_text()
    for secret in (S.OPENAI, S.GITHUB, S.AWS_ID, S.DB_PASSWORD, S.EMAIL):
        assert secret not in raw
    again = present(load_plan(path))
    assert [s.to_dict() for s in again.spans] == [s.to_dict() for s in plan.spans]
    assert again.fields == plan.fields and again.key == plan.key
    assert list(tmp_path.iterdir()) == [path]  # no temp files left behind
    assert load_plan(tmp_path / "missing.plan.json") is None
    path.write_text("{not json")
    with pytest.raises(TracetuiError, match="damaged"):
        load_plan(path)


def test_decisions_survive_a_session_that_grew(tmp_path):
    session = S.make_session()
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    plan = refresh_plan(session, store, NOBODY, workers=0)
    email = next(s for s in plan.spans if s.kind == "email")
    plan.decide(email, REJECTED)
    text = present(session.step("u1")).text
    plan.add_manual("u1", "text", 0, 3, text)
    store.save(plan)
    session.steps.append(Step(id="u2", index=5, kind=StepKind.USER, role="user", text=f"also {S.AWS_ID}"))
    again = refresh_plan(session, store, NOBODY, workers=0)
    assert next(s for s in again.spans if s.kind == "email").decision == REJECTED
    assert any(s.decision == "manual" and (s.step, s.start, s.end) == ("u1", 0, 3) for s in again.spans)
    assert any(s.step == "u2" and s.kind == "aws-key" for s in again.spans)
    assert again.key == plan.key


def test_apply_refuses_a_stale_plan():
    session, plan = _plan()
    present(session.step("u1")).text += " more"
    with pytest.raises(TracetuiError, match="out of date"):
        apply(session, plan)
    preview = apply(session, plan, allow_stale=True)
    assert "<HOME>" in present(preview.cwd)


def test_scan_cache_skips_unchanged_fields(tmp_path, monkeypatch):
    session = S.make_session()
    cache = tmp_path / "c.json"
    first = scan_session(session, NOBODY, cache_path=cache, workers=0)
    calls = []
    real = scan_module.scan_text

    def counted(t, i=None, **kw):
        calls.append(t)
        return real(t, i, **kw)

    monkeypatch.setattr(scan_module, "scan_text", counted)
    again = scan_session(session, NOBODY, cache_path=cache, workers=0)
    assert again == first and calls == []
    present(session.step("u1")).text = "new text with ghp_" + "Zz9" * 12
    scan_session(session, NOBODY, cache_path=cache, workers=0)
    # The changed field, and (issue 35) its join with the next step's text, which also changed: its
    # token run now ends the step, so a secret cut across the two steps is read whole.
    assert calls[0] == present(session.step("u1")).text
    assert calls[1:] and all("Zz9Zz9" in c for c in calls[1:])
    calls.clear()
    scan_session(session, NOBODY, cache_path=cache, workers=0)
    assert calls == []  # the joins are cached too


def test_worker_processes_give_the_same_findings():
    session = S.make_session()
    assert scan_session(session, NOBODY, workers=2) == scan_session(session, NOBODY, workers=0)


def test_a_field_out_of_time_becomes_an_unscanned_suggestion(monkeypatch):
    def forever(text, identity=None, **kw):
        while True:
            pass

    monkeypatch.setattr(scan_module, "scan_text", forever)
    monkeypatch.setattr(scan_module, "field_budget", lambda n: 0.01)
    # Each field spins until the first tick past its budget: at the quarter-second tick, 30 fields took 7.5 s.
    monkeypatch.setattr(scan_module, "_TICK", 0.005)
    session = S.make_session()
    found = scan_session(session, NOBODY, workers=0)
    assert found and all(f.kind == "unscanned" and f.tier == "suggested" for f in found)
    text_field = next(f for f in found if (f.step, f.field) == ("u1", "text"))
    assert (text_field.start, text_field.end) == (0, len(present(session.step("u1")).text))


def test_one_decision_covers_every_occurrence_of_a_value():
    from tracetui.model import Session, Step, StepKind
    from tracetui.redact import ACCEPTED, REJECTED, Finding, build_plan

    value = "Xq7mTz2pLw9vR3kJ"
    steps = [Step(id=f"s{i}", index=i, kind=StepKind.TOOL_RESULT, role="tool", text=f"pw {value} and {other}")
             for i, other in enumerate(("aaaa1111bbbb2222", "cccc3333dddd4444"))]
    session = Session(id="v", agent="claude", source="x", cwd="/w", steps=steps)
    findings = [Finding(3, 3 + len(value), "password", "suggested", "t", f"s{i}", "text") for i in range(2)]
    findings += [Finding(24, 40, "password", "suggested", "t", f"s{i}", "text") for i in range(2)]
    plan = build_plan(session, findings)
    assert len(plan.pending()) == 4 and plan.decisions_left() == 3
    first = next(s for s in plan.spans if s.step == "s0" and s.start == 3)
    assert plan.decide_value(first, REJECTED) == 2
    assert {s.decision for s in plan.spans if s.start == 3} == {REJECTED}
    assert plan.decisions_left() == 2
    assert plan.decide_value(first, ACCEPTED) == 2  # changing one's mind changes it everywhere
    assert {s.decision for s in plan.spans if s.start == 3} == {ACCEPTED}


def _env_session(call_input: dict, result: str):
    steps = [
        Step(id="c", index=0, kind=StepKind.TOOL_CALL, role="assistant", tool="read_file", tool_call_id="t1",
             tool_input=call_input),
        Step(id="r", index=1, kind=StepKind.TOOL_RESULT, role="tool", tool="read_file", tool_call_id="t1",
             text=result),
    ]  # fmt: skip
    session = S.make_session()
    session.steps = steps
    return session


ENV_FILE = (
    "POSTGRES_HOST=localhost\nPOSTGRES_USER=postgres\nPOSTGRES_PASSWORD=psqladm1n\nDDL_AUTO=update\n"
    "APP_NAME=ticketing-shop\nNODE_ENV=development\nSTRIPE_KEY=rk_live_made_up_value_9\n"
    "DATABASE_URL=postgres://app:hunter22x@db.internal:5432/app\n"
    "UPSTREAM_CONFIG=Zq8xT2mW9vK4pL7sN3cH\nFEATURE_FLAGS=search,beta-ui\n"
)


def test_env_file_values_are_its_credentials_not_its_settings():
    """A real Gemini session read a .env of settings: `update`, `localhost`, `postgres` and the
    project's name were scrubbed in every field of the session (and a patch's op with them). A value
    is taken when its name says credential, when it is a URL that carries one, or when it is random."""
    from tracetui.redact.identity import env_values

    session = _env_session({"file_path": ".gemini/extensions/postgres/.env"}, ENV_FILE)
    assert env_values(session) == {
        "psqladm1n",
        "rk_live_made_up_value_9",
        "postgres://app:hunter22x@db.internal:5432/app",
        "Zq8xT2mW9vK4pL7sN3cH",
    }


def test_a_env_file_named_only_in_an_edit_s_words_is_not_a_read_of_it():
    """An edit whose new text loads ".env" (`dotenv.load(fileName: ".env")`) had its result's
    `KEY=value` lines taken as the .env's values."""
    from tracetui.redact.identity import env_values

    edit = {"file_path": "lib/main.dart", "new_string": 'await dotenv.load(fileName: ".env");',
            "instruction": "load the .env first"}  # fmt: skip
    assert env_values(_env_session(edit, "TOKEN_SECRET=Zq8xT2mW9vK4pL7sN3cH\n")) == set()
    shell = {"command": "cat .env.local", "description": "Show the env file"}
    assert env_values(_env_session(shell, "TOKEN_SECRET=Zq8xT2mW9vK4pL7sN3cH\n")) == {"Zq8xT2mW9vK4pL7sN3cH"}
