"""The earliest and the latest timestamp a reader met, kept as a pair rather than a list of them all."""

from __future__ import annotations


def widen(span: list[str], stamp: str) -> None:
    """Make `span` ([] or [earliest, latest], ISO texts that sort as times) take `stamp` in."""
    if not span:
        span += [stamp, stamp]
    elif stamp < span[0]:
        span[0] = stamp
    elif stamp > span[1]:
        span[1] = stamp
