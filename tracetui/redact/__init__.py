"""Redaction: detectors propose spans (findings), the per-session plan records a decision and a
placeholder for each, and `apply` produces a scrubbed copy of a session.

The public surface, for the CLI, the UI and the capsule:

- `scan_text(text, identity=None, *, syntax=UNKNOWN) -> list[Finding]`: any text or bytes (the capsule's
  second gate); `syntax` is what the caller knows of the text (`tracetui.redact.syntax`);
- `scan_session(session, identity=None, cache_path=None, workers=None) -> list[Finding]`;
- `refresh_plan(session, PlanStore(dir) | plan_path) -> Plan`: load, rescan what changed, save;
- `refresh_plans(sessions, PlanStore(dir))`: the same for many sessions, on every core (`redact.many`);
- `plan_store(library)`: the one way to a library's plans (and its scan cache);
- `Plan` / `PlanSpan` / `PlanStore`, `build_plan`, `load_plan`, `save_plan`, `plan_path`; `PlanValue`:
  what the seal's second gate found in text no field holds, decided by value;
- `apply(session, plan) -> Session`, `scrub_text(text, spans)`, `stale_fields(session, plan)`;
- review by value: `value_group(span)`, and across sessions `group_pending`, `decide_group`,
  `find_group`, `review_key` (`tracetui.redact.review`).

The core never imports Textual; detect-secrets is imported on first scan.
"""

from tracetui.redact.apply import apply, scrub_text, stale_fields
from tracetui.redact.detect import scan_text
from tracetui.redact.fields import Field, field_text, iter_fields
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.identity import Identity, identity_from_session
from tracetui.redact.plan import (
    ACCEPTED,
    assign_placeholders,
    AUTO_D,
    MANUAL,
    REJECTED,
    Plan,
    PlanSpan,
    PlanStore,
    PlanValue,
    build_plan,
    load_plan,
    plan_path,
    plan_store,
    save_plan,
    value_group,
)
from tracetui.redact.many import refresh_plans
from tracetui.redact.review import ValueGroup, decide_group, find_group, group_pending, review_key
from tracetui.redact.scan import refresh_plan, scan_session, session_identity

__all__ = [
    "ACCEPTED", "AUTO", "AUTO_D", "MANUAL", "REJECTED", "SUGGESTED",
    "Field", "Finding", "Identity", "Plan", "PlanSpan", "PlanStore", "PlanValue",
    "apply", "assign_placeholders", "build_plan", "field_text", "identity_from_session", "iter_fields", "load_plan", "plan_path",
    "plan_store",
    "refresh_plan", "refresh_plans",
    "save_plan", "scan_session", "scan_text", "scrub_text", "session_identity", "stale_fields",
    "ValueGroup", "decide_group", "find_group", "group_pending", "review_key", "value_group",
]  # fmt: skip
