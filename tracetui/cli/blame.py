"""blame: which step of which session wrote each line of a file, or a commit's and a range's lines."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from tracetui.cli import Commands, add_bucket_option, add_json_option, open_bucket
from tracetui.cli.output import count_line, print_json
from tracetui.errors import UsageError
from tracetui.safe_text import safe_line

_LINES = re.compile(r"^(?P<file>.+):(?P<first>\d+)(?:-(?P<last>\d+))?$")
PROMPT_WIDTH = 100  # a prompt is cut to this in plain output (the JSON has it whole)


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "blame",
        help="which session's step wrote each line of a file (or a commit's lines, or a range's)",
        description="For each line of FILE as it is at REV: the commit that introduced it and the agent "
        "step whose patch wrote it (session, step, prompt, survival state), else 'human' or 'unknown'. "
        "--commit and --range share a commit's added lines out among the steps that wrote them.",
    )
    p.add_argument(
        "target", nargs="?", metavar="FILE[:LINE[-LINE]]", help="a file of the repository, and lines of it"
    )
    p.add_argument(
        "--repo",
        metavar="PATH",
        help="the git repository (default: the one holding FILE, else the current folder's)",
    )
    p.add_argument(
        "--ref", metavar="REV", default="HEAD", help="the revision whose lines are blamed (default HEAD)"
    )
    p.add_argument("--commit", metavar="REV", help="the steps and sessions behind one commit's added lines")
    p.add_argument(
        "--range",
        metavar="BASE..HEAD",
        dest="span",
        help="the same for every commit of a range (a pull request): one summary per commit "
        "(its sessions, steps and shares); every line with --lines",
    )
    p.add_argument(
        "--lines",
        action="store_true",
        help="with --range: each commit in full, its steps' prompts and every line no session explains",
    )
    p.add_argument("--no-state", action="store_true", help="skip the survival states (no trail is judged)")
    p.add_argument(
        "--format",
        choices=("text", "agent-trace"),
        default="text",
        help="agent-trace: FILE's lines as one Agent Trace record (agent-trace.dev), JSON",
    )
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_blame)


def parse_target(target: str) -> tuple[str, tuple[int, int] | None]:
    """FILE[:LINE[-LINE]] -> (file, inclusive line range or None). A file whose name ends in ':N'
    and exists as such is taken whole."""
    m = _LINES.match(target)
    if m is None or os.path.exists(target):
        return target, None
    first = int(m.group("first"))
    last = int(m.group("last")) if m.group("last") else first
    if first < 1 or last < first:
        raise UsageError(f"{target!r}: lines are counted from 1, as FILE:LINE or FILE:FIRST-LAST")
    return m.group("file"), (first, last)


def run_blame(args: argparse.Namespace) -> int:
    from tracetui import collector

    # Python's collector kept from walking the modules being imported and the blame's own rows again
    # and again: a first blame of a long file set off 120 collections outside its judging
    # (docs/internals/core.md, `collector.py`).
    with collector.fewer_collections():
        from tracetui.trail import on_two_cores

        with on_two_cores():  # the user waits on this one answer: the patches judged on two processes
            return _run_blame(args)


def _run_blame(args: argparse.Namespace) -> int:
    import tracetui.blame as blame_api

    modes = [x for x in (args.target, args.commit, args.span) if x]
    if len(modes) != 1:
        raise UsageError("give one of FILE[:LINE[-LINE]], --commit REV or --range BASE..HEAD")
    if args.lines and not args.span:
        raise UsageError("--lines goes with --range (a file's blame and --commit print every line already)")
    if args.format == "agent-trace" and not args.target:
        raise UsageError("--format agent-trace records a file's lines: give FILE[:LINE[-LINE]]")
    progress = None if args.json else _progress()
    ahead: Any = None  # a file's blame's `gate_apart.GateApart`
    with open_bucket(args) as bucket:

        def gated(doc: Any, only: frozenset[str] | None = blame_api.LOG_MEMBERS) -> Any:
            # Every form prints the log's strings (a step's prompt, the path it gave) where others read
            # them: a pull request's description, a record committed beside the code. A prompt is
            # scrubbed by its session's plan, then the log's members pass the export's second gate: what
            # the user chose to scrub, and a sure finding (a token, the user's home), print as
            # placeholders. The repository's own lines are printed as git has them (and not scanned:
            # 4,442 lines of one file were a third of a first blame's CPU).
            if only is None:
                import tracetui.capsule as capsule_api  # the seal's gate, for a record (0.08 s to import)

                return capsule_api.gate_scrubbed(doc)
            return blame_api.logs_gated(doc, bucket, only, ahead.gates if ahead is not None else None)

        if args.commit:
            result = blame_api.blame_commit(bucket, args.commit, repo=args.repo, progress=progress)
            _done(progress)
            if args.json:
                print_json(gated(result.to_dict()))
            else:
                _print_commit(gated(result.to_dict()))
            return 0
        if args.span:
            whole = blame_api.blame_range(bucket, args.span, repo=args.repo, progress=progress)
            _done(progress)
            doc = gated(whole.to_dict())
            if args.json:
                print_json(doc)
                return 0
            for c in doc["commits"]:
                if args.lines:
                    _print_commit(c)
                    print()
                else:
                    _print_summary(c)
            if not args.lines and doc["commits"]:
                print()
            print(f"{len(doc['commits'])} commits, {doc['added']} added lines: {_explained(doc)}")
            return 0
        file, lines = parse_target(args.target)
        if args.format != "agent-trace":  # a record's gate is the seal's, which remembers nothing
            ahead = blame_api.GateApart(bucket)  # the writers' answers made while their fates are judged
        try:
            found = blame_api.blame_file(
                bucket,
                file,
                repo=args.repo,
                ref=args.ref,
                lines=lines,
                states=not args.no_state,
                progress=progress,
                writers_known=ahead,
            )
            if ahead is not None:
                ahead.finish()
        finally:
            if ahead is not None:
                ahead.close()
        _done(progress)
        if args.format == "agent-trace":
            print_json(gated(blame_api.agent_trace(bucket, found), only=None))  # a record: all of it
            return 0
        rows = gated(found.rows())
    if args.json:
        print_json(rows)
        return 0
    _print_file(rows)
    return 0


def _progress() -> Callable[[int, int], None] | None:
    line = count_line()
    return None if line is None else (lambda done, total: line("indexing sessions for blame", done, total))


def _done(progress: Any) -> None:
    if progress is not None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)


def _who(row: dict[str, Any]) -> str:
    if row["session"]:
        return f"{row['agent']} {row['session'][:8]} #{row['index']}"
    return row["kind"]


def _print_file(rows: list[dict[str, Any]]) -> None:
    """One line per source line; then, apart, each writing step's prompt and how to open it."""
    if not rows:
        return
    who = [safe_line(_who(r)) for r in rows]
    wide = max(len(w) for w in who)
    digits = len(str(rows[-1]["line"]))
    for r, w in zip(rows, who):
        state = r["state"] if r["session"] else ""
        commit = (r["commit"] or "")[:8]
        print(f"{r['line']:>{digits}} {commit:8} {w:<{wide}} {state:<11} | {safe_line(r['text'])}".rstrip())
    steps: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        if r["session"]:
            steps.setdefault((r["session"], r["step"]), r)
    if steps:
        print()
        for r in steps.values():
            prompt = _cut(r["prompt"]) if r["prompt"] else "(no prompt before it)"
            print(
                safe_line(
                    f"{r['agent']} {r['session'][:8]} #{r['index']} ({r['time'] or 'no time'}): {prompt}"
                )
            )
            print(safe_line(f"  open: {r['open']}"))  # the log's own step id is in --json


