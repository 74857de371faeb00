"""The CPU a text's scan takes, as the linear-time tests bound it: this process's CPU seconds (a
busy machine's other processes do not count), after an untimed scan of the text's head (the
detectors each text wakes load on their first scan, which is no part of the text's cost)."""

from __future__ import annotations

import time

from tracetui.redact import scan_text

WARM_HEAD = 2_000  # characters: enough to wake the detectors the whole text wakes


def scan_seconds(text: str) -> float:
    """CPU seconds `scan_text(text)` takes, its detectors already loaded."""
    scan_text(text[:WARM_HEAD])
    began = time.process_time()
    scan_text(text)
    return time.process_time() - began
