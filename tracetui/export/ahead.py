"""Sessions taken one ahead: a writer prepares a session and starts its gate's scans on the workers
(`Exporter.warm`) before it judges and writes the one before, so the workers scan while it builds.

More in docs/internals/export.md, `export/ahead.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

_Item = TypeVar("_Item")
_Started = TypeVar("_Started")
_Ready = TypeVar("_Ready")


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


def write_ahead(
    items: Iterable[_Item],
    ready: Callable[[_Item], _Ready | None],
    write: Callable[[_Item, _Ready], None],
    keep: Callable[[_Item], object],
    done: Callable[[_Item], None],
) -> None:
    """Each item made `ready` one ahead, then written in its turn. One that is not ready (a session
    whose earlier files stay, or one refused) is handed to `keep` in its turn, so the report lists the
    sessions in their order; `done` follows each."""
    for item, made in one_ahead(items, ready):
        if made is None:
            keep(item)
        else:
            write(item, made)
        done(item)
