"""The command line: a thin face over the core (docs/design.md, "Command line").

Each command group lives in its own module with a `register(subparsers)` function; the parsed
arguments carry `func`, which returns an exit code (`tracetui.cli.exit_codes`). Core errors
(`TracetuiError`) become one line on stderr and exit code 1 (FAILED), usage errors (`UsageError`,
argparse's own) exit 2 (USAGE); nothing else is printed for them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from tracetui import __version__
from tracetui.cli.exit_codes import EPILOG, FAILED, INTERRUPTED, OK, USAGE
from tracetui.errors import TracetuiError, UsageError
from tracetui.safe_text import clip, is_utf8, safe_line, safe_text

MESSAGE_MAX = 1_000  # characters of one error line; a longer one says how much it left out

if TYPE_CHECKING:
    from tracetui.bucket import Bucket, Rebuilding, SyncProgress

# Command modules, in the order their commands appear in --help, and the commands each registers
# (tests/unit/cli/test_cli_lean.py holds the two to each other): a command line that names one command
# builds that module's parser alone, the others neither imported nor built (0.18 s of CPU for them all).
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "tracetui.cli.app_commands": ("demo", "open", "keys"),  # and no command: the app
    "tracetui.cli.sync": ("sync",),
    "tracetui.cli.browse": ("ls", "show", "rm", "search"),
    "tracetui.cli.cost": ("cost",),
    "tracetui.cli.watch": ("watch",),
    "tracetui.cli.trail": ("trail", "snapshot"),
    "tracetui.cli.blame": ("blame",),
    "tracetui.cli.redact": ("scan",),
    "tracetui.cli.review": ("review",),
    "tracetui.cli.capsule": ("seal", "capsule", "replay"),
    "tracetui.cli.resume": ("resume",),
    "tracetui.cli.export": ("export",),
    "tracetui.cli.sql": ("sql",),
    "tracetui.cli.evals": ("rate", "eval"),
    "tracetui.cli.donate": ("donate",),
    "tracetui.cli.doctor": ("doctor",),
    "tracetui.cli.serve": ("serve",),
    "tracetui.cli.conventions": ("completion", "man"),
}
APP_MODULE = "tracetui.cli.app_commands"
# The options `build_parser` gives before the command: those that take a value, and the flag.
_GLOBAL_VALUES = frozenset({"--bucket", "--source", "--theme", "--repo", "--dataset"})
_GLOBAL_FLAGS = frozenset({"--read-only"})


def command_module(words: Sequence[str]) -> str | None:
    """The one command module a command line needs (the app's where it names no command), or None
    where it needs them all: help, or a word that is not exactly a command or a global option (an
    abbreviated option, a mistyped command: argparse then says what there is, as ever)."""
    value_next = False
    for word in words:
        if value_next:
            value_next = False
        elif word in _GLOBAL_VALUES:
            value_next = True
        elif word in _GLOBAL_FLAGS or word.split("=", 1)[0] in _GLOBAL_VALUES and "=" in word:
            continue
        elif word.startswith("-"):
            return None  # -h, --help, --, and anything argparse alone can read
        else:
            return next((m for m, commands in COMMAND_MODULES.items() if word in commands), None)
    return None if value_next else APP_MODULE


class Parser(argparse.ArgumentParser):
    """argparse, except that a command line asking for --json gets its usage error as the one JSON
    object `{"error": ...}` on stdout too (the sentence still goes to stderr, the exit code is 2).

    Each parser also writes down the options it is given (`dests`, `options`) and the top level its
    commands' parsers by name (`commands`), so `main` can tell whether a command takes an option
    from what the code declared, not from argparse's private attributes."""

    json_errors = False  # set by `main` from the command line it parses

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Before argparse's own __init__, which adds -h through add_argument.
        self.dests: set[str] = set()
        self.options: set[str] = set()
        self.commands: dict[str, Parser] = {}
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.dests.add(action.dest)
        self.options.update(action.option_strings)
        return action

    def takes(self, command: str, dest: str) -> bool:
        """Whether the command named `command` (one word, as typed) declares an argument `dest`."""
        parser = self.commands.get(command)
        return parser is not None and dest in parser.dests

    def error(self, message: str) -> NoReturn:
        # One line, as every other failure: argparse's own puts the whole usage above it.
        error(f"{message} (see `{self.prog} --help`)", json_too=Parser.json_errors)
        raise SystemExit(USAGE)


class Commands:
    """What a command module's `register` is handed: adds a command's parser and writes it down
    under its name in the top-level parser's `commands`."""

    def __init__(self, parent: Parser, subparsers: Any) -> None:
        self._parent = parent
        self._subparsers = subparsers

    def add_parser(self, name: str, **kwargs: Any) -> Parser:
        parser: Parser = self._subparsers.add_parser(name, **kwargs)
        for word in (name, *kwargs.get("aliases", ())):  # args.command is the word typed
            self._parent.commands[word] = parser
        return parser


def build_parser(only: str | None = None) -> Parser:
    """The whole command line's parser; with `only` (a module of COMMAND_MODULES), the global options
    and that module's commands alone."""
    import importlib

    from tracetui.settings import config_dir

    parser = Parser(
        prog="tracetui",
        description="Browse, search, redact and share what your coding agents did. With no command,\n"
        "sync the agents' logs in the background and open the app.",
        # Raw: a wrapped path would break at its hyphens, and a user copies it from here.
        epilog=f"{EPILOG}\n\nconfig folder (settings.toml, keymap.toml, themes/):\n  {config_dir()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tracetui {__version__}")
    add_bucket_option(parser)
    # The app's options keep their own names here: a command's parser that takes the same option
    # would otherwise overwrite the value with its default, and `tracetui --source X sync` would
    # sync the default folders without a word (main hands them on, or says they do not apply).
    parser.add_argument(
        "--source",
        dest="app_source",
        action="append",
        metavar="AGENT=PATH",
        default=argparse.SUPPRESS,
        help="with no command: read AGENT's logs from PATH instead of the default folders; repeatable",
    )
    parser.add_argument(
        "--theme",
        dest="app_theme",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="with no command: the app's colour theme for this run (the one picked with ctrl+t is remembered)",
    )
    parser.add_argument(
        "--repo",
        dest="app_repo",
        metavar="CLONE",
        default=argparse.SUPPRESS,
        help="with no command: the app's trail pane judges the clone's own sessions in it, wherever it "
        "lives (its commit or remote logged, or named as the folder the agent worked in; "
        "default: each session's logged cwd)",
    )
    parser.add_argument(
        "--dataset",
        dest="app_dataset",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="with no command: open the app read-only on a Parquet dataset (a folder `export --format "
        "parquet` wrote, or an fsspec URL: s3://, gs://, hf://...) instead of the bucket",
    )
    parser.add_argument(
        "--read-only",
        dest="app_read_only",
        action="store_true",
        default=argparse.SUPPRESS,
        help="with no command: browse the bucket as it is, changing nothing (no sync, no redaction "
        "decisions, no seal, export or removal); what `tracetui serve` runs",
    )
    commands = Commands(parser, parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser))
    for name in COMMAND_MODULES if only is None else (only,):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command group not written yet
                continue
            raise
        module.register(commands)
    return parser


