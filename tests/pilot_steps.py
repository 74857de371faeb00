"""Pilot moves the UI tests share: let workers and timers settle, open the demo's Claude session."""

from __future__ import annotations

import time

from textual.worker import WorkerState

from tracetui.ui.screens.browser import BrowserScreen

# One-shot timers this short are the app's own waits (a rest on a row or a step, a filter's pause,
# a palette's search); longer ones are a toast's life, which nothing a test asserts waits on.
SHORT_TIMER = 1.0
SETTLE_LIMIT = 60.0  # seconds: an app that never comes to rest fails the test, not the run


def busy(app) -> bool:
    """Whether the app has anything on the way: a worker running, a short timer not yet fired, a
    message not yet handled, a table not yet sized to its new rows, or a change of the bucket its
    live poll has not seen yet."""
    if any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
        return True
    nodes = [app]
    for screen in app.screen_stack:
        nodes.extend(screen.walk_children(with_self=True))
    for node in nodes:
        if node._message_queue.qsize():
            return True
        # A DataTable sizes its columns to new rows when its pump is next idle: on a loaded machine a
        # screenshot taken before that showed the review's columns at their headers' widths.
        if getattr(node, "_require_update_dimensions", False) or getattr(node, "_updated_cells", None):
            return True
        for timer in list(node._timers):
            task = timer._task
            if timer._repeat == 0 and timer._interval <= SHORT_TIMER and task is not None and not task.done():
                return True
    seen = getattr(app, "_seen_version", None)
    if seen is not None:
        try:
            return app.library.version() != seen
        except Exception:  # a library closed under the test: nothing more will come of it
            return False
    return False


async def settle(app, pilot, rounds: int = 3) -> None:
    # Workers post results, timers (filter, preview) fire, then more workers may start: waited for
    # until none is left, seen still `rounds` times in a row (a fixed 0.3 s a round was most of
    # the UI tests' time, and still a guess on a loaded machine).
    end = time.monotonic() + SETTLE_LIMIT
    still = 0
    while still < rounds:
        await pilot.pause(0.02)
        await app.workers.wait_for_complete()
        still = 0 if busy(app) else still + 1
        assert time.monotonic() < end, "the app never came to rest"
    await pilot.pause()


async def open_claude(app, pilot) -> BrowserScreen:
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, BrowserScreen)
    await pilot.press("end", "enter")  # the oldest session: the Claude Code one
    await settle(app, pilot)
    assert screen.opened is not None and screen.opened.session.agent == "claude"
    return screen
