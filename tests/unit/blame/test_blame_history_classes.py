"""Classes of history (tests/support/history_branches.py's `CASES`), each with its blame written by hand:
the writer of chosen lines, the state blame gives them (the trail's, as written in the case), a commit's
and a pull request's steps, through `blame_file`, `blame_commit` and `blame_range` (`tracetui blame`'s)."""

from __future__ import annotations

import pytest
from support import history_more
from support.history_branches import CASES, rebase_onto_main
from support.history_files import emptied_file, made_binary

from tracetui.blame import blame_commit, blame_file, blame_range
from tracetui.errors import TracetuiError
from tracetui.library import MemoryLibrary

# Cases whose hand-written answer the core does not give yet, each with why.
XFAILS: dict[str, str] = {}


NOT_ASKED_OF_BLAME = {
    "reverted_by_later_step_committed",
    "reverted_by_hand",
    "made_binary",
    "emptied_file",
    "reset_dropped",
    "created_empty",
    "edited_in_a_submodule",  # the superproject holds no line of the submodule's file to blame
}


def _param(name: str) -> object:
    reason = XFAILS.get(name)
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason)) if reason else name


@pytest.mark.parametrize("name", [_param(n) for n in CASES if n not in NOT_ASKED_OF_BLAME])
def test_the_blame_of_each_class_of_history(name, tmp_path):
    """Each line asked has the writer written by hand, and the state of its patch the trail's row gives
    (a human's line: `human`)."""
    case = CASES[name](tmp_path)
    assert case.blames
    states = {(sid, step): state for sid, step, state, _, _ in case.fates}
    library = MemoryLibrary(case.sessions)
    for file, text, want in case.blames:
        result = blame_file(library, file, repo=case.repo.path)
        [line] = [x for x in result.lines if x.text == text]
        have = (line.writer.session, line.writer.step) if line.writer is not None else None
        state = states[want] if want is not None else "human"
        assert (file, text[:60], have, line.state) == (file, text[:60], want, state)


def test_a_binary_file_is_refused_by_blame(tmp_path):
    case = made_binary(tmp_path)
    with pytest.raises(TracetuiError, match="binary file"):
        blame_file(MemoryLibrary(case.sessions), "a.dat", repo=case.repo.path)


def test_an_emptied_file_has_no_line_to_blame(tmp_path):
    case = emptied_file(tmp_path)
    assert blame_file(MemoryLibrary(case.sessions), "a.py", repo=case.repo.path).lines == []


# (class, the commit's subject, each step's lines of it, lines no step explains): a commit's or a pull
# request's view agrees with the file's blame (a moved or reshaped line is its patch's there too).
COMMITS = [
    ("squash_merge", "squashed", {("sess-1", "s0"): 2}, 0),
    ("rebase_onto_main", "agent", {("sess-1", "s0"): 2}, 0),
    ("amend", "agent, amended", {("sess-1", "s0"): 2}, 1),
    ("cherry_pick", "agent", {("sess-1", "s0"): 2}, 0),
    ("two_sessions", "second agent", {("sess-b", "s0"): 1, ("sess-b", "s1"): 1}, 0),
    ("moved_to_other_file", "move helper", {("sess-1", "s0"): 4}, 0),
    ("git_mv_heavy_rewrite", "rewrite as b.py", {("sess-1", "s0"): 4}, 30),
    ("crlf_to_lf", "to LF", {("sess-1", "s0"): 2}, 10),
    ("formatter_split_only", "wrap", {("sess-1", "s0"): 2}, 0),
    ("formatter_join_only", "join", {("sess-1", "s0"): 1}, 0),
    ("revert_of_revert", 'Revert "Revert "agent""', {("sess-1", "s0"): 2}, 0),
    ("git_revert", 'Revert "agent"', {}, 0),
]


@pytest.mark.parametrize("name,subject,steps,unexplained", COMMITS, ids=[f"{c[0]}:{c[1]}" for c in COMMITS])
def test_the_commit_blame_of_each_class_of_history(name, subject, steps, unexplained, tmp_path):
    case = CASES[name](tmp_path)
    found = [x.split(" ", 1) for x in case.repo.git("log", "--format=%H %s").splitlines()]
    [commit] = [h for h, s in found if s == subject]
    result = blame_commit(MemoryLibrary(case.sessions), commit, repo=case.repo.path)
    assert ({(c.session, c.step): c.lines for c in result.steps}, len(result.unexplained)) == (
        steps,
        unexplained,
    )


def test_a_pull_requests_blame_after_a_rebase_names_the_step(tmp_path):
    case = rebase_onto_main(tmp_path)
    result = blame_range(MemoryLibrary(case.sessions), "HEAD~1..HEAD", repo=case.repo.path)
    [commit] = result.commits
    assert (commit.commit, [(c.session, c.step, c.lines) for c in commit.steps]) == (
        case.commits["c1"],
        [("sess-1", "s0", 2)],
    )


def test_a_copy_written_after_the_patchs_commit_is_the_humans(tmp_path):
    """The patch's line never reached git (edited before the commit); a later commit's copy of its text is
    new code: no formatter's split or join of the patch's line (`CopyCounts.held_joined` is false)."""
    case = CASES["written_anew_after_an_edit"](tmp_path)
    result = blame_file(MemoryLibrary(case.sessions), "a.py", repo=case.repo.path)
    writers = {x.text: (x.writer.step if x.writer else x.kind) for x in result.lines if x.text.strip()}
    assert [writers[text] for text, _ in [(b[1], b[2]) for b in case.blames]] == ["s0", "human", "human"]


# Every class whose blame is asked (a line or a file, in `Case.blames`): each line of each of its files.
# Of history_more's, only the one whose answer hangs on lines around it (a run RUN_SPAN wide): the others
# change commits, not neighbours, and each costs about a second of CI's 1,200 s bar.
ALONE = [
    name for name in CASES
    if name not in NOT_ASKED_OF_BLAME
    and (name not in history_more.CLASSES or name == "short_lines_moved_with_neighbours")
]


@pytest.mark.parametrize("name", ALONE)
def test_a_line_blamed_alone_is_blamed_as_in_the_whole_file(name, tmp_path):
    """`blame FILE:N` gives line N what the whole file's blame gives it: the lines around it (a split
    line's other parts, the rest of a moved block, the meaningful lines a bare line takes its writer
    from, however far) are attributed with it."""
    case = CASES[name](tmp_path)
    library = MemoryLibrary(case.sessions)
    files = list(dict.fromkeys(f for f, _, _ in case.blames))
    assert files
    for file in files:
        whole = blame_file(library, file, repo=case.repo.path).lines
        alone = [blame_file(library, file, repo=case.repo.path, lines=(x.line, x.line)).lines for x in whole]
        assert [a.to_dict() for [a] in alone] == [x.to_dict() for x in whole]
