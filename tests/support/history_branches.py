"""Classes of history across branches and sessions: squash, rebase, cherry-pick, amend, merges, a reset,
steps undone by later steps, two sessions, shell writes; and `CASES`, every class by name (those of
history_files.py too). Told with history_more.py's `Story`, as the other modules' classes are."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from support import history_crossings, history_files, history_more, history_rewrites, history_shapes
from support.history_kit import BODY, FUNC, Case
from support.history_more import story
from support.trail_kit import iso, replace, shell_steps, with_shell_steps


def squash_merge(tmp_path):
    s = story(tmp_path, "a.py")
    s.repo.git("switch", "-q", "-c", "topic")
    s.agent("a.py").repo.commit("agent", iso(10, 30))
    s.repo.git("switch", "-q", "main")
    s.repo.git("merge", "-q", "--squash", "topic", when=iso(11))
    s.commit("c1", "squashed", iso(11))
    s.repo.git("branch", "-q", "-D", "topic")
    return s.case([("s0", "alive", "c1", None)], [("a.py", "def added_by_agent():", "s0")])


def rebase_onto_main(tmp_path):
    s = story(tmp_path, "a.py", "b.py")
    s.repo.git("switch", "-q", "-c", "work")
    s.agent("a.py").repo.commit("agent", iso(10, 30))
    s.repo.git("switch", "-q", "main")
    s.repo.write("b.py", s.repo.read("b.py") + "more by hand\n")
    s.repo.commit("main moves", iso(11))
    s.repo.git("switch", "-q", "work")
    s.repo.git("rebase", "-q", "main", when=iso(12))
    s.head("c1")
    s.repo.git("switch", "-q", "main")
    s.repo.git("merge", "-q", "--ff-only", "work", when=iso(12))
    s.repo.git("branch", "-q", "-D", "work")
    return s.case([("s0", "alive", "c1", None)], [("a.py", "def added_by_agent():", "s0")])


def _picked(tmp_path: Path, delete: bool) -> Case:
    """The agent's commit on `feature`, cherry-picked onto main after a human's commit there; the
    branch deleted or kept (`delete`). Kept, the patch's commit is its first, on the branch (as
    test_trail_survival's cherry-pick holds), judged where the reference took it; deleted, the pick."""
    s = story(tmp_path, "a.py", "b.py")
    s.repo.git("switch", "-q", "-c", "feature")
    s.agent("a.py")
    agent = s.repo.commit("agent", iso(10, 30))
    s.repo.git("switch", "-q", "main")
    s.repo.write("b.py", s.repo.read("b.py") + "more by hand\n")
    s.repo.commit("main moves", iso(11))
    s.repo.git("cherry-pick", "feature", when=iso(12))
    if delete:
        s.head("c1")
        s.repo.git("branch", "-q", "-D", "feature")
    else:
        s.commits["c1"] = agent
    return s.case([("s0", "alive", "c1", None)], [("a.py", "def added_by_agent():", "s0")])


def cherry_pick(tmp_path):
    return _picked(tmp_path, delete=True)


def cherry_pick_branch_kept(tmp_path):
    """The branch the agent committed on is still there: the patch's commit is its first, there (as
    test_trail_survival's cherry-pick holds), judged where the reference took it."""
    return _picked(tmp_path, delete=False)


def amend(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py")
    s.repo.commit("agent", iso(10, 30))
    s.repo.write("a.py", s.repo.read("a.py").replace("line 9 of a.py", "line 9, amended in"))
    s.repo.git("commit", "-q", "-a", "--amend", "-m", "agent, amended", when=iso(10, 45))
    s.head("c1")
    return s.case(
        [("s0", "alive", "c1", None)],
        [("a.py", "def added_by_agent():", "s0"), ("a.py", "line 9, amended in", None)],
    )


def reset_dropped(tmp_path):
    """The agent's commit was thrown away by `git reset --hard`: no branch holds it."""
    s = story(tmp_path, "a.py").agent("a.py")
    s.repo.commit("agent", iso(10, 30))
    s.repo.git("reset", "-q", "--hard", "HEAD~1", when=iso(11))
    s.repo.write("a.py", s.repo.read("a.py").replace("line 9 of a.py", "line 9, later"))
    s.repo.commit("later", iso(12))
    return s.case([("s0", "lost", None, None)])


def true_merge(tmp_path):
    s = story(tmp_path, "a.py", "b.py")
    s.agent_on_branch("topic")
    s.repo.git("merge", "-q", "--no-ff", "-m", "merge topic", "topic", when=iso(12))
    return s.case([("s0", "alive", "c1", None)], [("a.py", "def added_by_agent():", "s0")])


HALF = (
    "AGENT_FIRST = 'the first of four agent lines'\nAGENT_SECOND = 'the second of four agent lines'\n"
    "AGENT_THIRD = 'the third of four agent lines'\nAGENT_FOURTH = 'the fourth of four agent lines'\n"
)


def merge_keeps_half(tmp_path):
    s = story(tmp_path, "a.py")
    s.repo.git("switch", "-q", "-c", "topic")
    s.agent("a.py", text=HALF).commit("c1", "agent", iso(10, 30))
    s.repo.git("switch", "-q", "main")
    main_side = "line 5 of a.py\nMAIN_SIDE = 'from main'\n"
    s.repo.write("a.py", s.repo.read("a.py").replace("line 5 of a.py\n", main_side))
    s.repo.commit("main side", iso(11))
    merged = subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.invalid", "merge", "-q", "topic"],
        cwd=s.repo.path,
        capture_output=True,
        text=True,
    )
    assert merged.returncode != 0, "the merge must conflict"
    kept = "\n".join(HALF.splitlines()[:2]) + "\n"
    s.repo.write("a.py", BODY.format(name="a.py").replace("line 5 of a.py\n", main_side + kept))
    s.repo.git("add", "a.py", when=iso(12))
    s.repo.git("commit", "-q", "--no-edit", when=iso(12))
    return s.case(
        [("s0", "transformed", "c1", None)], [("a.py", "AGENT_FIRST = 'the first of four agent lines'", "s0")]
    )


