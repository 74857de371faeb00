"""The parser writes down what each command declares, so `main` can tell whether a command takes an
app option given before it (`tracetui --source X sync`) without argparse's private attributes."""

from __future__ import annotations

import re

from tracetui.cli import build_parser


def test_each_command_records_the_options_it_declares():
    parser = build_parser()
    named = {"sync", "ls", "show", "trail", "seal", "capsule", "replay", "demo", "open", "watch"}
    assert named <= set(parser.commands)
    assert "source" in parser.commands["sync"].dests and "--source" in parser.commands["sync"].options
    assert {"file", "theme"} <= parser.commands["open"].dests


def test_whether_a_command_takes_an_option_comes_from_its_record():
    parser = build_parser()
    assert parser.takes("sync", "source") and parser.takes("watch", "source")
    assert parser.takes("demo", "theme") and parser.takes("open", "theme")
    assert parser.takes("trail", "repo") and parser.takes("seal", "repo") and parser.takes("replay", "repo")
    assert not any(parser.takes("ls", name) for name in ("source", "theme", "repo"))
    # `capsule verify` takes no --repo, and the group's own parser declares none either
    assert not parser.takes("capsule", "repo")
    assert not parser.takes("no-such-command", "source")


def test_no_command_shows_an_option_its_record_lacks():
    """An option added some other way (an argument group, a parent parser) would be in the usage and
    missing from the record, and `main` would refuse it before the command."""
    for name, sub in build_parser().commands.items():  # (metavars are upper case: FILE[:LINE[-LINE]])
        shown = set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", sub.format_usage()))
        assert shown <= sub.options, (name, shown - sub.options)
        assert shown, name
