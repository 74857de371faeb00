"""A snapshot of the seal dialog over the demo's Claude session, a marked range, at 160x48.

The output path (it defaults to the user's capsules folder) is replaced by one in the fixed demo folder,
so the picture is the same wherever the tests run. Update with `--snapshot-update` after a deliberate change.
"""

from __future__ import annotations

from tracetui.ui.app import TraceApp

from pilot_steps import settle

SIZE = (160, 48)


async def _settle(pilot, rounds: int = 3) -> None:
    await settle(pilot.app, pilot, rounds)  # the app at rest, not a fixed wait


def test_seal_dialog(snapshot_demo, snap_compare):
    demo, library = snapshot_demo

    async def run(pilot):
        await _settle(pilot)
        await pilot.press("end", "enter")
        await _settle(pilot)
        await pilot.press("down", "down", "m", *["down"] * 6, "m", "s")
        await _settle(pilot)
        # A folder that exists, a file that does not: no note under the path.
        field = pilot.app.screen.query_one("#seal-out")  # the focus starts here
        field.value = str(demo.root / "7d3c1a52-2-8.capsule")
        field.cursor_blink = False
        field.cursor_position = len(field.value)
        await pilot.pause()

    assert snap_compare(TraceApp(library), run_before=run, terminal_size=SIZE)
