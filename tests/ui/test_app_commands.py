"""`tracetui open` and the app faces refuse bad input with one sentence, never a traceback."""

from __future__ import annotations

from tracetui.cli import main


def test_open_a_missing_file(tmp_path, capsys):
    assert main(["open", str(tmp_path / "nope.capsule")]) == 1
    err = capsys.readouterr().err
    assert err.strip() == f"tracetui: {tmp_path / 'nope.capsule'} does not exist"


def test_demo_without_a_terminal_says_so(capsys):
    # pytest's stdout is not a TTY: the app must not start, and must say why in one line.
    assert main(["demo"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "tracetui: the app needs a terminal; use `tracetui ls` or `--json` commands in scripts"
