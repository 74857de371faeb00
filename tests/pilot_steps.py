"""Pilot moves the UI tests share: let workers and timers settle, open the demo's Claude session or
a session by its id."""

from __future__ import annotations

import asyncio
import math
import time

from textual.timer import Timer
from textual.worker import WorkerCancelled, WorkerState

from support.narrow import present

from tracetui.ui.screens.browser import BrowserScreen

# One-shot timers this short are the app's own waits (a rest on a row or a step, a filter's pause,
# a palette's search); longer ones are a toast's life, which nothing a test asserts waits on.
SHORT_TIMER = 1.0
SETTLE_LIMIT = 60.0  # seconds: an app that never comes to rest fails the test, not the run
HANDLED_LIMIT = 1.0  # seconds `handled` waits at most, as long as Textual's own wait_for_idle
# Whether `settle` fires the app's pending short timers at once instead of sleeping until they are
# due (tests/ui/conftest.py turns it off for a test marked `real_delays`).
FIRE_EARLY = True


def handled(app) -> _Handled:
    """Waits until `app` has handled all that was sent to it: nothing left to run on the event loop
    (a key the driver posted, a message, what its handler posted in turn) and its screen brought up
    to date (layout, repaint, call_after_refresh), seen twice in a row. What Textual's `wait_for_idle`
    guesses from the process's CPU (20 ms sleeps until one spends under 1 ms, up to 1 s: two of
    them a key, 0.1-0.4 s a key on a loaded machine or while a worker thread computes), asked of
    the loop itself. A worker thread or a timer is not waited for: `settle` is."""
    return _Handled(app)


class _Handled:
    # Awaitable both as `await handled(app)` and as Textual's `wait_for_idle(0)` stand-in, which is
    # called with no app: then the running app is found through Textual's context.
    def __init__(self, app) -> None:
        self.app = app

    def __await__(self):
        return self._wait().__await__()

    async def _wait(self) -> None:
        loop = asyncio.get_running_loop()
        end = time.monotonic() + HANDLED_LIMIT
        still = 0
        while still < 2 and time.monotonic() < end:
            await asyncio.sleep(0)
            if loop._ready:  # type: ignore[attr-defined]  # callbacks due now: a task still has work
                still = 0
            elif getattr(self.app, "_resize_timer", None) is not None:
                # Textual passes a terminal's resize on to the screen after 1/120 s: part of handling it.
                still = 0
                await asyncio.sleep(0.002)
            elif self._screen_behind():
                still = 0
            else:
                still += 1

    def _screen_behind(self) -> bool:
        """Brings the screen up to date where a refresh waits for its update timer (what Pilot.pause
        does after its sleep): whether there was anything to do."""
        try:
            screen = self.app.screen
        except Exception:  # no screen yet, or the app has closed
            return False
        timer = screen._update_timer
        if not (timer._active.is_set() or screen._callbacks):
            return False
        screen._on_timer_update()
        return True


def until_handled(*_args, **_kwargs) -> _Handled:
    """`handled` for the running app: what tests/ui/conftest.py puts in place of Textual's
    `wait_for_idle`, which Pilot's key presses and `pause()` call."""
    from textual._context import active_app

    return _Handled(active_app.get())


def _working(app) -> bool:
    """A worker running, a message not yet handled, or a table not yet sized to its new rows."""
    if any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
        return True
    for node in _nodes(app):
        if node._message_queue.qsize():
            return True
        # A DataTable sizes its columns to new rows when its pump is next idle: on a loaded machine a
        # screenshot taken before that showed the review's columns at their headers' widths.
        if getattr(node, "_require_update_dimensions", False) or getattr(node, "_updated_cells", None):
            return True
    return False


def _nodes(app) -> list:
    nodes = [app]
    for screen in app.screen_stack:
        nodes.extend(screen.walk_children(with_self=True))
    return nodes


def _short_timers(app) -> list[Timer]:
    """The app's one-shot timers of SHORT_TIMER or less not yet fired."""
    found = []
    for node in _nodes(app):
        for timer in list(node._timers):
            task = timer._task
            if timer._repeat == 0 and timer._interval <= SHORT_TIMER and task is not None and not task.done():
                found.append(timer)
    return found


