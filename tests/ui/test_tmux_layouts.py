"""The app in a real terminal at the three sizes, as a person would use it (scripts/tmux_check.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "tracetui").exists(), reason="needs the README's .venv install")
def test_the_demo_in_tmux_at_80x24_120x40_and_160x48():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "tmux_check.py")], capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
