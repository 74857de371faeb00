"""Where the user's check runs when a capsule's patches are applied: a stranger's code.

A capsule that adds `conftest.py`, or edits a script the check calls, runs that code the moment the
check starts. So the check runs in a sandbox whenever the machine has one: bubblewrap (`bwrap`),
with no network, a private /tmp, the home folder hidden, only the replay clone writable, the user's
repository objects readable (the clone borrows them) and an environment holding only what a build
needs (PATH, a language, a terminal type; no tokens). Without a sandbox the check runs only when the
user says to trust the capsule; `trust` never turns an available sandbox off.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BWRAP = "bwrap"
# Passed through to the check: enough to find and run the user's tools, nothing that authenticates.
KEPT_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ")


@dataclass(frozen=True, slots=True)
class Sandbox:
    """A way to run a shell command confined to one writable folder."""

    name: str  # "bubblewrap"
    program: str

    def command(self, shell_command: str, workdir: Path, readable: list[Path]) -> list[str]:
        """The argv that runs `shell_command` in `workdir`, confined (see the module docstring)."""
        args = [
            self.program,
            "--die-with-parent",  # tracetui killed: the check goes too
            "--new-session",  # no TIOCSTI into the user's terminal
            "--unshare-all",  # network, pids, ipc, uts (user namespaces where allowed)
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--proc", "/proc",
            "--tmpfs", "/tmp",
        ]  # fmt: skip
        home = os.environ.get("HOME")
        if home and home != "/" and Path(home).is_dir():
            args += ["--tmpfs", home]
        for path in readable:
            args += ["--ro-bind", str(path), str(path)]
        args += ["--bind", str(workdir), str(workdir), "--chdir", str(workdir), "--clearenv"]
        for name in KEPT_ENV:
            value = os.environ.get(name)
            if value is not None:
                args += ["--setenv", name, value]
        args += ["--setenv", "HOME", "/tmp", "--", "/bin/sh", "-c", shell_command]
        return args


def find_sandbox() -> Sandbox | None:
    """The sandbox this machine offers, or None (not installed, or namespaces not permitted)."""
    program = shutil.which(BWRAP)
    return _probe(program) if program else None


@functools.lru_cache(maxsize=4)
def _probe(program: str) -> Sandbox | None:
    # Installed is not enough: a kernel or container that forbids user namespaces makes bwrap fail.
    try:
        done = subprocess.run(
            [program, "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev", "--", "/bin/true"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return Sandbox("bubblewrap", program) if done.returncode == 0 else None
