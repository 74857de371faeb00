"""`redact.open_review` and `redact.session_plan`: the review across sessions and the scan of one
session as the one core call each that `tracetui review` / `tracetui scan` and the app both make."""

from __future__ import annotations

import copy
import gc

import pytest

from tracetui.errors import TracetuiError
from tracetui.library import MemoryLibrary
from tracetui.model import Session, SessionFilter, Step
from tracetui.redact import ACCEPTED, PlanStore, open_review, session_plan

MAIL = "ana.ruiz@corp-mail.io"  # made up


def _session(sid: str, text: str) -> Session:
    return Session(id=sid, agent="claude", source="x.jsonl", steps=[Step(id="s0", index=0, kind="user", role="user", text=text)])


def _library(tmp_path) -> MemoryLibrary:
    library = MemoryLibrary([_session("a", f"write to {MAIL} and to bo.ng@corp-mail.io"), _session("b", f"cc {MAIL} please")])
    library.plans_dir, library.cache_dir = tmp_path / "plans", tmp_path / "cache"  # as a bucket keeps them
    return library


def _waiting(store: PlanStore, sid: str) -> list[str]:
    plan = store.load(sid)
    assert plan is not None
    return sorted(s.kind for s in plan.spans if s.pending)


def test_a_value_decided_in_the_review_is_saved_in_every_plan_it_waits_in(tmp_path):
    library = _library(tmp_path)
    seen: list[tuple[int, int]] = []
    review = open_review(library, SessionFilter(), progress=lambda done, total: seen.append((done, total)))
    assert review is not None and seen == [(0, 2), (1, 2), (2, 2)]
    assert [(g.kind, g.sessions) for g in review.groups] == [("email", ["a", "b"]), ("email", ["a"])]
    assert review.findings == 3
    shared, other = review.groups
    assert review.decide([(shared.id[:6], ACCEPTED)]) == 2
    assert review.groups == [other]  # the decided value leaves; the other stands as it was
    # Saved: a store that knows nothing of this review reads the decision in both plans.
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    assert _waiting(store, "a") == ["email"] and _waiting(store, "b") == []
    review.regroup()
    assert [g.id for g in review.groups] == [other.id]
    again = open_review(library, [library.session("b"), library.session("a")])  # the sessions themselves
    assert again is not None and [g.id for g in again.groups] == [other.id]  # the same ids, run to run


def test_a_wrong_id_among_the_choices_decides_and_saves_nothing(tmp_path):
    library = _library(tmp_path)
    review = open_review(library, SessionFilter())
    assert review is not None
    with pytest.raises(TracetuiError, match="no undecided value has the id"):
        review.decide([(review.groups[0].id, ACCEPTED), ("ffffffffffff", ACCEPTED)])
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    assert _waiting(store, "a") == ["email", "email"] and _waiting(store, "b") == ["email"]
    assert len(review.groups) == 2


def test_a_decision_made_elsewhere_is_taken_and_regrouped(tmp_path):
    library = _library(tmp_path)
    review = open_review(library, SessionFilter())
    assert review is not None
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    plan = store.load("b")
    assert plan is not None
    [span] = plan.pending()
    plan.decide(span, ACCEPTED)
    store.save(plan)  # as the redaction editor saves it
    assert review.take_plan("b") and [g.sessions for g in review.groups] == [["a"], ["a"]]
    assert not review.take_plan("nobody")


class _Fresh(MemoryLibrary):
    """A library that reads each session anew, as a bucket does."""

    def session(self, id_or_prefix: str) -> Session:
        return copy.deepcopy(super().session(id_or_prefix))


def _sessions_alive() -> int:
    gc.collect()
    return sum(isinstance(o, Session) for o in gc.get_objects())


def test_a_review_keeps_no_session_and_reads_one_again_for_a_decision_made_elsewhere(tmp_path):
    """Issue 41: a review of a whole bucket kept every session it scanned, so its memory grew with the
    bucket (662 MB over 400 MB). It keeps each session's plan and waiting values instead."""
    library = _Fresh([_session(f"s{i}", f"write to {MAIL} ({i})") for i in range(30)])
    library.plans_dir, library.cache_dir = tmp_path / "plans", tmp_path / "cache"
    held = _sessions_alive()  # the library's own
    for chosen in (SessionFilter(), [f"s{i}" for i in range(30)]):  # a filter, or the ids
        review = open_review(library, chosen)
        assert review is not None and [len(g.occurrences) for g in review.groups] == [30]
        assert _sessions_alive() == held
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    plan = store.load("s3")
    assert plan is not None
    plan.decide(plan.pending()[0], ACCEPTED)
    store.save(plan)  # as the redaction editor saves it
    assert review is not None and review.take_plan("s3") and [len(g.occurrences) for g in review.groups] == [29]
    assert "s3" not in review.groups[0].sessions


def test_a_cancelled_review_answers_none_and_a_library_without_plans_is_one_line(tmp_path):
    assert open_review(_library(tmp_path), SessionFilter(), cancelled=lambda: True) is None
    bare = MemoryLibrary([_session("a", MAIL)])
    with pytest.raises(TracetuiError, match="need a bucket"):
        open_review(bare, SessionFilter())
    with pytest.raises(TracetuiError, match="need a bucket"):
        session_plan(bare, bare.session("a"))
    # A store given with it: the sessions of one library, the plans of another place (the app's tests).
    review = open_review(bare, SessionFilter(), store=PlanStore(tmp_path / "p", tmp_path / "c"))
    assert review is not None and len(review.groups) == 1


def test_session_plan_saves_unless_told_not_to_and_names_its_store(tmp_path):
    library = _library(tmp_path)
    session = library.session("a")
    dry = session_plan(library, session, save=False)
    assert dry.store.load("a") is None and sorted(s.kind for s in dry.plan.pending()) == ["email", "email"]
    saved = session_plan(library, session)
    assert saved.store.dir == tmp_path / "plans" and saved.store.load("a") is not None
    assert [(s.kind, s.start, s.end) for s in saved.plan.spans] == [(s.kind, s.start, s.end) for s in dry.plan.spans]
