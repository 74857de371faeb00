"""`tracetui resume --agent gemini` looks for the project's folder as Gemini CLI does: its registry
(`~/.gemini/projects.json`) and the `.project_root` markers in `tmp/<slug>/` and `history/<slug>/`.
Those files were opened with a plain open(): a FIFO in place of any of them (a dotfiles repository,
a shared home) blocked the resume for ever. Now such a file reads as none, as an unreadable one did,
and the session is still written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import ROOT

_CHILD = """
import sys
from pathlib import Path
from tracetui.sources.gemini.project_folder import chats_folder
found = chats_folder("/home/dev/shop", Path(sys.argv[1]))
print(found.chats)
"""

PLACES = ["projects.json", "tmp/shop/.project_root", "history/shop/.project_root", "tmp/other/.project_root"]


@pytest.mark.parametrize("where", PLACES)
def test_a_fifo_among_gemini_s_project_files_blocks_no_resume(tmp_path, where):
    gemini = tmp_path / ".gemini"
    target = gemini / where
    target.parent.mkdir(parents=True)
    os.mkfifo(target)
    out = subprocess.run([sys.executable, "-c", _CHILD, str(gemini)], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr[-400:]
    assert Path(out.stdout.strip()).name == "chats"
