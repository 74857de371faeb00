"""Fixtures for the UI tests: the demo built once, and an app factory with a fixed look."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.timer import Timer

from tracetui.demo.build import build, open_library

# Snapshots show absolute paths from the demo's logs, so the snapshot demo always lives here.
SNAPSHOT_DEMO = Path("/tmp/tracetui-snapshot-demo")


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    d = build(tmp_path_factory.mktemp("demo") / "demo")
    return d, open_library(d)


@pytest.fixture(scope="session")
def sealed_demo(tmp_path_factory):
    """The demo's Claude session sealed whole, and the demo (its repository holds the base commit)."""
    from tracetui.cli import main

    root = tmp_path_factory.mktemp("sealed")
    d = build(root / "demo")
    open_library(d)
    out = root / "claude.capsule"
    assert main(["--bucket", str(d.bucket), "seal", "7d3c1a52", "--accept-suggested", "-o", str(out)]) == 0
    return d, out


# Every test of the one fixed snapshot demo runs on one xdist worker (tests/conftest.py, `xdist_group_of`).


@pytest.fixture(scope="session")
def snapshot_demo():
    # Two test runs at once (a shared work tree) would rebuild the one fixed folder under each
    # other: the second waits for the first.
    import fcntl

    with open(f"{SNAPSHOT_DEMO}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(SNAPSHOT_DEMO, ignore_errors=True)
        d = build(SNAPSHOT_DEMO)
        yield d, open_library(d)


@pytest.fixture(autouse=True)
def _wait_on_the_app(request, monkeypatch):
    """Pilot's key presses and pauses wait until the app has handled what it was sent
    (`pilot_steps.handled`), not until the process's CPU looks idle; `settle` fires the app's
    pending short timers at once, unless the test is marked `real_delays` (its timers run on the
    clock). Textual is pinned: a rename of what is replaced here fails every UI test at once."""
    import textual.app
    import textual.pilot

    import pilot_steps

    monkeypatch.setattr(textual.app, "wait_for_idle", pilot_steps.until_handled)
    monkeypatch.setattr(textual.pilot, "wait_for_idle", pilot_steps.until_handled)
    monkeypatch.setattr(Timer, "_start", pilot_steps.stamped_start(Timer._start))
    monkeypatch.setattr(pilot_steps, "FIRE_EARLY", request.node.get_closest_marker("real_delays") is None)


@pytest.fixture(autouse=True)
def _no_user_themes(monkeypatch, tmp_path):
    # The user's own theme folder must not change what the tests see.
    monkeypatch.setattr("tracetui.ui.themes.user_dir", lambda: tmp_path / "no-user-themes")
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(autouse=True)
def _no_user_keymap(monkeypatch, tmp_path):
    # Nor may the user's own keymap.
    monkeypatch.setattr("tracetui.ui.actions.keymap_path", lambda: tmp_path / "no-keymap.toml")


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch, tmp_path):
    # A theme picked in a test is remembered in a folder of the test's, never the user's.
    monkeypatch.setattr("tracetui.settings.config_dir", lambda: tmp_path / "config")
    # Nor is a capsule sealed from the app written into the user's data folder.
    monkeypatch.setattr("tracetui.settings.capsules_dir", lambda: tmp_path / "capsules")


@pytest.fixture(scope="session")
def hostile_synced(tmp_path_factory):
    """The hostile logs synced once (the tests take a copy of the bucket each), and their canary."""
    import sys

    from tracetui.bucket import Bucket

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
    from hostile import hostile_logs

    root = tmp_path_factory.mktemp("hostile")
    canary = root / "canary"
    canary.mkdir()
    sources = hostile_logs(root / "src", canary)
    with Bucket.open(root / "b") as bucket:
        bucket.sync(sources)
    return root / "b", canary


@pytest.fixture
def hostile_bucket(hostile_synced, tmp_path):
    """A bucket synced from logs whose every string is hostile (tests/fixtures/hostile.py), and the
    canary folder nothing a log says may ever write into (one for every test: a write any test
    provokes fails it, and the tests after it)."""
    from tracetui.bucket import Bucket

    synced, canary = hostile_synced
    assert list(canary.iterdir()) == [], "a markup action from a log ran in an earlier test"
    bucket = Bucket.open(shutil.copytree(synced, tmp_path / "b"))
    yield bucket, canary
    bucket.close()
