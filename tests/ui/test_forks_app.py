"""A fork in the app: its title names the session it came from, the timeline shows where the copy
ends, and a key (browser.fork_parent) opens the parent at the fork point, offered only for a fork
whose parent the bucket holds (tests/fixtures/forks: a Pi /fork and a Codex fork, with their parents)."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from support.narrow import present

from tracetui.bucket import Bucket
from tracetui.library import MemoryLibrary
from tracetui.sources import RawLog
from tracetui.sources.pi import reader as pi
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen
from tracetui.ui.widgets.timeline import FORK_POINT, Timeline

from pilot_steps import open_by_id, settle

FORKS = Path(__file__).resolve().parents[1] / "fixtures" / "forks"
PI_PARENT = "aaaaaaaa-0000-4000-8000-00000000000a"
PI_FORK = "bbbbbbbb-0000-4000-8000-00000000000b"
CODEX_PARENT = "0199cccc-1111-7222-8333-00000000000c"
CODEX_FORK = "0199dddd-1111-7222-8333-00000000000d"
SIZE = (160, 45)


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    """The forks and their parents synced once for the module (the tests take a copy each)."""
    root = tmp_path_factory.mktemp("forks")
    src = root / "src"
    for agent, pattern in (("pi", "2026-*.jsonl"), ("codex", "rollout-*.jsonl")):
        (src / agent).mkdir(parents=True)
        for path in FORKS.glob(pattern):
            shutil.copy(path, src / agent)
    with Bucket.open(root / "bucket") as b:
        b.sync(sources={"pi": [src / "pi"], "codex": [src / "codex"]})
    return root / "bucket"


@pytest.fixture
def bucket(synced, tmp_path):
    b = Bucket.open(shutil.copytree(synced, tmp_path / "bucket"))
    yield b
    b.close()


def _title(screen: BrowserScreen) -> str:
    return str(screen.query_one("#session-title").render())


def _marked(timeline: Timeline) -> list[int]:
    """The timeline rows that carry the fork-point mark."""
    return [r for r in range(timeline.count) if FORK_POINT in timeline.render_line(r).text]


def _offered(screen: BrowserScreen) -> bool:
    return any(b.binding.action == "fork_parent" for b in screen.active_bindings.values())


async def test_a_fork_s_title_copy_end_and_the_key_to_its_parent(bucket):
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_by_id(app, pilot, PI_FORK)
        assert "↱ fork of aaaaaaaa · " in _title(screen)
        timeline = screen.query_one(Timeline)
        assert _marked(timeline) == [3]  # the last of the four copied steps, and no other row
        assert timeline.step_index(3) == timeline.copy_end == 3
        copied = timeline.part_style("timeline--copied")
        for row in range(timeline.count):
            parts = timeline.render_row(row, 150, False)
            dim = any(style == copied for _, style in parts)
            assert dim == (row <= 3), row  # the copies are drawn dim, the fork's own steps are not
        assert _offered(screen)
        await pilot.press("F")
        await settle(app, pilot)
        # the parent, at the step the fork was made after
        assert screen.opened is not None and present(screen.opened).session.id == PI_PARENT
        assert present(screen.opened).session.steps[present(timeline.step_index())].id == "p0000004"
        assert "fork of" not in _title(screen)
        assert not _offered(screen)  # the parent is no fork: no key
        assert not any(FORK_POINT in timeline.render_line(r).text for r in range(timeline.count))

        screen = await open_by_id(app, pilot, CODEX_FORK)
        assert "↱ fork of 0199cccc · " in _title(screen)
        await pilot.press("F")
        await settle(app, pilot)
        assert screen.opened is not None and present(screen.opened).session.id == CODEX_PARENT
        assert present(screen.opened).session.steps[present(timeline.step_index())].id == "L8"  # its answer, copied last


async def test_a_fork_whose_parent_is_not_held_offers_no_key_and_its_title_is_plain_text():
    # A branched file naming a hostile path (the log's word) and a parent nobody has.
    lines = (FORKS / f"2026-03-01T11-00-00-000Z_{PI_FORK}.jsonl").read_bytes().splitlines(keepends=True)
    head = orjson.loads(lines[0])
    head["parentSession"] = "[b]evil[i]\x1b[2J\u202e\x9b31m"
    fork = pi.read(RawLog("f.jsonl", orjson.dumps(head) + b"\n" + b"".join(lines[1:])), [])
    assert fork.forked_from == head["parentSession"]
    app = TraceApp(MemoryLibrary([fork]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_by_id(app, pilot, PI_FORK)
        title = _title(screen)
        assert "fork of [b]evil[" in title  # shown, as text: never markup
        assert not any(c in title for c in "\x1b\u202e\x9b")
        assert not _offered(screen)
        await pilot.press("F")
        await settle(app, pilot)
        assert screen.opened is not None and present(screen.opened).session.id == PI_FORK


CLAUDE_PARENT = "eeeeeeee-0000-4000-8000-00000000000e"
CLAUDE_FORK = "ffffffff-0000-4000-8000-00000000000f"


@pytest.fixture
def claude_bucket(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(FORKS / "claude", src)
    b = Bucket.open(tmp_path / "bucket")
    b.sync(sources={"claude": [src]})
    yield b
    b.close()


async def test_a_claude_fork_s_key_opens_its_parent_at_the_step_its_last_copy_names(claude_bucket):
    # The fork's copies have uuids of their own: only the parent's uuid each copy names finds the point.
    app = TraceApp(claude_bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_by_id(app, pilot, CLAUDE_FORK)
        assert "↱ fork of eeeeeeee · " in _title(screen)
        timeline = screen.query_one(Timeline)
        assert _marked(timeline) == [3]
        assert timeline.copy_end == 3
        assert _offered(screen)
        await pilot.press("F")
        await settle(app, pilot)
        assert screen.opened is not None and present(screen.opened).session.id == CLAUDE_PARENT
        assert present(screen.opened).session.steps[present(timeline.step_index())].id == "p-04"
        assert not _offered(screen)


async def test_a_claude_fork_naming_a_hostile_parent_shows_it_as_plain_text():
    from tracetui.sources.claude import reader as claude_code

    path = FORKS / "claude" / "-home-dev-calc" / f"{CLAUDE_FORK}.jsonl"
    recs = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    for rec in recs:
        if "forkedFrom" in rec:
            rec["forkedFrom"]["sessionId"] = "[b]evil[i]/../..\x1b[2J\u202e\x9b31m"
    data = b"".join(orjson.dumps(r) + b"\n" for r in recs)
    fork = claude_code.read(RawLog(str(path), data), [])
    app = TraceApp(MemoryLibrary([fork]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_by_id(app, pilot, CLAUDE_FORK)
        title = _title(screen)
        assert "fork of " in title and not any(c in title for c in "\x1b\u202e\x9b")
        assert not _offered(screen)
        await pilot.press("F")
        await settle(app, pilot)
        assert screen.opened is not None and present(screen.opened).session.id == CLAUDE_FORK


async def test_a_fork_s_trail_pane_lists_its_own_patches_and_a_copy_s_diff_says_whose_it_is(bucket):
    # The Codex fork's copy of its parent's todo (step L7) was listed in its trail pane as its own.
    from tracetui.views.trail import PatchRow

    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen, trail = await _codex_fork_trail(app, pilot)
        session = present(screen.opened).session
        rows = [line for line in trail.lines if isinstance(line, PatchRow)]
        assert [r.step_id for r in rows] == ["L14"]
        text = " ".join(trail.plain_lines())  # the header wraps at the pane's width
        assert "1 patch: 1 unknown" in text, text
        assert "1 patch copied from the parent session is left out: the parent's trail judges it" in text
        # The copy's own diff is still there, with its step, saying whose work it is.
        copy = session.step("L7")
        assert copy is not None and "copied" in copy.meta
        diff = await _diff_of(app, pilot, screen, copy.index)
        assert "copied from the parent session, whose trail judges it" in " ".join(diff.split()), diff
        assert "+# Todo" in diff


async def test_an_orphan_fork_s_trail_pane_lists_its_copies_apart_with_their_verdicts(bucket):
    # Without the parent in the bucket nothing else judges the copy (blame credits its lines to the
    # fork): the pane lists it under a title of its own, with its verdict, and counts only the fork's.
    from tracetui.ui.widgets.trail_list import COPIED_TITLE
    from tracetui.views.trail import PatchRow

    bucket.remove(CODEX_PARENT)
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        screen, trail = await _codex_fork_trail(app, pilot)
        session = present(screen.opened).session
        rows = [line for line in trail.lines if isinstance(line, PatchRow)]
        assert [(r.step_id, r.copied) for r in rows] == [("L14", False), ("L7", True)]
        assert trail.lines.index(COPIED_TITLE) < trail.lines.index(rows[1])
        text = " ".join(trail.plain_lines())
        assert "1 patch: 1 unknown" in text, text  # the fork's own patch alone is counted
        assert "which is not in the bucket: judged here, listed last, not counted" in text
        copy = session.step("L7")
        assert copy is not None
        diff = " ".join((await _diff_of(app, pilot, screen, copy.index)).split())
        assert "unknown" in diff and "which is not in the bucket: judged here, not counted" in diff, diff


async def _diff_of(app: TraceApp, pilot, screen: BrowserScreen, index: int) -> str:
    """The diff pane's text for the step of that index, moved to in the timeline."""
    from tracetui.ui.widgets.text_view import TextView

    timeline = screen.query_one(Timeline)
    timeline.focus()
    row = next(i for i in range(timeline.count) if timeline.step_index(i) == index)
    await pilot.press("home", *["j"] * row)
    await pilot.press("f")
    await settle(app, pilot, 1)
    return "\n".join(screen.query_one("#diff-view", TextView).plain_lines())


async def _codex_fork_trail(app: TraceApp, pilot):
    """The Codex fork opened and its trail pane shown: the screen and the pane."""
    from tracetui.ui.widgets.trail_list import TrailList

    screen = await open_by_id(app, pilot, CODEX_FORK)
    await pilot.press("t")
    await settle(app, pilot, 1)
    return screen, screen.query_one(TrailList)
