"""`tracetui --version` and `--help` import nothing a command does not use (issue 41): no bucket,
no git, no Arrow, no Textual, no price table. Each runs in a fresh interpreter, the only place
where what an import pulls in can be seen."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("tracetui.bucket", "pygit2", "pyarrow", "textual", "rich", "genai_prices", "importlib.metadata")

CODE = """
import contextlib, io, sys
from tracetui.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main({argv!r})
    except SystemExit:
        pass
heavy = {heavy!r}
print(",".join(sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))))
"""


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_import_no_heavy_module(argv: list[str]) -> None:
    code = CODE.format(argv=argv, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "", f"tracetui {' '.join(argv)} imported {out.stdout.strip()}"


def test_version_is_printed_alone() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tracetui", "--version"], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.startswith("tracetui ") and out.stdout.count("\n") == 1


def test_table_cell_costs_what_it_shows() -> None:
    # `show` of a 1,300-step session spent 1.5 s making whole step texts safe that the table then cut
    # to 60 characters: a cell is cut first, and is the same as the whole text made safe, then cut.
    import time

    from tracetui.cli.output import _cell
    from tracetui.safe_text import safe_line

    for text in ("a\tb\nc\x1b[31m" * 20, "\u202eé\x9b" * 30, "short", "x" * 60, "x" * 61, "\x1b" * 59 + "y"):
        whole = safe_line(text)
        assert _cell(text, 60) == (whole if len(whole) <= 60 else whole[:59] + "…")
    huge = "é" * 5_000_000  # not ASCII: every character would be looked at
    start = time.process_time()
    assert _cell(huge, 60) == "é" * 59 + "…"
    assert time.process_time() - start < 0.05


def test_the_command_table_is_what_each_module_registers_in_help_order() -> None:
    import importlib

    from tracetui.cli import COMMAND_MODULES, Commands, Parser, build_parser

    for name, commands in COMMAND_MODULES.items():
        parser = Parser(prog="tracetui")
        importlib.import_module(name).register(Commands(parser, parser.add_subparsers(dest="command")))
        assert tuple(parser.commands) == commands, name
    assert list(build_parser().commands) == [c for commands in COMMAND_MODULES.values() for c in commands]


def test_the_lean_reading_knows_every_global_option_of_the_parser() -> None:
    # `command_module` reads global options from its own two sets: one the parser gains and they lack
    # would send every command line that uses it to the whole parser.
    from tracetui.cli import _GLOBAL_FLAGS, _GLOBAL_VALUES, build_parser

    values: set[str] = set()
    flags: set[str] = set()
    for action in build_parser(only="tracetui.cli.browse")._actions:
        if action.option_strings and action.dest not in ("help", "version", "command"):
            long = {o for o in action.option_strings if o.startswith("--")}
            (values if action.nargs != 0 else flags).update(long)
    assert (values, flags) == (set(_GLOBAL_VALUES), set(_GLOBAL_FLAGS))


@pytest.mark.parametrize(
    ("argv", "module"),
    [
        (["sync"], "sync"),
        (["--bucket", "b", "--source", "claude=x", "sync", "--json"], "sync"),
        (["--bucket=b", "--read-only", "ls", "--help"], "browse"),
        (["--bucket", "seal", "ls"], "browse"),  # a global option's value is not the command
        (["capsule", "verify", "x"], "capsule"),
        ([], "app_commands"),
        (["--theme", "dark", "--dataset", "s3://x"], "app_commands"),
        (["--bucket"], None),  # argparse says the value is missing
        (["--help"], None),
        (["-h", "sync"], None),
        (["--buck", "b", "sync"], None),  # an abbreviation: only argparse knows what it stands for
        (["--", "sync"], None),
        (["synk"], None),  # argparse names the commands there are
    ],
)
def test_a_command_line_builds_the_one_module_it_names(argv: list[str], module: str | None) -> None:
    from tracetui.cli import command_module

    assert command_module(argv) == (None if module is None else f"tracetui.cli.{module}")


def test_a_command_imports_no_other_command_module(tmp_path) -> None:
    code = CODE.format(argv=["--bucket", str(tmp_path / "b"), "ls"], heavy=("tracetui.cli",))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    loaded = set(out.stdout.strip().split(","))
    assert "tracetui.cli.browse" in loaded
    assert not loaded & {"tracetui.cli.capsule", "tracetui.cli.export", "tracetui.cli.trail", "tracetui.cli.serve"}


def test_a_sync_imports_no_listing_command(tmp_path) -> None:
    # What a shell or a hook runs most: none of `ls`'s, `show`'s or the selection's modules.
    code = CODE.format(argv=["--bucket", str(tmp_path / "b"), "sync", "--source", f"pi={tmp_path}"],
                       heavy=("tracetui.cli", "tracetui.selection", "tracetui.views"))  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    loaded = set(out.stdout.strip().split(","))
    assert "tracetui.cli.sync" in loaded
    assert not loaded & {"tracetui.cli.browse", "tracetui.cli.selection", "tracetui.selection", "tracetui.views.format"}


def test_a_mistyped_command_is_named_with_every_command(capsys) -> None:
    from tracetui.cli import main

    with pytest.raises(SystemExit):
        main(["synk"])
    err = capsys.readouterr().err
    assert "invalid choice: 'synk'" in err and "'sync'" in err and "'seal'" in err and "'man'" in err


def test_a_sync_of_one_agent_imports_no_other_agents_reader(tmp_path) -> None:
    # The registry names every agent without importing its reader: a command line lists them in its
    # help and checks `--source`, and a sync imports the readers of the agents it reads.
    (tmp_path / "claude").mkdir()
    argv = ["--bucket", str(tmp_path / "b"), "sync", "--source", f"claude={tmp_path / 'claude'}"]
    code = CODE.format(argv=argv, heavy=("tracetui.sources",))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    readers = {m for m in out.stdout.strip().split(",") if m.endswith(".reader")}
    assert readers == {"tracetui.sources.claude.reader"}
