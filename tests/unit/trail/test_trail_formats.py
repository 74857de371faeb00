"""The trail on hand-made logs in each agent's real format, read by the real readers.

Each agent edits the same four files of a real repository; then the work is committed, reverted,
discarded or left in the work tree, and every patch's state is asserted.
"""

from __future__ import annotations


import pytest
from support.trail_logs import (
    claude_log,
    codex_log,
    fates_after_history,
    pi_log,
    body_repo,
    rich_history,
    EXPECTED,
)

from tracetui.sources import SessionFiles, read_session
from tracetui.trail import trail


@pytest.mark.parametrize(
    ("agent", "make"), [("claude", claude_log), ("codex", codex_log), ("pi", pi_log)]
)
def test_each_agents_log_gives_the_same_trail(tmp_path, agent, make):
    repo = body_repo(tmp_path)
    log = make(repo, tmp_path / "logs")
    assert fates_after_history(repo, log, agent) == EXPECTED


def test_codex_hunks_without_numbers_get_real_ones(tmp_path):
    repo = body_repo(tmp_path)
    log = codex_log(repo, tmp_path / "logs")
    session = read_session(SessionFiles("codex", log))
    result = trail(session)
    first = result.fates[0].patch
    assert [(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in first.hunks] == [(4, 2, 4, 3)]


@pytest.mark.parametrize(
    ("agent", "make"), [("claude", claude_log), ("codex", codex_log), ("pi", pi_log)]
)
def test_every_scenario_in_each_agents_format(tmp_path, agent, make):
    result, accepted, on_branch = rich_history(tmp_path, make, agent)
    got = {f.patch.path: (f.state, f.commit, f.judged_at, f.path_now) for f in result.fates}
    assert got == {
        "keep.py": ("alive", accepted, None, None),
        "later.py": ("transformed", accepted, None, None),
        "revert.py": ("reverted", accepted, None, None),
        "lost.py": ("lost", None, None, None),
        "wip.py": ("uncommitted", None, None, None),
        "branch.py": ("alive", on_branch, "refs/heads/feature", None),
        "rename.py": ("alive", accepted, None, "renamed.py"),
        "delete.py": ("alive", accepted, None, None),
        "space.py": ("alive", accepted, None, None),
        "d.py": ("uncommitted", None, None, None),
    }
    deletion = [f for f in result.fates if f.patch.path == "delete.py"][0]
    assert (deletion.patch.added, deletion.patch.removed, deletion.kept) == ([], ["value_4 = 4", "value_5 = 5"], 2)
