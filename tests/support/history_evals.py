"""Classes of history the evals' labels can be wrong on (tests/unit/evals/test_evals_history_classes.py):
each a hand-made repository and session with its labels written by hand before it was run: the added
lines by the fate git gave them at the reference, and the exit status of the last test run.

Every agent edit adds FUNC (two lines) or TWO (two other lines); a human's commit is one the session
never logged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from support.history_kit import FUNC, _add, _start
from support.trail_kit import Repo, iso, replace, session_of, shell_steps, with_shell_steps
from tracetui.model import Session

TWO = "SECOND_STEP_SETTING = 'written by the agent later'\nSECOND_STEP_LIMIT = 4096\n"


@dataclass
class EvalCase:
    repo: Repo
    session: Session
    # alive, transformed, reverted, lost, undecided (added lines) and the last test run's exit status
    lines: tuple[int, int, int, int, int]
    tests_last_exit: int | None


def _tested(session: Session, after: int, runs: list[tuple[str, str, int]]) -> Session:
    """The session with shell test runs (id, time, exit status) after its step `after`, in order."""
    steps = []
    for sid, when, code in runs:
        call, result = shell_steps(sid, when, "cd . && python -m pytest -q tests", Path(session.cwd or "."))
        result.meta["exit_code"] = code
        result.is_error = code != 0
        steps += [call, result]
    return with_shell_steps(session, after, steps)


def tests_passed_then_failed(tmp_path):
    """The agent's tests passed, it edited again, and its last run failed: the label is the last run's."""
    repo = _start(tmp_path, "a.py")
    e0 = _add(repo, "a.py")
    e1 = _add(repo, "a.py", after=8, text=TWO)
    repo.commit("agent", iso(10, 30))
    session = session_of(repo.path, [(iso(10), e0), (iso(10, 10), e1)])
    session = _tested(session, 1, [("t1", iso(10, 11), 0), ("t2", iso(10, 12), 1)])
    return EvalCase(repo, session, (4, 0, 0, 0, 0), 1)


def revert_of_revert(tmp_path):
    """A human reverted the agent's commit and then reverted the revert: its lines are there as written."""
    repo = _start(tmp_path, "a.py")
    e = _add(repo, "a.py")
    repo.commit("agent", iso(10, 30))
    repo.git("revert", "--no-edit", "HEAD", when=iso(11))
    repo.git("revert", "--no-edit", "HEAD", when=iso(12))
    return EvalCase(repo, session_of(repo.path, [(iso(10), e)]), (2, 0, 0, 0, 0), None)


def human_fix_after_agent(tmp_path):
    """A human fixed one of the agent's two lines after its commit: the patch reached git, edited since."""
    repo = _start(tmp_path, "a.py")
    e = _add(repo, "a.py")
    repo.commit("agent", iso(10, 30))
    repo.write("a.py", repo.read("a.py").replace("alpha, beta, gamma)", "alpha, beta, gamma, delta)"))
    repo.commit("fix by hand", iso(12))
    return EvalCase(repo, session_of(repo.path, [(iso(10), e)]), (0, 2, 0, 0, 0), None)


def session_spanning_a_rebase(tmp_path):
    """The agent committed on a branch, main moved, the branch was rebased while the session went on,
    and its next step was committed on the rebased branch, merged fast-forward: both steps alive."""
    repo = _start(tmp_path, "a.py", "b.py")
    repo.git("switch", "-q", "-c", "work")
    e0 = _add(repo, "a.py")
    repo.commit("agent first", iso(10, 30))
    repo.git("switch", "-q", "main")
    repo.write("b.py", repo.read("b.py") + "more by hand\n")
    repo.commit("main moves", iso(11))
    repo.git("switch", "-q", "work")
    repo.git("rebase", "-q", "main", when=iso(11, 30))
    e1 = _add(repo, "a.py", after=8, text=TWO)
    repo.commit("agent second", iso(12, 30))
    repo.git("switch", "-q", "main")
    repo.git("merge", "-q", "--ff-only", "work", when=iso(13))
    repo.git("branch", "-q", "-D", "work")
    return EvalCase(repo, session_of(repo.path, [(iso(10), e0), (iso(12), e1)]), (4, 0, 0, 0, 0), None)


