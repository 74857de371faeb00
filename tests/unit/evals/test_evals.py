"""Evals (issue 38): cohorts scored from trusted labels only, on git scenarios built here whose
patches survive and are reverted in known proportions; blocked cohorts say what would unblock them."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.trail_kit import Repo, iso, replace

import tracetui.evals as evals_api
from tracetui.bucket import Rating
from tracetui.library import MemoryLibrary
from tracetui.model import Session, Step, StepKind
from tracetui.selection import Selection

BODY = "\n".join(f"line {i} of {{name}}" for i in range(1, 6)) + "\n"
# cohort -> (sessions, how many of them are reverted later); every session adds two lines to its file.
PLAN = {"/steady": (6, 1), "/shaky": (6, 5), "/tiny": (2, 0)}


def _session(sid: str, cwd: Path, command: str, when: str, edit) -> Session:
    steps = [
        Step(id=f"{sid}-u", index=0, kind=StepKind.USER, role="user", text=f"{command} please", timestamp=when,
             meta={"command": command}),
        Step(id=f"{sid}-e", index=1, kind=StepKind.TOOL_CALL, role="assistant", tool="Edit",
             tool_call_id=f"toolu_{sid}", timestamp=when, edits=[edit]),
    ]  # fmt: skip
    return Session(id=sid, agent="claude", source=f"{sid}.jsonl", cwd=str(cwd), started=when, steps=steps)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> list[Session]:
    repo = Repo(tmp_path_factory.mktemp("evals") / "repo")
    names = [f"{c[1:]}{i}" for c, (n, _) in PLAN.items() for i in range(n)]
    for name in names:
        repo.write(f"{name}.py", BODY.format(name=name))
    repo.commit("initial", iso(9))
    sessions: list[Session] = []
    doomed: list[str] = []
    minute = 0
    for command, (n, reverted) in PLAN.items():
        for i in range(n):
            name = f"{command[1:]}{i}"
            when = iso(10, minute)
            edit = replace(repo, f"{name}.py", f"line 3 of {name}\n", f"line 3 of {name}\ndef {name}_added():\n    return '{name} work'\n")
            repo.commit(f"work {name}", iso(10, minute, 30), f"{name}.py")
            sessions.append(_session(f"sess-{name}", repo.path, command, when, edit))
            if i < reverted:
                doomed.append(name)
            minute += 1
    for k, name in enumerate(doomed):
        repo.write(f"{name}.py", BODY.format(name=name))
        repo.commit(f"undo {name}", iso(12, k), f"{name}.py")
    # Two sessions whose repository is nowhere: no git label, no test, no rating.
    gone = tmp_path_factory.mktemp("gone") / "nowhere"
    for i in range(2):
        edit = replace_free(gone, f"f{i}.py")
        sessions.append(_session(f"sess-gone{i}", gone, "/unlabelled", iso(11, i), edit))
    return sessions


def replace_free(cwd: Path, name: str):
    from tracetui.model import FileEdit

    return FileEdit(path=str(cwd / name), op="create", content="x = 1\ny = 2\n")


@pytest.fixture(scope="module")
def evaluation(scenario) -> evals_api.Evaluation:
    return evals_api.evaluate(MemoryLibrary(scenario), "skill", ratings=[])


def test_scores_are_exact_shares_of_the_added_lines(evaluation) -> None:
    steady, shaky = evaluation.cohort("/steady"), evaluation.cohort("/shaky")
    assert steady.status == shaky.status == evals_api.SCORED
    assert steady.metrics["survival"].value == pytest.approx(10 / 12)
    assert steady.metrics["reverted"].value == pytest.approx(2 / 12)
    assert steady.metrics["lost"].value == 0
    assert shaky.metrics["survival"].value == pytest.approx(2 / 12)
    assert shaky.metrics["reverted"].value == pytest.approx(10 / 12)
    assert steady.metrics["survival"].n == shaky.metrics["survival"].n == 6
    for m in (steady.metrics["survival"], shaky.metrics["survival"]):
        assert m.low is not None and m.high is not None and m.low <= m.value <= m.high
    # No test ran and nobody rated: those scores have nothing and say so.
    assert steady.metrics["tests_passed"].value is None and steady.metrics["tests_passed"].n == 0
    assert steady.metrics["human_good"].value is None


def test_intervals_are_seeded(scenario, evaluation) -> None:
    again = evals_api.evaluate(MemoryLibrary(scenario), "skill", ratings=[])
    assert again.to_dict() == evaluation.to_dict()


def test_compare_gives_the_verdict_both_ways(evaluation) -> None:
    better = evals_api.compare(evaluation, "/shaky", "/steady")
    assert (better.verdict, better.metric) == ("better", "survival")
    assert better.difference == pytest.approx(8 / 12)
    assert better.low is not None and better.low > 0
    assert better.line().startswith("better: /steady against /shaky on survival: 0.833")
    worse = evals_api.compare(evaluation, "/steady", "/shaky")
    assert worse.verdict == "worse"
    assert worse.to_dict()["verdict"] == "worse"


def test_a_cohort_of_two_is_blocked_too_few(evaluation) -> None:
    tiny = evaluation.cohort("/tiny")
    assert tiny.status == evals_api.TOO_FEW and len(tiny.labelled) == 2
    assert "label 3 more" in (tiny.unblock or "")
    answer = evals_api.compare(evaluation, "/tiny", "/steady")
    assert answer.verdict == "blocked_too_few" and "/tiny" in (answer.why or "")


def test_unlabelled_sessions_count_for_nothing(evaluation) -> None:
    none = evaluation.cohort("/unlabelled")
    assert none.status == evals_api.NO_LABELS and len(none.sessions) == 2 and not none.labelled
    assert "tracetui rate" in (none.unblock or "")
    assert evals_api.compare(evaluation, "/unlabelled", "/steady").verdict == "blocked_no_labels"


def _rate(sessions: list[Session], good: set[str]) -> list[Rating]:
    return [Rating(s.id, "good" if s.id in good else "bad", at="2026-01-02T00:00:00Z") for s in sessions]


def test_calibration_trusts_git_where_people_agree(scenario) -> None:
    # People agree with git on every session but one steady session that git says was reverted.
    survived = {f"sess-steady{i}" for i in range(1, 6)} | {f"sess-shaky{i}" for i in range(5, 6)} | {"sess-tiny0", "sess-tiny1"}
    rated = _rate(scenario[:14], survived | {"sess-steady0"})
    result = evals_api.evaluate(MemoryLibrary(scenario), "skill", ratings=rated)
    cal = result.calibration
    assert (cal.n, cal.status) == (14, "trusted")
    assert cal.agreement == pytest.approx(13 / 14)
    assert result.cohort("/steady").metrics["human_good"].value == 1.0
    assert evals_api.compare(result, "/shaky", "/steady").metric == "survival"


def test_too_low_agreement_is_reported_and_the_git_score_not_used(scenario) -> None:
    # People say the opposite of git on every session: git's score is not used; ratings decide.
    survived = {f"sess-steady{i}" for i in range(1, 6)} | {"sess-shaky5", "sess-tiny0", "sess-tiny1"}
    rated = _rate(scenario[:14], {s.id for s in scenario[:14]} - survived)
    result = evals_api.evaluate(MemoryLibrary(scenario), "skill", ratings=rated)
    assert (result.calibration.status, result.calibration.agreement) == ("too_low", 0.0)
    answer = evals_api.compare(result, "/shaky", "/steady")
    assert answer.metric == "human_good" and answer.verdict == "worse"
    assert "too little to trust" in (answer.why or "")


def test_split_compares_a_cohort_before_and_after_a_date(scenario) -> None:
    chosen = Selection(sessions=tuple(s.id for s in scenario[:12]))
    result = evals_api.evaluate(MemoryLibrary(scenario), "agent", chosen, ratings=[])
    # The first six sessions (10:00-10:05) are /steady, the next six /shaky: worse from 10:06 on.
    answer = evals_api.split(result, "claude", "2026-01-01T10:06:00Z")
    assert (answer.verdict, answer.metric) == ("worse", "survival")
    assert answer.difference == pytest.approx(-8 / 12)
    assert len(answer.a.labelled) == len(answer.b.labelled) == 6


def _plain(sid: str, *steps: Step, **fields) -> Session:
    return Session(id=sid, agent=fields.pop("agent", "claude"), source="x.jsonl", steps=list(steps), **fields)


def test_cohorts_read_skills_commands_templates_and_versions() -> None:
    from tracetui.evals.cohorts import keys, shared_templates
    from tracetui.model import GitInfo

    skill = Step(id="k", index=1, kind=StepKind.TOOL_CALL, role="assistant", tool="Skill", tool_input={"skill": "pdf"})
    slash = Step(id="u", index=0, kind=StepKind.USER, role="user", text="<command-name>/review</command-name>",
                 meta={"command": "/review"})  # fmt: skip
    typed = Step(id="t", index=0, kind=StepKind.USER, role="user", text="/prompts:ship now")
    first = Step(id="f", index=0, kind=StepKind.USER, role="user", text="Read @docs/plan.md and do step 2")
    long = Step(id="l", index=0, kind=StepKind.USER, role="user", text="Fix the failing test in the parser please")
    a = _plain("a", slash, skill, version="2.1.0", models=["m1", "m2"], git=GitInfo(remote="git@github.com:acme/shop.git"))
    b = _plain("b", typed, agent="codex", cwd="/w/shop")
    assert keys(a, "skill") == ["/review", "skill:pdf"] and keys(b, "skill") == ["/prompts:ship"]
    assert keys(a, "version") == ["claude 2.1.0"] and keys(b, "version") == ["(none)"]
    assert keys(a, "model") == ["m1", "m2"] and keys(a, "repo") == ["acme/shop"] and keys(b, "repo") == ["shop"]
    found = {s.id: keys(s, "template") for s in (_plain("c", first), _plain("d", first), _plain("e", long), a)}
    assert shared_templates(found) == {"c": ["file:docs/plan.md"], "d": ["file:docs/plan.md"], "e": ["(none)"],
                                       "a": ["(none)"]}  # fmt: skip
    hostile = _plain("h", Step(id="x", index=0, kind=StepKind.USER, role="user", text="/\x1b[31mred\x1b[0m x"))
    assert all("\x1b" not in k for k in keys(hostile, "skill"))


def test_a_slash_word_no_log_tagged_counts_only_where_sessions_share_it() -> None:
    """A pasted shell prompt (`/work $ ping`) or a path at a prompt's start read as a command made a
    cohort of one on the corpus; an untagged `/name` now needs a second session (or a tag) to count."""
    from tracetui.evals.cohorts import keys, shared_commands

    def prompt(sid: str, text: str, **meta):
        return _plain(sid, Step(id=f"{sid}u", index=0, kind=StepKind.USER, role="user", text=text, meta=meta))

    sessions = [
        prompt("p1", "/work $ ping host"),  # a shell prompt pasted: alone, no cohort
        prompt("g1", "/deploy staging"), prompt("g2", "/deploy prod"),  # two sessions agree: a command
        prompt("c1", "/review", command="/review"), prompt("c2", "/review this too"),  # one tagged
        prompt("x1", "/prompts:ship now"),  # Codex's custom prompt: its own naming
    ]
    found = shared_commands({s.id: keys(s, "skill") for s in sessions})
    assert found == {"p1": ["(none)"], "g1": ["/deploy"], "g2": ["/deploy"], "c1": ["/review"],
                     "c2": ["/review"], "x1": ["/prompts:ship"]}  # fmt: skip


def test_each_session_is_judged_in_its_own_clone_and_never_a_stranger(scenario, tmp_path) -> None:
    import dataclasses
    import shutil

    # The sessions' cwd is gone (another machine); among the clones given, only the one named as
    # their project is theirs. A decoy holding the same files under another name is never taken.
    steady = [dataclasses.replace(s, cwd="/elsewhere/repo") for s in scenario[:6]]
    clones = tmp_path / "clones"
    shutil.copytree(Path(scenario[0].cwd or ""), clones / "decoy")
    lonely = evals_api.evaluate(MemoryLibrary(steady), "skill", ratings=[], clones=[clones])
    assert lonely.cohort("/steady").status == evals_api.NO_LABELS
    shutil.copytree(Path(scenario[0].cwd or ""), clones / "repo")
    found = evals_api.evaluate(MemoryLibrary(steady), "skill", ratings=[], clones=[clones])
    assert found.cohort("/steady").metrics["survival"].value == pytest.approx(10 / 12)


def test_a_score_resting_on_too_few_sessions_is_not_compared(scenario) -> None:
    # Every session rated, so both cohorts are scored; git judged only /steady's (the /shaky ones'
    # repository is gone): survival cannot decide, ratings do, on six sessions a side.
    import copy

    moved = [*scenario[:6], *(copy.deepcopy(s) for s in scenario[6:12])]
    for s in moved[6:]:  # copies: the module's scenario stays as built
        s.cwd = "/gone/repo"
        s.steps[1].edits[0].path = "/gone/repo/x.py"
    rated = _rate(moved, {s.id for s in moved[:6]})
    result = evals_api.evaluate(MemoryLibrary(moved), "skill", ratings=rated)
    answer = evals_api.compare(result, "/shaky", "/steady")
    assert (answer.verdict, answer.metric) == ("better", "human_good")
    assert "survival rests on fewer than 5" in (answer.why or "")
    # /shaky: three sessions git judged and two rated make five labelled, yet neither score has five.
    mixed = [*scenario[:9], *moved[9:12]]
    few = evals_api.evaluate(MemoryLibrary(mixed), "skill", ratings=_rate(moved[9:11], set()))
    assert len(few.cohort("/shaky").labelled) == 5
    blocked = evals_api.compare(few, "/shaky", "/steady")
    assert blocked.verdict == "blocked_too_few"
    assert "survival /shaky 3, /steady 6; human_good /shaky 2, /steady 0" in (blocked.why or "")


def test_progress_counts_every_session_and_a_cancel_stops_at_the_next(scenario) -> None:
    from tracetui.errors import Stopped

    seen: list[tuple[int, int]] = []
    evals_api.evaluate(MemoryLibrary(scenario), "agent", ratings=[], progress=lambda d, t: seen.append((d, t)))
    total = len(scenario)
    assert seen == [(d, total) for d in range(total + 1)]  # before each session, then once at the end
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 3  # the user moved on while the fourth session was next

    with pytest.raises(Stopped):
        evals_api.evaluate(MemoryLibrary(scenario), "agent", ratings=[], cancelled=cancelled)
    assert len(asked) == 4
