"""Classes of history that move, merge or rewrite the agent's commit or folder: a folder moved with `git mv`
and edited inside, the agent's repository brought into a monorepo by `git subtree add` or copied in as a
folder, a squash merge of a branch that held the agent's and a human's commits (and one whose branch is
kept), a rebase whose old branch is kept, a cherry-pick onto a release branch (the agent's branch
deleted), `rebase -i` rewriting the agent's commit on main, a formatter
over the whole file, and a file deleted and restored from an older commit. Each answer was written by
hand before the class was run; they are told with history_more.py's `Story`."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.history_kit import BLOCK, BODY
from support.history_more import Story, _rebase, story
from support.trail_kit import Repo, iso


def folder_moved_with_edits_inside(tmp_path):
    """The agent edited app/a.py and app/b.py (c1); a human moved the whole folder (`git mv app core`) in a
    commit that also edits a line of core/a.py beside the agent's and rewrites core/c.py: both patches live
    on in the moved files as written: alive, c1, path_now core/a.py and core/b.py."""
    s = story(tmp_path, "app/a.py", "app/b.py", "app/c.py")
    s.agent("app/a.py").agent("app/b.py", text=BLOCK).commit("c1", "agent", iso(10, 30))
    s.repo.git("mv", "app", "core")
    s.repo.write("core/a.py", s.repo.read("core/a.py").replace("line 9 of app/a.py", "line nine, moved"))
    s.repo.write("core/c.py", "".join(f"rewritten {i}\n" for i in range(12)))
    s.commit("c2", "move app to core", iso(11))
    return s.case(
        [("s0", "alive", "c1", "core/a.py"), ("s1", "alive", "c1", "core/b.py")],
        [
            ("core/a.py", "def added_by_agent():", "s0"),
            ("core/b.py", "def moved_helper(items):", "s1"),
            ("core/a.py", "line nine, moved", None),
        ],
    )


def folder_moved_agent_line_edited_inside(tmp_path):
    """The same move (`git mv app core`) in a commit that rewrites the agent's return line in core/a.py:
    its first line stands as written, the other edited: transformed, c1, path_now core/a.py; the def is
    the step's, the rewritten line the human's."""
    s = story(tmp_path, "app/a.py", "app/b.py").agent("app/a.py").commit("c1", "agent", iso(10, 30))
    s.repo.git("mv", "app", "core")
    edited = s.repo.read("core/a.py").replace("alpha, beta, gamma", "alpha, beta, gamma, delta")
    s.repo.write("core/a.py", edited)
    s.commit("c2", "move app to core, edited", iso(11))
    return s.case(
        [("s0", "transformed", "c1", "core/a.py")],
        [
            ("core/a.py", "def added_by_agent():", "s0"),
            ("core/a.py", "    return compute_the_answer(alpha, beta, gamma, delta)", None),
        ],
    )


def _monorepo(tmp_path: Path) -> tuple[Story, Repo]:
    """The agent's own repository (its commit c1, BLOCK in a.py), and a monorepo with a history of its
    own, elsewhere."""
    s = story(tmp_path / "x", "a.py", "b.py").agent("a.py", text=BLOCK).commit("c1", "agent", iso(10, 30))
    mono = Repo(tmp_path / "mono")
    mono.write("README.md", "the platform\n")
    mono.commit("monorepo", iso(11))
    return s, mono


def subtree_added_from_another_repo(tmp_path):
    """The agent worked in its own repository (c1); a human brought it into a monorepo with `git subtree
    add --prefix=libs/x` (the agent's history kept as the merge's second parent). Judged in the monorepo:
    the lines reached c1, which the monorepo's history holds, and are in libs/x/a.py as written: alive,
    c1, path_now libs/x/a.py; blame gives them to the step."""
    s, mono = _monorepo(tmp_path)
    mono.git("subtree", "add", "-q", "--prefix=libs/x", str(s.repo.path), "main", when=iso(12))
    case = s.case(
        [("s0", "alive", "c1", "libs/x/a.py")],
        [("libs/x/a.py", "def moved_helper(items):", "s0"), ("README.md", "the platform", None)],
    )
    case.repo = mono
    return case


def folder_copied_from_another_repo(tmp_path):
    """The same, but a human copied the agent's repository's files into the monorepo's vendor/x/ (no
    history) and committed them (cC): the first commit of the monorepo to hold the lines, after the step:
    alive, cC, path_now vendor/x/a.py; blame gives them to the step (a block of its lines, moved in)."""
    s, mono = _monorepo(tmp_path)
    shutil.copytree(s.repo.path, mono.path / "vendor" / "x", ignore=shutil.ignore_patterns(".git"))
    copied = mono.commit("vendor x", iso(12))
    case = s.case(
        [("s0", "alive", "cC", "vendor/x/a.py")],
        [("vendor/x/a.py", "def moved_helper(items):", "s0"), ("vendor/x/a.py", "line 1 of a.py", None)],
    )
    case.repo, case.commits = mono, {"cC": copied}
    return case


def squash_of_agent_and_human_commits(tmp_path):
    """On branch topic the agent committed a.py (step s0), a human committed b.py, the agent committed
    b.py (s1); `merge --squash` onto main as one commit cS, topic deleted: each step's lines reached main
    in cS: alive, cS; the human's line is the human's."""
    s = story(tmp_path, "a.py", "b.py")
    s.repo.git("switch", "-q", "-c", "topic")
    s.agent("a.py").repo.commit("agent a", iso(10, 10))
    s.repo.write("b.py", s.repo.read("b.py").replace("line 2 of b.py", "HUMAN_ON_TOPIC = 2"))
    s.repo.commit("human b", iso(10, 15))
    s.agent("b.py", after=8, text=BLOCK, at=iso(10, 20)).repo.commit("agent b", iso(10, 30))
    s.repo.git("switch", "-q", "main")
    s.repo.git("merge", "-q", "--squash", "topic", when=iso(11))
    s.commit("cS", "squash topic", iso(11))
    s.repo.git("branch", "-q", "-D", "topic")
    return s.case(
        [("s0", "alive", "cS", None), ("s1", "alive", "cS", None)],
        [
            ("a.py", "def added_by_agent():", "s0"),
            ("b.py", "def moved_helper(items):", "s1"),
            ("b.py", "HUMAN_ON_TOPIC = 2", None),
        ],
    )


def squash_merge_branch_kept(tmp_path):
    """The agent's commit c1 on topic, squash-merged onto main (cS), topic kept: c1, on a branch still,
    is the first commit to hold the lines (as a pick with its branch kept), judged where main took them
    in cS: alive, c1."""
    s = story(tmp_path, "a.py", "b.py")
    s.agent_on_branch("topic")
    s.repo.git("merge", "-q", "--squash", "topic", when=iso(12))
    s.commit("cS", "squash topic", iso(12))
    return s.case([("s0", "alive", "c1", None)], [("a.py", "def added_by_agent():", "s0")])


def rebased_with_old_branch_kept(tmp_path):
    """The agent's branch `work` rebased onto main as a new branch `work2` (`git rebase --onto` of a copy),
    merged into main; `work` kept, still holding the agent's first commit c1: the first to hold the lines,
    judged where main took them: alive, c1."""
    s = story(tmp_path, "a.py", "b.py")
    s.agent_on_branch("work")
    s.repo.git("switch", "-q", "-c", "work2", "work")
    s.repo.git("rebase", "-q", "main", when=iso(12))
    s.repo.git("switch", "-q", "main")
    s.repo.git("merge", "-q", "--ff-only", "work2", when=iso(12))
    assert s.repo.head() != s.commits["c1"]
    return s.case([("s0", "alive", "c1", None)], [("a.py", "def added_by_agent():", "s0")])


def cherry_picked_to_release_branch_deleted(tmp_path):
    """The agent's commit on `fix`, cherry-picked onto `release` (not main), `fix` deleted; HEAD stays on
    main, which never took it. The reference's history never held the lines; the first ref that does is
    release: alive there, accepted by the pick cP, judged_at refs/heads/release."""
    s = story(tmp_path, "a.py", "b.py")
    s.repo.git("branch", "release")
    s.repo.git("switch", "-q", "-c", "fix")
    s.agent("a.py").repo.commit("agent fix", iso(10, 30))
    s.repo.git("switch", "-q", "release")
    s.repo.write("b.py", s.repo.read("b.py") + "release note by hand\n")
    s.repo.commit("release prep", iso(11))
    s.repo.git("cherry-pick", "fix", when=iso(12))
    s.head("cP")
    s.repo.git("switch", "-q", "main")
    s.repo.git("branch", "-q", "-D", "fix")
    return s.case([("s0", "alive", "cP", None)], [("a.py", "line 5 of a.py", None)])


def rebase_rewrites_agent_commit_on_main(tmp_path):
    """The agent's commit c1 sits on main after a human's h0; `rebase -i` rewords h0, which rewrites c1
    (a new sha, the old one on no ref): alive, accepted by the rewritten commit."""
    s = story(tmp_path, "a.py", "b.py")
    s.repo.write("b.py", s.repo.read("b.py") + "by hand\n")
    s.repo.commit("human h0", iso(9, 30))
    s.agent("a.py").commit("c1", "agent", iso(10, 30))
    _rebase(s.repo, "HEAD~2", "sed -i '1s/^pick/reword/'")
    old = s.commits.pop("c1")
    s.label("c1new", "agent")
    assert s.commits["c1new"] != old
    return s.case([("s0", "alive", "c1new", None)], [("a.py", "def added_by_agent():", "s0")])


QUOTED = (
    "def settings_for(name):\n"
    "    base = {'name': name, 'mode': 'strict'}\n"
    "    base['level'] = 'high' if name else 'low'\n"
    "    return base\n"
)


def formatter_over_whole_file(tmp_path):
    """The agent wrote a function with single quotes; a formatter ran over the whole file (black: double
    quotes wherever there were single ones). Two of the agent's four lines are changed beyond whitespace,
    two are as written: transformed (not lost, not reverted), c1; the unchanged def is the step's, a
    requoted line the formatter's commit's (a human's)."""
    s = story(tmp_path, "a.py").agent("a.py", text=QUOTED).commit("c1", "agent", iso(10, 30))
    s.repo.write("a.py", s.repo.read("a.py").replace("'", '"'))
    s.commit("c2", "black .", iso(11))
    return s.case(
        [("s0", "transformed", "c1", None)],
        [
            ("a.py", "def settings_for(name):", "s0"),
            ("a.py", "    return base", "s0"),
            ("a.py", '    base = {"name": name, "mode": "strict"}', None),
        ],
    )


ALL_QUOTED = "SETTINGS = {'name': 'agent', 'mode': 'strict'}\nLEVELS = ['high', 'low']\n"


def formatter_changes_every_agent_line(tmp_path):
    """The formatter changed every line the agent wrote (its quotes): none kept as written, each edited
    into a similar line: transformed, c1 (not lost: c1 took them; not reverted: they were edited, not
    taken out)."""
    s = story(tmp_path, "a.py").agent("a.py", text=ALL_QUOTED).commit("c1", "agent", iso(10, 30))
    s.repo.write("a.py", s.repo.read("a.py").replace("'", '"'))
    s.commit("c2", "black .", iso(11))
    return s.case([("s0", "transformed", "c1", None)], [("a.py", 'LEVELS = ["high", "low"]', None)])


def restored_from_before_the_agent(tmp_path):
    """a.py deleted after the agent's commit, then restored from the commit before it (`git checkout
    HEAD~2 -- a.py`): the file is back without the agent's lines: reverted, c1."""
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    s.repo.git("rm", "-q", "a.py")
    s.repo.commit("delete", iso(11))
    s.repo.git("checkout", "HEAD~2", "--", "a.py")
    s.repo.commit("restore a.py from before", iso(12))
    assert s.repo.read("a.py") == BODY.format(name="a.py")
    return s.case([("s0", "reverted", "c1", None)], [("a.py", "line 5 of a.py", None)])


def restored_from_the_agents_commit(tmp_path):
    """A human edited the agent's line (c2), deleted a.py (c3), then restored it from the agent's own
    commit (`git checkout c1 -- a.py`, c4): the agent's lines are back as written: alive, c1."""
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    s.repo.write("a.py", s.repo.read("a.py").replace("alpha, beta, gamma", "alpha, beta, delta"))
    s.repo.commit("edit", iso(11))
    s.repo.git("rm", "-q", "a.py")
    s.repo.commit("delete", iso(11, 30))
    s.repo.git("checkout", s.commits["c1"], "--", "a.py")
    s.repo.commit("restore a.py from c1", iso(12))
    return s.case(
        [("s0", "alive", "c1", None)],
        [
            ("a.py", "def added_by_agent():", "s0"),
            ("a.py", "    return compute_the_answer(alpha, beta, gamma)", "s0"),
        ],
    )


CLASSES = (
    "folder_moved_with_edits_inside",
    "folder_moved_agent_line_edited_inside",
    "subtree_added_from_another_repo",
    "folder_copied_from_another_repo",
    "squash_of_agent_and_human_commits",
    "squash_merge_branch_kept",
    "rebased_with_old_branch_kept",
    "cherry_picked_to_release_branch_deleted",
    "rebase_rewrites_agent_commit_on_main",
    "formatter_over_whole_file",
    "formatter_changes_every_agent_line",
    "restored_from_before_the_agent",
    "restored_from_the_agents_commit",
)
