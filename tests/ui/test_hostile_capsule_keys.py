"""A stranger's capsule whose every string (step text, tool names and inputs, edited paths and
contents, the trail's paths and diffs) carries terminal controls and markup, browsed with the keys
that hand its text on: P (the pager gets it with its controls visible), E (the editor is never
given a path of the capsule's), Y (the copy shows its controls), B, and the replay screen stepping
through its patches on a checkout of ours. Nothing is drawn raw, no markup action runs."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
from support.narrow import present
from textual.widgets import Input

from pilot_steps import settle

from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.screens.replay import ReplayScreen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "capsule"))
from hostile import FORBIDDEN, assert_inert, hostile_text  # noqa: E402

SIZE = (160, 48)
# What the capsule's readers branch on or link by: kept, so the capsule still opens and its steps link.
KEEP = frozenset(
    {"kind", "role", "id", "parent", "tool_call_id", "timestamp", "op", "state", "step", "commit", "subagent"}
)


def _poison(value, text: str, key: str | None = None):
    if isinstance(value, str):
        return value if key in KEEP else value + text
    if isinstance(value, dict):
        return {k: _poison(v, text, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_poison(v, text, key) for v in value]
    return value


def _capsule(tmp_path: Path) -> tuple[Path, Path]:
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
    manifest["session"]["title"] = text
    trace = [_poison(orjson.loads(line), text) for line in members[mf.TRACE].splitlines()]
    trail = [_poison(orjson.loads(line), text) for line in members[mf.TRAIL].splitlines()]
    payload = {**members, mf.TRACE: mf.canonical_lines(trace), mf.TRAIL: mf.canonical_lines(trail)}
    payload = {k: v for k, v in payload.items() if k in mf.PAYLOAD}
    manifest["members"] = {k: mf.member_entry(v) for k, v in sorted(payload.items())}
    path = tmp_path / "hostile.capsule"
    path.write_bytes(write_archive({mf.MANIFEST: mf.canonical(manifest), **payload}))
    return path, repo


async def test_the_keys_that_hand_a_hostile_capsules_text_on_stay_inert(tmp_path, monkeypatch):
    from tracetui.capsule import open_capsule

    (tmp_path / "canary").mkdir()
    path, repo = _capsule(tmp_path)
    ran: list[tuple[list[str], bytes | None]] = []
    monkeypatch.setattr(BrowserScreen, "_run_outside", lambda self, cmd, stdin: ran.append((cmd, stdin)))
    app = TraceApp(open_capsule(path), repo=str(repo))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen) and screen.opened is not None
        assert all("\x1b" in (s.text or "") + (s.tool or "") for s in present(screen.opened).session.steps)
        for n in range(len(present(screen.opened).session.steps)):
            await pilot.press("2", "home", *(["down"] * n))
            await settle(app, pilot)
            for tab in ("detail", "ctx", "diff", "trail"):
                await app.run_action(f"screen.tab('{tab}')")
                await settle(app, pilot, 1)
                assert_inert(app.export_screenshot(), f"step {n}, pane {tab}")
            for key in ("P", "E", "Y", "B"):
                await pilot.press("2", key)
                await settle(app, pilot, 1)
                if isinstance(app.screen, BrowserScreen):
                    assert_inert(app.export_screenshot(), f"step {n} after {key}")
                else:  # blame: its own screen
                    assert_inert(app.export_screenshot(), f"step {n}, blame")
                    await pilot.press("escape")
                    await settle(app, pilot, 1)
            copied = app.clipboard
            assert not any(ch in copied for ch in FORBIDDEN), f"step {n}: {copied!r}"
        pages = [stdin for command, stdin in ran if stdin is not None]
        assert pages, "the pager was never asked"
        for page in pages:
            assert not any(ch.encode() in page for ch in FORBIDDEN)
        # The editor only ever gets a file of our repository (none here is the capsule's to name).
        for command, stdin in ran:
            if stdin is None:
                assert Path(command[-1].rsplit(":", 1)[0]).resolve().is_relative_to(repo.resolve()), command

        await pilot.press("y")
        await settle(app, pilot)
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        replay.query_one("#replay-repo", Input).value = str(repo)
        await pilot.click("#replay-start")
        await settle(app, pilot)
        assert replay.run is not None and replay.run.steps
        assert_inert(app.export_screenshot(), "the replay screen, started")
        await pilot.press("n")
        await settle(app, pilot)
        assert_inert(app.export_screenshot(), "the replay screen, one step")
        await pilot.press("A")
        await settle(app, pilot)
        assert_inert(app.export_screenshot(), "the replay screen, every step")
        await pilot.press("escape", "escape")
        await settle(app, pilot)
        assert app.is_running
    assert list((tmp_path / "canary").iterdir()) == [], "a markup action from the capsule ran"
