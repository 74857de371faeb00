"""`tracetui rate` and `tracetui eval`: people's ratings, and cohorts scored from trusted labels; a
thin face over tracetui.bucket (ratings) and tracetui.evals."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from tracetui.cli import Commands, add_bucket_option, add_json_option, open_bucket
from tracetui.cli.output import count_line, print_json
from tracetui.cli.selection import add_selection_options, selection_of
from tracetui.errors import UsageError
from tracetui.safe_text import safe_line
from tracetui.selection import Selection


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "rate",
        help="rate a session or one of its steps good or bad, with a short note",
        description="Keep a person's verdict on a session (ID) or one of its steps (ID:STEP, the step's "
        "index as `show` numbers it, or its id). Ratings are kept in the bucket, outside its index: no "
        "rebuild or sync loses them. A later rating of the same session or step replaces the earlier. "
        "`tracetui eval` scores cohorts from them, and exports carry them as labels.",
    )
    p.add_argument("target", metavar="ID[:STEP]", help="a session id (or unique prefix), and a step")
    p.add_argument("verdict", choices=("good", "bad"))
    p.add_argument("--note", metavar="TEXT", help="a short note (one line, at most 500 characters)")
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_rate)

    from tracetui.evals import BY

    e = subparsers.add_parser(
        "eval",
        help="score cohorts of sessions (by skill, model, agent, ...) from trusted labels, and compare two",
        description="Group the sessions by what a team changes (the skill or slash command invoked, the "
        "model, agent, agent version, repository, or the first prompt's template) and score each group "
        "from labels nobody in the session wrote: the fate git gave its added lines, its last test run's "
        "exit status, and people's ratings (`tracetui rate`). Each score has its n and a 95% bootstrap "
        "interval over sessions. A group with too few labelled sessions is blocked, saying what would "
        "unblock it. --compare A B says whether B does better, worse or no detectably different than A.",
    )
    e.add_argument("--by", choices=BY, default="agent", help="how to group the sessions (default: agent)")
    e.add_argument("--where", metavar="WORDS", help="the session list's filter words (agent:codex project:shop 7d words)")
    e.add_argument("--compare", nargs="+", metavar="COHORT", help="A B: how cohort B does against A; "
                   "A alone with --split-at DATE: A before DATE against A from DATE on")  # fmt: skip
    e.add_argument("--split-at", metavar="DATE", help="with --compare A: the date that splits the cohort")
    e.add_argument("--ref", default="HEAD", help="the revision survival is judged at (default HEAD)")
    e.add_argument("--repo", help="a clone the sessions' work went to: its own sessions are judged there, "
                   "the others where they ran (default: found from each cwd)")
    e.add_argument("--clones", nargs="+", metavar="DIR", default=(),
                   help="clones to judge the sessions' work in, each session in its own (a folder of clones too)")  # fmt: skip
    e.add_argument("--min", type=int, default=None, dest="minimum", metavar="N",
                   help="labelled sessions a cohort needs to be scored (default 5)")  # fmt: skip
    add_selection_options(e)
    add_bucket_option(e)
    add_json_option(e)
    e.set_defaults(func=run_eval)


def _target(text: str) -> tuple[str, str | None]:
    sid, sep, step = text.partition(":")
    if not sid.strip():
        raise UsageError("rate takes ID or ID:STEP")
    return sid.strip(), (step.strip() or None) if sep else None


def run_rate(args: argparse.Namespace) -> int:
    sid, step = _target(args.target)
    with open_bucket(args) as bucket:
        rating = bucket.rate(sid, args.verdict, step, args.note)
    if args.json:
        print_json(rating.to_dict())
        return 0
    where = f"{rating.session} step {rating.index}" if rating.step is not None else rating.session
    note = f" ({rating.note})" if rating.note else ""
    print(safe_line(f"rated {where} {rating.verdict}{note}"))
    return 0


def run_eval(args: argparse.Namespace) -> int:
    import tracetui.evals as evals_api

    selection = selection_of(args)
    if args.where:
        selection = _narrowed(selection, args.where)
    if args.compare and len(args.compare) > 2:
        raise UsageError("eval --compare takes two cohorts, or one with --split-at DATE")
    if args.compare and len(args.compare) == 1 and not args.split_at:
        raise UsageError("eval --compare A alone needs --split-at DATE (or give two cohorts)")
    if args.split_at and not (args.compare and len(args.compare) == 1):
        raise UsageError("--split-at goes with --compare A (one cohort)")
    minimum = evals_api.MINIMUM if args.minimum is None else args.minimum
    with open_bucket(args) as bucket:
        result = evals_api.evaluate(bucket, args.by, selection, ref=args.ref, repo=args.repo,
                                     clones=args.clones, minimum=minimum, progress=_progress())  # fmt: skip
    for note in result.notes:  # on stderr: the answer on stdout (and its JSON) stays as it was
        print(safe_line(note), file=sys.stderr)
    if args.compare:
        if len(args.compare) == 2:
            answer = evals_api.compare(result, args.compare[0], args.compare[1])
        else:
            answer = evals_api.split(result, args.compare[0], args.split_at)
        if args.json:
            print_json({**answer.to_dict(), "calibration": result.calibration.to_dict()})
        else:
            print(safe_line(answer.line()))
        return 0
    if args.json:
        print_json(result.to_dict())
        return 0
    # A block per cohort, within 80 columns: its counts and status, then a line per score or what
    # would unblock it.
    for c in result.cohorts:
        print(safe_line(f"{c.key}: {len(c.sessions)} sessions, {len(c.labelled)} labelled: {c.status}"))
        if c.unblock:
            print(safe_line(f"    {c.unblock}"))
        for name, metric in c.metrics.items():
            cell = _cell(metric, money=name == "cost_per_surviving_line")
            print(f"    {name:<24} {cell or 'no label of this kind'}")
    cal = result.calibration
    if cal.agreement is None:
        print("calibration: no session has both a git outcome and a rating")
    else:
        print(f"calibration: git's survival agrees with people's ratings on {cal.agreement:.0%} of {cal.n} "
              f"sessions [{cal.low or 0:.0%}, {cal.high or 0:.0%}]: {cal.status}")  # fmt: skip
    print("scores: value [95% interval] n=sessions; survival = added lines alive or transformed at "
          f"{safe_line(args.ref)}")
    return 0


def _progress() -> Callable[[int, int], None] | None:
    """`scoring: n/N sessions` on a terminal (a first evaluation reads every session and judges its
    work in git)."""
    line = count_line(delay=1.0)
    return None if line is None else (lambda done, total: line("scoring", done, total))


def _cell(metric: object, money: bool = False) -> str:
    from tracetui.evals import Metric

    if not isinstance(metric, Metric) or metric.value is None:
        return ""
    if metric.low is None:
        return (f"${metric.value:.4f}" if money else f"{metric.value:.3f}") + f" n={metric.n} (no interval from one session)"
    if money:
        return f"${metric.value:.4f} [{metric.low or 0:.4f}, {metric.high or 0:.4f}] n={metric.n}"
    return f"{metric.value:.3f} [{metric.low or 0:.3f}, {metric.high or 0:.3f}] n={metric.n}"


def _narrowed(selection: Selection, where: str) -> Selection:
    """The selection narrowed by the list's filter words (`agent:codex project:shop 7d words`)."""
    from dataclasses import replace

    from tracetui.ui.query import parse_query

    q = parse_query(where)
    words = " ".join(w for w in (selection.query, q.text) if w) or None
    return replace(selection, agent=q.agent or selection.agent, project=q.project or selection.project,
                   since=q.since or selection.since, until=q.until or selection.until, query=words)  # fmt: skip
