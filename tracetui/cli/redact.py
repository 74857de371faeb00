"""scan: the redaction findings of one session (never the values), and its plan brought up to date."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tracetui.cli import Commands, add_bucket_option, add_json_option, open_bucket
from tracetui.cli.output import print_json, print_table
from tracetui.errors import UsageError


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "scan",
        help="find secrets and personal data in a session (positions and kinds, never the values)",
        description="Scan every field of a session for secrets, your own identity and personal data, "
        "and bring its redaction plan up to date. Values are never printed.",
    )
    p.add_argument("id", metavar="ID", help="a session id or a unique prefix of one")
    p.add_argument("--no-save", action="store_true", help="do not update the session's redaction plan")
    p.add_argument(
        "--accept",
        action="append",
        metavar="KIND",
        default=[],
        help="accept (scrub) every finding of this kind still waiting for a decision; repeatable",
    )
    p.add_argument(
        "--reject",
        action="append",
        metavar="KIND",
        default=[],
        help="reject (keep) every finding of this kind still waiting for a decision; repeatable",
    )
    p.add_argument(
        "--steps",
        metavar="A:B",
        help="only what `seal --steps A:B` would carry and check: those steps, the steps their contexts "
        "show, and the session fields a capsule keeps",
    )
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_scan)


def run_scan(args: argparse.Namespace) -> int:
    from tracetui.redact import session_plan, value_group

    with open_bucket(args) as bucket:
        session = bucket.session(args.id)
    scanned = session_plan(bucket, session, save=not args.no_save)
    plan = scanned.plan
    decided = _decide(plan, session, args)
    if decided and not args.no_save:
        scanned.store.save(plan)
    spans = [s for s in plan.spans if s.decision != "manual"]
    pending_spans = plan.pending()
    if args.steps is not None:
        from tracetui.capsule import in_scope, parse_steps, seal_scope

        # The same scope the seal uses, so what is listed here is exactly what it will check.
        scope = seal_scope(session, plan, parse_steps(args.steps))
        spans = [s for s in spans if in_scope(s.step, s.field, scope.included)]
        pending_spans = [s for s in pending_spans if in_scope(s.step, s.field, scope.included)]
    order: dict[str | None, int] = {None: -1, **{step.id: i for i, step in enumerate(session.steps)}}
    spans.sort(key=lambda s: (order.get(s.step, 1 << 30), s.field, s.start))
    # Values the seal's second gate found in text no field holds (git's context lines...): no step,
    # no offsets; decided by kind like the rest.
    values = list(plan.values)
    if args.json:
        print_json(
            [
                {
                    "step": s.step,
                    "index": order.get(s.step) if s.step is not None else None,
                    "field": s.field,
                    "start": s.start,
                    "end": s.end,
                    "kind": s.kind,
                    "tier": s.tier,
                    "detector": s.detector,
                    "decision": s.decision,
                    "placeholder": s.placeholder,
                    # Opaque (an HMAC under the plan's own key): rows with the same value_id hold the
                    # same value, so one decision covers them; never the value itself.
                    "value_id": value_group(s)[:16] if s.value_id else None,
                }
                for s in spans
            ]
            + [
                {
                    "step": None,
                    "index": None,
                    "field": None,
                    "member": v.where,
                    "start": None,
                    "end": None,
                    "kind": v.kind,
                    "tier": v.tier,
                    "detector": v.detector,
                    "decision": v.decision,
                    "placeholder": v.placeholder,
                }
                for v in values
            ]
        )
        return 0
    if spans or values:
        print_table(
            ("step", "field", "span", "kind", "tier", "detector", "decision"),
            [
                (order.get(s.step, "?") if s.step else "(session)", s.field, f"{s.start}-{s.end}", s.kind, s.tier,
                 s.detector, s.decision or "pending")
                for s in spans
            ]
            + [
                ("(capsule)", v.where, "-", v.kind, v.tier, v.detector, v.decision or "pending")
                for v in values
            ],
            48,
        )
    sure = sum(1 for s in spans if s.tier == "auto")
    pending = len(pending_spans) + len(plan.pending_values())
    left = len({value_group(s) for s in pending_spans}) + len(plan.pending_values())
    print(
        f"{len(spans)} finding(s): {sure} sure (scrubbed unless rejected), {len(spans) - sure} suggested, "
        f"{pending} waiting for a decision ({left} decision{'' if left == 1 else 's'} left: "
        "one per distinct value)",
        file=sys.stdout,
    )
    if values:
        print(
            f"{len(values)} found by the seal's second gate in text no field holds (a patch's context from "
            "git); decided by kind with --accept KIND / --reject KIND",
            file=sys.stdout,
        )
    return 0


def _decide(plan: Any, session: Any, args: argparse.Namespace) -> int:
    """`--accept KIND` / `--reject KIND`: decide the findings of those kinds that wait for a decision
    (within `--steps` when given). Decisions already made, by the user or in the editor, stay."""
    from tracetui.capsule import in_scope, parse_steps, seal_scope
    from tracetui.redact import ACCEPTED, REJECTED

    if not args.accept and not args.reject:
        return 0
    both = set(args.accept) & set(args.reject)
    if both:
        raise UsageError(f"--accept and --reject both name {', '.join(sorted(both))}")
    included = None
    if args.steps is not None:
        included = seal_scope(session, plan, parse_steps(args.steps)).included
    n = 0
    # What the seal's second gate found outside any field is decided by value, wherever it shows up.
    for value in plan.pending_values():
        if value.kind in args.accept:
            value.decision = ACCEPTED
            n += 1
        elif value.kind in args.reject:
            value.decision = REJECTED
            n += 1
    for span in plan.pending():
        if included is not None and not in_scope(span.step, span.field, included):
            continue
        if span.kind in args.accept:
            plan.decide(span, ACCEPTED)
            n += 1
        elif span.kind in args.reject:
            plan.decide(span, REJECTED)
            n += 1
    return n
