"""Values read from a log, taken only when they have the type a reader expects.

Readers check the shape of what they use: a field of another type (a format moving on between agent
releases, or a hostile log) counts as absent, never as an error. One set of coercers, so the
readers agree on what "absent" gives.
"""

from __future__ import annotations

from typing import Any


def as_str(value: Any, default: str = "") -> str:
    """`value` if it is a string, else `default` ("")."""
    return value if isinstance(value, str) else default


def opt_str(value: Any) -> str | None:
    """`value` if it is a string, else None."""
    return value if isinstance(value, str) else None


def as_int(value: Any, default: int = 0) -> int:
    """`value` if it is a whole number (not a bool), else `default`."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def as_dict(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []
