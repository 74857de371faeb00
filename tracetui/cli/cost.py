"""`tracetui cost`: what sessions cost together, by day, week, month, agent, model or project; a thin
face over tracetui.spending."""

from __future__ import annotations

import argparse

from tracetui.cli import Commands, add_bucket_option, add_json_option, open_bucket
from tracetui.cli.output import print_json, print_table
from tracetui.cli.selection import add_selection_options, selection_of
from tracetui.safe_text import safe_line
from tracetui.views.format import LOGGED_MARK, human_tokens, listed_cost, money


def register(subparsers: Commands) -> None:
    from tracetui.spending import BY

    p = subparsers.add_parser(
        "cost",
        help="what your sessions cost in all, by day, week, month, agent, model or project",
        description="Totals of the sessions' costs at the API's list prices (as `ls` prices each one), "
        "grouped by the UTC day, ISO week or month the session started, its agent, model or project. "
        "Every session counts, the ones `ls` hides too. `?`: the price table knows none of the group's "
        "models; `≥`: a lower bound (some sessions unpriced, or their logs count only part of their "
        "usage).",
    )
    p.add_argument("--by", choices=BY, default="day", help="how to group the sessions (default: day)")
    add_selection_options(p)
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_cost)


def run_cost(args: argparse.Namespace) -> int:
    import tracetui.spending as spending_api

    with open_bucket(args) as bucket:
        result = spending_api.spending(bucket, args.by, selection_of(args))
        table = bucket.price_table()
    if args.json:
        print_json({**result.to_dict(), "prices": table.to_dict() if table is not None else None})
        return 0
    rows = [*result.groups, result.total]
    print_table(
        (args.by, "sessions", "input", "output", "cache read", "cache write", "cost", "unpriced", "$/kept line",
         "thrown away"),
        [(g.key, g.sessions, human_tokens(g.tokens.input), human_tokens(g.tokens.output),
          human_tokens(g.tokens.cache_read), human_tokens(g.tokens.cache_write),
          listed_cost(g.priced, g.lower_bound, g.logged), g.unpriced or "",
          money(g.per_line_usd) if g.judged else "-", money(g.wasted_usd) if g.judged else "-") for g in rows],
    )  # fmt: skip
    if args.by == "model":
        print("a session of several models counts in each; the total counts it once")
    if result.total.judged:
        print(f"$/kept line, thrown away (on reverted or lost patches): over the {len(result.total.judged)} "
              "session(s) whose trail at HEAD decided some patch (`tracetui trail ID`); - where none did")
    if table is not None and result.total.sessions:
        print(f"cost: API list prices from {safe_line(table.describe())}; ? where the table lacks a model")
        if result.total.logged:
            print(f"{LOGGED_MARK}: (partly) as the agent's log recorded it, for a model the table lacks")
        if result.total.lower_bound and result.total.priced is not None:
            print("≥: a lower bound (an unpriced session, or a log counting part of its usage)")
    return 0