def add_bucket_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bucket",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="the bucket directory (default: $TRACETUI_BUCKET, else the user data dir)",
    )


@contextlib.contextmanager
def open_bucket(args: argparse.Namespace, makes: bool = False) -> Iterator[Bucket]:
    """The bucket `--bucket` names, or the default one, in a `with` block; what the bucket has to
    say about itself (an index it rebuilt) goes to stderr, one line each. A bucket the user named
    (`--bucket`, `$TRACETUI_BUCKET`) that does not exist is made only by a command that `makes` one
    (a sync): another says there is none, in one line, and makes nothing (`may_make_bucket`). The
    default bucket is made by any command, as on a first run.

    Imported on call, so commands that need no bucket start without SQLite and the readers.
    """
    from tracetui.bucket import Bucket, may_make_bucket

    bucket = Bucket.open(args.bucket, rebuilding=say_rebuilding(), create=may_make_bucket(args.bucket, makes))
    try:
        say_notices(bucket)
        yield bucket
    finally:
        say_notices(bucket)
        bucket.close()


def say_rebuilding() -> Rebuilding:
    """For `Bucket.open`: a rebuild from the bucket's copies reads every session once (a minute for a
    few GB), so where a person waits at a terminal it is said as it starts, with its progress. A
    script's stderr gets only the one line the bucket's notice says when it is done."""
    from tracetui.cli.output import progress_line

    show = progress_line("  read", delay=0)

    def say(what: str, progress: SyncProgress | None) -> None:
        if not sys.stderr.isatty():
            return
        if progress is None:
            print(f"tracetui: {what} from the bucket's copies (every session is read once)…", file=sys.stderr,
                  flush=True)  # fmt: skip
        else:
            show(progress)

    return say


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
    line = safe_line(clip(message, MESSAGE_MAX))  # a message may quote a 100 KB argument back
    if json_too:
        from tracetui.cli.output import print_json

        try:
            print_json({"error": line})
        except BrokenPipeError:
            # `… --json | head -1`: the reader left; the line on stderr still says why.
            _stdout_gone()
    print(f"tracetui: {line}", file=sys.stderr)


