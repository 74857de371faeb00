"""tracetui tells the user commands to run (`tracetui trail ID` to judge a session, `tracetui show ID
--step N` to open a blamed line's step, `tracetui scan ID --accept KIND` to decide what stopped a seal),
and the id in them is the log's: a Pi, Codex or Gemini log names its session as it likes. A log whose
id was `;rm -rf ~;#…` made `show` and `trail` say `tracetui trail ;rm -rf ~;#` (the first 12
characters), and a pasted suggestion ran the rest. Found 2026-11-28 with such an id. Every word from a
log is quoted for a POSIX shell now, as `resume` quotes its command: pasted, it runs tracetui alone."""

from __future__ import annotations

import re
import subprocess

from shared_data import FIXTURES

from tracetui.blame.results import open_hint
from tracetui.capsule.scope import decide_commands
from tracetui.cli import main

# Twelve characters are enough: `trail` and `show` name a session by its first twelve.
SID = ";touch M;#x$(touch N)"
SUGGESTED = re.compile(r"tracetui (?:trail|show|scan) [^`\n]*?(?=`|\)?$| judges| --repo PATH)")


def _runs_nothing_else(command: str, where) -> None:
    """`command` pasted into a shell, tracetui standing for `true`, makes no file."""
    assert command.startswith("tracetui ")
    subprocess.run(["sh", "-c", "true" + command[len("tracetui"):]], cwd=where, check=False,
                   capture_output=True, timeout=10)  # fmt: skip
    assert sorted(p.name for p in where.iterdir()) == [], command


def test_show_and_trail_suggest_a_quoted_id(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    log = (FIXTURES / "pi" / "v3_tree.jsonl").read_bytes()
    (src / "a.jsonl").write_bytes(log.replace(b"33333333-aaaa-4bbb-8ccc-000000000003", SID.encode()))
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"pi={src}"]) == 0
    shell = tmp_path / "shell"
    shell.mkdir()
    found = []
    for argv in (["show", ";touch"], ["trail", ";touch"]):
        capsys.readouterr()
        main([*bucket, *argv])
        out = capsys.readouterr()
        found += SUGGESTED.findall(out.out + out.err)
    assert len(found) == 2, found
    for command in found:
        _runs_nothing_else(command, shell)


def test_blame_and_seal_suggest_a_quoted_id(tmp_path):
    class Writer:
        session, index = SID, 3

    commands = [open_hint(Writer())]  # type: ignore[arg-type]
    for line in decide_commands(SID, "2:5", ["email"]):
        commands += re.findall(r"`([^`]+)`", line)
    assert len(commands) == 3
    for command in commands:
        _runs_nothing_else(command or "", tmp_path)
