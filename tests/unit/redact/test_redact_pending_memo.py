"""A review of sessions and plans as the last review found them reads no session (found 2026-11-26:
opening the Review screen again on the corpus's 48 sessions took 2.1 s, every session read and every
field hashed; 0.5 s now). What changes a session's waiting values makes it, and only it, read again;
the groups are always what a review without the memo gives. The addresses are made up."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from support.judged_sessions import sessions_read

from tracetui.bucket import Bucket
from tracetui.model import SessionFilter
from tracetui.redact import ACCEPTED, open_review, plan_store, remember_name

SESSIONS = {
    "aaaaaaaa-1111-4222-8333-444455556601": "write to ana.ruiz@corp-mail.io and bo.ng@corp-mail.io",
    "aaaaaaaa-1111-4222-8333-444455556602": "cc ana.ruiz@corp-mail.io please",
    "aaaaaaaa-1111-4222-8333-444455556603": "nothing to see here",
}
A, B, C = SESSIONS


def _log(folder: Path, sid: str, texts: list[str]) -> None:
    base = {"isSidechain": False, "userType": "external", "cwd": "/srv/app", "sessionId": sid, "version": "2.0.30"}
    records, parent = [], None
    for i, text in enumerate(texts):
        records.append({**base, "parentUuid": parent, "uuid": f"u{i}", "timestamp": f"2026-03-02T10:00:0{i}.000Z",
                        "type": "user", "message": {"role": "user", "content": text}})  # fmt: skip
        parent = f"u{i}"
    path = folder / "-srv-app" / f"{sid}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.src = tmp_path / "claude"
        for sid, text in SESSIONS.items():
            _log(self.src, sid, [text])
        self.bucket = Bucket.open(tmp_path / "b")
        self.sync()

    def sync(self) -> None:
        self.bucket.sync({"claude": [self.src]})

    def review(self) -> tuple[list[str], list[dict]]:
        """The sessions the review read, and its groups."""
        with sessions_read() as read:
            review = open_review(self.bucket, SessionFilter())
        assert review is not None
        return sorted(set(read)), [g.to_dict() for g in review.groups]

    def fresh(self) -> list[dict]:
        """The groups a review without any memo gives."""
        memos = plan_store(self.bucket).cache_dir / "pending"
        for path in memos.glob("*.json"):
            path.unlink()
        return self.review()[1]


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_a_second_review_reads_no_session_and_gives_the_same_groups(world: World):
    read, first = world.review()
    assert read == sorted(SESSIONS) and len(first) == 2
    read, again = world.review()
    assert read == [] and again == first
    memos = list((plan_store(world.bucket).cache_dir / "pending").iterdir())
    assert len(memos) == 3 and all(p.stat().st_mode & 0o077 == 0 for p in memos)  # a hint shows a value's letters


def _decided(w: World) -> None:
    review = open_review(w.bucket, SessionFilter())
    assert review is not None
    shared = next(g for g in review.groups if len(g.sessions) == 2)
    review.decide([(shared, ACCEPTED)])


def _grown(w: World) -> None:
    _log(w.src, B, [SESSIONS[B], "and now mail cy.ho@corp-mail.io"])
    w.sync()


def _plan_changed_elsewhere(w: World) -> None:
    store = plan_store(w.bucket)
    plan = store.load(A)
    assert plan is not None
    plan.decide(next(s for s in plan.spans if s.pending), ACCEPTED)
    store.save(plan)


def _name_remembered(w: World) -> None:
    remember_name("Ana Ruiz")


def _memo_damaged(w: World) -> None:
    [memo] = [p for p in (plan_store(w.bucket).cache_dir / "pending").iterdir() if p.name.startswith(C)]
    memo.write_bytes(b"not json")


def _memo_a_fifo(w: World) -> None:
    [memo] = [p for p in (plan_store(w.bucket).cache_dir / "pending").iterdir() if p.name.startswith(C)]
    memo.unlink()
    os.mkfifo(memo)


def _memo_names_another_span(w: World) -> None:
    [memo] = [p for p in (plan_store(w.bucket).cache_dir / "pending").iterdir() if p.name.startswith(B)]
    data = json.loads(memo.read_bytes())
    data["values"][0][1][2] += 1  # a start the plan holds no span at
    memo.write_text(json.dumps(data))


def _memo_names_no_place(w: World) -> None:
    [memo] = [p for p in (plan_store(w.bucket).cache_dir / "pending").iterdir() if p.name.startswith(A)]
    data = json.loads(memo.read_bytes())
    data["values"][0][1][0] = ["not", "a step id"]  # a list where a place's step is: no key of a span
    memo.write_text(json.dumps(data))


# (what happens between two reviews, the sessions the second reads)
CHANGES: list[tuple[Callable[[World], None], set[str]]] = [
    (_decided, set()),  # the review's own decision keeps the memos it saved whole
    (_grown, {B}),
    (_plan_changed_elsewhere, {A}),
    (_name_remembered, set(SESSIONS)),  # who the user is: every scan's identity
    (_memo_damaged, {C}),
    (_memo_a_fifo, {C}),
    (_memo_names_another_span, {B}),
    (_memo_names_no_place, {A}),
]


@pytest.mark.parametrize(("change", "again"), CHANGES, ids=[c.__name__.strip("_") for c, _ in CHANGES])
def test_what_changes_a_sessions_waiting_values_makes_it_alone_read_again(world: World, change, again):
    world.review()
    change(world)
    read, groups = world.review()
    assert set(read) == again
    assert groups == world.fresh()
