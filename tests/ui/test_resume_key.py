"""The resume key (browser.resume, issue 39): on a step of a bucket's session it writes the session up
to that step as a new session of its agent, shows the command that continues it and copies it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.narrow import present

from tracetui.bucket import Bucket
from tracetui.sources import group, read_session
from tracetui.ui.app import TraceApp

from pilot_steps import open_by_id, settle
from support.small_bucket import synced_folder

FORKS = Path(__file__).resolve().parents[1] / "fixtures" / "forks"
CODEX_PARENT = "0199cccc-1111-7222-8333-00000000000c"


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("resume-key")
    (root / "src").mkdir()
    for path in FORKS.glob("rollout-*.jsonl"):
        shutil.copy(path, root / "src")
    with Bucket.open(root / "bucket") as b:
        b.sync(sources={"codex": [root / "src"]})
    return root / "bucket"


async def test_the_key_writes_the_session_up_to_the_step_and_copies_the_command(synced, tmp_path, monkeypatch):
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex"))
    bucket = Bucket.open(shutil.copytree(synced, tmp_path / "bucket"))
    try:
        app = TraceApp(bucket)
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_by_id(app, pilot, CODEX_PARENT)
            assert screen.opened is not None
            step = next(s for s in present(screen.opened).session.steps if s.kind == "tool_result")
            copied = await _resume_at(app, pilot, screen, step.id)
            assert copied.startswith("cd ") and " && codex resume " in copied, copied
            written = list((tmp_path / "codex" / "sessions").rglob("rollout-*.jsonl"))
            assert len(written) == 1 and copied.endswith(written[0].stem[-36:])
            back = read_session(group("codex", written)[0])
            assert back.forked_from == CODEX_PARENT
            assert [s.text for s in back.steps][-1] == step.text
    finally:
        bucket.close()


async def _resume_at(app, pilot, screen, step_id: str) -> str:
    """The resume key pressed on a step: what it copied."""
    screen.jump_to_step(step_id)
    await settle(app, pilot)
    await pilot.press("K")
    await settle(app, pilot)
    return app.clipboard


async def test_a_hostile_cwd_is_refused_in_one_plain_notice_and_nothing_is_written(tmp_path, monkeypatch):
    from tracetui.library import MemoryLibrary
    from tracetui.model import Session, Step

    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    cwd = "/home/dev/../../etc[b]x[/b]\x1b[2J"
    session = Session("abcd1234-0000-4000-8000-000000000001", "claude", "made-up.jsonl", cwd=cwd,
                      steps=[Step("u1", 0, "user", "user", "hello"), Step("a1", 1, "assistant", "assistant", "hi")])
    app = TraceApp(MemoryLibrary([session]))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_by_id(app, pilot, session.id)
        screen.jump_to_step("a1")
        await settle(app, pilot)
        await pilot.press("K")
        await settle(app, pilot)
        said = [n.message for n in app._notifications]
        assert any("not resumed" in m and "not a plain absolute path" in m for m in said), said
        assert not any("\x1b" in m for m in said)
        assert not (tmp_path / "claude").exists() and app.clipboard == ""


async def test_the_key_on_a_copilot_session_writes_a_copilot_session(tmp_path, monkeypatch):
    """Copilot CLI sessions are written too (rebuilt from their steps): the key copies
    `copilot --resume=NEW` and the new session's events read back to the step."""
    from shared_data import FIXTURES

    monkeypatch.setenv("COPILOT_HOME", str(tmp_path / "copilot-home"))
    source = FIXTURES / "copilot" / "session-state" / "3c4d5e6f-4444-4d4d-9e9e-112233445566"
    bucket = synced_folder("copilot", source, tmp_path)
    try:
        app = TraceApp(bucket)
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_by_id(app, pilot, source.name)
            step = next(s for s in present(screen.opened).session.steps
                        if s.kind == "tool_result" and s.subagent is None)
            copied = await _resume_at(app, pilot, screen, step.id)
            assert copied.startswith("cd ") and " && copilot --resume=" in copied, copied
            [written] = (tmp_path / "copilot-home" / "session-state").rglob("events.jsonl")
            assert copied.endswith(written.parent.name)
            back = read_session(group("copilot", [written])[0])
            assert back.errors == [] and back.skipped == {} and back.id == written.parent.name
            assert [s.text for s in back.steps][-1] == step.text
    finally:
        bucket.close()
