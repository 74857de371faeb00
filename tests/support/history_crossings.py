"""Classes of history none of the other modules hold: the agent's commit carried to another branch by
`git am` or `git apply -3`, a merge conflict resolved with the other side over the agent's lines, a
`git revert -m 1` of the merge that brought the agent's work, a file split into three with the agent's
block in the middle one, a move into a new folder that edits the agent's line, a human typing the
agent's deleted lines back, line-ending and tab/space churn, a generated file regenerated without the
agent's edit, and shell steps writing with `tee` and `printf` (owned) or `>>` (not). Each answer was
written by hand before the class was run; they are told with history_more.py's `Story`."""

from __future__ import annotations

from pathlib import Path

from support.history_kit import BLOCK, FUNC, Case
from support.history_more import Story, story
from support.trail_kit import iso, shell_steps, with_shell_steps


def _carried(tmp_path: Path, how: str) -> Case:
    """The agent's commit on a branch `work`, carried to main (where a human changed b.py meanwhile) by
    `how`, and the branch deleted: main's new commit is the only one holding the agent's lines."""
    s = story(tmp_path, "a.py", "b.py")
    s.repo.git("switch", "-q", "-c", "work")
    s.agent("a.py").commit("c1", "agent", iso(10, 30))
    s.repo.git("switch", "-q", "main")
    s.repo.write("b.py", s.repo.read("b.py") + "more b.py by hand\n")
    s.commit("h1", "human", iso(10, 40))
    if how == "am":
        patch = s.repo.path.parent / "agent.patch"
        patch.write_text(s.repo.git("format-patch", "-1", "--stdout", "work") + "\n")
        s.repo.git("am", "-q", str(patch), when=iso(11))
    else:
        (s.repo.path.parent / "agent.diff").write_text(s.repo.git("diff", "work~1", "work") + "\n")
        s.repo.git("apply", "-3", str(s.repo.path.parent / "agent.diff"), when=iso(11))
        s.repo.git("commit", "-q", "-m", "applied by hand", when=iso(11))
    s.repo.git("branch", "-q", "-D", "work")
    s.commits["cA"] = s.repo.head()
    return s.case(
        [("s0", "alive", "cA", None)],
        [("a.py", "def added_by_agent():", "s0"), ("b.py", "more b.py by hand", None)],
    )


def applied_by_git_am(tmp_path):
    """`git format-patch` of the agent's commit, `git am` on main: the agent's lines reached main in the
    commit `am` made (the agent's own commit is on no branch any more)."""
    return _carried(tmp_path, "am")


def applied_by_git_apply_3way(tmp_path):
    """The agent's diff, `git apply -3` on main and committed by a human: the same, in that commit."""
    return _carried(tmp_path, "apply")


def conflict_resolved_with_theirs(tmp_path):
    """The agent (branch `agent`) wrote after line 5 and committed; a human (branch `human`) rewrote line
    6. The human's branch merged into the agent's, the conflict taken from it (`-X theirs`): the lines
    reached c1 and the merge dropped them: reverted, accepted by c1; the line is the human's."""
    s = story(tmp_path, "a.py")
    s.repo.git("switch", "-q", "-c", "agent")
    s.agent("a.py").commit("c1", "agent", iso(10, 30))
    s.repo.git("switch", "-q", "-c", "human", "main")
    s.repo.write("a.py", s.repo.read("a.py").replace("line 6 of a.py\n", "HUMAN_SIX = 6\n"))
    s.commit("h1", "human", iso(10, 40))
    s.repo.git("switch", "-q", "agent")
    s.repo.git("merge", "-q", "-X", "theirs", "-m", "merge main's work", "human", when=iso(11))
    assert "added_by_agent" not in s.repo.read("a.py")
    return s.case([("s0", "reverted", "c1", None)], [("a.py", "HUMAN_SIX = 6", None)])


