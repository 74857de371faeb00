"""The CLI in a child process held to 1 GB of address space: a hostile file that makes a read take
all the memory (a sparse file of gigabytes) fails that child with a MemoryError, never the test run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shared_data import ROOT

# Prefixed to a child's code: the address-space limit every such test runs under.
LIMIT_MEMORY = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
_CLI = LIMIT_MEMORY + "import sys\nfrom tracetui.cli import main\nsys.exit(main(sys.argv[1:]))"


def bounded_cli(tmp: Path, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`tracetui ARGV` under the limit, with this checkout first on its path and a HOME of its own
    under `tmp`; never waits on stdin."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp / "home")}
    return subprocess.run([sys.executable, "-c", _CLI, *argv], capture_output=True, text=True, timeout=timeout,
                          env=env, stdin=subprocess.DEVNULL, check=False)  # fmt: skip
