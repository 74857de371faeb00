"""`tracetui --dataset URL`: the same app, read-only, over a team's Parquet dataset of two machines:
it lists both machines' sessions with their machine, filters by machine, opens one with its trail as
exported, searches, refuses what would write; a hostile dataset's every cell is drawn as text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support.narrow import on_screen, present
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from pilot_steps import settle
from support.datasets import MACHINES, poisoned

from tracetui.model import SessionFilter
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.session_list import SessionList
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.timeline import Timeline
from tracetui.ui.widgets.trail_list import TrailList

pytest.importorskip("duckdb")
pytest.importorskip("fsspec")

from tracetui.dataset import open_dataset  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from hostile import assert_inert, hostile_text  # noqa: E402

SIZE = (160, 45)
EDITED = "33333333-aaaa-4bbb-8ccc-000000000003"  # pi's fixture session that edits src/a.ts twice


@pytest.fixture(scope="module")
def team(team_dataset_root):
    library = open_dataset(str(team_dataset_root / "dataset"))
    yield library
    library.close()


def _status(screen) -> str:
    return str(screen.query_one("#sessions-status").render())


@pytest.mark.slow
async def test_lists_filters_by_machine_opens_and_searches(team):
    app = TraceApp(team)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = on_screen(app, BrowserScreen)
        sessions = screen.query_one(SessionList)
        assert sessions.count == team.count_sessions() and app.sub_title == "dataset (read-only)"
        assert sessions.machines and "machine" in str(screen.query_one("#sessions-header").render())
        assert {present(sessions.summary(i)).machine for i in range(sessions.count)} == set(MACHINES)
        assert "read-only" in _status(screen)

        # machine: keeps one machine's sessions.
        screen.query_one("#filter", Input).value = "machine:beta"
        await settle(app, pilot, 2)
        assert sessions.count == team.count_sessions(SessionFilter(machine="beta")) > 0
        assert {present(sessions.summary(i)).machine for i in range(sessions.count)} == {"beta"}
        assert "machine beta" in _status(screen)

        # Open the one that edited files: its steps, and its trail as the export judged it.
        edited = next(i for i in range(sessions.count) if present(sessions.summary(i)).id == EDITED)
        row = present(sessions.summary(edited))
        sessions.focus()
        sessions.cursor = edited
        await pilot.press("enter")
        await settle(app, pilot, 2)
        assert screen.opened is not None and present(screen.opened).session.id == row.id
        assert len(present(screen.opened).session.steps) == row.steps
        await app.run_action("screen.tab('trail')")
        await settle(app, pilot, 2)
        trail = "\n".join(str(line) for line in screen.query_one(TrailList).lines)
        assert "as exported" in trail and "src/a.ts" in trail
        await app.run_action("screen.tab('diff')")
        timeline = screen.query_one(Timeline)
        timeline.focus()
        timeline.cursor = next(r for r in range(timeline.count) if "edit" in timeline.render_line(r).text)
        await settle(app, pilot, 2)
        diff = "\n".join(screen.query_one("#diff-view", TextView).plain_lines())
        assert "+const b = 3;" in diff

        # What would write refuses in one line; nothing a bucket alone has is offered.
        footer = {k.description for k in screen.query(FooterKey)}
        assert not footer & {"Seal", "Redact", "Review all", "Export…", "Export"}
        for action in ("seal", "redact", "export", "review"):
            await app.run_action(f"screen.{action}")
            await pilot.pause()
        refused = [n.message for n in app._notifications if "a dataset is read-only here" in n.message]
        assert len(refused) == 4

        # Search across the dataset: a hit opens its session at its step.
        hit = team.search("parser")[0]
        await app.run_action("search_steps")
        await settle(app, pilot, 1)
        await pilot.press(*"parser")
        await settle(app, pilot, 2)
        await pilot.press("enter")
        await settle(app, pilot, 2)
        assert screen.opened is not None and present(screen.opened).session.id == hit.session
        assert present(screen.opened).session.steps[present(screen.current_step())].id == hit.step


async def test_a_hostile_dataset_is_drawn_as_text(team_dataset_root, tmp_path):
    canary = tmp_path / "canary"
    canary.mkdir()
    text = hostile_text(canary)
    folder = poisoned(team_dataset_root / "dataset", tmp_path / "hostile", text, "m" + text)
    library = open_dataset(str(folder))
    app = TraceApp(library)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = on_screen(app, BrowserScreen)
            assert screen.query_one(SessionList).machines
            assert_inert(app.export_screenshot(), "the session list")
            sessions = screen.query_one(SessionList)
            sessions.cursor = next(i for i in range(sessions.count) if present(sessions.summary(i)).id == EDITED)
            await pilot.press("enter")
            await settle(app, pilot)
            assert screen.opened is not None and present(screen.opened).session.id == EDITED
            await pilot.press("down", "down")  # a tool call's detail, with its input
            for tab in ("detail", "diff", "trail"):
                await app.run_action(f"screen.tab('{tab}')")
                await settle(app, pilot, 1)
                assert_inert(app.export_screenshot(), f"pane {tab}")
            await app.run_action("search_steps")
            await settle(app, pilot, 1)
            await pilot.press(*"evil")
            await settle(app, pilot, 2)
            assert_inert(app.export_screenshot(), "the search palette")
            assert app.is_running
    finally:
        library.close()
    assert list(canary.iterdir()) == [], "a markup action from a dataset ran"


def test_the_list_of_a_two_machine_dataset_at_120x40(team, snap_compare):
    """The list with its machine column, the header and the read-only status, as drawn."""

    async def run(pilot):
        await settle(pilot.app, pilot)

    assert snap_compare(TraceApp(team), run_before=run, terminal_size=(120, 40))


async def test_a_filter_whose_read_fails_says_why_in_the_list_not_that_nothing_matched(tmp_path):
    # A steps file whose pages claim 2.6 GB: DuckDB's memory limit refuses the read. The list said "no
    # session matches the filter" (the reason went by in a notice): the answer is unknown, not empty.
    from parquet_forge import lying_parquet
    from support.datasets import small_dataset

    root = small_dataset(tmp_path / "ds")
    steps = root / "data/steps/machine=x/agent=pi/month=2026-01"
    (steps / "part-00001.parquet").write_bytes(lying_parquet(900 << 20, 900 << 20, 3))
    library = open_dataset(str(root))
    app = TraceApp(library)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            screen = on_screen(app, BrowserScreen)
            sessions = screen.query_one(SessionList)
            assert sessions.count == 2
            screen.query_one("#filter", Input).value = "hi"
            await settle(app, pilot, 2)
            said = " ".join(sessions.empty_lines)
            assert sessions.count == 0 and sessions.empty_lines[0] == "the list could not be read:"
            assert "part-00001.parquet" in said.replace(" ", "") and "inflate" in said
            assert "no session matches" not in said
    finally:
        library.close()
