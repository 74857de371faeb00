"""Snapshots of each main view on the demo data at a fixed size.

The demo has fixed timestamps and always lives at one path (conftest.SNAPSHOT_DEMO), so these are
the same on every run. Update with `pytest tests/ui/test_snapshots.py --snapshot-update` after a
deliberate change, and look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest

from tracetui.ui.app import TraceApp

from pilot_steps import settle

SIZE = (150, 40)


async def _settle(pilot, rounds: int = 3) -> None:
    await settle(pilot.app, pilot, rounds)  # the app at rest, not a fixed wait


async def _open_claude(pilot, *keys: str) -> None:
    await _settle(pilot)
    await pilot.press("end", "enter")
    await _settle(pilot)
    for key in keys:
        await pilot.press(key)
    await _settle(pilot, 2)


@pytest.fixture
def app(snapshot_demo):
    _, library = snapshot_demo
    return TraceApp(library)


def test_sessions(app, snap_compare):
    assert snap_compare(app, run_before=_settle, terminal_size=SIZE)


def test_timeline_and_detail(app, snap_compare):
    async def run(pilot):
        await _open_claude(pilot, "down", "down", "down", "down")

    assert snap_compare(app, run_before=run, terminal_size=SIZE)


def test_context(app, snap_compare):
    async def run(pilot):
        await _open_claude(pilot, "end", "c")

    assert snap_compare(app, run_before=run, terminal_size=SIZE)


def test_diff(app, snap_compare):
    async def run(pilot):
        await _open_claude(pilot, *["down"] * 6, "f")

    assert snap_compare(app, run_before=run, terminal_size=SIZE)


def test_trail(app, snap_compare):
    async def run(pilot):
        await _open_claude(pilot, "t")

    assert snap_compare(app, run_before=run, terminal_size=SIZE)


def test_subagent_and_branches_open(app, snap_compare):
    async def run(pilot):
        await _open_claude(pilot, *["down"] * 8, "enter", "b")

    assert snap_compare(app, run_before=run, terminal_size=SIZE)


def test_light_theme(app, snap_compare):
    async def run(pilot):
        pilot.app.theme = "tracetui-light"
        await _open_claude(pilot, "down", "down")

    assert snap_compare(app, run_before=run, terminal_size=SIZE)


def test_narrow_terminal(app, snap_compare):
    async def run(pilot):
        await _settle(pilot)
        await pilot.press("down", "enter")
        await _settle(pilot)

    assert snap_compare(app, run_before=run, terminal_size=(80, 30))
