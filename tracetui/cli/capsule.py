"""`tracetui seal`, `tracetui capsule verify`, `tracetui replay`: thin faces over tracetui.capsule."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tracetui.cli import Commands, add_bucket_option, add_json_option, error, open_bucket
from tracetui.cli.exit_codes import FAILED, INCONCLUSIVE, OK
from tracetui.cli.output import print_findings, print_json
from tracetui.errors import TracetuiError, UsageError
from tracetui.safe_text import clip, command_line, safe_line
from tracetui.views.format import step_name


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser("seal", help="seal a session (or a range of its steps) as a capsule")
    add_bucket_option(p)
    p.add_argument("id", metavar="ID", help="session id or unique prefix")
    p.add_argument(
        "--steps", metavar="A:B", help="steps A to B, both included, numbered as `show` lists them (the app's "
        "`step N`, blame's #N; either end may be left out)"
    )
    p.add_argument(
        "--accept-suggested", action="store_true", help="accept every suggested finding not yet decided"
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="the capsule file to write (NAME.capsule)"
    )
    p.add_argument(
        "--repo", metavar="PATH", help="the repository the session worked in (default: found from its cwd)"
    )
    p.add_argument("--ref", metavar="REV", default="HEAD", help="revision the recorded patch states refer to")
    p.add_argument(
        "--base", metavar="REV", help="the commit the episode started from (default: the last one before it)"
    )
    p.add_argument("--sign", metavar="KEY", help="sign with this SSH private key (ssh-keygen -Y sign)")
    add_json_option(p)
    p.set_defaults(func=cmd_seal)

    group = subparsers.add_parser("capsule", help="work with capsule files")
    add_bucket_option(group)
    sub = group.add_subparsers(dest="capsule_command", metavar="COMMAND", required=True)
    v = sub.add_parser("verify", help="check a capsule's format, members, hashes and signature")
    add_bucket_option(v)
    v.add_argument("file", metavar="FILE")
    v.add_argument(
        "--allowed-signers", metavar="FILE", help="an ssh allowed_signers file to check the signature"
    )
    v.add_argument(
        "--identity", metavar="ID", help="the signer identity to require (default: any in the file)"
    )
    add_json_option(v)
    v.set_defaults(func=cmd_verify)

    r = subparsers.add_parser(
        "replay",
        help="apply a capsule's patches in a temporary worktree and run your check",
        description="Apply a capsule's patches in a temporary clone and run your check there, sandboxed.",
        epilog="exit codes (the same with --bisect): 0 fixed, or no check asked and every patch applied; "
        "1 reproduces; 2 usage error or a bad capsule; 3 inconclusive (patches that do not apply, a sandbox "
        "that cannot start, a limit hit, time run out)",
    )
    add_bucket_option(r)
    r.add_argument("file", metavar="FILE")
    r.add_argument("--repo", metavar="PATH", required=True, help="your checkout of the capsule's repository")
    r.add_argument(
        "--check", metavar="CMD", help="your own shell command; it fails where the capsule's failure shows"
    )
    r.add_argument(
        "--ref", metavar="REV", default="HEAD", help="the revision to compare against (default: HEAD)"
    )
    r.add_argument(
        "--timeout", metavar="SECONDS", type=float, default=600.0, help="time limit for each check run"
    )
    r.add_argument(
        "--deadline", metavar="SECONDS", type=float, default=1800.0,
        help="time limit for the whole replay or bisect, every apply and check together (default 1800)",
    )
    r.add_argument(
        "--trust",
        action="store_true",
        help="run the check even where no sandbox (bubblewrap) can confine the capsule's code; "
        "never turns an available sandbox off",
    )
    r.add_argument(
        "--skip", metavar="STEP[:PATH]", action="append", default=[],
        help="do not apply this step's patches (or only its patch of PATH); repeatable. Patches that do "
        "not apply are left out anyway and the verdict says it is partial",
    )
    r.add_argument(
        "--bisect",
        action="store_true",
        help="find the first step after which the check fails (or passes, for a fix) and the fewest "
        "patches that still do it",
    )
    add_json_option(r)
    r.set_defaults(func=cmd_replay)


def cmd_seal(args: argparse.Namespace) -> int:
    import tracetui.capsule as capsule_api
    from tracetui.capsule import SealOrder, SealRefused, decide_commands, finding_line, parse_steps

    order = SealOrder(
        out=Path(args.output),
        steps=parse_steps(args.steps),
        repo=args.repo,
        accept_suggested=args.accept_suggested,
        ref=args.ref,
        base=args.base,
        sign_key=args.sign,
    )
    with open_bucket(args) as bucket:
        session = bucket.session(args.id)
        try:
            result = capsule_api.seal_in(bucket, session, order)
        except SealRefused as exc:
            how = decide_commands(session.id, args.steps, exc.kinds)
            if args.json:
                # The one JSON document of a failure, with where the findings are (never values).
                print_json(
                    {"ok": False, "error": safe_line(str(exc)), "findings": exc.findings, "decide": how}
                )
                error(str(exc))
                return FAILED
            print_findings([finding_line(row) for row in exc.findings])
            for line in how:
                print("  " + line, file=sys.stderr)
            raise
    if args.json:
        print_json({"ok": True, **result.to_dict()})
    else:
        print(f"sealed {result.steps} steps and {result.patches} patches into {safe_line(str(result.path))}")
        print(f"capsule id {result.capsule_id}")
        if result.gate_added:
            print(
                f"the second gate found {result.gate_added} more span(s) the scan had missed and scrubbed "
                f"them (listed by `{command_line('tracetui', 'scan', session.id)}`, where they can be "
                "rejected)"
            )
        for row in result.receipt:
            print(
                f"  {row['placeholder']}  {row['kind']} ({row['tier']}) x{row['count']}, decided by {row['decided_by']}"
            )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    import tracetui.capsule as capsule_api
    from tracetui.capsule import CapsuleError

    try:
        report = capsule_api.verify(args.file, args.allowed_signers, args.identity)
    except CapsuleError as exc:
        if args.json:
            print_json({"ok": False, "error": safe_line(str(exc)), "path": args.file})
            error(str(exc))
            return 1
        raise
    failure = None if report.ok else f"the signature of {args.file} is invalid: {report.signature.detail or 'it does not match'}"
    if args.json:
        print_json(report.to_dict() if failure is None else {**report.to_dict(), "error": safe_line(failure)})
        if failure is not None:
            print(f"tracetui: {safe_line(failure)}", file=sys.stderr)
    else:
        state = "OK" if report.ok else "FAILED"
        print(f"{state}: {safe_line(str(report.path))} is a {report.format} capsule, id {report.capsule_id}")
        steps = report.steps
        # Every field is a stranger's: one safe line, whatever it holds.
        print(safe_line(
            f"  {report.agent} session {report.session}, steps {steps.get('first')}..{steps.get('last')}, "
            f"base {report.base or 'unknown'}"
        ))
        for m in report.members:
            print(f"  {m.name:<12} {m.size:>10} bytes  sha256 {m.sha256}")
        sig = report.signature
        line = {
            "unsigned": "unsigned",
            "valid": f"signed by {sig.signer} (in allowed signers)",
            "invalid": "signature INVALID",
            "unchecked": "signed, not checked",
        }[sig.state]
        print(f"  signature: {safe_line(line)}" + (f" ({safe_line(sig.detail)})" if sig.detail else ""))
    return 0 if report.ok else 1


def cmd_replay(args: argparse.Namespace) -> int:
    import tracetui.capsule as capsule_api
    from tracetui.capsule import capsule_files, find_sandbox, open_capsule, path_refusal, path_twins

    try:  # replay's code 2: a bad capsule, a --repo that is no checkout, an empty --check, a bad --skip
        capsule = open_capsule(args.file)
        capsule_api.replay_target(args.repo, args.check)  # before the warning
        capsule_api.skip_patches(capsule, args.skip)
    except TracetuiError as exc:
        raise UsageError(str(exc)) from None
    if args.check is not None and not args.json:
        # Said before anything runs: the check is the user's, but the code it runs is the capsule's.
        files = capsule_files(capsule)
        sandbox = find_sandbox()
        how = (
            f"in a {sandbox.name} sandbox (its clone and the toolchain only: no network, nothing else of yours)"
            if sandbox is not None
            else f"UNCONFINED, as you trust it (--trust){_trusted_bound()}"
            if args.trust
            else "nowhere: this machine has no sandbox (install bubblewrap), and --trust was not given"
        )
        if files:
            print(f"your check will run code from this capsule, {how}; it adds or changes:", file=sys.stderr)
            twins = path_twins(files)
            for path in files:
                refused = path_refusal(path)
                note = f" (not applied: {refused.removeprefix('a patch path ')})" if refused else ""
                if path in twins:  # NFC and NFD spellings print alike: the other's code points say which
                    note += f" (one file with {ascii(twins[path])} on a disk ignoring case or Unicode form)"
                print(f"  {safe_line(path)}{note}", file=sys.stderr)
        else:
            print(f"your check will run {how}; this capsule changes no file", file=sys.stderr)
    if args.bisect:
        return _bisect(args, capsule)
    shown = _ApplyProgress() if sys.stderr.isatty() and not args.json else None
    with _signals_end_the_replay():
        try:
            result = capsule_api.replay(capsule, args.repo, check=args.check, ref=args.ref,
                                        timeout=args.timeout, trust=args.trust, seconds=args.deadline,
                                        skip=args.skip, progress=shown)  # fmt: skip
        finally:
            if shown is not None:
                shown.done()
    code = replay_exit(result.verdict, applied_only=args.check is None and not result.failed and result.base is not None)
    if args.json:
        print_json(result.to_dict())
        return code
    index_of = {s.id: s.index for s in capsule.steps}
    print(f"verdict: {result.verdict}: {safe_line(result.reason)}")
    print(safe_line(
        f"  base {result.base or 'unknown'}, target {result.target or 'unknown'}; "
        f"patches applied {result.applied}, failed {result.failed}"
    ))
    for p in result.patches:
        if not p.ok:
            print(
                f"  did not apply: {step_name(index_of, p.step)} {safe_line(p.path)}: {safe_line(p.reason or '')}"
            )
    for p in result.target_failed:
        print(f"  did not apply at {safe_line(args.ref)}: {step_name(index_of, p.step)} {safe_line(p.path)}: "
              f"{safe_line(p.reason or '')}")  # fmt: skip
    for path in result.left_behind:
        print(f"  not removed: {safe_line(path)} (the check left it; remove it by hand)", file=sys.stderr)
    return code


# `tracetui replay`'s exit codes (README, --help): a CI job acts on them, with or without --bisect.
# 1 is "reproduces": the check fails as the capsule recorded, which is FAILED's number on purpose.
REPLAY_EXIT = {"fixed": OK, "reproduces": FAILED, "inconclusive": INCONCLUSIVE}


def replay_exit(verdict: str, applied_only: bool = False) -> int:
    """0 fixed (or, with no check asked, every patch applied), 1 reproduces, 3 inconclusive."""
    return OK if applied_only else REPLAY_EXIT.get(verdict, INCONCLUSIVE)


def _bisect(args: argparse.Namespace, capsule: Any) -> int:
    import tracetui.capsule as capsule_api

    if args.check is None:
        raise UsageError("--bisect needs --check CMD: the command whose result the steps change")
    with _signals_end_the_replay():
        result = capsule_api.bisect(capsule, args.repo, args.check, timeout=args.timeout, trust=args.trust,
                                    seconds=args.deadline, skip=args.skip)  # fmt: skip
    code = replay_exit(result.verdict)
    if args.json:
        print_json(result.to_dict())
        return code
    index_of = {s.id: s.index for s in capsule.steps}
    print(f"verdict: {result.verdict}: {safe_line(result.reason)}")
    if result.first_step is not None:
        # The number `show`, blame and the app use; the log's own id is in --json.
        print(f"  first step: {step_name(index_of, result.first_step)}")
        if result.prompt:
            print(f"  its prompt: {safe_line(clip(result.prompt, 300))}")
        if result.context:
            c = result.context
            compacted = ", after a compaction" if c.get("compacted") else ""
            print(f"  its context: {c.get('items')} items, about {c.get('tokens')} tokens{compacted}")
        print("  patches that suffice:")
        for p in result.minimal_patches:
            print(f"    {step_name(index_of, p.get('step'))} {safe_line(str(p.get('path')))}")
    for p in result.not_applied:
        print(f"  left out: {step_name(index_of, p.get('step'))} {safe_line(str(p.get('path')))}: "
              f"{safe_line(str(p.get('reason') or ''))}")  # fmt: skip
    print(f"  {len(result.runs)} check runs ({safe_line(result.sandbox or 'none')})")
    return code


class _ApplyProgress:
    """A replay's applies on a terminal, one line rewritten in place: 50,000 patches take a minute,
    and Ctrl-C stops them (the clone goes with it)."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, applied: int, steps: int) -> None:
        sys.stderr.write(f"\rapplying the capsule's steps: {applied:,} of {steps:,} (Ctrl-C stops)")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


@contextlib.contextmanager
def _signals_end_the_replay() -> Iterator[None]:
    """SIGTERM and SIGHUP (a closed terminal) end the replay as Ctrl-C does: the check's process
    group is killed and the clone removed on the way out, instead of outliving tracetui."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    try:
        previous = {s: signal.signal(s, stop) for s in wanted}
    except ValueError:  # not the main thread: leave signals to whoever owns them
        previous = {}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _trusted_bound() -> str:
    """What a trusted check can still do to tracetui here (README's Safety section)."""
    import tracetui.capsule as capsule_api

    return capsule_api.trusted_bound()
