"""The command line: a thin face over the core (docs/design.md, "Command line").

Each command group lives in its own module with a `register(subparsers)` function; the parsed
arguments carry `func`, which returns an exit code. Core errors (`TracetuiError`) become one line
on stderr and exit code 2; nothing else is printed for them.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from tracetui import __version__
from tracetui.errors import TracetuiError
from tracetui.safe_text import safe_line

if TYPE_CHECKING:
    from tracetui.bucket import Bucket

# Command modules, in the order their commands appear in --help.
COMMAND_MODULES = (
    "tracetui.cli.app_commands",  # (no subcommand) UI, demo, open
    "tracetui.cli.browse",  # sync, ls, show, search
    "tracetui.cli.trail",  # trail, snapshot
    "tracetui.cli.redact",  # scan
    "tracetui.cli.review",  # review
    "tracetui.cli.capsule",  # seal, capsule verify, replay
    "tracetui.cli.doctor",  # doctor
)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="tracetui",
        description="Browse, search, redact and share what your coding agents did.",
    )
    parser.add_argument("--version", action="version", version=f"tracetui {__version__}")
    add_bucket_option(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command group not written yet
                continue
            raise
        module.register(subparsers)
    return parser


def add_bucket_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bucket",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="the bucket directory (default: $TRACETUI_BUCKET, else the user data dir)",
    )


@contextlib.contextmanager
def open_bucket(args: argparse.Namespace) -> Iterator[Bucket]:
    """The bucket `--bucket` names, or the default one, in a `with` block; what the bucket has to
    say about itself (an index it rebuilt) goes to stderr, one line each.

    Imported on call, so commands that need no bucket start without SQLite and the readers.
    """
    from tracetui.bucket import Bucket

    bucket = Bucket.open(args.bucket)
    try:
        say_notices(bucket)
        yield bucket
    finally:
        say_notices(bucket)
        bucket.close()


def say_notices(bucket: Bucket) -> None:
    for notice in bucket.notices:
        print(f"tracetui: {safe_line(notice)}", file=sys.stderr)
    bucket.notices.clear()


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document and nothing else")


def error(message: str, json_too: bool = False) -> None:
    """The one way the CLI reports a failure: one safe line on stderr and, under --json, one JSON
    object `{"error": ...}` on stdout. Messages quote ids and paths from logs and capsules, so the
    line passes through safe_line: no ESC, OSC, C1 or bidi control reaches the terminal."""
    line = safe_line(message)
    if json_too:
        from tracetui.cli.output import print_json

        print_json({"error": line})
    print(f"tracetui: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "bucket"):
        args.bucket = None
    func = getattr(args, "func", None)
    if func is None:
        from tracetui.cli.app_commands import run_default

        func = run_default
    try:
        return int(func(args) or 0)
    except TracetuiError as exc:
        error(str(exc), json_too=getattr(args, "json", False))
        return 2
    except KeyboardInterrupt:
        print("tracetui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `tracetui ls | head`: the reader went away; that is not an error worth a traceback.
        try:
            sys.stdout = None
        except Exception:
            pass
        return 0
