"""Textual's `Strip` with its seven caches made when first used, not with every strip.

Each `Strip` made seven `FIFOCache`s (fifteen tracked objects) in `__init__`, and most strips of a
frame are made, drawn once and dropped without one of them used: a rest on a step made about 240
strips. The caches now come into being on the first read of their slot (`__getattr__` runs only
where a slot is still unset), so a strip costs a list and its segments, and the cyclic collector
walks far fewer objects. Every method of `Strip` reads its caches by those names and no other code
does, so what a strip gives is unchanged. `install` checks the slots it knows are Textual's
(pinned: pyproject.toml) and leaves the class alone where they differ.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from textual.cache import FIFOCache
from textual.strip import Strip

# Textual 8.2.8's cache slots and their sizes, as its `Strip.__init__` makes them.
CACHES = {"_divide_cache": 4, "_crop_cache": 16, "_style_cache": 16, "_filter_cache": 4,
          "_line_length_cache": 4, "_crop_extend_cache": 4, "_offsets_cache": 4}  # fmt: skip
_SLOTS = {*CACHES, "_segments", "_cell_length", "_render_cache", "_link_ids", "_cell_count"}


def _init(self: Strip, segments: Iterable[Segment], cell_length: int | None = None) -> None:
    self._segments = list(segments)
    self._cell_length = cell_length
    self._render_cache = None
    self._link_ids = None
    self._cell_count = None


def _cache(self: Strip, name: str) -> FIFOCache:
    size = CACHES.get(name)
    if size is None:
        raise AttributeError(f"'Strip' object has no attribute {name!r}")
    cache: FIFOCache = FIFOCache(size)
    setattr(self, name, cache)
    return cache


def install() -> bool:
    """Make `Strip`'s caches lazily from now on; False (nothing changed) on a Textual whose `Strip`
    is not the one this was made for."""
    if Strip.__init__ is _init:
        return True
    if set(Strip.__slots__) != _SLOTS or "__getattr__" in vars(Strip):
        return False
    setattr(Strip, "__init__", _init)
    setattr(Strip, "__getattr__", _cache)
    return True
