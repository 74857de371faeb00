"""Which sessions a command works on: the same options for `export`, `review` and `ls`, so a user
previews and reviews exactly what they will export (`tracetui ls --since 2026-05-01 QUERY`, `tracetui
review --since 2026-05-01 QUERY`, then `tracetui export DEST --format parquet --since 2026-05-01 QUERY`)."""

from __future__ import annotations

import argparse

from tracetui.selection import Selection
from tracetui.sources import registry


def add_selection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "query", metavar="QUERY", nargs="?", help="only sessions whose title, project or steps match"
    )
    p.add_argument("--agent", choices=registry.names(), help="only this agent's sessions")
    p.add_argument("--project", help="only sessions of this project (the last folder of their cwd)")
    p.add_argument(
        "--since", metavar="DATE", help="only sessions started on or after DATE (2026-05-01 or an ISO time)"
    )
    p.add_argument("--until", metavar="DATE", help="only sessions started on or before DATE")
    p.add_argument("--sessions", nargs="+", metavar="ID", help="only these sessions (ids or unique prefixes)")


def selection_of(args: argparse.Namespace) -> Selection:
    return Selection(args.agent, args.project, args.since, args.until, args.query, tuple(args.sessions or ()))
