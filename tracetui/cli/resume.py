"""resume: continue a session from one of its steps in an agent's own program (issue 39)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tracetui.cli import Commands, add_bucket_option, add_json_option, open_bucket
from tracetui.cli.output import print_json
from tracetui.errors import UsageError
from tracetui.safe_text import clip, command_line, safe_line
from tracetui.sources import registry
from tracetui.views.format import step_number

if TYPE_CHECKING:
    import tracetui.resume as resume_api


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "resume",
        help="write a session up to step N as a new session of its agent, and print the command that continues it",
        description="Write the session's history up to step N (the active path: prompts, answers, tool calls and "
        "their results, as the log holds them) as a new session in the agent's own folder, and print the one "
        "command that continues it (`claude --resume ...`, `codex resume --no-daemon ...`, "
        "`gemini --resume ...`, `copilot --resume=...`; OpenCode's `import` first). "
        "The session's log and the bucket are never changed.",
    )
    p.add_argument("id", metavar="ID", help="a session id or a unique prefix of one")
    p.add_argument("--step", metavar="N", required=True, help="the last step to carry (the # column of `show`)")
    p.add_argument("--agent", choices=registry.names(), help="the agent to continue in (default: the session's own; "
                   "tracetui writes claude, codex, pi, gemini, opencode and copilot sessions)")  # fmt: skip
    p.add_argument("--from", dest="capsule", metavar="CAPSULE", help="continue the session a capsule holds (ID: "
                   "its id or a prefix), rebuilt from its steps; --cwd names the clone it was replayed into")
    p.add_argument("--cwd", metavar="DIR", help="the folder to continue in (default: the session's logged cwd)")
    add_bucket_option(p)
    add_json_option(p)
    p.set_defaults(func=run_resume)


def run_resume(args: argparse.Namespace) -> int:
    import tracetui.resume as resume_api  # on call: --help starts without the readers and writers

    number = step_number(args.step)
    if number is None:
        raise UsageError(f"--step wants a step number as `show` lists it, got {safe_line(clip(args.step, 40))!r}")
    if args.capsule is not None:
        if args.cwd is None:
            raise UsageError("with --from, --cwd names the folder to continue in: the clone the capsule was "
                             "replayed into (`tracetui replay CAPSULE --repo CLONE`)")
        from tracetui.capsule import open_capsule

        capsule = open_capsule(args.capsule)
        done = resume_api.continue_at(capsule, args.id, number, agent=args.agent, cwd=args.cwd)
    else:
        with open_bucket(args) as bucket:
            done = resume_api.continue_at(bucket, args.id, number, agent=args.agent, cwd=args.cwd)
    if args.json:
        print_json(done.to_dict())
        return 0
    print(safe_line(f"wrote {done.path}: {done.steps} steps of {done.source_id} up to step {done.step}, "
                    f"as a {done.agent} fork of it"), file=sys.stderr)
    for what in done.dropped:
        print(safe_line(f"left out: {what}"), file=sys.stderr)
    _say_unshown(done)
    if done.model is not None:
        print(safe_line(f"{done.agent} continues on {clip(done.model, 120)}, the model the history's last prompt "
                        f"names, not your default: add `-m PROVIDER/MODEL` to its command to choose"), file=sys.stderr)
    print(safe_line(done.command))
    return 0


# How many of the unshown steps are printed one a line (the count says the rest).
UNSHOWN_LINES = 20


def _say_unshown(done: resume_api.Resumed) -> None:
    """The carried steps the model will read and the agent's program shows as no message, each with its
    number and the start of its text: a log can put an instruction there the user would never see."""
    if not done.unshown:
        return
    count = f"{len(done.unshown)} step{'s' if len(done.unshown) > 1 else ''}"
    print(safe_line(f"carried, read by the model, shown by {done.agent} as no message: {count} "
                    f"(each in full: {command_line('tracetui', 'show', done.source_id, '--step', 'N')})"), file=sys.stderr)
    for number, text in done.unshown[:UNSHOWN_LINES]:
        print(safe_line(f"  step {number}: {clip(text, 160)}"), file=sys.stderr)
    if len(done.unshown) > UNSHOWN_LINES:
        print(f"  ... and {len(done.unshown) - UNSHOWN_LINES} more", file=sys.stderr)