def merge_reverted_with_m1(tmp_path):
    """The agent's branch merged into main (`--no-ff`), then `git revert -m 1` of that merge: the lines
    reached main through the merge and were taken out: reverted, accepted by c1 (the merge's second
    parent, the commit that first held them)."""
    s = story(tmp_path, "a.py")
    s.repo.git("switch", "-q", "-c", "agent")
    s.agent("a.py").commit("c1", "agent", iso(10, 30))
    s.repo.git("switch", "-q", "main")
    s.repo.git("merge", "-q", "--no-ff", "-m", "merge agent", "agent", when=iso(11))
    s.repo.git("revert", "--no-edit", "-m", "1", "HEAD", when=iso(12))
    s.repo.git("branch", "-q", "-D", "agent")
    return s.case([("s0", "reverted", "c1", None)], [("a.py", "line 5 of a.py", None)])


def split_into_three_middle(tmp_path):
    """The agent wrote a helper into the middle of a.py; a human split a.py into head.py, mid.py and
    tail.py (a.py deleted), the helper in mid.py: alive there."""
    s = story(tmp_path, "a.py").agent("a.py", text=BLOCK).commit("c1", "agent", iso(10, 30))
    text = s.repo.read("a.py")
    one, two = text.index("line 4 of a.py"), text.index("line 7 of a.py")
    for name, part in (("head.py", text[:one]), ("mid.py", text[one:two]), ("tail.py", text[two:])):
        s.repo.write(name, part)
    s.repo.git("rm", "-q", "a.py")
    s.commit("c2", "split a.py in three", iso(11))
    return s.case(
        [("s0", "alive", "c1", "mid.py")],
        [("mid.py", "def moved_helper(items):", "s0"), ("tail.py", "line 7 of a.py", None)],
    )


def moved_into_new_folder_agent_line_edited(tmp_path):
    """`git mv a.py pkg/core/a.py` (folders new) in a commit that also edits the agent's second line:
    transformed, living on in pkg/core/a.py, its first line still the agent's."""
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    s.repo.path.joinpath("pkg", "core").mkdir(parents=True)
    s.repo.git("mv", "a.py", "pkg/core/a.py")
    moved = s.repo.read("pkg/core/a.py").replace("alpha, beta, gamma", "alpha, beta, gamma, delta")
    s.repo.write("pkg/core/a.py", moved)
    s.commit("c2", "move into pkg/core, edited", iso(11))
    return s.case(
        [("s0", "transformed", "c1", "pkg/core/a.py")], [("pkg/core/a.py", "def added_by_agent():", "s0")]
    )


def retyped_by_human(tmp_path):
    """The agent's function committed (c1), deleted by a human (c2), and typed back identically by a
    human (c3). Neither git nor the log tells typing the text again from restoring it (revert_of_revert
    is the same history but for the message): the text at the reference is the agent's, alive, accepted
    by c1, and blame gives it to the step. docs/internals/blame.md says so."""
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    s.repo.write("a.py", s.repo.read("a.py").replace(FUNC, ""))
    s.commit("c2", "remove it", iso(11))
    s.repo.write("a.py", s.repo.read("a.py").replace("line 5 of a.py\n", "line 5 of a.py\n" + FUNC))
    s.commit("c3", "add it back, typed", iso(12))
    return s.case([("s0", "alive", "c1", None)], [("a.py", "def added_by_agent():", "s0")])


def _churned(s: Story, name: str, there, back) -> Story:
    """Two commits: `there` applied to the file's text, then `back`."""
    s.repo.write(name, there(s.repo.read(name)))
    s.commit("c2", "churn", iso(11))
    s.repo.write(name, back(s.repo.read(name)))
    return s.commit("c3", "churn back", iso(12))


def tab_space_churn(tmp_path):
    """The agent's indented line re-indented with a tab, then with spaces again: whitespace only, the
    lines are the agent's as written (alive, c1)."""
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    _churned(s, "a.py", lambda t: t.replace("    ", "\t"), lambda t: t.replace("\t", "  "))
    line = "  return compute_the_answer(alpha, beta, gamma)"
    return s.case([("s0", "alive", "c1", None)], [("a.py", line, "s0")])


