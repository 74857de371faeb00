"""What the tests of a check's memory limit share. The watch counts the machine's shared memory grown
since a check began (`capsule.limits`), so two such tests at once, or one started while the last one's
sandbox is still being freed, would see each other's: they run in one xdist group, each after the
machine's shared memory has stopped falling."""

from __future__ import annotations

import time

import pytest

from tracetui.capsule.limits import _shared_bytes  # the very figure the watch reads

GROUP = pytest.mark.xdist_group("check-memory")


def wait_until_settled(most: float = 5.0) -> None:
    """Return once the machine's shared memory has not fallen by a MiB in a fifth of a second (a
    sandbox's mounts and segments are freed after its processes), or after `most` seconds."""
    end = time.monotonic() + most
    before = _shared_bytes()
    while time.monotonic() < end:
        time.sleep(0.2)
        now = _shared_bytes()
        if before - now < 1 << 20:
            return
        before = now


@pytest.fixture(autouse=True)
def settled() -> None:
    wait_until_settled()
