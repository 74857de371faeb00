"""`tracetui --dataset URL` over an export whose sessions rows carry no price (issue 37): the list
draws at once without prices, a thread prices the page, and the list shows them on the next version
poll, with the status line's total."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from pilot_steps import settle
from support.narrow import present
from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.session_list import SessionList

pytest.importorskip("duckdb")
pq = pytest.importorskip("pyarrow.parquet")

from tracetui.dataset import library as dataset_library  # noqa: E402
from tracetui.dataset import open_dataset  # noqa: E402

WAIT = 60.0  # seconds at most for the pricing thread to start, then for the list to show its prices


async def test_the_list_shows_the_prices_the_thread_works_out(team_dataset_root, tmp_path, monkeypatch):
    copy = tmp_path / "older"
    shutil.copytree(team_dataset_root / "dataset", copy)
    for path in copy.rglob("*.parquet"):
        if "sessions" in path.parts:
            pq.write_table(pq.read_table(path).drop_columns(["cost_usd"]), path)
    original = dataset_library.DatasetLibrary._price_pending
    held = []

    def price_pending(self):
        held.append(self._version)  # the version the first screen was drawn at
        original(self)

    monkeypatch.setattr(dataset_library.DatasetLibrary, "_price_pending", price_pending)
    library = open_dataset(str(copy), background=True)
    app = TraceApp(library)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(app, pilot)
            sessions = app.screen.query_one(SessionList)
            # Waits are for what they wait on, up to a minute: the pricing thread starts after the first
            # screen and yields to the faces' reads (the background listing's relists among them), so
            # on a loaded machine it ran after the ten seconds this test once gave it.
            deadline = time.monotonic() + WAIT
            while not held and time.monotonic() < deadline:
                await pilot.pause(0.2)
            assert held and sessions.count > 1
            priced: list = []
            while time.monotonic() < deadline:  # the app polls the version (LIVE_POLL_SECONDS)
                await pilot.pause(0.2)
                await settle(app, pilot)
                shown = [present(sessions.summary(i)) for i in range(sessions.count)]
                priced = [r for r in shown if r.cost_usd is not None]
                if priced and library._pricer is None:
                    break
            # What the library holds, said where the rows show no price. It happened three times in full
            # runs, never alone; in CI47 six sessions were priced, none shown, and the thread was done.
            costs = dict(library._costs)
            shown_ids = {r.id for r in shown}
            state = {"pricer running": library._pricer is not None, "version": library._version,
                     "seen version": app._seen_version,
                     "list generation": getattr(app.screen, "_list_generation", None),
                     "priced": sum(c[0] is not None for c in costs.values()),
                     "unpriced": sum(c[0] is None for c in costs.values()),
                     "priced and shown": len(shown_ids & {k for k, c in costs.items() if c[0] is not None}),
                     "pending": len(library._unpriced), "shown": sessions.count,
                     "seconds left": round(deadline - time.monotonic(), 1)}  # fmt: skip
            assert priced, json.dumps(state)  # whole: pytest cuts a dict's repr short
            assert {r.id for r in priced} == {r.id for r in library.list_sessions() if r.cost_usd}
            assert "in all" in str(app.screen.query_one("#sessions-status").render())
    finally:
        library.close()
