"""Sessions taken one ahead: a writer prepares a session and starts its gate's scans on the workers
(`Exporter.warm`) before it judges and writes the one before, so the workers scan while it builds.

More in docs/internals/export.md, `export/ahead.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

_Item = TypeVar("_Item")
_Started = TypeVar("_Started")


def one_ahead(items: Iterable[_Item], start: Callable[[_Item], _Started]) -> Iterator[tuple[_Item, _Started]]:
    """(item, start(item)) in order, each item started before the one before it is handed on."""
    ahead: tuple[_Item, _Started] | None = None
    for item in items:
        started = (item, start(item))
        if ahead is not None:
            yield ahead
        ahead = started
    if ahead is not None:
        yield ahead
