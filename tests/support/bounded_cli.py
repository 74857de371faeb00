"""The CLI in a child process held to 1 GB of address space: a hostile file that makes a read take
all the memory (a sparse file of gigabytes) fails that child with a MemoryError, never the test run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from shared_data import ROOT

from support.cli_zygote import forked_cli

# Prefixed to a child's code: the address-space limit every such test runs under.
LIMIT = 1 << 30
LIMIT_MEMORY = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({LIMIT}, {LIMIT}))\n"


def bounded_cli(tmp: Path, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`tracetui ARGV` under the limit, with this checkout first on its path and a HOME of its own
    under `tmp`; never waits on stdin. A child forked from the worker's CLI helper (cli_zygote.py):
    what a new `python -c` under the limit would do, without its imports each time."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp / "home")}
    return forked_cli(*argv, env=env, timeout=timeout, limit_as=LIMIT)
