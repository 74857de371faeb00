"""The scan of one session as one call for every face: its plan brought up to date in the library's
plan store (`tracetui scan`, the seal dialog, the seal itself), and the store it lives in.

More in docs/internals/redact.md, `redact/session_scan.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracetui.model import Session
from tracetui.redact.plan import Plan, PlanStore, plan_store
from tracetui.redact.scan import refresh_plan

if TYPE_CHECKING:
    from tracetui.library import Library


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """A session's plan, up to date, and the store it is saved in (where later decisions go)."""

    plan: Plan
    store: PlanStore


def session_plan(
    library: Library,
    session: Session,
    *,
    save: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> SessionPlan:
    """The plan of `session` of `library`: loaded, re-scanned where fields changed, saved unless
    `save` is false; `progress(done, total)` as the scan goes. Raises TracetuiError for a library that
    keeps no plans (before any scan) and for a damaged plan, as `refresh_plan` does."""
    store = plan_store(library)
    return SessionPlan(refresh_plan(session, store, save=save, progress=progress), store)