def _cut(text: str) -> str:
    # The prompt as the user wrote it (a harness's wrappers and templates left out); --json has it raw.
    from tracetui.views.format import readable_prompt

    one = readable_prompt(text)
    return one if len(one) <= PROMPT_WIDTH else one[: PROMPT_WIDTH - 1] + "…"


def _explained(doc: dict[str, Any]) -> str:
    added = doc["added"]
    share = f" ({doc['explained'] * 100 // added}%)" if added else ""
    return f"{doc['explained']} explained by sessions{share}, {added - doc['explained']} not"


def _print_summary(doc: dict[str, Any]) -> None:
    """One commit of a range in a few lines: its share explained, then each session's lines, share
    and steps (a pull request's reviewer wants the shares; `--lines` gives the rest)."""
    subject = (doc["message"] or "").strip().splitlines()
    print(safe_line(f"{doc['commit'][:10]}  {_cut(subject[0]) if subject else ''}"))
    if doc["merge"]:
        print("  a merge: its lines are the merged commits'")
        return
    print(f"  {doc['added']} added lines: {_explained(doc)}")
    steps: dict[str, list[int]] = {}
    for st in doc["steps"]:
        steps.setdefault(st["session"], []).append(st["index"])
    for s in doc["sessions"]:
        indexes = sorted(steps.get(s["session"], []))
        shown = ", ".join(f"#{i}" for i in indexes[:STEPS_SHOWN]) + (" …" if len(indexes) > STEPS_SHOWN else "")
        print(
            safe_line(
                f"  {s['agent']} {s['session'][:8]}: {s['lines']} lines ({s['share'] * 100:.1f}%), "
                f"{len(indexes)} step{'s' if len(indexes) != 1 else ''} {shown}".rstrip()
            )
        )


STEPS_SHOWN = 6  # step numbers named on a session's summary line; the rest counted


def _print_commit(doc: dict[str, Any]) -> None:
    subject = (doc["message"] or "").strip().splitlines()
    print(
        safe_line(
            f"commit {doc['commit'][:10]}  {doc['author']}  {doc['committed']}  "
            f"{subject[0] if subject else ''}"
        )
    )
    if doc["merge"]:
        print("  a merge: its lines are the merged commits'")
        return
    print(f"  {doc['added']} added lines: {_explained(doc)}")
    steps_by_session: dict[str, list[dict[str, Any]]] = {}
    for s in doc["steps"]:
        steps_by_session.setdefault(s["session"], []).append(s)
    for s in doc["sessions"]:
        print(safe_line(f"  {s['agent']} {s['session']}: {s['lines']} lines ({s['share'] * 100:.1f}%)"))
        for prompt in s["prompts"]:
            print(safe_line(f"    prompt: {_cut(prompt)}"))
        for st in sorted(steps_by_session.get(s["session"], []), key=lambda x: x["index"]):
            print(
                safe_line(
                    f"    step #{st['index']}: {st['lines']} lines ({st['share'] * 100:.1f}%)"
                )
            )
    if doc["unexplained"]:
        print(f"  not explained by any session ({len(doc['unexplained'])}):")
        for u in doc["unexplained"][:50]:
            print(safe_line(f"    {u['path']}:{u['line']}  {u['text']}"))
        if len(doc["unexplained"]) > 50:
            print(f"    ... and {len(doc['unexplained']) - 50} more (--json lists them all)")
