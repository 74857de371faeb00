"""`tracetui --dataset URL` on a big dataset (issue 37): the app draws the newest months' sessions
at once, says in the status line how far the background read is, and lists every session once it
is done. A made-up dataset of three machines over twelve months."""

from __future__ import annotations

import threading

import pytest
from support.narrow import present

from pilot_steps import settle
from support.datasets import months_dataset

from tracetui.ui.app import TraceApp
from tracetui.ui.widgets.session_list import SessionList

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

from tracetui.dataset import library as dataset_library  # noqa: E402
from tracetui.dataset import open_dataset  # noqa: E402

MACHINES = ("m-one", "m-two", "m-three")
AGENTS = ("claude", "codex")
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]


async def test_the_list_shows_the_newest_months_then_fills_in_with_its_progress(tmp_path, monkeypatch):
    total = months_dataset(tmp_path / "ds", MACHINES, AGENTS, MONTHS, 3)
    release = threading.Event()
    original = dataset_library.DatasetLibrary._read_rest

    def read_rest(self, chunks, kept):
        release.wait(10)
        original(self, chunks, kept)

    monkeypatch.setattr(dataset_library.DatasetLibrary, "_read_rest", read_rest)
    monkeypatch.setattr(dataset_library, "FIRST_ROWS", 10)
    library = open_dataset(str(tmp_path / "ds"), background=True)
    app = TraceApp(library)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(app, pilot)
            screen = app.screen
            sessions = screen.query_one(SessionList)
            assert sessions.count == 18  # the newest month: 3 machines, 2 agents, 3 sessions each
            assert present(sessions.summary(0)).id == "m-three-codex-2025-12-2"  # the newest of all
            await pilot.pause(0.5)  # the version poll
            status = str(screen.query_one("#sessions-status").render())
            assert "reading the dataset: 6 of 72 sessions files" in status
            assert "in all" not in status  # no total of part of the dataset
            release.set()
            assert library.wait_loaded(10)
            await pilot.pause(0.5)
            await settle(app, pilot)
            assert sessions.count == total
            status = str(screen.query_one("#sessions-status").render())
            assert "reading the dataset" not in status and "in all" in status
    finally:
        release.set()
        library.close()


async def test_a_damaged_file_is_left_out_and_said_once_in_full(tmp_path):
    # One machine's damaged sessions file: the others' sessions are listed, the status line says so,
    # and one notice says it whole (the status line has room for its start only).
    total = months_dataset(tmp_path / "ds", MACHINES, AGENTS, MONTHS, 3)
    damaged = tmp_path / "ds" / "data" / "sessions" / f"machine={MACHINES[0]}" / f"agent={AGENTS[0]}"
    (damaged / f"month={MONTHS[-1]}" / "part-00000.parquet").write_bytes(b"PAR1 \x1b]0;x\x07 not parquet PAR1")
    library = open_dataset(str(tmp_path / "ds"))
    app = TraceApp(library)
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(app, pilot)
            await pilot.pause(0.5)  # the version poll
            sessions = app.screen.query_one(SessionList)
            assert sessions.count == total - 3
            status = str(app.screen.query_one("#sessions-status").render())
            assert "1 unreadable sessions file left out" in status
            said = [str(n.message) for n in app._notifications]
            assert len([m for m in said if "unreadable sessions file" in m]) == 1, said
            (note,) = [m for m in said if "unreadable sessions file" in m]
            assert "cannot be read" in note and "\x1b" not in note and "\n" not in note
            await pilot.pause(0.6)
            assert len([n for n in app._notifications if "unreadable" in str(n.message)]) == 1
    finally:
        library.close()
