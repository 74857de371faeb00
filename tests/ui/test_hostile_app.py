"""The app on hostile logs of every agent and on a hostile capsule: what it draws holds no control
byte, and no markup action runs (a click action that would write a screenshot into a canary folder
leaves it empty, and the app keeps running after `[/crash]`)."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

from pilot_steps import settle
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "capsule"))
from hostile import SESSIONS, assert_inert, hostile_text  # noqa: E402

SIZE = (160, 48)


@pytest.mark.parametrize("n", range(SESSIONS))
async def test_every_pane_and_palette_on_hostile_logs_stays_inert(hostile_bucket, n):
    # One session a test: the eight took two minutes on one xdist worker at the end of a run.
    bucket, canary = hostile_bucket
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        assert_inert(app.export_screenshot(), "the session list")
        await pilot.press("home", *(["down"] * n), "enter")
        await settle(app, pilot)
        assert screen.opened is not None
        for tab in ("detail", "ctx", "diff", "trail"):
            await app.run_action(f"screen.tab('{tab}')")
            await pilot.press("down", "down")
            await settle(app, pilot, 2)
            assert_inert(app.export_screenshot(), f"session {n}, pane {tab}")
        # The palettes that quote ids, titles, times and snippets from the logs.
        for action, query in (("jump_step", "evil"), ("search_steps", "evil"), ("command_palette", "evil")):
            await app.run_action(action)
            await settle(app, pilot, 1)
            await pilot.press(*query)
            await settle(app, pilot, 2)
            assert_inert(app.export_screenshot(), f"the {action} palette")
            await pilot.press("escape")
            await settle(app, pilot, 1)
        assert app.is_running
    assert list(canary.iterdir()) == [], "a markup action from a log ran"


def _hostile_capsule(tmp_path: Path) -> Path:
    import capsule_kit as kit

    from tracetui.capsule import manifest as mf
    from tracetui.capsule import seal
    from tracetui.capsule.archive import read_archive, write_archive

    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    out = tmp_path / "ok.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=out, secret=b"\x08" * 32)
    members = read_archive(out.read_bytes(), mf.ALLOWED)
    text = hostile_text(tmp_path / "canary")
    manifest = orjson.loads(members[mf.MANIFEST])
    manifest["agent"] = "claude" + text[:40]
    manifest["repo"]["base"] = manifest["repo"]["base"] + text
    manifest["session"]["title"] = text
    manifest["session"]["id"] = manifest["session"]["id"] + text
    records = [orjson.loads(line) for line in members[mf.TRACE].splitlines()]
    for r in records:
        r["text"] = (r.get("text") or "") + text
    trail = [orjson.loads(line) for line in members[mf.TRAIL].splitlines()]
    for r in trail:
        r["path"] = r["path"] + "\x1b]0;x\x07"
    payload = {**members, mf.TRACE: mf.canonical_lines(records), mf.TRAIL: mf.canonical_lines(trail)}
    payload = {k: v for k, v in payload.items() if k in mf.PAYLOAD}
    manifest["members"] = {k: mf.member_entry(v) for k, v in sorted(payload.items())}
    path = tmp_path / "hostile.capsule"
    path.write_bytes(write_archive({mf.MANIFEST: mf.canonical(manifest), **payload}))
    return path


async def test_a_hostile_capsule_in_the_app_and_its_replay_screen(tmp_path):
    from tracetui.capsule import open_capsule

    (tmp_path / "canary").mkdir()
    capsule = open_capsule(_hostile_capsule(tmp_path))
    app = TraceApp(capsule)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert_inert(app.export_screenshot(), "the capsule's session list")
        await pilot.press("enter")
        await settle(app, pilot)
        for tab in ("detail", "ctx", "diff", "trail"):
            await app.run_action(f"screen.tab('{tab}')")
            await settle(app, pilot, 2)
            assert_inert(app.export_screenshot(), f"the capsule's {tab} pane")
        await app.run_action("screen.replay")
        await settle(app, pilot)
        assert_inert(app.export_screenshot(), "the replay screen")
        assert app.is_running
    assert list((tmp_path / "canary").iterdir()) == []


def test_verify_and_replay_of_a_hostile_capsule_print_no_control_byte(tmp_path, capsys):
    from tracetui.cli import main

    path = _hostile_capsule(tmp_path)
    repo = tmp_path / "proj"
    for argv in (["capsule", "verify", str(path)], ["capsule", "verify", str(path), "--json"],
                 ["replay", str(path), "--repo", str(repo)], ["replay", str(path), "--repo", str(repo), "--json"]):  # fmt: skip
        main(argv)
        out, err = capsys.readouterr()
        assert_inert(out + err, " ".join(argv[:2]))
