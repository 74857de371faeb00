"""`tracetui donate`: a thin face over tracetui.export's donation (docs/design.md, "Command line").

One guided flow: the dry run says what leaves and what still needs a decision; the user's yes (a
prompt at a terminal, `--yes` in a script) confirms the licence and writes the folder; the folder is
checked; the upload command is printed, and `--push REPO` opens the pull request only after a second
yes for the sending itself.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tracetui.cli import Commands, add_bucket_option, add_json_option, error, open_bucket
from tracetui.cli.exit_codes import FAILED, OK
from tracetui.cli.output import print_findings, print_json
from tracetui.cli.selection import add_selection_options, selection_of
from tracetui.errors import UsageError
from tracetui.safe_text import safe_line

if TYPE_CHECKING:
    from tracetui.export import DonationPlan


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "donate",
        help="give sessions to an open dataset: reviewed, scrubbed, checked, and a pull request to send",
        description="Donate the chosen sessions to an open dataset of agent traces: the raw export "
        "(sessions/<agent>/<file>, scrubbed under each session's reviewed plan and gated again) with its "
        "dataset card and a receipt (DONATION.md), in DEST, checked as `export --check` does, and the "
        "`hf upload … --create-pr` command that opens it as a pull request on a Hugging Face dataset. "
        "--dry-run shows what would leave and writes nothing. Nothing is written without your yes "
        "(the prompt, or --yes), and nothing is sent unless you pass --push REPO and say yes again.",
        epilog="exit codes: 0 donated (and pushed, with --push); 1 refused, the check failed or the push "
        "failed; 2 a usage error (or no yes given where no prompt can ask).",
    )
    p.add_argument("dest", metavar="DEST", help="the folder to write the donation into (new, empty, or an earlier one)")
    add_selection_options(p)
    p.add_argument("--license", metavar="ID", default="cc-by-4.0",
                   help="the licence you give the sessions under (default: cc-by-4.0)")
    p.add_argument("--accept-suggested", action="store_true",
                   help="accept every suggested finding not yet decided (else `tracetui review` them first)")
    p.add_argument("--ref", metavar="REV", default="HEAD", help="the revision survival labels refer to")
    p.add_argument("--repo", metavar="OWNER/NAME",
                   help="the Hugging Face dataset the upload command names (--push takes one too)")
    p.add_argument("--push", metavar="OWNER/NAME",
                   help="open the pull request on this dataset yourself (needs huggingface_hub and a token)")
    p.add_argument("--dry-run", action="store_true", help="show what would leave; write and send nothing")
    p.add_argument("--yes", action="store_true",
                   help="confirm the licence (and, with --push, the sending) without a prompt")
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_donate)


def run_donate(args: argparse.Namespace) -> int:
    import tracetui.export as export_api
    from tracetui.capsule import SealRefused, finding_line

    if args.push and args.repo and args.push != args.repo:
        raise UsageError("--repo and --push name different datasets")
    repo = args.push or args.repo
    options = export_api.DonateOptions(args.license, repo, args.accept_suggested, args.ref)
    selection = selection_of(args)
    with open_bucket(args) as bucket:
        planned = export_api.donation_plan(bucket, args.dest, options, selection)
        if args.dry_run:
            if args.json:
                print_json({"dry_run": True, **planned.to_dict()})
            else:
                _say_plan(planned)
            return OK
        if not args.json:
            _say_plan(planned)
        if planned.decisions_left:
            # The export would refuse them too: said here, before any question is asked.
            raise _refuse(planned.decisions_left)
        if not _yes(args, f"Give these {len(planned.sessions)} session(s) under {planned.license} and "
                          f"write them into {planned.dest}?"):  # fmt: skip
            return _declined(args)
        try:
            donation = export_api.donate(bucket, args.dest, options, selection)
        except SealRefused as exc:
            print_findings([f"session {str(row['session'])[:12]} {finding_line(row)}" for row in exc.findings])
            raise
    code = OK if donation.ok else FAILED
    if args.push and donation.ok:
        count = donation.export.exported
        if _yes(args, f"Send {count} session(s) to {args.push} as a pull request?"):
            donation.pushed = export_api.push(donation, args.push)
        else:
            return _declined(args, donation.to_dict())
    if args.json:
        print_json(donation.to_dict())
        return code
    report = donation.export
    print(f"wrote the donation into {safe_line(str(report.dest))}: {report.exported} session(s), "
          f"{report.files} files, the card (README.md) and the receipt (DONATION.md)")  # fmt: skip
    for refused in report.refused:
        print(f"not donated: session {safe_line(refused['session'])}: {safe_line(refused['reason'])}", file=sys.stderr)
    state = "passed" if donation.check.ok else "FAILED"
    print(f"export --check {state}: {donation.check.files} files, {donation.check.sessions} sessions")
    for problem in donation.check.problems:
        print(f"  {safe_line(problem['file'])}: {safe_line(problem['problem'])}")
    if donation.pushed:
        print(f"pull request opened: {safe_line(donation.pushed)}")
    elif donation.ok:
        print("to open it as a pull request on a Hugging Face dataset (log in first with `hf auth login`):")
        print(f"  {safe_line(donation.upload)}")
    return code


def _say_plan(planned: DonationPlan) -> None:
    """The dry run: every session that would leave, and what the donation would be."""
    from tracetui.cli.output import print_table

    print_table(
        ("session", "agent", "started", "steps", "title"),
        [(r["session"][:12], r["agent"], (r["started"] or "")[:10], r["steps"], r["title"]) for r in planned.sessions],
        60,
    )
    agents = ", ".join(f"{agent} {n}" for agent, n in planned.agents.items())
    print(f"{len(planned.sessions)} session(s) would leave ({agents}) under the licence {planned.license}, "
          f"as the raw export with its card and receipt in {safe_line(str(planned.dest))}")  # fmt: skip
    if planned.decisions_left:
        print(f"{planned.undecided} suggestion(s) wait for a decision ({planned.decisions_left} distinct "
              "value(s)): `tracetui review` with the same filters, or --accept-suggested")  # fmt: skip
    print(f"then, to send it as a pull request: {safe_line(planned.upload)}")


def _refuse(left: int) -> Exception:
    from tracetui.errors import TracetuiError

    return TracetuiError(
        f"{left} value(s) still wait for a decision: review them with `tracetui review` and the same "
        "filters (or the app's Review screen), or pass --accept-suggested; nothing was written"
    )


def _yes(args: argparse.Namespace, question: str) -> bool:
    """The user's yes: --yes, or a prompt where a person can answer; never assumed."""
    if args.yes:
        return True
    if args.json or not sys.stdin.isatty():
        raise UsageError("give --yes to confirm (no terminal to ask on); --dry-run shows what would leave")
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _declined(args: argparse.Namespace, document: dict[str, object] | None = None) -> int:
    if args.json:
        print_json({"ok": False, "declined": True, **(document or {})})
    error("not confirmed: nothing was sent" if document else "not confirmed: nothing was written")
    return FAILED
