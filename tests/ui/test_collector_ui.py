"""While the app runs, what it started with (modules, the app and its widgets) is kept out of the
cyclic collector's full collections: a rest in the timeline drew some 270 strips, each with a dozen
tracked objects of its caches, and every 20 or so rests a full collection walked every object of the
process again (40-50 ms of the UI thread at 160x48). Once the app is done they are thawed."""

from __future__ import annotations

import gc

from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.timeline import Timeline

from pilot_steps import open_claude, settle


async def test_a_full_collection_while_the_app_runs_walks_only_what_was_made_since_it_started(demo, collector_on):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        timeline.focus()
        for _ in range(12):
            await pilot.press("j")
            await settle(app, pilot)
        # What a full collection walks (every tracked object not frozen) against what it no longer does.
        walked, kept_out = len(gc.get_objects()), gc.get_freeze_count()
        assert kept_out > walked
    assert gc.get_freeze_count() == 0
