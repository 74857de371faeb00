"""Classes of history across branches and sessions: squash, rebase, cherry-pick, amend, merges, a reset,
steps undone by later steps, two sessions, shell writes; and `CASES`, every class by name (those of
history_files.py too)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from support import history_crossings, history_files, history_more, history_shapes
from support.history_kit import BODY, FUNC, Case, _add, _named, _start
from support.trail_kit import iso, replace, session_of, shell_steps, with_shell_steps


def squash_merge(tmp_path):
    repo = _start(tmp_path, "a.py")
    repo.git("switch", "-q", "-c", "topic")
    e = _add(repo, "a.py")
    repo.commit("agent", iso(10, 30))
    repo.git("switch", "-q", "main")
    repo.git("merge", "-q", "--squash", "topic", when=iso(11))
    c1 = repo.commit("squashed", iso(11))
    repo.git("branch", "-q", "-D", "topic")
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("a.py", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


def rebase_onto_main(tmp_path):
    repo = _start(tmp_path, "a.py", "b.py")
    repo.git("switch", "-q", "-c", "work")
    e = _add(repo, "a.py")
    repo.commit("agent", iso(10, 30))
    repo.git("switch", "-q", "main")
    repo.write("b.py", repo.read("b.py") + "more by hand\n")
    repo.commit("main moves", iso(11))
    repo.git("switch", "-q", "work")
    repo.git("rebase", "-q", "main", when=iso(12))
    c1 = repo.head()
    repo.git("switch", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "work", when=iso(12))
    repo.git("branch", "-q", "-D", "work")
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("a.py", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


def cherry_pick(tmp_path):
    repo = _start(tmp_path, "a.py", "b.py")
    repo.git("switch", "-q", "-c", "feature")
    e = _add(repo, "a.py")
    repo.commit("agent", iso(10, 30))
    repo.git("switch", "-q", "main")
    repo.write("b.py", repo.read("b.py") + "more by hand\n")
    repo.commit("main moves", iso(11))
    repo.git("cherry-pick", "feature", when=iso(12))
    c1 = repo.head()
    repo.git("branch", "-q", "-D", "feature")
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("a.py", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


def cherry_pick_branch_kept(tmp_path):
    """The branch the agent committed on is still there: the patch's commit is its first, there (as
    test_trail_survival's cherry-pick holds), judged where the reference took it."""
    repo = _start(tmp_path, "a.py", "b.py")
    repo.git("switch", "-q", "-c", "feature")
    e = _add(repo, "a.py")
    c1 = repo.commit("agent", iso(10, 30))
    repo.git("switch", "-q", "main")
    repo.write("b.py", repo.read("b.py") + "more by hand\n")
    repo.commit("main moves", iso(11))
    repo.git("cherry-pick", "feature", when=iso(12))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("a.py", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


def amend(tmp_path):
    repo = _start(tmp_path, "a.py")
    e = _add(repo, "a.py")
    repo.commit("agent", iso(10, 30))
    repo.write("a.py", repo.read("a.py").replace("line 9 of a.py", "line 9, amended in"))
    repo.git("commit", "-q", "-a", "--amend", "-m", "agent, amended", when=iso(10, 45))
    c1 = repo.head()
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("a.py", "def added_by_agent():", ("sess-1", "s0")), ("a.py", "line 9, amended in", None)],
        {"c1": c1},
    )


def reset_dropped(tmp_path):
    """The agent's commit was thrown away by `git reset --hard`: no branch holds it."""
    repo = _start(tmp_path, "a.py")
    e = _add(repo, "a.py")
    repo.commit("agent", iso(10, 30))
    repo.git("reset", "-q", "--hard", "HEAD~1", when=iso(11))
    repo.write("a.py", repo.read("a.py").replace("line 9 of a.py", "line 9, later"))
    repo.commit("later", iso(12))
    return Case(repo, [session_of(repo.path, [(iso(10), e)])], [("sess-1", "s0", "lost", None, None)], [])


def true_merge(tmp_path):
    repo = _start(tmp_path, "a.py", "b.py")
    repo.git("switch", "-q", "-c", "topic")
    e = _add(repo, "a.py")
    c1 = repo.commit("agent", iso(10, 30))
    repo.git("switch", "-q", "main")
    repo.write("b.py", repo.read("b.py") + "more by hand\n")
    repo.commit("main moves", iso(11))
    repo.git("merge", "-q", "--no-ff", "-m", "merge topic", "topic", when=iso(12))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("a.py", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


HALF = (
    "AGENT_FIRST = 'the first of four agent lines'\nAGENT_SECOND = 'the second of four agent lines'\n"
    "AGENT_THIRD = 'the third of four agent lines'\nAGENT_FOURTH = 'the fourth of four agent lines'\n"
)


def merge_keeps_half(tmp_path):
    repo = _start(tmp_path, "a.py")
    repo.git("switch", "-q", "-c", "topic")
    e = _add(repo, "a.py", text=HALF)
    c1 = repo.commit("agent", iso(10, 30))
    repo.git("switch", "-q", "main")
    repo.write(
        "a.py", repo.read("a.py").replace("line 5 of a.py\n", "line 5 of a.py\nMAIN_SIDE = 'from main'\n")
    )
    repo.commit("main side", iso(11))
    merged = subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.invalid", "merge", "-q", "topic"],
        cwd=repo.path,
        capture_output=True,
        text=True,
    )
    assert merged.returncode != 0, "the merge must conflict"
    kept = "\n".join(HALF.splitlines()[:2]) + "\n"
    repo.write(
        "a.py",
        BODY.format(name="a.py").replace(
            "line 5 of a.py\n", "line 5 of a.py\nMAIN_SIDE = 'from main'\n" + kept
        ),
    )
    repo.git("add", "a.py", when=iso(12))
    repo.git("commit", "-q", "--no-edit", when=iso(12))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "transformed", "c1", None)],
        [("a.py", "AGENT_FIRST = 'the first of four agent lines'", ("sess-1", "s0"))],
        {"c1": c1},
    )


