"""F (open the parent) on forks whose logs lie: two Codex rollouts that each name the other as their
parent (a cycle), one that names itself, one whose parent id is a prefix of a held session's. F goes
one step each press, lands inside the parent's steps, never loops, and offers no key where the log
names no whole held id but its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.narrow import present

from pilot_steps import open_by_id, settle

from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.timeline import Timeline

FORKS = Path(__file__).resolve().parents[1] / "fixtures" / "forks"
PARENT = "0199cccc-1111-7222-8333-00000000000c"
FORK = "0199dddd-1111-7222-8333-00000000000d"


def _bucket(tmp_path: Path, parent_names: str | None, fork_names: str) -> Bucket:
    src = tmp_path / "src"
    src.mkdir()
    for path in FORKS.glob("rollout-*.jsonl"):
        text = path.read_text()
        if FORK in path.name:
            text = text.replace(f'"forked_from_id":"{PARENT}"', f'"forked_from_id":"{fork_names}"', 1)
        elif parent_names is not None:
            text = text.replace(f'"id":"{PARENT}",', f'"id":"{PARENT}","forked_from_id":"{parent_names}",', 1)
        (src / path.name).write_text(text)
    b = Bucket.open(tmp_path / "b")
    b.sync({"codex": [src]})
    return b


def _offered(screen: BrowserScreen) -> bool:
    return any(b.binding.action == "fork_parent" for b in screen.active_bindings.values())


async def test_two_forks_naming_each_other_go_one_step_each_press(tmp_path):
    with _bucket(tmp_path, FORK, PARENT) as bucket:
        app = TraceApp(bucket)
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_by_id(app, pilot, FORK)
            timeline = screen.query_one(Timeline)
            for want in (PARENT, FORK, PARENT, FORK):
                assert _offered(screen)
                await pilot.press("F")
                await settle(app, pilot)
                assert screen.opened is not None and present(screen.opened).session.id == want
                assert 0 <= present(timeline.step_index()) < len(present(screen.opened).session.steps)
            assert app.is_running


@pytest.mark.parametrize("named", [FORK, "0199cccc", "0"])
async def test_a_fork_naming_itself_or_a_prefix_offers_no_key(tmp_path, named):
    with _bucket(tmp_path, None, named) as bucket:
        app = TraceApp(bucket)
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_by_id(app, pilot, FORK)
            assert not _offered(screen)
            await pilot.press("F")
            await settle(app, pilot)
            assert screen.opened is not None and present(screen.opened).session.id == FORK
            assert app.is_running
