"""review: the undecided suggestions of many sessions, grouped by value, each decided once."""

from __future__ import annotations

import argparse

from tracetui.cli import Commands, add_bucket_option, add_json_option, open_bucket
from tracetui.cli.output import count_line, print_json, print_table
from tracetui.cli.selection import add_selection_options, selection_of
from tracetui.errors import UsageError


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "review",
        help="undecided redaction suggestions of many sessions, grouped by value (masked: never the values)",
        description="Scan the chosen sessions (plans brought up to date), and list every value still waiting "
        "for a decision once, with its kind and where it is. --accept/--reject ID decide a value in every "
        "session it waits in; decisions already made stay.",
    )
    add_selection_options(p)  # export's: review exactly what an export of the same selection will take
    p.add_argument("--limit", type=int, help="at most N sessions, the newest of those chosen")
    p.add_argument("--accept", action="append", metavar="ID", default=[],
                   help="scrub this value (an id from the list, or a unique prefix) wherever it waits; repeatable")
    p.add_argument("--reject", action="append", metavar="ID", default=[],
                   help="keep this value as it is wherever it waits; repeatable")
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_review)


def run_review(args: argparse.Namespace) -> int:
    from tracetui import export  # its package's `select`, not the module of that name
    from tracetui.redact import ACCEPTED, REJECTED, open_review

    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit wants a positive number")
    both = set(args.accept) & set(args.reject)
    if both:  # said before the scan, which can take minutes
        raise UsageError(f"--accept and --reject both name {', '.join(sorted(both))}")
    line = count_line()

    def progress(done: int, total: int) -> None:
        if line is not None and total:
            line("scanning", done, total)

    with open_bucket(args) as bucket:
        rows = export.select(bucket, selection_of(args))[::-1]  # newest first
        chosen = [row.id for row in rows[: args.limit]]  # each read as it is scanned: flat memory
        review = open_review(bucket, chosen, progress=progress)
    assert review is not None  # nothing cancels it
    decided = review.decide([(a, ACCEPTED) for a in args.accept] + [(r, REJECTED) for r in args.reject])
    if decided:
        review.regroup()
    groups, findings = review.groups, review.findings
    if args.json:
        print_json(
            {
                "sessions": len(chosen),
                "findings": findings,
                "decisions_left": len(groups),
                "decided": decided,
                "groups": [g.to_dict() for g in groups],
            }
        )
        return 0
    if groups:
        print_table(
            ("id", "kind", "looks like", "findings", "sessions", "first place"),
            [(g.id, g.kind, g.hint, len(g.occurrences), len(g.sessions), g.first_place) for g in groups],
            60,
        )
    if decided:
        print(f"decided {decided} finding(s)")
    print(
        f"{len(chosen)} session(s): {findings} suggestion(s) waiting, {len(groups)} decision"
        f"{'' if len(groups) == 1 else 's'} left (one per distinct value)"
    )
    return 0
