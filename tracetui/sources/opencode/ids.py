"""OpenCode's object ids, made as OpenCode makes them (`Identifier` in its source), so a written
session's messages and parts sort in the order they are written and before anything the program adds
after it.

`<prefix>_` then 12 hex digits of (milliseconds × 4096 + a counter), bitwise inverted for sessions
(newest first), then 14 random base-62 characters.
"""

from __future__ import annotations

import secrets
import string

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_MASK = (1 << 48) - 1


class Ids:
    """Ascending ids for one written session, starting at `ms` (the counter runs on past 4096 a
    millisecond, as the ids only need to rise)."""

    def __init__(self, ms: int) -> None:
        self.value = ms * 0x1000

    def next(self, prefix: str) -> str:
        self.value += 1
        return _make(prefix, self.value)


def session_id(ms: int) -> str:
    return _make("ses", ~(ms * 0x1000) & _MASK)


def _make(prefix: str, value: int) -> str:
    tail = "".join(secrets.choice(_BASE62) for _ in range(14))
    return f"{prefix}_{(value & _MASK):012x}{tail}"
