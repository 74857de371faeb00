"""Write SVG screenshots of each main view into screenshots/, from `tracetui demo` data.

Run from the repository root: `.venv/bin/python scripts/screenshots.py`. The demo is built at a
fixed path so the paths shown in the images are the same every time.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

from textual.widgets import Input

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracetui.demo.build import build, open_library  # noqa: E402
from tracetui.ui.app import TraceApp  # noqa: E402

OUT = ROOT / "screenshots"
DEMO = Path("/tmp/tracetui-demo")
SIZE = (160, 44)

# file name -> (terminal size, theme, keys pressed after the Claude Code session is open or None)
VIEWS: dict[str, tuple[tuple[int, int], str, list[str] | None]] = {
    "sessions.svg": (SIZE, "tracetui-dark", None),
    "timeline.svg": (SIZE, "tracetui-dark", ["down"] * 4),
    "subagent-and-branches.svg": (SIZE, "tracetui-dark", ["down"] * 8 + ["enter", "b"]),
    "context.svg": (SIZE, "tracetui-dark", ["end", "c"]),
    "diff.svg": (SIZE, "tracetui-dark", ["down"] * 6 + ["f"]),
    "trail.svg": (SIZE, "tracetui-dark", ["t"]),
    "light.svg": (SIZE, "tracetui-light", ["down"] * 4),
    "ansi.svg": (SIZE, "tracetui-ansi", ["down"] * 4),
    "narrow.svg": ((80, 30), "tracetui-dark", []),
}


async def settle(app, pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
    await pilot.pause()


async def shoot(library, name: str, size: tuple[int, int], theme: str, keys: list[str] | None) -> None:
    app = TraceApp(library, theme=theme)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        if keys is not None:
            await pilot.press("end", "enter")
            await settle(app, pilot)
            for key in keys:
                await pilot.press(key)
            await settle(app, pilot, 2)
        app.clear_notifications()
        await pilot.pause()
        app.save_screenshot(filename=name, path=str(OUT))
    print(OUT / name)


async def shoot_seal(library, name: str = "seal.svg") -> None:
    """The seal dialog after sealing steps 2-8 (marked with m) into the demo folder."""
    app = TraceApp(library, theme="tracetui-dark")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("end", "enter")
        await settle(app, pilot)
        await pilot.press("down", "down", "m", *["down"] * 6, "m", "s")
        await settle(app, pilot)
        app.screen.query_one("#seal-out", Input).value = str(DEMO / "7d3c1a52-2-8.capsule")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.pause()
        app.save_screenshot(filename=name, path=str(OUT))
    print(OUT / name)


async def shoot_replay(demo, library, name: str = "replay.svg") -> None:
    """The whole Claude session sealed, opened, and replayed on the demo repository: two steps in."""
    from tracetui.capsule import bucket_secret, open_capsule, seal
    from tracetui.redact import PlanStore, refresh_plan

    session = library.session("7d3c1a52")
    plan = refresh_plan(session, PlanStore(library.plans_dir))
    path = DEMO / "claude.capsule"
    seal(session, plan, out=path, accept_suggested=True, secret=bucket_secret(library.root))
    app = TraceApp(open_capsule(path), theme="tracetui-dark")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        await pilot.pause()
        app.screen.query_one("#replay-repo", Input).value = str(demo.repo)
        await pilot.click("#replay-start")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        app.screen.query_one("#replay-check", Input).value = "grep -n 'def ' shop/cart.py"
        await pilot.click("#replay-run")
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.pause()
        app.save_screenshot(filename=name, path=str(OUT))
    print(OUT / name)


async def main() -> None:
    shutil.rmtree(DEMO, ignore_errors=True)
    demo = build(DEMO)
    library = open_library(demo)
    OUT.mkdir(exist_ok=True)
    for name, (size, theme, keys) in VIEWS.items():
        await shoot(library, name, size, theme, keys)
    await shoot_seal(library)
    await shoot_replay(demo, library)


if __name__ == "__main__":
    asyncio.run(main())
