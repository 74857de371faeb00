"""Review across sessions as one call for both faces: the chosen sessions' plans brought up to date
(on every core), their undecided values grouped once each, and each decision saved to every plan it
touches. `tracetui review` and the app's Review screen keep only what they show.

More in docs/internals/redact.md, `redact/cross_review.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tracetui.model import Session, SessionFilter
from tracetui.redact.many import refresh_plans
from tracetui.redact.plan import Plan, PlanStore, plan_store
from tracetui.redact.review import ValueGroup, decide_group, find_group, group_pending, review_key

if TYPE_CHECKING:
    from tracetui.library import Library


@dataclass(slots=True)
class CrossReview:
    """The sessions of a review with their plans, the bucket's review key, and the values waiting."""

    store: PlanStore
    key: bytes
    items: list[tuple[Session, Plan]]
    groups: list[ValueGroup]
    plans: dict[str, Plan] = field(init=False)

    def __post_init__(self) -> None:
        self.plans = {session.id: plan for session, plan in self.items}

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
        gone = {id(group) for group, _ in chosen}
        self.groups = [g for g in self.groups if id(g) not in gone]
        return decided

    def regroup(self) -> None:
        """Every waiting value grouped again, from the plans as they are now."""
        self.groups = group_pending(self.items, self.key)

    def take_plan(self, session_id: str) -> bool:
        """The session's plan as its store holds it now (decided elsewhere, in the redaction editor),
        and the groups again; False where the store has no plan for it. Raises TracetuiError for a
        damaged plan."""
        plan = self.store.load(session_id)
        if plan is None:
            return False
        self.items = [(s, plan if s.id == session_id else p) for s, p in self.items]
        self.plans[session_id] = plan
        self.regroup()
        return True


def open_review(
    library: Library,
    chosen: SessionFilter | Sequence[Session],
    *,
    store: PlanStore | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> CrossReview | None:
    """A review of the sessions `chosen` names (a filter over `library`'s list, each read as it is
    scanned; or the sessions themselves), their plans in `store` (default: the library's).

    `progress(done, total)` is called with 0 before the scan and after each session. `cancelled` is
    asked between sessions and while a worker is awaited: once it is true the workers stop and the
    answer is None. Raises TracetuiError (a library that keeps no plans, a damaged plan or key)."""
    if store is None:
        store = plan_store(library)
    if isinstance(chosen, SessionFilter):
        rows = library.list_sessions(chosen)
        total = len(rows)
        sessions: Iterable[Session] = (library.session(row.id) for row in rows)  # read lazily: flat memory
    else:
        total, sessions = len(chosen), chosen
    if progress is not None:
        progress(0, total)
    items = []
    # On every core, a session to each worker; in their order, so the groups are what one process made.
    for i, item in enumerate(refresh_plans(sessions, store, count=total, cancelled=cancelled), 1):
        items.append(item)
        if progress is not None:
            progress(i, total)
    if cancelled is not None and cancelled():
        return None
    key = review_key(store)
    return CrossReview(store, key, items, group_pending(items, key))

