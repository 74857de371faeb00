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