def branch_never_merged(tmp_path):
    """The agent's work sits in a commit of a branch the reference never merged: not at the reference,
    and not thrown away either. The trail judges it on its branch (`judged_at`); at the reference it
    decides nothing (undecided), never `alive` at a reference that lacks it."""
    repo = _start(tmp_path, "a.py", "b.py")
    repo.git("switch", "-q", "-c", "feature")
    e = _add(repo, "a.py")
    repo.commit("agent", iso(10, 30))
    repo.git("switch", "-q", "main")
    repo.write("b.py", repo.read("b.py") + "more by hand\n")
    repo.commit("main moves", iso(11))
    return EvalCase(repo, session_of(repo.path, [(iso(10), e)]), (0, 0, 0, 0, 2), None)


def force_push_lost_a_step(tmp_path):
    """The agent pushed two steps' commits; a human's force-push rewrote the branch without the second,
    and the clone took the remote's history (`reset --hard origin/main`): the second step's commit is on
    no ref, so it is lost; the first is alive."""
    remote = tmp_path / "remote.git"
    repo = _start(tmp_path, "a.py")
    repo.git("init", "-q", "--bare", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    e0 = _add(repo, "a.py")
    c1 = repo.commit("agent first", iso(10, 30))
    e1 = _add(repo, "a.py", after=8, text=TWO)
    repo.commit("agent second", iso(10, 45))
    repo.git("push", "-q", "origin", "main", when=iso(10, 50))
    other = Repo(tmp_path / "other")
    other.git("fetch", "-q", str(remote), "main")
    other.git("reset", "-q", "--hard", "FETCH_HEAD")
    other.git("reset", "-q", "--hard", c1)
    other.write("b.py", "by hand\n")
    other.commit("human", iso(11))
    other.git("push", "-q", "--force", str(remote), "HEAD:main", when=iso(11))
    repo.git("fetch", "-q", "origin", when=iso(12))
    repo.git("reset", "-q", "--hard", "origin/main", when=iso(12))
    session = session_of(repo.path, [(iso(10), e0), (iso(10, 40), e1)])
    return EvalCase(repo, session, (2, 0, 0, 2, 0), None)


def replaced_by_a_later_step(tmp_path):
    """The agent's second step rewrote one of its first step's two lines before any commit: the first
    step reached git partly replaced (transformed: docs/design.md), the second as written (alive)."""
    repo = _start(tmp_path, "a.py")
    e0 = _add(repo, "a.py")
    old = "    return compute_the_answer(alpha, beta, gamma)\n"
    e1 = replace(repo, "a.py", old, old.replace("gamma)", "gamma, epsilon_from_the_second_step)"))
    repo.commit("agent", iso(10, 30))
    return EvalCase(repo, session_of(repo.path, [(iso(10), e0), (iso(10, 5), e1)]), (1, 2, 0, 0, 0), None)


def wrapped_in_a_block(tmp_path):
    """The agent wrapped three lines of the file in a new `if` block (re-indented, otherwise as they
    were) and committed: one line of its own (the `if`); the three are the file's, moved in by spaces."""
    repo = _start(tmp_path, "a.py")
    old = "line 3 of a.py\nline 4 of a.py\nline 5 of a.py\n"
    new = "if ready_for_the_agents_block:\n" + "".join(f"    {x}\n" for x in old.split("\n")[:3])
    e = replace(repo, "a.py", old, new)
    repo.commit("agent", iso(10, 30))
    return EvalCase(repo, session_of(repo.path, [(iso(10), e)]), (1, 0, 0, 0, 0), None)


CLASSES: dict[str, Callable[[Path], EvalCase]] = {
    f.__name__: f
    for f in (
        tests_passed_then_failed,
        revert_of_revert,
        human_fix_after_agent,
        session_spanning_a_rebase,
        branch_never_merged,
        force_push_lost_a_step,
        replaced_by_a_later_step,
        wrapped_in_a_block,
    )
}
_ = FUNC  # every class adds FUNC through `_add`
