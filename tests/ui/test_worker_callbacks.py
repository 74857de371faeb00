"""A thread worker's callback reaches its screen only while the screen is open: closed (popped, its widgets
being removed), the callback does nothing; covered by another screen, it still runs."""

from __future__ import annotations

import threading

from textual.app import App
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tracetui.ui.workers import alive, call_back


class Holder(Screen):
    def compose(self):
        yield Static("", id="status")

    def say(self, text: str) -> None:
        self.query_one("#status", Static).update(text)
        self.said = text


class Cover(ModalScreen):
    def compose(self):
        yield Static("a dialog over it")


def _from_a_thread(node, callback, *args) -> threading.Event:
    done = threading.Event()

    def run():
        call_back(node, callback, *args)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done


async def test_a_covered_screen_still_gets_its_workers_news():
    app: App[None] = App()
    async with app.run_test() as pilot:
        holder = Holder()
        await app.push_screen(holder)
        await app.push_screen(Cover())
        done = _from_a_thread(holder, holder.say, "scanned")
        while not done.is_set():
            await pilot.pause(0.01)
        await pilot.pause()
        assert alive(holder) and holder.said == "scanned"


async def test_a_closed_screen_gets_nothing_even_while_it_is_being_taken_down():
    app: App[None] = App()
    async with app.run_test() as pilot:
        holder = Holder()
        await app.push_screen(holder)
        app.pop_screen()  # not awaited: the screen is being taken down, still attached
        assert holder.is_attached and not alive(holder)
        done = _from_a_thread(holder, holder.say, "too late")
        while not done.is_set():
            await pilot.pause(0.01)
        await pilot.pause()
        assert not hasattr(holder, "said")
        assert app.is_running
