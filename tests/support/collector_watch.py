"""A core call watched for the collector's settings while it runs: the young generation's threshold
and the objects kept out (frozen), noted at each call, from a clean collector at Python's default."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

PYTHONS_DEFAULT = 700  # the young generation's threshold Python starts with


@dataclass
class Watch:
    seen: list[tuple[int, int]] = field(default_factory=list)  # (young threshold, frozen count) a call
    start: tuple[int, ...] = ()  # the thresholds the watch started from

    def restored(self) -> bool:
        """The collector is as the watch set it up: the default threshold, nothing frozen."""
        return gc.get_threshold() == self.start and gc.get_freeze_count() == 0


@contextmanager
def collector_watched(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> Iterator[Watch]:
    """`owner.name` wrapped to note the collector's settings at each call, the collector clean and at
    the default threshold first (another test of the worker may have frozen objects), and put back
    after."""
    watch = Watch()
    real = getattr(owner, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        watch.seen.append((gc.get_threshold()[0], gc.get_freeze_count()))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, watched)
    before = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(PYTHONS_DEFAULT, *before[1:])
    watch.start = gc.get_threshold()
    try:
        yield watch
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
