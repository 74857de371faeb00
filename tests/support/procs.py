"""The machine's processes as a hostile check's tests look for them: by a token on their command line."""

from __future__ import annotations

import os


def processes_holding(token: str) -> list[int]:
    """The processes anywhere on the machine whose command line holds `token`, this one apart."""
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                if token.encode() in fh.read() and int(name) != os.getpid():
                    found.append(int(name))
        except (OSError, ValueError):
            continue
    return found