def reverted_by_later_step_committed(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    s.step(replace(s.repo, "a.py", FUNC, ""), at=iso(11)).commit("c2", "agent undoes", iso(11, 30))
    return s.case([("s0", "reverted", "c1", None), ("s1", "alive", "c2", None)])


def reverted_by_later_step_uncommitted(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py")
    s.step(replace(s.repo, "a.py", FUNC, ""), at=iso(11))
    s.repo.write("a.py", s.repo.read("a.py").replace("line 9 of a.py", "line 9 of a.py, touched"))
    s.commit("c1", "later", iso(11, 30))
    # the deletion of lines no commit held is alive while they stay deleted (the design's rule for one)
    return s.case(
        [("s0", "lost", None, None), ("s1", "alive", "c1", None)], [("a.py", "line 5 of a.py", None)]
    )


SECOND = "SECOND_SESSION_SETTING = 'written by the second session'\n"


def two_sessions(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "first agent", iso(10, 30)).session("sess-a")
    s.agent("a.py", after=8, text=SECOND, at=iso(11))
    delta = "alpha, beta, gamma, the_second_sessions_delta"
    s.step(replace(s.repo, "a.py", "alpha, beta, gamma", delta), iso(11, 1))
    s.commit("c2", "second agent", iso(11, 30)).session("sess-b")
    return s.case(
        [
            ("sess-a", "s0", "transformed", "c1", None),
            ("sess-b", "s0", "alive", "c2", None),
            ("sess-b", "s1", "alive", "c2", None),
        ],
        [
            ("a.py", "def added_by_agent():", ("sess-a", "s0")),
            ("a.py", SECOND.rstrip("\n"), ("sess-b", "s0")),
            ("a.py", f"    return compute_the_answer({delta})", ("sess-b", "s1")),
        ],
    )


HEREDOC_TEXT = "NOTES_FROM_A_HEREDOC = 'written by cat in a shell'\nSECOND_HEREDOC_LINE = 42\n"


def shell_heredoc(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py")
    s.repo.write("notes.py", HEREDOC_TEXT)
    s.commit("c1", "agent", iso(10, 30))
    case = s.case(
        [("s0", "alive", "c1", None), ("sh1", "alive", "c1", None)],
        [("notes.py", "NOTES_FROM_A_HEREDOC = 'written by cat in a shell'", "sh1")],
    )
    command = f"cat > notes.py <<'EOF'\n{HEREDOC_TEXT}EOF"
    with_shell_steps(case.sessions[0], 0, shell_steps("sh1", iso(10, 5), command, s.repo.path))
    return case


def shell_sed_after_edit(tmp_path):
    """`sed -i` rewrote the agent's line before the commit: the edit tool's patch reached git edited
    (`transformed`, as test_trail_shell_writes holds for a Codex log); its other line is still its own."""
    s = story(tmp_path, "a.py").agent("a.py")
    s.repo.write("a.py", s.repo.read("a.py").replace("gamma)", "gamma, sed_added)"))
    s.commit("c1", "agent", iso(10, 30))
    case = s.case([("s0", "transformed", "c1", None)], [("a.py", "def added_by_agent():", "s0")])
    command = "sed -i 's/gamma)/gamma, sed_added)/' a.py"
    with_shell_steps(case.sessions[0], 0, shell_steps("sh1", iso(10, 5), command, s.repo.path))
    return case


CASES: dict[str, Callable[[Path], Case]] = {
    **{name: getattr(history_files, name) for name in history_files.CLASSES},
    **{name: getattr(history_shapes, name) for name in history_shapes.CLASSES},
    **{name: getattr(history_more, name) for name in history_more.CLASSES},
    **{name: getattr(history_crossings, name) for name in history_crossings.CLASSES},
    **{name: getattr(history_rewrites, name) for name in history_rewrites.CLASSES},
    **{
        f.__name__: f
        for f in (
            squash_merge,
            rebase_onto_main,
            cherry_pick,
            cherry_pick_branch_kept,
            amend,
            reset_dropped,
            true_merge,
            merge_keeps_half,
            reverted_by_later_step_committed,
            reverted_by_later_step_uncommitted,
            two_sessions,
            shell_heredoc,
            shell_sed_after_edit,
        )
    },
}