def _stdout_gone() -> None:
    """stdout's reader went away: point it at /dev/null, so the flush at exit writes nowhere instead
    of raising a BrokenPipeError of its own."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _hand_on_app_options(parser: Parser, args: argparse.Namespace) -> None:
    """`--source`, `--theme`, `--repo`, `--dataset` and `--read-only` before the command: the app's with no
    command, the command's own where it takes the same option, and an error where it does not (never
    ignored)."""
    for name in ("source", "theme", "repo", "dataset", "read_only"):
        value = getattr(args, f"app_{name}", None)
        if value is None:
            continue
        delattr(args, f"app_{name}")
        option = "--" + name.replace("_", "-")
        if args.command is None or getattr(args, name, None) is None and parser.takes(args.command, name):
            setattr(args, name, value)
        elif not parser.takes(args.command, name):
            raise UsageError(f"{option} goes with no command (the app); `tracetui {args.command}` does not take it")
        elif getattr(args, name) != value:
            raise UsageError(f"{option} is given twice, before and after `{args.command}`")


def _inert_traceback(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    """Python's traceback of a failure the CLI did not expect, with every control made visible:
    its last line is the exception's message, which may quote a log's or a capsule's bytes, and the
    default hook wrote them to the terminal raw (every expected failure goes through `error`)."""
    import traceback

    sys.stderr.write(safe_text("".join(traceback.format_exception(kind, value, tb))))
    sys.stderr.flush()


def _inert_thread_traceback(hook: Any) -> None:
    if hook.exc_type is not SystemExit:
        _inert_traceback(hook.exc_type, hook.exc_value or hook.exc_type(), hook.exc_traceback)


def main(argv: Sequence[str] | None = None) -> int:
    import threading

    # Python's own hooks only: a host that set its own (a test runner) keeps it.
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _inert_traceback
    if threading.excepthook is threading.__excepthook__:
        threading.excepthook = _inert_thread_traceback
    words = list(sys.argv[1:] if argv is None else argv)
    Parser.json_errors = "--json" in words[: words.index("--")] if "--" in words else "--json" in words
    if words == ["--version"]:  # before the parser: that imports every command module and the readers
        print(f"tracetui {__version__}")
        return OK
    parser = build_parser(command_module(words))
    args = parser.parse_args(words)
    try:
        _hand_on_app_options(parser, args)
    except TracetuiError as exc:
        error(str(exc), json_too=Parser.json_errors)
        return USAGE
    for name in ("bucket", "source", "theme"):
        if not hasattr(args, name):
            setattr(args, name, None)
    func = getattr(args, "func", None)
    if func is None:
        from tracetui.cli.app_commands import run_default

        func = run_default
    as_json = bool(getattr(args, "json", False))
    try:
        return int(func(args) or OK)
    except UsageError as exc:
        error(str(exc), json_too=as_json)
        return USAGE
    except TracetuiError as exc:
        error(str(exc), json_too=as_json)
        return FAILED
    except UnicodeEncodeError as exc:
        # An argument that was not UTF-8 (Python keeps its bytes as lone surrogates) reached text
        # that must be UTF-8 (an index query, a file name written): said, not a traceback.
        bad = safe_line(exc.object[exc.start : exc.end]) if isinstance(exc.object, str) else "?"
        error(f"a value given holds bytes that are not UTF-8 text ({bad}); give it as UTF-8", as_json)
        return USAGE
    except TypeError:
        # orjson and DuckDB refuse such a str with a TypeError instead: the same case, where an
        # argument holds one; any other TypeError is a bug, and goes on up.
        odd = next((w for w in words if not is_utf8(w)), None)
        if odd is None:
            raise
        shown = clip(safe_line(odd), 80)
        error(f"a value given holds bytes that are not UTF-8 text ({shown}); give it as UTF-8", as_json)
        return USAGE
    except KeyboardInterrupt:
        error("interrupted", json_too=as_json)
        return INTERRUPTED
    except BrokenPipeError:
        # `tracetui ls | head`: the reader went away; that is not an error worth a traceback.
        try:
            sys.stdout = None
        except Exception:
            pass
        return OK
