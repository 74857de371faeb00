"""`tracetui export`: a thin face over tracetui.export (docs/design.md, "Command line")."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from tracetui.cli import Commands, add_bucket_option, add_json_option, error, open_bucket
from tracetui.cli.exit_codes import FAILED, OK, PARTIAL
from tracetui.cli.output import count_line, print_findings, print_json
from tracetui.cli.selection import add_selection_options, selection_of
from tracetui.safe_text import safe_line

FORMAT_NAMES = ("raw", "parquet", "atif", "agent-trace", "html", "md")
# The exit status of an export that wrote some sessions and refused others (1: nothing could be written,
# every session refused). Kept here until tracetui/cli/exit_codes.py holds the CLI's codes in one place.
def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "export",
        help="export sessions as a dataset (raw logs, parquet, ATIF) or one episode as a page, redacted",
        description="Export the chosen sessions, each scrubbed under its redaction plan and checked again "
        "by the seal's second gate, into DEST. Unchanged sessions are not written again; the sessions an "
        "earlier export into DEST wrote and this one does not choose stay (--prune removes them). "
        "`tracetui export --check DEST` verifies an export.",
        epilog="exit codes: 0 every chosen session exported; 1 nothing exported (refused, or an error); "
        "2 a usage error; 4 partly exported (the refused sessions are listed on stderr). "
        "--check: 0 the export is sound, 1 a problem.",
    )
    p.add_argument(
        "dest",
        metavar="DEST",
        help="the folder to export into (new, empty, or an earlier export), or a team dataset's URL "
        "(s3://, gs://, az://, hf://, file://; parquet only, docs/dataset.md)",
    )
    add_selection_options(p)
    p.add_argument("--format", choices=FORMAT_NAMES, help="raw, parquet, atif, agent-trace, html or md")
    p.add_argument(
        "--recipe",
        metavar="FILE",
        help="run a recipe (TOML: selection, columns or SQL, review policy; docs/recipes.md) into DEST",
    )
    p.add_argument("--steps", metavar="A:B", help="html/md: the episode's step indexes, both included")
    p.add_argument("--compact", action="store_true",
                   help="html/md: tool results folded to a line and long texts cut, so the page stays under "
                   "60,000 characters (an issue takes 65,536)")
    p.add_argument(
        "--ref", metavar="REV", default="HEAD", help="the revision survival states refer to (default: HEAD)"
    )
    p.add_argument(
        "--repo", metavar="PATH", help="a clone for the outcome labels of the sessions that belong to it, "
        "the others judged where they ran (default: each session's cwd)"
    )
    p.add_argument(
        "--license", metavar="ID", default="cc-by-4.0", help="the dataset card's licence (default: cc-by-4.0)"
    )
    p.add_argument(
        "--accept-suggested", action="store_true", help="accept every suggested finding not yet decided"
    )
    p.add_argument(
        "--prune",
        action="store_true",
        help="remove (and list) the sessions earlier exports into DEST wrote that this one does not choose",
    )
    p.add_argument(
        "--machine",
        metavar="NAME",
        help="a dataset URL: this machine's partition name (default: TRACETUI_MACHINE, else a stable hashed id)",
    )
    p.add_argument(
        "--user", metavar="NAME", help="a dataset URL: the name for the rows' `user` column (default: none)"
    )
    p.add_argument("--check", action="store_true",
                   help="verify the export in DEST instead of writing one (a dataset URL: every machine's part)")
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    if args.check:
        return _check(args)
    from tracetui.capsule import SealRefused, finding_line, parse_steps
    from tracetui.errors import UsageError
    from tracetui.export import ExportOptions, export

    if args.recipe:
        return _recipe(args)
    if args.format is None:
        raise UsageError("give --format raw, parquet, atif, agent-trace, html or md (or --check DEST, or --recipe FILE)")
    steps = parse_steps(args.steps) if args.steps else None
    if args.format in ("html", "md") and (not args.sessions or len(args.sessions) != 1):
        raise UsageError(
            f"--format {args.format} exports one episode: give --sessions ID (and --steps A:B)"
        )
    if args.compact and args.format not in ("html", "md"):
        raise UsageError("--compact goes with --format html or md (one episode as a page)")
    options = ExportOptions(
        args.format,
        args.accept_suggested,
        args.ref,
        args.repo,
        args.license.strip().lower(),
        steps=steps,
        prune=args.prune,
        compact=args.compact,
    )
    selection = selection_of(args)
    import tracetui.dataset as dataset_api

    to_dataset = dataset_api.is_url(args.dest)
    if (args.machine or args.user) and not to_dataset:
        raise UsageError("--machine and --user name a machine's part of a dataset: give DEST as a URL")
    user = args.user or os.environ.get("TRACETUI_USER") or None
    published = None
    with open_bucket(args) as bucket:
        try:
            progress = _progress()
            if to_dataset:
                published = dataset_api.publish(
                    bucket, args.dest, options, selection, progress, args.machine, user
                )
                report = published.export
            else:
                report = export(bucket, args.dest, options, selection, progress)
        except SealRefused as exc:
            if args.json:
                print_json({"ok": False, "error": safe_line(str(exc)), "findings": exc.findings})
                error(str(exc))
                return FAILED
            print_findings([f"session {str(row['session'])[:12]} {finding_line(row)}" for row in exc.findings])
            raise
    if args.json:
        code = _code(report)
        body = published.to_dict() if published is not None else report.to_dict()
        print_json({"ok": not report.refused, "partial": code == PARTIAL, **body})
        return code
    d = report.to_dict()
    kept = f", {report.carried} kept from earlier exports" if report.carried else ""
    kept += f", {len(report.skipped)} skipped (below)" if report.skipped else ""
    named = published.url if published is not None else str(report.dest)  # not the staging folder
    where = safe_line(named) if report.files else f"{safe_line(named)} (nothing written)"
    print(
        f"exported {report.exported} of {report.sessions} session(s) "
        f"as {report.format} into "
        f"{where}: {report.written} written, {report.unchanged} unchanged{kept}, "
        f"{report.files} files, {d['redactions']} redactions"
    )
    if published is not None:
        print(
            f"dataset {safe_line(published.url)}, machine {safe_line(published.machine)}: "
            f"{len(published.uploaded)} file(s) uploaded, {len(published.removed)} removed"
        )
    for gone in report.pruned:
        print(
            f"pruned: session {safe_line(str(gone['session']))} ({safe_line(str(gone['agent']))}), "
            f"{len(gone['files'])} file(s)"
        )
    for warning in report.warnings:
        print(f"tracetui: {safe_line(warning)}", file=sys.stderr)
    for skipped in report.skipped:
        print(f"skipped: session {safe_line(skipped['session'])}: {safe_line(skipped['reason'])}", file=sys.stderr)
    for refused in report.refused:
        earlier = " (its earlier export is kept)" if refused.get("kept") else ""
        print(
            f"not exported: session {safe_line(refused['session'])}{earlier}: {safe_line(refused['reason'])}:",
            file=sys.stderr,
        )
        for row in refused["findings"]:
            print(f"  {finding_line(row)}", file=sys.stderr)
    code = _code(report)
    if code == PARTIAL:
        print(
            f"partly written: {len(report.refused)} session(s) refused (above), the others are in the export",
            file=sys.stderr,
        )
    return code


def _recipe(args: argparse.Namespace) -> int:
    """`--recipe FILE DEST`: the recipe names the selection, the format and the review policy."""
    import tracetui.dataset as dataset_api
    from tracetui.errors import UsageError

    given = [o for o, v in (("--format", args.format), ("QUERY", args.query), ("--agent", args.agent),
                            ("--project", args.project), ("--since", args.since), ("--until", args.until),
                            ("--sessions", args.sessions), ("--accept-suggested", args.accept_suggested),
                            ("--steps", args.steps), ("--prune", args.prune)) if v]  # fmt: skip
    if given:
        raise UsageError(f"a recipe names its own selection, format and review: leave out {', '.join(given)}")
    recipe = dataset_api.load_recipe(args.recipe)
    user = args.user or os.environ.get("TRACETUI_USER") or None
    with open_bucket(args) as bucket:
        report = dataset_api.run_recipe(
            bucket, recipe, args.dest, _progress(), args.machine, user, args.repo
        )
    code = _code(report.export)
    if args.json:
        print_json({"ok": not report.export.refused, "partial": code == PARTIAL, **report.to_dict()})
        return code
    print(
        f"recipe {safe_line(report.recipe)}: {report.export.exported} of {report.export.sessions} session(s) "
        f"into {safe_line(report.dest)}"
    )
    for table, n in report.tables.items():
        print(f"  {safe_line(table)}: {n} row(s)")
    for skipped in report.export.skipped:
        print(f"skipped: session {safe_line(skipped['session'])}: {safe_line(skipped['reason'])}", file=sys.stderr)
    for refused in report.export.refused:
        print(f"not exported: session {safe_line(refused['session'])}: {safe_line(refused['reason'])}", file=sys.stderr)
    return code


def _code(report: Any) -> int:
    """OK, PARTIAL when some chosen sessions were written and others refused, FAILED when none was."""
    if not report.refused:
        return OK
    return PARTIAL if report.exported else FAILED


def _check(args: argparse.Namespace) -> int:
    import tracetui.dataset as dataset_api
    import tracetui.export as export_api

    if dataset_api.is_url(args.dest):
        return _check_dataset(args)
    report = export_api.check(args.dest)
    if args.json:
        print_json(report.to_dict())
        return OK if report.ok else FAILED
    state = "OK" if report.ok else "FAILED"
    print(f"{state}: {safe_line(str(report.dest))}: {report.files} files checked, {report.sessions} sessions")
    if report.atif_validator == "none installed":
        print(
            "  ATIF trajectories not validated: no validator installed "
            "(pip install atif; harbor on Python 3.12+)"
        )
    elif report.atif_validator:
        print(f"  ATIF trajectories validated by {report.atif_validator}")
    for problem in report.problems:
        print(f"  {safe_line(problem['file'])}: {safe_line(problem['problem'])}")
    return OK if report.ok else FAILED


def _check_dataset(args: argparse.Namespace) -> int:
    """`--check URL`: a team dataset, every machine's part (tracetui.dataset.check_dataset)."""
    import tracetui.dataset as dataset_api

    report = dataset_api.check_dataset(args.dest)
    if args.json:
        print_json(report.to_dict())
        return OK if report.ok else FAILED
    state = "OK" if report.ok else "FAILED"
    rows = ", ".join(f"{n} {t}" for t, n in report.rows.items())
    print(f"{state}: {safe_line(report.url)}: {len(report.machines)} machine(s), {report.files} files checked, "
          f"{report.sessions} sessions" + (f"; DuckDB read {rows} rows" if rows else ""))
    for problem in report.problems:
        print(f"  {safe_line(problem['file'])}: {safe_line(problem['problem'])}")
    return OK if report.ok else FAILED


def _progress() -> Callable[[Any], None] | None:
    """An export's count on a terminal: its sessions reviewed, then written."""
    line = count_line()
    if line is None:
        return None
    return lambda p: line("reviewing" if p.phase == "review" else "exporting", p.done, p.total)
