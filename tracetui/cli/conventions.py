"""`tracetui completion bash|zsh|fish` and `tracetui man`: the conventions a command-line tool is
expected to keep, both made from the one parser, so a new command or option is in them at once.

bash and zsh through shtab, the manual page through argparse-manpage (both small, pure Python);
fish, which shtab does not write, from the parser's own records (`Parser.commands`, each parser's
actions) in fish's `complete` lines.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

from tracetui.cli import Commands, Parser
from tracetui.cli.exit_codes import OK

SHELLS = ("bash", "zsh", "fish")


def register(subparsers: Commands) -> None:
    p = subparsers.add_parser(
        "completion",
        help="print the shell completion script for bash, zsh or fish",
        description="Print a completion script for every command and option. bash: `tracetui completion "
        "bash > ~/.local/share/bash-completion/completions/tracetui`; zsh: into a folder of your $fpath as "
        "`_tracetui`; fish: `> ~/.config/fish/completions/tracetui.fish`.",
    )
    p.add_argument("shell", choices=SHELLS, help="the shell to complete for")
    p.set_defaults(func=run_completion)
    m = subparsers.add_parser(
        "man",
        help="print the manual page (roff), made from the command line's own help",
        description="Print tracetui(1), every command and option, as roff: `tracetui man | man -l -`, or "
        "`tracetui man -o ~/.local/share/man/man1/tracetui.1`.",
    )
    m.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead of standard output")
    m.set_defaults(func=run_man)


def run_completion(args: argparse.Namespace) -> int:
    from tracetui.cli import build_parser

    sys.stdout.write(completion(build_parser(), args.shell))
    return OK


def run_man(args: argparse.Namespace) -> int:
    from tracetui.cli import build_parser

    text = manual(build_parser())
    if args.output:
        Path(args.output).expanduser().write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return OK


def completion(parser: Parser, shell: str) -> str:
    if shell == "fish":
        return "\n".join(_fish(parser)) + "\n"
    import shtab

    return str(shtab.complete(parser, shell=shell))


def manual(parser: Parser) -> str:
    from argparse_manpage.manpage import Manpage

    from tracetui import __version__

    # NAME's one line (the tool reads it from this attribute; argparse ignores it).
    parser.man_short_description = "see what your coding agents did"  # type: ignore[attr-defined]
    text = str(Manpage(parser))
    # Its title line names the generator; a reader wants the program's own version there.
    return text.replace('"Generated Python Manual"', f'"tracetui {__version__}"', 1)


def _fish(parser: Parser) -> Iterator[str]:
    yield "# fish completion for tracetui (tracetui completion fish)"
    top = "__fish_use_subcommand"
    yield from _fish_options(parser, top)
    helps = _command_helps(parser)
    for name, sub in parser.commands.items():
        described = _one_line(helps.get(name) or sub.description)
        yield f"complete -c tracetui -f -n {top} -a {shlex.quote(name)} -d {shlex.quote(described)}"
        seen = f"'__fish_seen_subcommand_from {name}'"
        yield from _fish_options(sub, seen)
        for nested in sub.commands.items() if isinstance(sub, Parser) else ():
            yield f"complete -c tracetui -f -n {seen} -a {shlex.quote(nested[0])}"


def _command_helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each command's one-line help, as `tracetui --help` lists it."""
    helps: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                helps[choice.dest] = choice.help or ""
    return helps


def _fish_options(parser: argparse.ArgumentParser, condition: str) -> Iterator[str]:
    for action in parser._actions:
        longs = [o[2:] for o in action.option_strings if o.startswith("--")]
        shorts = [o[1:] for o in action.option_strings if len(o) == 2 and o.startswith("-")]
        if not longs and not shorts:
            if action.choices and not isinstance(action, argparse._SubParsersAction):
                words = " ".join(str(c) for c in action.choices)
                yield f"complete -c tracetui -f -n {condition} -a {shlex.quote(words)}"
            continue
        parts = ["complete -c tracetui", f"-n {condition}"]
        parts += [f"-l {o}" for o in longs] + [f"-s {o}" for o in shorts]
        if action.nargs != 0:
            parts.append("-r")
            if action.choices:
                parts.append(f"-f -a {shlex.quote(' '.join(str(c) for c in action.choices))}")
        if action.help and action.help != argparse.SUPPRESS:
            parts.append(f"-d {shlex.quote(_one_line(action.help))}")
        yield " ".join(parts)


def _one_line(text: str | None) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= 80 else line[:79] + "…"
