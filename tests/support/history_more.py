"""Classes of history the others do not hold: the agent's commits squashed or reordered by `rebase -i`, a
human's `commit --amend` over the agent's line, a case-only rename, `git stash` and `pop` over the agent's
work, a whole-file re-indent, a shallow clone that lacks the agent's commit, and a block of short lines
moved with its neighbours. Each answer was written by hand before the class was run; `Story` gives each
the set-up the other modules repeat (tests/support/history_kit.py says what a case holds)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from support.history_kit import BLOCK, FUNC, Case, _add, _named, _start
from support.trail_kit import Repo, iso, session_of
from tracetui.model import FileEdit, Session


@dataclass
class Story:
    """One session's steps in a repository begun with `names` (BODY each), told step by step: `agent`
    edits (a step each, five minutes apart from 10:00, or `at` a time of its own), `commit` names a
    commit by its label, `session` ends one session and begins the next."""

    repo: Repo
    edits: list[tuple[str, FileEdit]] = field(default_factory=list)
    commits: dict[str, str] = field(default_factory=dict)
    told: list[Session] = field(default_factory=list)

    def agent(self, name: str, after: int = 5, text: str = FUNC, at: str | None = None) -> Story:
        return self.step(_add(self.repo, name, after, text), at)

    def step(self, edit: FileEdit, at: str | None = None) -> Story:
        """A step that made `edit` (done already, as trail_kit's `replace` does it)."""
        self.edits.append((at or iso(10, 5 * len(self.edits)), edit))
        return self

    def agent_on_branch(self, branch: str) -> Story:
        """The branch classes' start: the agent's step on a.py committed as c1 on a new `branch` at
        10:30, then a line added to b.py by hand and committed on main at 11:00."""
        self.repo.git("switch", "-q", "-c", branch)
        self.agent("a.py").commit("c1", "agent", iso(10, 30))
        self.repo.git("switch", "-q", "main")
        self.repo.write("b.py", self.repo.read("b.py") + "more by hand\n")
        self.repo.commit("main moves", iso(11))
        return self

    def commit(self, label: str, message: str, when: str) -> Story:
        self.commits[label] = self.repo.commit(message, when)
        return self

    def head(self, label: str) -> Story:
        """Name the commit HEAD is at (one a git command made) by `label`."""
        self.commits[label] = self.repo.head()
        return self

    def label(self, label: str, subject: str) -> Story:
        """Name the commit of the reference's history whose subject is `subject` (one a rebase made)."""
        self.commits[label] = self.repo.git("log", "--format=%H", "-F", f"--grep={subject}", "-1")
        return self

    def session(self, sid: str) -> Story:
        """End the session told so far, as `sid`: the steps after this are another session's."""
        self.told.append(_named(session_of(self.repo.path, self.edits), sid))
        self.edits = []
        return self

    def case(self, fates: list[tuple], blames: list[tuple] = ()) -> Case:  # type: ignore[assignment]
        """`fates` as (step, state, commit label, path_now), or with the session first where the story
        told several; `blames` as (file, text, step, or (session, step), or None)."""
        now = [session_of(self.repo.path, self.edits)] if self.edits or not self.told else []
        sessions = self.told + now
        return Case(
            self.repo,
            sessions,
            [fate if len(fate) == 5 else ("sess-1", *fate) for fate in fates],
            [(f, text, ("sess-1", step) if isinstance(step, str) else step) for f, text, step in blames],
            self.commits,
        )


def story(tmp_path: Path, *names: str) -> Story:
    return Story(_start(tmp_path, *names))


def _rebase(repo: Repo, base: str, editor: str) -> None:
    """`git rebase -i base` with the to-do list edited by `editor` (a shell command given the file)."""
    config = ["-c", f"sequence.editor={editor}", "-c", "core.editor=true"]
    repo.git(*config, "rebase", "-q", "-i", base, when=iso(11))


def rebase_squashes_agent_commits(tmp_path):
    """The agent's two steps were committed one by one; `rebase -i` squashed the two commits into one:
    both steps' lines reached the branch in the squashed commit."""
    s = story(tmp_path, "a.py").agent("a.py").commit("c0", "agent one", iso(10, 10))
    s.agent("a.py", after=9, text=BLOCK).commit("c1", "agent two", iso(10, 30))
    _rebase(s.repo, "HEAD~2", "sed -i '2s/^pick/squash/'")
    s.label("cS", "agent one")
    return s.case(
        [("s0", "alive", "cS", None), ("s1", "alive", "cS", None)],
        [("a.py", "def added_by_agent():", "s0"), ("a.py", "def moved_helper(items):", "s1")],
    )


def rebase_reorders_agent_commits(tmp_path):
    """The agent's commits of a.py, then b.py, reordered by `rebase -i`: each step's lines reached the
    branch in the rewritten commit of its own file."""
    s = story(tmp_path, "a.py", "b.py").agent("a.py").commit("c0", "agent a", iso(10, 10))
    s.agent("b.py", text=BLOCK).commit("c1", "agent b", iso(10, 30))
    _rebase(s.repo, "HEAD~2", "sh -c 'grep ^pick \"$0\" | tac > \"$0.t\" && mv \"$0.t\" \"$0\"'")
    s.label("cA", "agent a").label("cB", "agent b")
    assert s.repo.git("log", "--format=%s", "-2") == "agent a\nagent b"
    return s.case(
        [("s0", "alive", "cA", None), ("s1", "alive", "cB", None)],
        [("a.py", "def added_by_agent():", "s0"), ("b.py", "def moved_helper(items):", "s1")],
    )


def amend_rewrites_agent_line(tmp_path):
    """A human amended the agent's commit, rewording one of its two lines: the other reached the branch
    as written, so the patch is transformed, accepted by the amended commit."""
    s = story(tmp_path, "a.py").agent("a.py").commit("c0", "agent", iso(10, 30))
    s.repo.write("a.py", s.repo.read("a.py").replace("alpha, beta, gamma", "alpha, beta, gamma, delta"))
    s.repo.git("commit", "-q", "-a", "--amend", "-m", "agent, amended", when=iso(10, 45))
    s.commits["c1"] = s.repo.head()
    return s.case([("s0", "transformed", "c1", None)], [("a.py", "def added_by_agent():", "s0")])


def case_only_rename(tmp_path):
    """`git mv a.py A.py` after the agent's commit: the lines live on in A.py."""
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    s.repo.git("mv", "a.py", "A.py")
    s.commit("c2", "rename", iso(11))
    return s.case(
        [("s0", "alive", "c1", "A.py")],
        [("A.py", "def added_by_agent():", "s0"), ("A.py", "line 1 of a.py", None)],
    )


def stash_pop_over_agent_work(tmp_path):
    """The human stashed the agent's uncommitted edit, committed a line of their own, popped the stash
    and committed: the agent's lines reached the branch in the commit after the pop."""
    s = story(tmp_path, "a.py").agent("a.py")
    s.repo.git("stash", "-q", when=iso(10, 30))
    s.repo.write("a.py", s.repo.read("a.py").replace("line 1 of a.py", "line one, by hand"))
    s.commit("h1", "human first", iso(10, 40))
    s.repo.git("stash", "pop", "-q", when=iso(10, 50))
    s.commit("c2", "agent's work, after the stash", iso(11))
    return s.case(
        [("s0", "alive", "c2", None)],
        [("a.py", "def added_by_agent():", "s0"), ("a.py", "line one, by hand", None)],
    )


def reindented_whole_file(tmp_path):
    """A formatter re-indented the whole file (4 spaces to 2, as prettier's or black's settings may):
    the agent's lines differ from what it wrote by whitespace only."""
    s = story(tmp_path, "a.py").agent("a.py", text=BLOCK).commit("c1", "agent", iso(10, 30))
    s.repo.write("a.py", s.repo.read("a.py").replace("    ", "  "))
    s.commit("c2", "reformat", iso(11))
    return s.case(
        [("s0", "alive", "c1", None)], [("a.py", "  total = sum(item.weight for item in items)", "s0")]
    )


def shallow_clone_missing_base(tmp_path):
    """Where the agent worked is now a `--depth 1` clone taken after a human's commit: the agent's lines
    are at its one commit as written (alive), but the clone lacks the commit that took them, and names
    none (its one commit is the human's)."""
    s = story(tmp_path / "full", "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    s.repo.write("a.py", s.repo.read("a.py").replace("line 9 of a.py", "line nine, later"))
    s.commit("h1", "human", iso(11))
    full = s.repo.path.rename(tmp_path / "full" / "kept")
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{full}", str(s.repo.path)], check=True)
    return s.case([("s0", "alive", None, None)], [("a.py", "def added_by_agent():", "s0")])


def short_lines_moved_with_neighbours(tmp_path):
    """Two short lines of the agent's (4 alphanumerics) moved, with the lines around them, from a.py into
    a new one.py (a.py deleted, no rename git pairs): the trail follows them (git's `blame -C` rule: a
    run of 40 alphanumerics moved together), so they are the agent's in one.py."""
    s = story(tmp_path, "a.py")
    s.repo.write("a.py", s.repo.read("a.py") + "".join(f"tail {i} of a.py\n" for i in range(30)))
    s.commit("c0", "more", iso(9, 30))
    s.agent("a.py", text="x = 1\ny = 2\n").commit("c1", "agent", iso(10, 30))
    text = s.repo.read("a.py")
    cut = text.index("line 6 of a.py")
    s.repo.write("one.py", text[:cut])
    s.repo.write("two.py", text[cut:])
    s.repo.git("rm", "-q", "a.py")
    s.commit("c2", "split a.py", iso(11))
    return s.case(
        [("s0", "alive", "c1", "one.py")], [("one.py", "x = 1", "s0"), ("one.py", "line 1 of a.py", None)]
    )


CLASSES = (
    "rebase_squashes_agent_commits",
    "rebase_reorders_agent_commits",
    "amend_rewrites_agent_line",
    "case_only_rename",
    "stash_pop_over_agent_work",
    "reindented_whole_file",
    "shallow_clone_missing_base",
    "short_lines_moved_with_neighbours",
)
