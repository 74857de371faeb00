"""sync: copy and index new or grown agent logs (docs/design.md, "Command line").

A module of its own: a sync is what a shell or a hook runs most, and it imports nothing the
listing commands need.
"""

from __future__ import annotations

import argparse
import sys

from tracetui.cli import Commands, add_bucket_option, add_json_option, open_bucket
from tracetui.cli.output import print_json, print_table, progress_line
from tracetui.safe_text import safe_line
from tracetui.sources import registry


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser("sync", help="copy and index new or grown agent logs")
    p.add_argument(
        "--source",
        action="append",
        metavar="AGENT=PATH",
        help=f"read AGENT's logs ({registry.spoken_names()}) from PATH instead of the default folders; repeatable",
    )
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    from tracetui.bucket import parse_sources

    sources = parse_sources(args.source)
    with open_bucket(args, makes=True) as bucket:
        report = bucket.sync(sources, progress=progress_line("syncing") if sys.stderr.isatty() else None)
    if args.json:
        print_json(report.to_dict())
        return 0
    sessions = "1 session" if report.sessions == 1 else f"{report.sessions} sessions"
    print(
        f"{sessions}: {report.new} new, {report.updated} updated, "
        f"{report.unchanged} unchanged ({report.seconds:.2f} s)"
    )
    if report.errors:
        from tracetui.views.format import problems

        print(problems(report.errors) + ":")
        print_table(("path", "line", "error"), [(e.path, e.line, e.error) for e in report.errors], 80)
    if report.sessions == 0:
        from tracetui.views.first_run import where_looked

        for line in where_looked(report.searched):
            print(safe_line(line))
    return 0
