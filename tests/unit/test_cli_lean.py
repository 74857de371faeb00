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
