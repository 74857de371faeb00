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

# While a sync's jobs run, the collector looks at young objects after this many allocations
# (Python's default: 700). A read allocates objects by the hundred thousand and nearly all of them
# live until its session is written, so most collections found nothing to free.
YOUNG_COLLECTION = 10_000

_lock = threading.Lock()
_depth = 0
_was_on = False
# Whether `keep_out` froze objects that must stay frozen. Kept here, not asked of Python:
# `gc.get_freeze_count()` walks the whole frozen generation, millions of objects in a long run.
_kept_out = False
# A sync's own lock: never held while `paused` or `keep_out` take theirs, nor they while it is.
_quiet = threading.Lock()
_quiet_depth = 0
_threshold_before = 700
_froze = False


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
    global _kept_out
    if made >= FREEZE_FROM:
        with _lock:
            gc.freeze()
            _kept_out = True


def ui_started() -> None:
    """The app's first screen is up: what is alive then (modules, the app, its screen and widgets)
    lives as long as the app, so it is frozen out of full collections, each of which walked all of it
    again (40-50 ms of the UI thread at 160x48, a key answered that much later). A sync running in
    the app then freezes and thaws nothing (`_kept_out`, as after a big session's `keep_out`).

    Young objects are looked at as often as before: at 10,000 allocations instead of 700 the app
    spent less in the collector, but each collection of the middle generation took 15-25 ms."""
    global _kept_out
    with _lock:
        gc.freeze()
        _kept_out = True


def ui_stopped() -> None:
    """The app is done: what `ui_started` froze is thawed (an app run in a longer process, such as
    the tests, leaves its widgets' cycles to be collected)."""
    global _kept_out
    with _lock:
        if _kept_out:
            gc.unfreeze()
            _kept_out = False


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run a sync's jobs with the collector doing less for nothing (a cold sync: 5% of its CPU).

    The objects alive on entry (modules, the bucket's own) are frozen out of the full collections
    and thawed at the end; young objects are looked at less often. Both settings are the
    process's: they are restored when the last sync using them ends. Where `keep_out` has frozen a
    big session, nothing is frozen or thawed: thawing would hand the session back to every full
    collection, and freezing for good would keep every cycle alive then out of reach.
    """
    global _quiet_depth, _threshold_before, _froze
    with _quiet:
        _quiet_depth += 1
        if _quiet_depth == 1:
            young, *older = gc.get_threshold()
            _threshold_before = young
            _froze = not _kept_out
            if _froze:
                gc.freeze()
            gc.set_threshold(max(young, YOUNG_COLLECTION), *older)
    try:
        yield
    finally:
        with _quiet:
            _quiet_depth -= 1
            if _quiet_depth == 0:
                gc.set_threshold(_threshold_before, *gc.get_threshold()[1:])
                if _froze and not _kept_out:
                    gc.unfreeze()
