"""Python's cyclic garbage collector, kept out of the way of work that builds objects by the million.

The collector is the process's, and a full collection walks every tracked object while holding the
GIL. A session of 1,000,000 steps read from the bucket in the app's worker set off 14 full
collections as its heap grew, up to 5 s each, and each froze the UI thread for as long: a key pressed
while it loaded took 1 to 5.5 s to answer. Objects such work keeps are freed by reference counting
(steps, rows and the trail's counters hold no cycles), so the collector found nothing in them.

More in docs/internals/core.md, `collector.py`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

FREEZE_FROM = 100_000  # objects made by one piece of work: below this a full collection is quick

_lock = threading.Lock()
_depth = 0
_was_on = False


@contextmanager
def paused() -> Iterator[None]:
    global _depth, _was_on
    with _lock:
        _depth += 1
        if _depth == 1:
            _was_on = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_on:
                gc.enable()


def keep_out(made: int) -> None:
    """After work that made `made` objects still alive: freeze them out of full collections. Called
    while still `paused()`: the collector counts what is made while it is off, and the first young
    collection after it is back on would walk all of it (1.8 s of the UI thread's time, for a
    million steps) had they not been frozen first."""
    if made >= FREEZE_FROM:
        gc.freeze()
