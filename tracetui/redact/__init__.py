"""Redaction: detectors propose spans (findings), the per-session plan records a decision and a
placeholder for each, and `apply` produces a scrubbed copy of a session.

The public surface, for the CLI, the UI and the capsule:

More in docs/internals/redact.md, `redact/__init__.py`.
"""

from tracetui.redact.apply import apply, scrub_text, stale_fields
from tracetui.redact.detect import DETECTORS_VERSION, detectors_salt, scan_text
from tracetui.redact.fields import Field, field_text, iter_fields
from tracetui.redact.finding import AUTO, SUGGESTED, Finding
from tracetui.redact.identity import Identity, identity_from_session
from tracetui.redact.kinds import MANUAL as MANUAL_KIND
from tracetui.redact.kinds import PERSON_NAME
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
from tracetui.redact.cross_review import CrossReview, open_review
from tracetui.redact.many import Scanning, TextScanner, refresh_plans
from tracetui.redact.people import remember_name
from tracetui.redact.review import Occurrence, ValueGroup, decide_group, find_group, group_pending, review_key
from tracetui.redact.scan import refresh_plan, scan_session, session_identity
from tracetui.redact.session_scan import SessionPlan, session_plan

__all__ = [
    "ACCEPTED", "AUTO", "AUTO_D", "DETECTORS_VERSION", "MANUAL", "MANUAL_KIND", "PERSON_NAME", "REJECTED",
    "SUGGESTED",
    "Field", "Finding", "Identity", "Plan", "PlanSpan", "PlanStore", "PlanValue",
    "apply", "assign_placeholders", "build_plan", "detectors_salt", "field_text", "identity_from_session", "iter_fields", "load_plan", "plan_path",
    "plan_store",
    "refresh_plan", "refresh_plans", "remember_name", "Scanning", "TextScanner",
    "save_plan", "scan_session", "scan_text", "scrub_text", "session_identity", "stale_fields",
    "Occurrence", "ValueGroup", "decide_group", "find_group", "group_pending", "review_key", "value_group",
    "CrossReview", "open_review", "SessionPlan", "session_plan",
]  # fmt: skip
