"""A line an edit wrote, that a shell step's whole rewrite took out and a later whole write holds again
(`patches._cap_floors`, `shell_replay.typed_again`): the edit's own where the write typed its lines
back as a moved block (Init-'s aider_call.sh, L219); a twin of the shell step's where it is one short
line met again elsewhere (shell-ws's `return null;`, L499). docs/internals/trail.md, "Shell writes"."""

from __future__ import annotations

import pytest
from support.history_kit import BLOCK, BODY
from support.trail_kit import Repo, iso, replace, session_of, shell_steps, with_shell_steps

from tracetui.trail import trail

SHORT = "    return cached_value\n"
OTHER = "def other():\n    compute_the_other_thing(alpha)\n"


def _heredoc(name: str, text: str) -> str:
    return f"cat > {name} <<'EOF'\n{text}EOF"


@pytest.mark.parametrize(
    ("added", "written_back", "state"),
    [
        # the script rewritten without the block, then written back whole as it was, plus a line
        (BLOCK, lambda t: t + "EXTRA = 1\n", "alive"),
        # the one short line gone, and the same text typed again in another function
        (SHORT, lambda t: t.replace(SHORT, "") + OTHER + SHORT, "lost"),
    ],
    ids=["block_written_back", "short_line_typed_elsewhere"],
)
def test_a_line_a_shell_write_holds_again_is_the_edit_s_only_as_a_block(tmp_path, added, written_back, state):
    repo = Repo(tmp_path / "repo")
    repo.write("a.py", BODY.format(name="a.py"))
    repo.commit("initial", iso(9))
    edit = replace(repo, "a.py", "line 5 of a.py\n", "line 5 of a.py\n" + added)
    with_edit = repo.read("a.py")
    stub = BODY.format(name="a.py").replace("line 9 of a.py\n", "")
    final = written_back(with_edit)
    repo.write("a.py", final)
    repo.commit("agent", iso(10, 30))
    session = session_of(repo.path, [(iso(10), edit)])
    steps = shell_steps("sh1", iso(10, 5), _heredoc("a.py", stub), repo.path)
    steps += shell_steps("sh2", iso(10, 10), _heredoc("a.py", final), repo.path)
    with_shell_steps(session, 0, steps)
    fates = {f.patch.step_id: f.state for f in trail(session, repo=str(repo.path)).fates}
    assert fates["s0"] == state
