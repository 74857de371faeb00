"""What a resting press in the timeline sends through Textual's queues: the list's `Highlighted` goes
to the screen alone, the step's rest calls the panes without a message of its own, and a widget's
repaint reaches the screen's frame without a Prompt to the screen. Each was a dispatch, an idle and
a turn of the loop on every rest (docs/internals/ui.md)."""

from __future__ import annotations

from textual import _callback as textual_callback
from textual import events
from textual.message_pump import MessagePump
from textual.messages import Prompt

from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import open_claude, settle


def _dispatched(monkeypatch) -> list[tuple[MessagePump, object]]:
    seen: list[tuple[MessagePump, object]] = []
    real = MessagePump._dispatch_message

    async def dispatch(pump, message):
        seen.append((pump, message))
        return await real(pump, message)

    monkeypatch.setattr(MessagePump, "_dispatch_message", dispatch)
    return seen


async def test_a_resting_press_sends_no_message_it_does_not_need(demo, monkeypatch):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        shown = screen.detail_refreshes
        seen = _dispatched(monkeypatch)
        await pilot.press("down")
        await settle(app, pilot)
        assert screen.detail_refreshes == shown + 1  # the panes followed the step
        highlighted = [pump for pump, message in seen if isinstance(message, Timeline.Highlighted)]
        assert highlighted == [screen]  # not the two containers between, nor the app
        at_screen = [message for pump, message in seen if pump is screen]
        # The rest's timer called the panes itself (Pilot's own waits post callbacks of their own).
        calls = [m for m in at_screen if isinstance(m, events.Callback) and "_show_step" in repr(m.callback)]
        assert not calls
        assert not [m for m in at_screen if isinstance(m, Prompt)]  # the repaints waited for no prompt
        assert timeline.cursor >= 1



async def test_a_rest_on_the_session_list_previews_without_a_signature_looked_up(demo, monkeypatch):
    # The preview's timer and the "opening..." one call the screen themselves: `set_timer` wrapped each
    # callback in two new partials, each looked up with `inspect.signature` (`count_parameters` keeps
    # what it found on the callable, and a new partial is a new callable), then called it next.
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        screen.query_one(SessionList).focus()
        await settle(app, pilot)
        previewed = screen.opened.session.id if screen.opened is not None else None
        looked_up: list[object] = []
        real = textual_callback.signature

        def signature(thing, *args, **kwargs):
            looked_up.append(thing)
            return real(thing, *args, **kwargs)

        monkeypatch.setattr(textual_callback, "signature", signature)
        await pilot.press("down")
        await pilot.pause(0.5)
        await settle(app, pilot)
        assert screen.opened is not None and screen.opened.session.id != previewed  # previewed
        names = ("_session_highlighted", "_say_opening", "call_next")
        assert not [t for t in looked_up if any(name in repr(t) for name in names)], looked_up
