"""Review across sessions as one call for both faces: the chosen sessions' plans brought up to date
(on every core), their undecided values grouped once each, and each decision saved to every plan it
touches. `tracetui review` and the app's Review screen keep only what they show.

More in docs/internals/redact.md, `redact/cross_review.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracetui.model import Session, SessionFilter
from tracetui.redact.many import refresh_plans
from tracetui.redact.pending_memo import PendingMemo
from tracetui.redact.plan import Plan, PlanStore, plan_store
from tracetui.redact.review import (
    Pending, ValueGroup, decide_group, find_group, grouped, pending_values, review_key,
)  # fmt: skip

if TYPE_CHECKING:
    from tracetui.library import Library


@dataclass(slots=True)
class CrossReview:
    """The plans of a review's sessions, the bucket's review key, and the values waiting. No session
    is kept (a review of a whole bucket held every session in memory): each one's waiting values are,
    and `read` reads a session again where its plan changed elsewhere."""

    store: PlanStore
    key: bytes
    sessions: list[str]  # the ids of the review's sessions, in its order
    # Of the sessions where a value waited when they were scanned (the others' plans are not kept: a
    # plan holds every finding), by session id in the review's order: the plan, and the values.
    plans: dict[str, Plan]
    values: dict[str, Pending]
    read: Callable[[str], Session]
    memo: PendingMemo | None = None  # where each session's waiting values are kept for the next review
    groups: list[ValueGroup] = field(init=False)

    def __post_init__(self) -> None:
        self.groups = grouped(self.values.values())

    @property
    def findings(self) -> int:
        """The undecided findings of every group."""
        return sum(len(g.occurrences) for g in self.groups)

    def decide(self, choices: Iterable[tuple[ValueGroup | str, str]]) -> int:
        """Accept or reject each value (a group, or an id or a unique prefix of one) in every session it
        waits in, then save each plan that holds one; returns how many findings were decided. Every id
        is found before anything is decided, so a wrong one changes and saves nothing. The decided
        groups leave `groups`; the others stand as they are (`regroup` makes them all again)."""
        chosen = [(g if isinstance(g, ValueGroup) else find_group(self.groups, g), d) for g, d in choices]
        decided = 0
        touched: set[str] = set()
        for group, decision in chosen:
            decided += decide_group(group, decision, self.plans)
            touched.update(group.sessions)
        for sid in sorted(touched):
            self.store.save(self.plans[sid])
            if self.memo is not None:  # the same values, their spans decided: the memo holds again
                self.memo.remember(sid, self.values[sid])
        gone = {id(group) for group, _ in chosen}
        self.groups = [g for g in self.groups if id(g) not in gone]
        return decided

    def regroup(self) -> None:
        """Every waiting value grouped again, from the plans as they are now (a decision marks the very
        spans the values hold)."""
        self.groups = grouped(self.values.values())

    def take_plan(self, session_id: str) -> bool:
        """The session's plan as its store holds it now (decided elsewhere, in the redaction editor),
        and the groups again; False where the store has no plan for it. Raises TracetuiError for a
        damaged plan."""
        plan = self.store.load(session_id) if session_id in self.sessions else None
        if plan is None:
            return False
        self.values[session_id] = pending_values(self.read(session_id), plan, self.key)
        self.plans[session_id] = plan
        if self.memo is not None:
            self.memo.remember(session_id, self.values[session_id])
        self.regroup()
        return True


def open_review(
    library: Library,
    chosen: SessionFilter | Sequence[str] | Sequence[Session],
    *,
    store: PlanStore | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> CrossReview | None:
    """A review of the sessions `chosen` names (a filter over `library`'s list, or their ids: each read
    as it is scanned, so memory stays flat however many; or the sessions themselves), their plans in
    `store` (default: the library's).

    `progress(done, total)` is called with 0 before the scan and after each session. `cancelled` is
    asked between sessions and while a worker is awaited: once it is true the workers stop and the
    answer is None. Raises TracetuiError (a library that keeps no plans, a damaged plan or key)."""
    if store is None:
        store = plan_store(library)
    if isinstance(chosen, SessionFilter):
        chosen = [row.id for row in library.list_sessions(chosen)]
    total = len(chosen)
    if progress is not None:
        progress(0, total)
    key = review_key(store)
    ids = [s if isinstance(s, str) else s.id for s in chosen]
    # A session and plan as the last review found them are not read again (pending_memo.py); only a
    # library that can say so cheaply (a bucket's index) has one.
    content_keys = getattr(library, "content_keys", None)
    by_id = all(isinstance(s, str) for s in chosen)  # sessions handed over in memory are scanned as given
    memo = PendingMemo(store, key, content_keys) if content_keys is not None and by_id else None
    known = memo.known(ids) if memo is not None else {}
    done = len(known)
    if progress is not None and done:
        progress(done, total)
    # On every core, a session to each worker; in their order, so the groups are what one process made.
    asked: list[str | Session] = list(chosen)
    todo = [s for s, sid in zip(asked, ids) if sid not in known]
    read: Iterator[Session] = (library.session(s) if isinstance(s, str) else s for s in todo)
    found: dict[int, tuple[str, Plan | None, Pending]] = {}  # by place in `todo`: what was asked may be a prefix
    scans = refresh_plans(read, store, count=len(todo), cancelled=cancelled)
    for place, (session, plan) in enumerate(scans):
        waiting = pending_values(session, plan, key)
        found[place] = (session.id, plan if waiting else None, waiting)  # a plan is kept only where a value waits
        if memo is not None:
            memo.remember(session.id, waiting)
        done += 1
        if progress is not None:
            progress(done, total)
    if cancelled is not None and cancelled():
        return None
    order: list[str] = []
    plans: dict[str, Plan] = {}
    values: dict[str, Pending] = {}
    place = 0
    for sid in ids:  # the review's order, whichever way each was found
        if sid in known:
            plan_found, waiting = known[sid]
        elif place in found:
            sid, plan_found, waiting = found[place]
            place += 1
        else:
            continue
        order.append(sid)
        if waiting and plan_found is not None:
            plans[sid], values[sid] = plan_found, waiting
    return CrossReview(store, key, order, plans, values, library.session, memo)
