"""Every screen a user works in, at the three sizes users have: 80x24, 120x40 and 160x48.

The browser with a session open, the redaction editor, the seal dialog and the replay screen, each
drawn on the fixed demo (conftest.SNAPSHOT_DEMO), so the pictures are the same on every run. Update
with `--snapshot-update` after a deliberate change and look at the SVGs first.
"""

from __future__ import annotations

import pytest

from tracetui.ui.app import TraceApp

from pilot_steps import settle
from support.sandboxed import requires_sandbox

SIZES = [(80, 24), (120, 40), (160, 48)]
CLAUDE = "7d3c1a52"


async def _settle(pilot, rounds: int = 3) -> None:
    await settle(pilot.app, pilot, rounds)


async def _claude_open(pilot, *keys: str) -> None:
    await _settle(pilot)
    await pilot.press("end", "enter")
    await _settle(pilot)
    for key in keys:
        await pilot.press(key)
    await _settle(pilot, 2)


@pytest.fixture(scope="module")
def capsule(snapshot_demo):
    """The demo's Claude session sealed into the fixed demo folder (same bytes every run)."""
    from tracetui.cli import main

    demo, _ = snapshot_demo
    out = demo.root / "claude-at-sizes.capsule"
    if not out.exists():
        assert main(["--bucket", str(demo.bucket), "seal", CLAUDE, "--accept-suggested", "-o", str(out)]) == 0
    return demo, out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_browser(snapshot_demo, snap_compare, size):
    _, library = snapshot_demo

    async def run(pilot):
        await _claude_open(pilot, *["down"] * 4)

    assert snap_compare(TraceApp(library), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_redaction_editor(snapshot_demo, snap_compare, size):
    _, library = snapshot_demo

    async def run(pilot):
        await _claude_open(pilot, "r")
        await _settle(pilot)

    assert snap_compare(TraceApp(library), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_seal_dialog(snapshot_demo, snap_compare, size):
    demo, library = snapshot_demo

    async def run(pilot):
        await _claude_open(pilot, "s")
        await _settle(pilot)
        field = pilot.app.screen.query_one("#seal-out")
        field.value = str(demo.root / "episode.capsule")
        field.cursor_blink = False
        field.cursor_position = len(field.value)
        await pilot.pause()

    assert snap_compare(TraceApp(library), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@requires_sandbox
def test_replay_screen(capsule, snap_compare, size):
    from tracetui.capsule import open_capsule

    demo, path = capsule

    async def run(pilot):
        await _settle(pilot)
        await pilot.press("y")
        await _settle(pilot)
        field = pilot.app.screen.query_one("#replay-repo")
        field.value = str(demo.repo)
        field.cursor_blink = False  # a blinking cursor would make the picture differ from run to run
        field.cursor_position = len(field.value)  # not where the default (the working folder) left it
        await pilot.pause()

    assert snap_compare(TraceApp(open_capsule(path)), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review_screen(tmp_path, snap_compare, size):
    """The review across sessions: one row per value, its masked hint, where it first is. A demo of
    its own (the review shows no path), so no decision another test made can change the picture."""
    from tracetui.demo.build import build, open_library

    library = open_library(build(tmp_path / "demo"))

    async def run(pilot):
        await _settle(pilot)
        await pilot.press("R")
        await _settle(pilot, 4)

    assert snap_compare(TraceApp(library), run_before=run, terminal_size=size)
