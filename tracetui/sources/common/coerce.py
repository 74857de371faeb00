"""Values read from a log, taken only when they have the type a reader expects.

Readers check the shape of what they use: a field of another type (a format moving on between agent
releases, or a hostile log) counts as absent, never as an error. One set of coercers, so the
readers agree on what "absent" gives.
"""

from __future__ import annotations

from datetime import UTC, datetime
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


# A token count or a duration no log can honestly hold: past it the number is treated as absent. A
# trillion tokens is far beyond any response; the bound keeps every sum of a session's counts (up to
# 2**24 steps) inside the 64 bits that JSON writers and SQLite take, so one forged number cannot cost
# the session.
MAX_COUNT = 2**40


def as_count(value: Any) -> int:
    """`value` as a count: a whole number (or a float, truncated) from 0 to MAX_COUNT, else 0.

    NaN and the infinities (which Python's own JSON parser accepts) fail the range test too."""
    if type(value) is int:
        return value if 0 <= value <= MAX_COUNT else 0
    if type(value) is float and 0 <= value <= MAX_COUNT:
        return int(value)
    return 0


def parse_count(text: str) -> int | None:
    """A whole number written in a log's text (an exit code, a line number): ASCII digits with an
    optional minus sign, at most MAX_COUNT either way; None otherwise. `int()` alone would take
    other scripts' digits and numbers of any length, which no JSON writer takes back."""
    digits = text[1:] if text[:1] == "-" else text
    if not digits.isascii() or not digits.isdigit() or len(digits) > 13:
        return None
    value = int(text)
    return value if -MAX_COUNT <= value <= MAX_COUNT else None


def as_dict(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def as_moment(stamp: Any) -> datetime | None:
    """An ISO 8601 time string as an aware datetime (UTC where it names no zone), else None."""
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def epoch_ms(stamp: Any, fallback: int) -> int:
    """An ISO 8601 time string as milliseconds since the epoch (as Pi and OpenCode store times), else
    `fallback`."""
    moment = as_moment(stamp)
    return int(moment.timestamp() * 1000) if moment is not None else fallback