def _unseen_change(app) -> bool:
    """A change of the bucket the app's live poll has not seen yet."""
    seen = getattr(app, "_seen_version", None)
    if seen is None:
        return False
    try:
        return app.library.version() != seen
    except Exception:  # a library closed under the test: nothing more will come of it
        return False


def busy(app) -> bool:
    """Whether the app has anything on the way: a worker running, a short timer not yet fired, a
    message not yet handled, a table not yet sized to its new rows, or a change of the bucket its
    live poll has not seen yet."""
    return _working(app) or bool(_short_timers(app)) or _unseen_change(app)


def _fire(timer: Timer) -> bool:
    """Fires a one-shot timer now, as its task would when due (`set_timer`'s callback is a call_next
    on its node: the callback runs in that node's turn). A timer that posts an event instead is left
    to its clock."""
    callback = timer._callback
    if callback is None:
        return False
    timer.stop()
    callback()
    return True


async def settle(app, pilot, rounds: int = 3) -> None:
    # Workers post results, timers (filter, preview) fire, then more workers may start: waited for
    # until none is left, seen still `rounds` times in a row. Once nothing but the app's short
    # timers is left, the earliest due fires at once: the clock moved on to it, which is all a wait
    # for it would do (a rest's 0.25 s, a filter's 0.15 s, a step's 0.04 s were most of a list
    # move's time in a test). Only a timer already set fires: keys a test sent before are all in.
    end = time.monotonic() + SETTLE_LIMIT
    still = 0
    while still < rounds:
        assert time.monotonic() < end, "the app never came to rest"
        await handled(app)
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            # A newer read cancels an older one (the list's after a removal): the app's own doing, not
            # an error. Textual's wait raises for it while the cancelled worker is still listed.
            still = 0
            await asyncio.sleep(0.005)
            continue
        if _working(app):
            still = 0
            await asyncio.sleep(0.005)  # a thread not yet done posting, a table sizing on idle
            continue
        timers = _short_timers(app)
        if timers:
            still = 0
            due = min(timers, key=lambda t: getattr(t, "_due", math.inf))
            if not (FIRE_EARLY and _fire(due)):
                await asyncio.sleep(0.01)
            continue
        if _unseen_change(app):
            # Left to the app's own poll (LIVE_POLL_SECONDS): a test of live updates must see it poll.
            still = 0
            await asyncio.sleep(0.02)
            continue
        still += 1
    await pilot.pause()


def stamped_start(real):
    """Timer._start that notes when a one-shot timer is due, for `settle` to fire the earliest first."""

    def start(timer: Timer) -> None:
        timer._due = time.monotonic() + timer._interval  # type: ignore[attr-defined]
        real(timer)

    return start


async def open_claude(app, pilot) -> BrowserScreen:
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, BrowserScreen)
    await pilot.press("end", "enter")  # the oldest session: the Claude Code one
    await settle(app, pilot)
    assert screen.opened is not None and screen.opened.session.agent == "claude"
    return screen


async def open_by_id(app, pilot, sid: str) -> BrowserScreen:
    """The browser, settled, with session `sid` opened as a search hit or a blame opens one (the
    timeline focused)."""
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, BrowserScreen)
    screen.open_session(sid, focus=True)
    await settle(app, pilot)
    assert screen.opened is not None and present(screen.opened).session.id == sid
    return screen


async def palette_hits(app, pilot, query: str) -> list[str]:
    """The search palette's hits (their text) for `query` once they stop changing; the palette closed."""
    from textual.command import CommandList

    await pilot.press("ctrl+f")
    await settle(app, pilot, 1)
    await pilot.press(*query)
    await settle(app, pilot)  # the palette's last search done (none may be the answer)
    hits = app.screen.query_one(CommandList)
    # A hit's prompt is text; "No matches found" is an Align of it, no hit.
    prompts = [getattr(hits.get_option_at_index(i).prompt, "plain", None) for i in range(hits.option_count)]
    await pilot.press("escape")
    await settle(app, pilot)
    return [text for text in prompts if text is not None]
