"""`tracetui doctor`: check the bucket and repair what can be repaired (tracetui.bucket.doctor)."""

from __future__ import annotations

import argparse
import sys

from tracetui.cli import Commands, add_bucket_option, add_json_option, open_bucket
from tracetui.cli.output import count_line, print_json
from tracetui.safe_text import safe_line


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser("doctor", help="check the bucket's copies, sidecars and index, and repair them")
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    import tracetui.bucket as bucket_api

    with open_bucket(args) as bucket:
        line = count_line(unit="logs")
        report = bucket_api.doctor(bucket, None if line is None else (lambda n, total: line("checking the copies", n, total)))
        root = bucket.root
    if args.json:
        if report.healthy:
            print_json(report.to_dict())
            return 0
        left = sum(1 for p in report.problems if not p.repaired)
        failure = f"{left} problem{'' if left == 1 else 's'} in the bucket {root} could not be repaired"
        print_json({**report.to_dict(), "error": safe_line(failure)})
        print(f"tracetui: {safe_line(failure)}", file=sys.stderr)
        return 1
    for p in report.problems:
        done = "repaired" if p.repaired else "NOT repaired"
        print(f"{done}: {safe_line(p.what)}: {safe_line(p.where)}")
    if not report.problems:
        print(f"the bucket {safe_line(str(root))} is healthy ({report.copies} copies checked)")
    elif report.healthy:
        print(f"the bucket {safe_line(str(root))} is healthy again")
    return 0 if report.healthy else 1
