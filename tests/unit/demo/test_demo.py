"""`tracetui demo`: hand-made logs in each agent's real format, a repo whose history gives every state."""

from __future__ import annotations

import pytest

from tracetui.demo.build import build, memory_library, open_library
from tracetui.errors import TracetuiError
from tracetui.model import SessionFilter, StepKind


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build(tmp_path_factory.mktemp("d") / "demo")


def test_each_agent_log_reads_cleanly_with_its_real_reader(demo):
    library = memory_library(demo)
    rows = library.list_sessions()
    assert [r.agent for r in rows] == ["pi", "codex", "claude"]  # newest first
    for row in rows:
        session = library.session(row.id)
        assert session.errors == [] and session.skipped == {}, row.agent
        assert session.project == "demo-shop"
    claude = library.session(rows[2].id)
    assert len(claude.steps) == 29
    assert [a.agent_type for a in claude.subagents] == ["Explore"]
    assert sum(1 for s in claude.steps if not s.active) == 2  # the rewound coupon question and answer
    assert sum(1 for s in claude.steps if s.kind == StepKind.COMPACTION) == 1
    assert claude.edit_calls == 3
    pi = library.session(rows[0].id)
    assert sum(1 for s in pi.steps if not s.active) == 2
    assert [s.text for s in pi.steps if s.kind == StepKind.MODEL_CHANGE] == [
        "anthropic/claude-sonnet-4-5", "anthropic/claude-haiku-4-5"]
    codex = library.session(rows[1].id)
    assert [e.path for s in codex.steps for e in s.edits] == ["shop/tax.py", "shop/cart.py"]


def test_the_trail_shows_every_survival_state(demo):
    from tracetui.trail import trail

    library = memory_library(demo)
    states: dict[str, list[str]] = {}
    for row in library.list_sessions():
        for fate in trail(library.session(row.id), repo=str(demo.repo)).fates:
            states.setdefault(row.agent, []).append(fate.state)
    assert states == {
        "claude": ["alive", "transformed", "reverted"],
        "codex": ["alive", "lost"],
        "pi": ["uncommitted"],
    }


def test_the_bucket_indexes_all_three(tmp_path):
    d = build(tmp_path / "demo")
    library = open_library(d)
    assert library.count_sessions() == 3
    assert sorted(library.agents()) == ["claude", "codex", "pi"]
    assert library.count_sessions(SessionFilter(text="coupon")) == 1


def test_a_non_empty_folder_is_refused(tmp_path):
    (tmp_path / "x").write_text("keep me", encoding="utf-8")
    with pytest.raises(TracetuiError, match="is not empty"):
        build(tmp_path)
    assert (tmp_path / "x").read_text(encoding="utf-8") == "keep me"


def test_demo_build_only_cli(tmp_path, capsys):
    from tracetui.cli import main

    assert main(["demo", "--build-only", str(tmp_path / "d")]) == 0
    assert capsys.readouterr().out.strip() == str((tmp_path / "d").resolve())
    assert (tmp_path / "d" / "demo-shop" / ".git").is_dir()
    assert main(["demo", "--build-only", str(tmp_path / "d")]) == 1  # not empty any more


def test_a_killed_demo_leaves_nothing_the_next_one_keeps(tmp_path):
    import os
    import subprocess
    import sys

    from tracetui.demo.build import DEMO_PREFIX, sweep_stale_demos

    # A process that has ended (its pid is free now) and one that still runs.
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True)
    dead_pid = int(ended.stdout)
    gone = tmp_path / f"{DEMO_PREFIX}{dead_pid}-abc123"
    (gone / "demo").mkdir(parents=True)
    alive = tmp_path / f"{DEMO_PREFIX}{os.getpid()}-def456"
    alive.mkdir()
    unnamed = tmp_path / f"{DEMO_PREFIX}ghi789"  # older demos had no pid in the name: not ours to judge
    unnamed.mkdir()
    sweep_stale_demos(tmp_path)
    assert not gone.exists()
    assert alive.is_dir() and unnamed.is_dir()


def test_the_demo_has_secrets_to_review(demo):
    """Sure findings and suggestions of several kinds, so accepting, rejecting and marking can be tried."""
    from tracetui.redact import Identity, scan_session

    library = memory_library(demo)
    codex = library.session(next(r.id for r in library.list_sessions() if r.agent == "codex"))
    found = {(f.kind, f.tier) for f in scan_session(codex, Identity(), workers=0)}
    assert {("stripe-key", "auto"), ("url-password", "auto")} <= found
    assert {("email", "suggested"), ("card-number", "suggested"), ("street-address", "suggested")} <= found
