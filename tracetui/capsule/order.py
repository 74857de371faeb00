"""What a user asks a seal for, and the one call both faces make to carry it out on a library.

The CLI's `seal` and the app's seal dialog both hand over a `SealOrder`; `seal_in` finds the rest in
the library (its plan store, the bucket's secret, its cache), so neither face assembles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tracetui.capsule.keys import bucket_secret
from tracetui.capsule.seal import SealResult, seal
from tracetui.model import Session
from tracetui.redact import Plan, plan_store, session_plan

if TYPE_CHECKING:
    from tracetui.library import Library


@dataclass(frozen=True, slots=True)
class SealOrder:
    """The choices of `tracetui seal` and of the seal dialog; the rest comes from the library."""

    out: Path | None = None
    steps: tuple[int | None, int | None] | None = None
    repo: str | Path | None = None
    accept_suggested: bool = False
    ref: str = "HEAD"
    base: str | None = None
    sign_key: str | Path | None = None


def seal_in(library: Library, session: Session, order: SealOrder, plan: Plan | None = None) -> SealResult:
    """Seal `session` of `library` as `order` asks (`plan`: the one the user reviewed; its current
    one otherwise). What the second gate adds is saved to the library's plans, so `scan` lists it and
    a decision on it holds. Raises SealRefused, or TracetuiError for a library that keeps no plans."""
    if plan is None:
        scanned = session_plan(library, session)
        plan, store = scanned.plan, scanned.store
    else:
        store = plan_store(library)
    root = library.root
    return seal(
        session,
        plan,
        steps=order.steps,
        repo=order.repo,
        out=order.out,
        accept_suggested=order.accept_suggested,
        secret=bucket_secret(root) if root is not None else None,
        ref=order.ref,
        base=order.base,
        sign_key=order.sign_key,
        store=store,
        cache_dir=library.cache_dir,
    )