def reverted_by_later_step_committed(tmp_path):
    repo = _start(tmp_path, "a.py")
    e0 = _add(repo, "a.py")
    c1 = repo.commit("agent", iso(10, 30))
    e1 = replace(repo, "a.py", FUNC, "")
    c2 = repo.commit("agent undoes", iso(11, 30))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e0), (iso(11), e1)])],
        [("sess-1", "s0", "reverted", "c1", None), ("sess-1", "s1", "alive", "c2", None)],
        [],
        {"c1": c1, "c2": c2},
    )


def reverted_by_later_step_uncommitted(tmp_path):
    repo = _start(tmp_path, "a.py")
    e0 = _add(repo, "a.py")
    e1 = replace(repo, "a.py", FUNC, "")
    repo.write("a.py", repo.read("a.py").replace("line 9 of a.py", "line 9 of a.py, touched"))
    c1 = repo.commit("later", iso(11, 30))
    # the deletion of lines no commit held is alive while they stay deleted (the design's rule for one)
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e0), (iso(11), e1)])],
        [("sess-1", "s0", "lost", None, None), ("sess-1", "s1", "alive", "c1", None)],
        [("a.py", "line 5 of a.py", None)],
        {"c1": c1},
    )


def two_sessions(tmp_path):
    repo = _start(tmp_path, "a.py")
    ea = _add(repo, "a.py")
    c1 = repo.commit("first agent", iso(10, 30))
    eb = _add(repo, "a.py", after=8, text="SECOND_SESSION_SETTING = 'written by the second session'\n")
    eb2 = replace(repo, "a.py", "alpha, beta, gamma", "alpha, beta, gamma, the_second_sessions_delta")
    c2 = repo.commit("second agent", iso(11, 30))
    first = _named(session_of(repo.path, [(iso(10), ea)]), "sess-a")
    second = _named(session_of(repo.path, [(iso(11), eb), (iso(11, 1), eb2)]), "sess-b")
    return Case(
        repo,
        [first, second],
        [
            ("sess-a", "s0", "transformed", "c1", None),
            ("sess-b", "s0", "alive", "c2", None),
            ("sess-b", "s1", "alive", "c2", None),
        ],
        [
            ("a.py", "def added_by_agent():", ("sess-a", "s0")),
            ("a.py", "SECOND_SESSION_SETTING = 'written by the second session'", ("sess-b", "s0")),
            (
                "a.py",
                "    return compute_the_answer(alpha, beta, gamma, the_second_sessions_delta)",
                ("sess-b", "s1"),
            ),
        ],
        {"c1": c1, "c2": c2},
    )


HEREDOC_TEXT = "NOTES_FROM_A_HEREDOC = 'written by cat in a shell'\nSECOND_HEREDOC_LINE = 42\n"


def shell_heredoc(tmp_path):
    repo = _start(tmp_path, "a.py")
    e = _add(repo, "a.py")
    (repo.path / "notes.py").write_text(HEREDOC_TEXT)
    c1 = repo.commit("agent", iso(10, 30))
    session = session_of(repo.path, [(iso(10), e)])
    command = f"cat > notes.py <<'EOF'\n{HEREDOC_TEXT}EOF"
    session = with_shell_steps(session, 0, shell_steps("sh1", iso(10, 5), command, repo.path))
    return Case(
        repo,
        [session],
        [("sess-1", "s0", "alive", "c1", None), ("sess-1", "sh1", "alive", "c1", None)],
        [("notes.py", "NOTES_FROM_A_HEREDOC = 'written by cat in a shell'", ("sess-1", "sh1"))],
        {"c1": c1},
    )


def shell_sed_after_edit(tmp_path):
    """`sed -i` rewrote the agent's line before the commit: the edit tool's patch reached git edited
    (`transformed`, as test_trail_shell_writes holds for a Codex log); its other line is still its own."""
    repo = _start(tmp_path, "a.py")
    e = _add(repo, "a.py")
    repo.write("a.py", repo.read("a.py").replace("gamma)", "gamma, sed_added)"))
    c1 = repo.commit("agent", iso(10, 30))
    session = session_of(repo.path, [(iso(10), e)])
    session = with_shell_steps(
        session, 0, shell_steps("sh1", iso(10, 5), "sed -i 's/gamma)/gamma, sed_added)/' a.py", repo.path)
    )
    return Case(
        repo,
        [session],
        [("sess-1", "s0", "transformed", "c1", None)],
        [("a.py", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


CASES: dict[str, Callable[[Path], Case]] = {
    **{name: getattr(history_files, name) for name in history_files.CLASSES},
    **{name: getattr(history_shapes, name) for name in history_shapes.CLASSES},
    **{name: getattr(history_more, name) for name in history_more.CLASSES},
    **{name: getattr(history_crossings, name) for name in history_crossings.CLASSES},
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
