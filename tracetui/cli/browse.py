"""ls, show, rm, search: the browsing commands (docs/design.md, "Command line")."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

from tracetui.cli import Commands, add_bucket_option, add_json_option, open_bucket
from tracetui.cli.output import print_json, print_table
from tracetui.cli.selection import add_selection_options, selection_of
from tracetui.errors import TracetuiError, UsageError
from tracetui import cost, line_cost
from tracetui.model import SessionFilter, SessionSummary
from tracetui.safe_text import clip, command_line, safe_line, safe_text
from tracetui.selection import select
from tracetui.views import fork, unread
from tracetui.views.first_run import where_looked
from tracetui.views.format import LOGGED_MARK, line_cost_text, listed_cost, money, short_time, step_number, step_text

if TYPE_CHECKING:  # imported where a command runs: `--version` and `--help` need no SQLite or index
    from tracetui.bucket import Bucket, SearchHit


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "ls",
        help="list the sessions in the bucket, newest first",
        description="List the sessions in the bucket, newest first. The selection options are export's and "
        "review's: `ls` with them lists what an export or a review of the same options takes.",
    )
    add_selection_options(p)
    p.add_argument("--limit", type=_positive, help="at most N sessions")
    p.add_argument(
        "--all",
        action="store_true",
        help="also list the sessions left out by default: empty ones (no prompt, nothing done), warm-ups, "
        "the CLI's own commands alone, prompts queued and never sent, and runs the agent started itself "
        "read without their session",
    )
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_ls)

    p = subparsers.add_parser("show", help="show one session and its steps")
    p.add_argument("id", metavar="ID", help="a session id or a unique prefix of one")
    p.add_argument("--step", metavar="N", help="show only step N in full (the # column; the app's `step N`, "
                   "blame's #N)")  # fmt: skip
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_show)

    p = subparsers.add_parser(
        "rm",
        help="remove a session from the bucket (never the agent's own log)",
        description="Remove one session from the bucket: its index rows and the bucket's copies of its logs. "
        "The agent's logs are never touched; the next sync passes over them until one of them changes "
        "(an agent still writing to the session brings it back).",
    )
    p.add_argument("id", metavar="ID", help="a session id or a unique prefix of one")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask first (asking needs a terminal)")
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_rm)

    p = subparsers.add_parser(
        "search",
        help="find steps by the words in them",
        description="Find steps by the words in them: what the user, the agent and its tools said. What "
        "a harness injected (system prompts, instructions, environment, reminders) is left out: "
        "kind:context looks only there, kind:KIND only in steps of that kind (kind:user, kind:tool), "
        "kind:all everywhere.",
    )
    p.add_argument("query", metavar="QUERY", help="words to find (the last one may be a prefix); kind:KIND")
    p.add_argument("--limit", type=_positive, default=50, help="at most N hits (default 50)")
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_search)


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value!r}")
    if n > 2**63 - 1:  # SQLite's LIMIT refuses it with a traceback
        raise argparse.ArgumentTypeError(f"expected a number below 2**63, got {clip(value, 40)!r}")
    return n


def run_ls(args: argparse.Namespace) -> int:
    with open_bucket(args) as bucket:
        # export's and review's selection, by their code: what `ls` lists, an export of it takes.
        chosen = select(bucket, selection_of(args), include_hidden=True)
        empty = not chosen and bucket.count_sessions(SessionFilter(include_hidden=True)) == 0
        table = bucket.price_table()
        rated = {r.session: r.verdict for r in bucket.ratings() if r.step is None}
    shown = chosen if args.all else [r for r in chosen if r.hidden is None]
    hidden = len(chosen) - len(shown)
    # Newest first, ties by id, sessions with no start last: the order the list always had.
    shown.sort(key=lambda r: r.id)
    shown.sort(key=lambda r: r.started or "", reverse=True)
    rows = shown[: args.limit]
    if args.json:
        # What a trail at HEAD last said of each row (remembered where one was judged): no trail is judged here.
        judged = line_cost.recorded_all(bucket.cache_dir, ((r.id, r.steps) for r in rows))
        print_json([{**r.to_dict(), "line_cost": _line_cost(judged.get(r.id))} for r in rows])
        return 0
    if empty:
        print(f"the bucket {safe_line(str(bucket.root))} has no sessions yet: run `tracetui sync`", file=sys.stderr)
        print("`tracetui sync` looks in the agents' usual folders:", file=sys.stderr)
        from tracetui.bucket import source_folders

        for line in where_looked(source_folders())[1:]:
            print(safe_line(line), file=sys.stderr)
    print_table(
        ("id", "agent", "project", "started", "steps", "edits", "cost", "title"),
        [(r.id, r.agent, r.project, short_time(r.started), r.steps, r.edits,
          listed_cost(r.cost_usd, r.cost_lower_bound, r.cost_logged), RATED.get(rated.get(r.id, ""), "") + _title_cell(r))
         for r in rows],
    )  # fmt: skip
    for r in rows:
        if r.note:  # a session kept from the bucket's history, or not updated: say why
            print(f"⚠ {r.id[:12]}: {safe_line(r.note)}")
    if hidden:
        print(_not_listed(chosen))
    if any(r.id in rated for r in rows):
        print("✓ / ✗: rated good / bad (`tracetui rate`)")
    if table is not None and rows:
        print(f"cost: API list prices from {safe_line(table.describe())}; ? where the table lacks a model")
        if any(r.cost_logged for r in rows):  # a line of its own, within 80 columns
            print(f"{LOGGED_MARK}: (partly) as the agent's log recorded it, for a model the table lacks")
        if any(r.cost_lower_bound and r.cost_usd is not None for r in rows):
            print("≥: a lower bound, the log counts only part of the session's usage")
    return 0


RATED = {"good": "✓ ", "bad": "✗ "}  # a session's own rating, before its title


def _line_cost(found: line_cost.LineCost | None) -> dict[str, Any] | None:
    return None if found is None else found.to_dict()


def _not_listed(rows: list[SessionSummary]) -> str:
    """How many sessions the list leaves out, by the reason each is hidden (most first), and what they
    cost: `(3 sessions not listed: empty 2, agent's own run 1; `tracetui ls --all`)`."""
    reasons = Counter(r.hidden for r in rows if r.hidden is not None)
    count = sum(reasons.values())
    why = ", ".join(f"{safe_line(reason)} {n}" for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"({count} session{'' if count == 1 else 's'} not listed: {why}{_spent(rows)}; `tracetui ls --all`)"


def _spent(rows: list[SessionSummary]) -> str:
    """What the hidden sessions among `rows` cost, where they cost anything: a warm-up that ran away
    (Claude Code 2.1.2 kept some going for hundreds of turns) is hidden yet spent real money."""
    hidden = [r for r in rows if r.hidden is not None and r.cost_usd]
    if not hidden:
        return ""
    lower = any(r.cost_lower_bound for r in hidden)
    return f"; {money(sum(r.cost_usd or 0.0 for r in hidden), lower)} between them"


def _title_cell(row: SessionSummary) -> str:
    mark = "⚠ " if row.note else ""
    shown = f"({row.hidden}) " if row.hidden else ""
    spawned = f"↳ {fork.short_id(row.subagent_of)} " if row.subagent_of else ""  # which session ran it
    return mark + shown + spawned + (row.title or "")


def _holds(bucket: Bucket, sid: str) -> bool:
    """Whether the bucket holds a session of exactly this id (a log's word is no prefix to resolve)."""
    try:
        return bucket.summary(sid).id == sid
    except TracetuiError:
        return False


def run_show(args: argparse.Namespace) -> int:
    with open_bucket(args) as bucket:
        session = bucket.session(args.id)
        parent = fork.parent_of(session)
        parent_held = parent is not None and _holds(bucket, parent)
    priced = cost.session_cost(session)
    # The trail is judged only where asked for (`trail`, the app's pane, an export): here, its last word.
    kept = line_cost.recorded(bucket.cache_dir, session.id, len(session.steps))
    if getattr(args, "step", None) is not None:
        return _show_step(session, args.step, priced, args.json)
    if args.json:
        doc = session.to_dict()
        # Every session says whether it is a fork or a subagent (Session.to_dict leaves the keys out
        # when not).
        doc["forked_from"] = session.forked_from
        doc["forked_at"] = session.forked_at
        doc["subagent_of"] = session.subagent_of
        doc["cost_usd"] = priced.to_dict()["cost_usd"]
        doc["input_recorded"] = session.tokens.input_recorded  # False: cost_usd prices the output alone
        doc["cost_lower_bound"] = priced.partial  # True: the log counts only part of the usage priced
        doc["cost_by_model"] = priced.to_dict()["by_model"]
        doc["cost_logged"] = priced.logged  # True: some of cost_usd is the log's own figure, not the table's
        doc["prices"] = cost.price_table().to_dict()
        doc["line_cost"] = None if kept is None else kept.to_dict()
        for step in doc["steps"]:
            price = priced.steps.get(step["id"])
            step["cost_usd"] = None if price is None else round(price, 6)
            if step["id"] in priced.logged_steps:
                step["cost_source"] = "log"
        print_json(doc)
        return 0
    t = session.tokens
    fields = [
        ("id", session.id),
        ("agent", session.agent),
        ("project", session.project),
        ("cwd", session.cwd),
        ("title", session.title),
        ("started", session.started),
        ("ended", session.ended),
        ("models", ", ".join(session.models)),
        ("tokens", f"input {t.input}, output {t.output}, cache read {t.cache_read}, cache write {t.cache_write}"
         if t.input_recorded else f"output {t.output}; the log does not count input or cache tokens"),
        ("cost", _cost_line(priced, session.forked_from is not None, t.input_recorded)),
        ("kept", line_cost_text(kept) if kept is not None
         else f"not judged yet (`{command_line('tracetui', 'trail', session.id[:12])}` judges it)"),
        ("source", session.source),
    ]
    # A fork's line, or a subagent's, and one word where the session it names is not in the bucket.
    absent = parent is not None and not parent_held and parent != session.id
    missing = "; not in this bucket" if absent else ""
    forked = fork.fork_line(session)
    if forked is not None:
        fields.insert(5, ("fork", forked + missing))
    elif (spawned := fork.subagent_line(session)) is not None:
        fields.insert(5, ("subagent", spawned + missing))
    read = unread.report_line(session)
    if read is not None:
        fields.append(("read", read))
    for name, value in fields:
        print(f"{name + ':':9} {safe_line('' if value is None else str(value))}")
    print()
    print_table(
        ("#", "kind", "tool", "time", "text"),
        [(s.index, s.kind, s.tool, short_time(s.timestamp), step_text(s)) for s in session.steps],
        max_width=80,
    )
    return 0


def _show_step(session: Any, wanted: str, priced: cost.SessionCost, as_json: bool) -> int:
    """One step in full, found by its number (the `#` column): the log's own id only in `--json`."""
    number = step_number(wanted)
    if number is None:
        raise UsageError(f"--step wants a step number as `show` lists it (0 to {len(session.steps) - 1}), "
                            f"got {safe_line(clip(wanted, 40))!r}")  # fmt: skip
    step = next((s for s in session.steps if s.index == number), None)
    if step is None:
        raise TracetuiError(f"the session has no step {number} (its steps are 0 to {len(session.steps) - 1})")
    price = priced.steps.get(step.id)
    if as_json:
        doc = step.to_dict()
        doc["session"] = session.id
        doc["cost_usd"] = None if price is None else round(price, 6)
        print_json(doc)
        return 0
    head = [f"step {step.index}", step.kind, step.tool, step.timestamp, step.model]
    print(safe_line(" · ".join(str(h) for h in head if h)))
    print(safe_line(f"session {session.id}"))
    print()
    print(safe_text(step_text(step)))
    return 0


def _cost_line(priced: cost.SessionCost, fork: bool = False, input_recorded: bool = True) -> str:
    if not priced.by_model:
        if fork:
            return "none of its own (the requests it copied are its parent's)"
        return "unknown (the log gives no token usage)"
    low = priced.partial or not input_recorded
    parts = [f"{m.model or 'unknown model'} {money(m.cost_usd, low)}{_as_logged(m)}" for m in priced.by_model]
    head = money(priced.cost_usd, low) + (f" ({', '.join(parts)})" if len(parts) > 1 or priced.cost_usd is None else "")
    if len(parts) == 1 and priced.cost_usd is not None:
        head += _as_logged(priced.by_model[0])
    why = " (the output alone)" if not input_recorded else ""
    if low and not why:
        why = " (the log counts only part of the usage)"
    return f"{head}{why}; {cost.price_table().describe()}"


def _as_logged(share: cost.ModelCost) -> str:
    """Where a model's price is (partly) what the agent's log says, not the table's."""
    if share.source is None or share.cost_usd is None:
        return ""
    return " (as logged)" if share.source == "log" else " (partly as logged)"


def run_rm(args: argparse.Namespace) -> int:
    with open_bucket(args) as bucket:
        sid = bucket.resolve(args.id)
        if not args.yes:
            _confirm_removal(bucket, sid)
        removal = bucket.remove(sid)
    if args.json:
        print_json(removal.to_dict())
        return 0
    print(f"removed {safe_line(removal.session)} ({safe_line(removal.title or 'untitled')}) from the bucket: "
          f"{removal.copies} file{'' if removal.copies == 1 else 's'} of copies; the agent's logs are untouched")  # fmt: skip
    return 0


def _confirm_removal(bucket: Bucket, sid: str) -> None:
    if not sys.stdin.isatty():
        raise UsageError("tracetui rm asks before it removes a session: pass --yes to remove without asking")
    title = safe_line(bucket.summary(sid).title or "untitled")
    sys.stderr.write(
        f"Remove session {safe_line(sid)} ({title}) from the bucket? Its copies and rows go; the agent's log stays "
        "and is not read again until it changes. [y/N] "
    )
    sys.stderr.flush()
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise TracetuiError("nothing removed")


def run_search(args: argparse.Namespace) -> int:
    from tracetui.bucket import unknown_kind

    wrong = unknown_kind(args.query)
    if wrong is not None:
        raise TracetuiError(wrong)
    with open_bucket(args) as bucket:
        hits = bucket.search(args.query, limit=args.limit)
    if args.json:
        print_json([h.to_dict() for h in hits])
        return 0
    if not hits:
        print(f"no step matches {safe_line(clip(args.query, 200))!r}")
        return 0
    print_table(
        ("session", "agent", "date", "step", "title", "snippet"),
        [(h.session[:12], h.agent, short_time(h.timestamp), "" if h.index is None else h.index,
          _cut(h.title or "", TITLE_WIDTH), marked(h)) for h in hits],
        max_width=SNIPPET_WIDTH,
    )  # fmt: skip
    return 0


TITLE_WIDTH = 40
SNIPPET_WIDTH = 200


def marked(hit: SearchHit) -> str:
    """The hit's snippet, made safe, with the matched word between « and » (plain text: no colour
    or other escape reaches the terminal)."""
    if hit.match is None:
        return safe_line(hit.snippet)
    start, end = hit.match
    text = hit.snippet
    return safe_line(text[:start]) + "«" + safe_line(text[start:end]) + "»" + safe_line(text[end:])


def _cut(text: str, width: int) -> str:
    text = safe_line(text)
    return text if len(text) <= width else text[: width - 1] + "…"