def line_ending_churn(tmp_path):
    """The file turned to CRLF, then back to LF: line endings only, the agent's lines alive, c1."""
    s = story(tmp_path, "a.txt").agent("a.txt").commit("c1", "agent", iso(10, 30))
    _churned(s, "a.txt", lambda t: t.replace("\n", "\r\n"), lambda t: t.replace("\r\n", "\n"))
    return s.case([("s0", "alive", "c1", None)], [("a.txt", "def added_by_agent():", "s0")])


def generated_regenerated_without_agent_edit(tmp_path):
    """The agent edited a generated file by hand (committed), and the generator ran again from its own
    source, writing every entry anew and not the agent's function: reverted, accepted by c1."""
    s = story(tmp_path, "gen.py").agent("gen.py").commit("c1", "agent", iso(10, 30))
    s.repo.write("gen.py", "# generated by tool 2.0: do not edit\n" + "".join(
        f"generated entry {i} of gen.py\n" for i in range(1, 11)))  # fmt: skip
    s.commit("c2", "regenerate", iso(11))
    return s.case([("s0", "reverted", "c1", None)], [("gen.py", "generated entry 2 of gen.py", None)])


def _shell_written(tmp_path: Path, command: str, name: str, written: str, owned: bool) -> Case:
    """The agent's edit of a.py (s0) and a shell step (sh1) that wrote `written` into `name` with
    `command`, both committed in c1: the shell step owns the file's first line where the command's
    words hold the whole text it wrote (`owned`)."""
    s = story(tmp_path, "a.py", "log.txt").agent("a.py")
    target = s.repo.path / name
    target.write_text((target.read_text() if ">>" in command else "") + written)
    s.commit("c1", "agent", iso(10, 30))
    case = s.case([("s0", "alive", "c1", None)] + [("sh1", "alive", "c1", None)] * owned)
    with_shell_steps(case.sessions[0], 0, shell_steps("sh1", iso(10, 1), command, s.repo.path))
    line = written.splitlines()[0]
    shell = ("sess-1", "sh1") if owned else None
    case.blames = [("a.py", "def added_by_agent():", ("sess-1", "s0")), (name, line, shell)]
    return case


def shell_tee_heredoc(tmp_path):
    """`tee conf.py <<'EOF' >/dev/null`: the here-document is the file's text, the shell step's."""
    command = "tee conf.py <<'EOF' >/dev/null\nTEE_SETTING = 'written through tee'\nEOF"
    return _shell_written(tmp_path, command, "conf.py", "TEE_SETTING = 'written through tee'\n", owned=True)


def shell_printf_lines(tmp_path):
    """`printf '%s\\n' A B > conf.py`: one line per word, the shell step's."""
    command = "printf '%s\\n' 'PRINTF_SETTING = 1' 'PRINTF_OTHER = 2' > conf.py"
    return _shell_written(tmp_path, command, "conf.py", "PRINTF_SETTING = 1\nPRINTF_OTHER = 2\n", owned=True)


def shell_append_unowned(tmp_path):
    """`cat >> log.txt <<'EOF'`: an append, whose file's whole text the log does not hold: no row for
    the shell step, and the line is no step's (a human's, as far as blame can tell)."""
    command = "cat >> log.txt <<'EOF'\nAPPENDED_BY_THE_SHELL = True\nEOF"
    return _shell_written(tmp_path, command, "log.txt", "APPENDED_BY_THE_SHELL = True\n", owned=False)


CLASSES = (
    "applied_by_git_am",
    "applied_by_git_apply_3way",
    "conflict_resolved_with_theirs",
    "merge_reverted_with_m1",
    "split_into_three_middle",
    "moved_into_new_folder_agent_line_edited",
    "retyped_by_human",
    "tab_space_churn",
    "line_ending_churn",
    "generated_regenerated_without_agent_edit",
    "shell_tee_heredoc",
    "shell_printf_lines",
    "shell_append_unowned",
)
