"""Survival states against real git histories built step by step (issue 4, "What it must show")."""

from __future__ import annotations


import pytest
from support.trail_kit import Repo, iso, replace, session_of, shell_steps, states, with_shell_steps, write

from tracetui.errors import TracetuiError
from tracetui.model import FileEdit
from tracetui.trail import summarize, trail

BODY = "\n".join(f"line {i} of {{name}}" for i in range(1, 11)) + "\n"

FILES = ["keep.py", "edit.py", "revert.py", "lost.py", "uncommitted.py", "branch.py", "rename.py", "delete.py", "ws.py"]


def _scenario(tmp_path):
    repo = Repo(tmp_path / "repo")
    for name in FILES:
        repo.write(name, BODY.format(name=name))
    base = repo.commit("initial", iso(9))
    t = iso(10, 10)
    edits = [
        (t, replace(repo, "keep.py", "line 5 of keep.py\n", "line 5 of keep.py\ndef kept():\n    return 'kept as is'\n")),
        (t, replace(repo, "edit.py", "line 5 of edit.py\n", "line 5 of edit.py\ndef edited():\n    return 'first version'\n")),
        (t, replace(repo, "revert.py", "line 5 of revert.py\n", "line 5 of revert.py\ndef doomed():\n    return 'to be reverted'\n")),
        (t, replace(repo, "lost.py", "line 5 of lost.py\n", "line 5 of lost.py\ndef discarded():\n    return 'never committed'\n")),
        (t, replace(repo, "uncommitted.py", "line 5 of uncommitted.py\n", "line 5 of uncommitted.py\nPENDING = 'still in the work tree'\n")),
        (t, replace(repo, "rename.py", "line 5 of rename.py\n", "line 5 of rename.py\ndef travels():\n    return 'renamed later'\n")),
        (t, replace(repo, "delete.py", "line 3 of delete.py\nline 4 of delete.py\n", "")),
        (t, replace(repo, "ws.py", "line 5 of ws.py\n", "line 5 of ws.py\nif ready:\n    go(now=True)\n")),
    ]
    # The agent's work is committed (and the commit amended: its new committer time counts).
    repo.commit("wip", iso(11), "keep.py", "edit.py", "revert.py", "rename.py", "delete.py", "ws.py")
    repo.git("commit", "-q", "--amend", "-m", "add things", when=iso(11, 5))
    accepted = repo.head()
    # edited later: one line changed beyond whitespace
    repo.write("edit.py", repo.read("edit.py").replace("'first version'", "'second version, by hand'"))
    edited_by = repo.commit("polish", iso(12), "edit.py")
    # reverted by a commit whose message says nothing about it
    repo.write("revert.py", BODY.format(name="revert.py"))
    reverted_by = repo.commit("update", iso(12, 30), "revert.py")
    # renamed after the edit
    repo.git("mv", "rename.py", "moved.py", when=iso(13))
    repo.commit("move", iso(13), "moved.py")
    # only whitespace changed: re-indented and spaced
    repo.write("ws.py", repo.read("ws.py").replace("    go(now=True)", "        go( now = True )"))
    repo.commit("format", iso(13, 30), "ws.py")
    # discarded: the edit to lost.py never reaches a commit
    repo.git("checkout", "--", "lost.py")
    # committed on another branch that is not merged
    repo.git("switch", "-q", "-c", "feature", when=iso(14))
    edits.append((iso(14), replace(repo, "branch.py", "line 2 of branch.py\n", "line 2 of branch.py\nFEATURE_FLAG = 'on a branch'\n")))
    on_branch = repo.commit("feature", iso(14, 10), "branch.py")
    repo.git("switch", "-q", "main")
    session = session_of(repo.path, edits)
    return repo, session, dict(base=base, accepted=accepted, edited_by=edited_by, reverted_by=reverted_by, on_branch=on_branch)


def test_every_state_is_decided_from_history(tmp_path):
    repo, session, c = _scenario(tmp_path)
    result = trail(session)
    assert result.repo == str(repo.path)
    assert result.note is None
    assert states(result) == {
        "keep.py": "alive",
        "edit.py": "transformed",
        "revert.py": "reverted",
        "lost.py": "lost",
        "uncommitted.py": "uncommitted",
        "rename.py": "alive",
        "delete.py": "alive",
        "ws.py": "alive",
        "branch.py": "alive",
    }
    by_path = {f.patch.path: f for f in result.fates}
    # evidence and commits
    keep = by_path["keep.py"]
    assert (keep.commit, keep.kept, keep.changed, keep.dropped, keep.commits) == (c["accepted"], 2, 0, 0, [])
    edit = by_path["edit.py"]
    assert (edit.commit, edit.kept, edit.changed, edit.dropped, edit.commits) == (c["accepted"], 1, 1, 0, [c["edited_by"]])
    rev = by_path["revert.py"]
    assert (rev.commit, rev.kept, rev.changed, rev.dropped, rev.commits) == (c["accepted"], 0, 0, 2, [c["reverted_by"]])
    lost = by_path["lost.py"]
    assert (lost.commit, lost.kept, lost.dropped) == (None, 0, 2)
    unc = by_path["uncommitted.py"]
    assert (unc.commit, unc.kept) == (None, 1)
    ren = by_path["rename.py"]
    assert (ren.commit, ren.path_now, ren.kept) == (c["accepted"], "moved.py", 2)
    dele = by_path["delete.py"]
    assert (dele.commit, dele.kept, dele.patch.removed, dele.patch.added) == (
        c["accepted"], 2, ["line 3 of delete.py", "line 4 of delete.py"], [],
    )  # fmt: skip
    ws = by_path["ws.py"]
    assert ws.kept == 2 and len(ws.commits) == 1  # the re-indent touched its lines, kept them alive
    br = by_path["branch.py"]
    assert (br.commit, br.judged_at) == (c["on_branch"], "refs/heads/feature")


def test_json_rows_carry_the_contract_keys(tmp_path):
    _, session, c = _scenario(tmp_path)
    rows = trail(session).rows()
    first = rows[0]
    assert {"step", "path", "state", "commit", "added", "removed", "kept"} <= set(first)
    assert (first["step"], first["path"], first["state"], first["commit"], first["added"], first["removed"], first["kept"]) == (
        "s0", "keep.py", "alive", c["accepted"], 2, 0, 2,
    )  # fmt: skip
    blanks = [r for r in rows if r["path"] == "delete.py"][0]
    assert (blanks["removed"], blanks["evidence"], blanks["kept"]) == (2, 2, 2)


def test_a_later_edit_or_revert_brings_a_deletion_back(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", BODY.format(name="a"))
    repo.commit("init", iso(9))
    edit = replace(repo, "a.py", "line 7 of a\n", "")
    repo.commit("drop", iso(11))
    session = session_of(repo.path, [(iso(10), edit)])
    assert states(trail(session)) == {"a.py": "alive"}
    repo.git("revert", "--no-edit", "HEAD", when=iso(12))
    fate = trail(session).fates[0]
    assert (fate.state, fate.kept, fate.dropped) == ("reverted", 0, 1)


def test_reference_revision_changes_the_verdict(tmp_path):
    repo, session, c = _scenario(tmp_path)
    at_accept = trail(session, ref=c["accepted"])
    assert states(at_accept)["edit.py"] == "alive"
    assert states(at_accept)["revert.py"] == "alive"
    on_feature = trail(session, ref="feature")
    br = [f for f in on_feature.fates if f.patch.path == "branch.py"][0]
    assert (br.state, br.judged_at) == ("alive", None)
    with pytest.raises(TracetuiError, match="revision 'nope' not found"):
        trail(session, ref="nope")


def test_squash_merge_and_rebase_anchor_on_the_surviving_commit(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", BODY.format(name="a"))
    repo.write("b.py", BODY.format(name="b"))
    repo.commit("init", iso(9))
    repo.git("switch", "-q", "-c", "topic")
    e1 = replace(repo, "a.py", "line 1 of a\n", "line 1 of a\nfrom topic import one\n")
    repo.commit("one", iso(10, 30), "a.py")
    e2 = replace(repo, "b.py", "line 1 of b\n", "line 1 of b\nfrom topic import two\n")
    repo.commit("two", iso(10, 40), "b.py")
    repo.git("switch", "-q", "main")
    repo.git("merge", "-q", "--squash", "topic", when=iso(11))
    squashed = repo.commit("squash", iso(11))
    repo.git("branch", "-q", "-D", "topic")  # the original commits are now unreachable
    session = session_of(repo.path, [(iso(10, 20), e1), (iso(10, 35), e2)])
    result = trail(session)
    assert [(f.state, f.commit) for f in result.fates] == [("alive", squashed), ("alive", squashed)]
    # a rebase rewrites the commit; the trail follows the content to the new one
    repo.write("c.py", "base\n")
    repo.commit("c", iso(12))
    repo.git("switch", "-q", "-c", "work", "HEAD~1", when=iso(12))
    e3 = replace(repo, "a.py", "line 9 of a\n", "line 9 of a\nREBASED = True\n")
    repo.commit("r", iso(12, 10), "a.py")
    repo.git("rebase", "-q", "main", when=iso(12, 20))
    rebased = repo.head()
    session = session_of(repo.path, [(iso(12, 5), e3)])
    fate = trail(session).fates[0]
    assert (fate.state, fate.commit) == ("alive", rebased)


def test_a_patch_common_lines_do_not_count_when_the_file_had_them_before(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "import os\nx = 1\n")
    repo.commit("init", iso(9))
    edit = replace(repo, "a.py", "x = 1\n", "x = 1\nimport os\n")  # a second copy of an old line
    session = session_of(repo.path, [(iso(10), edit)])
    repo.write("a.py", "import os\nx = 1\n")  # discarded
    fate = trail(session).fates[0]
    assert (fate.state, fate.kept) == ("lost", 0)


def test_no_repository_still_lists_patches(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "a.txt").write_text("one\ntwo\n")
    session = session_of(folder, [(iso(10), FileEdit(path="a.txt", op="update", old_string="two", new_string="three"))])
    result = trail(session)
    assert result.repo is None
    assert result.note == f"repository not found for {folder}: states are unknown; to judge them in a clone of its repository: tracetui trail sess-1 --repo PATH"
    assert [(f.patch.path, f.state, f.patch.added, f.patch.removed) for f in result.fates] == [
        ("a.txt", "unknown", ["three"], ["two"])
    ]
    assert summarize(result)["states"] == {"unknown": 1}
    with pytest.raises(TracetuiError, match="no git repository at"):
        trail(session, repo=folder)


def test_cache_is_reused_until_the_repository_moves(tmp_path):
    repo, session, _ = _scenario(tmp_path)
    cache = tmp_path / "cache"
    first = trail(session, cache_dir=cache)
    again = trail(session, cache_dir=cache)
    assert (first.cached, again.cached) == (False, True)
    assert again.rows() == first.rows()
    repo.write("keep.py", BODY.format(name="keep.py"))
    repo.commit("drop it", iso(15), "keep.py")
    moved = trail(session, cache_dir=cache)
    assert moved.cached is False
    assert states(moved)["keep.py"] == "reverted"


def test_summary_counts_states_and_files(tmp_path):
    _, session, _ = _scenario(tmp_path)
    s = summarize(trail(session))
    assert s["patches"] == 9
    assert s["states"] == {"alive": 5, "transformed": 1, "reverted": 1, "lost": 1, "uncommitted": 1}
    assert s["files"] == sorted(FILES)
    assert s["steps"] == 9


def test_a_patch_that_only_reindents_is_matched_exactly(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", "def f():\n  return compute(1)\n")
    repo.write("b.py", "def g():\n  return compute(2)\n")
    repo.commit("init", iso(9))
    e1 = replace(repo, "a.py", "  return compute(1)\n", "    return compute(1)\n")
    e2 = replace(repo, "b.py", "  return compute(2)\n", "    return compute(2)\n")
    accepted = repo.commit("indent", iso(11), "a.py")
    repo.git("checkout", "--", "b.py")  # the other re-indent is discarded
    session = session_of(repo.path, [(iso(10), e1), (iso(10), e2)])
    assert [(f.state, f.commit, f.kept) for f in trail(session).fates] == [("alive", accepted, 1), ("lost", None, 0)]
    repo.write("a.py", "def f():\n  return compute(1)\n")
    undone = repo.commit("style", iso(12), "a.py")
    fate = trail(session).fates[0]
    assert (fate.state, fate.commit, fate.kept, fate.commits) == ("reverted", accepted, 0, [undone])


def test_a_patch_replaced_by_a_later_step_says_so(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("pkg/a.py", BODY.format(name="a"))
    repo.commit("init", iso(9))
    first = replace(repo, "pkg/a.py", "line 3 of a\n", "line 3 of a\nlimit = 10\n")
    second = replace(repo, "pkg/a.py", "limit = 10\n", "limit = 20\n")
    done = repo.commit("limit", iso(11), "pkg/a.py")
    # the session ran in a subfolder and the repository is named explicitly
    session = session_of(repo.path / "pkg", [(iso(10), first), (iso(10, 1), second)])
    fates = trail(session, repo=repo.path / "pkg").fates
    assert [(f.patch.path, f.state, f.commit, f.superseded_by) for f in fates] == [
        ("pkg/a.py", "lost", None, "s1"),
        ("pkg/a.py", "alive", done, None),
    ]


def test_first_commit_anywhere_but_judged_where_the_reference_took_it(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("a.py", BODY.format(name="a"))
    repo.commit("init", iso(9))
    repo.git("switch", "-q", "-c", "side")
    edit = replace(repo, "a.py", "line 2 of a\n", "line 2 of a\nPICKED = 'yes'\n")
    first = repo.commit("on side", iso(11), "a.py")
    repo.git("switch", "-q", "main")
    repo.write("b.py", "unrelated\n")
    repo.commit("other work", iso(11, 30), "b.py")
    repo.git("cherry-pick", first, when=iso(12))
    session = session_of(repo.path, [(iso(10), edit)])
    fate = trail(session).fates[0]
    assert (fate.state, fate.commit, fate.judged_at, fate.commits) == ("alive", first, None, [])
    repo.write("a.py", BODY.format(name="a"))
    undo = repo.commit("undo", iso(13), "a.py")
    fate = trail(session).fates[0]
    assert (fate.state, fate.commit, fate.judged_at, fate.commits) == ("reverted", first, None, [undo])


def test_cache_keeps_a_bounded_number_of_trails(tmp_path, monkeypatch):
    import tracetui.trail.trail_cache as trail_cache

    monkeypatch.setattr(trail_cache, "CACHE_KEEP", 2)
    repo = Repo(tmp_path / "r")
    repo.write("a.py", BODY.format(name="a"))
    repo.commit("init", iso(9))
    session = session_of(repo.path, [(iso(10), replace(repo, "a.py", "line 1 of a\n", "line 1 of a\nx = 1\n"))])
    cache = tmp_path / "cache"
    for hour in (11, 12, 13):
        repo.write("b.py", f"{hour}\n")
        repo.commit("tick", iso(hour), "b.py")
        trail(session, cache_dir=cache)
    assert len(list((cache / "trail").iterdir())) == 2


def test_fates_of_one_step(tmp_path):
    _, session, _ = _scenario(tmp_path)
    result = trail(session)
    assert [f.patch.path for f in result.for_step("s1")] == ["edit.py"]
    assert result.for_step("nope") == []


@pytest.mark.parametrize("with_original", [True, False])
def test_a_log_clock_ahead_of_every_commit_is_judged_by_content(tmp_path, with_original):
    # The log says 2026 but every commit says 2020 (another machine's clock, or a test's fixed dates).
    repo = Repo(tmp_path / "r")
    repo.write("a.py", BODY.format(name="a"))
    repo.write("b.py", BODY.format(name="b"))
    repo.write("c.py", BODY.format(name="c"))
    repo.commit("init", "2020-01-01T09:00:00Z")
    ea = replace(repo, "a.py", "line 2 of a\n", "line 2 of a\nkept_line = 1\n")
    eb = replace(repo, "b.py", "line 2 of b\n", "line 2 of b\nundone_line = 1\n")
    ec = replace(repo, "c.py", "line 2 of c\n", "line 2 of c\ndiscarded_line = 1\n")
    work = repo.commit("work", "2020-01-01T10:00:00Z", "a.py", "b.py")
    repo.write("b.py", BODY.format(name="b"))
    repo.commit("undo", "2020-01-01T11:00:00Z", "b.py")
    repo.git("checkout", "--", "c.py")
    if not with_original:  # as Pi and Codex log them: the file before the edit is not in the log
        for e in (ea, eb, ec):
            e.original = None
    session = session_of(repo.path, [(iso(10), ea), (iso(10), eb), (iso(10), ec)])
    assert [(f.state, f.commit) for f in trail(session).fates] == [
        ("alive", work), ("reverted", work), ("lost", None),
    ]


def test_a_file_moved_by_the_agent_is_followed_under_its_new_name(tmp_path):
    from tracetui.model import Hunk

    repo = Repo(tmp_path / "r")
    repo.write("old/name.py", BODY.format(name="n"))
    repo.commit("init", iso(9))
    text = repo.read("old/name.py").replace("line 4 of n\n", "line 4 of n\nMOVED = True\n")
    (repo.path / "old" / "name.py").unlink()
    repo.write("new/name.py", text)
    hunk = Hunk(0, 0, 0, 0, [" line 3 of n", " line 4 of n", "+MOVED = True", " line 5 of n"])
    edit = FileEdit(path="old/name.py", op="update", hunks=[hunk], move_to="new/name.py")
    done = repo.commit("move", iso(11), "old/name.py", "new/name.py")
    fate = trail(session_of(repo.path, [(iso(10), edit)])).fates[0]
    assert (fate.patch.path, fate.patch.old_path, fate.state, fate.commit) == ("new/name.py", "old/name.py", "alive", done)
    assert [(h.old_start, h.new_start) for h in fate.patch.hunks] == [(3, 3)]


def test_evidence_adds_up(tmp_path):
    _, session, _ = _scenario(tmp_path)
    for f in trail(session).fates:
        assert f.kept + f.changed + f.dropped == f.evidence, f.patch.path


def test_a_repository_that_lacks_some_blobs_is_still_judged(tmp_path):
    """Tokisaki7-Dev/HAWZX-AI (a Copilot CLI user's home folder on GitHub) was fetched without its
    largest files, as a partial clone is: looking for a lost patch's lines in the files a commit after
    the step touched, the trail read a blob the store lacks and the whole trail failed ("could not
    read the git history"). A blob that is not there holds nothing to look in, as one too large."""
    repo = Repo(tmp_path / "r")
    repo.write("app.py", "def run():\n    return 1\n")
    repo.commit("init", iso(9))
    edit = replace(repo, "app.py", "    return 1\n", "    return compute_the_answer(42)\n")
    repo.git("checkout", "--", "app.py")  # discarded
    repo.write("tools/rg.exe", "a large binary the copy lacks\n" * 50)
    repo.commit("add a tool", iso(11))
    blob = repo.git("rev-parse", "HEAD:tools/rg.exe")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    [fate] = trail(session_of(repo.path, [(iso(10), edit)])).fates
    assert (fate.state, fate.commit) == ("lost", None)


def test_an_update_that_only_shows_context_keeps_the_file_known(tmp_path):
    """pinouchon/rtchess's real Codex session sent an apply_patch that only showed context (the model
    meant to add a line and did not); Codex reported the file updated. Read as an update whose change
    the log does not say, it made the replay forget app.js, and the session's later deletion of the
    file had no line to look for (unknown)."""
    from tracetui.sources.common.apply_patch import parse_patch

    repo = Repo(tmp_path / "r")
    repo.write("app.js", "".join(f"const value{i} = compute({i});\n" for i in range(10)))
    repo.commit("init", iso(9))
    text = "*** Begin Patch\n*** Update File: app.js\n@@\n const value3 = compute(3);\n*** End Patch"
    [idle] = parse_patch(text)
    gone = FileEdit(path="app.js", op="delete")
    repo.git("rm", "-q", "app.js")
    done = repo.commit("drop app.js", iso(11))
    fates = trail(session_of(repo.path, [(iso(10), idle), (iso(10, 1), gone)])).fates
    want = [("update", "unknown", None), ("delete", "alive", done)]
    assert [(f.patch.op, f.state, f.commit) for f in fates] == want
    assert len(fates[1].patch.removed) == 10


JS = "".join(f"export function rule{i}(board) {{ return board.check({i}); }}\n" for i in range(20))


def test_a_deletion_the_session_undid_before_any_commit_is_lost(tmp_path):
    """rtchess's agent deleted app.js by mistake and wrote it again two minutes later, long before the
    first commit; when a commit much later deleted the file, that commit was taken for the one that
    accepted the first deletion (transformed, in the module git paired app.js with)."""
    repo = Repo(tmp_path / "r")
    repo.write("app.js", JS)
    repo.commit("init", iso(9))
    oops = FileEdit(path="app.js", op="delete")
    again = FileEdit(path="app.js", op="create", content=JS.replace("rule3(", "ruleThree("))
    repo.write("app.js", again.content or "")
    first = repo.commit("work", iso(11))
    later = FileEdit(path="app.js", op="delete")
    repo.git("rm", "-q", "app.js")
    done = repo.commit("drop app.js", iso(13))
    edits = [(iso(10), oops), (iso(10, 2), again), (iso(12), later)]
    fates = trail(session_of(repo.path, edits)).fates
    assert [(f.state, f.commit, f.superseded_by) for f in fates] == [
        ("lost", None, "s1"), ("reverted", first, None), ("alive", done, None)
    ]


def test_a_deleted_file_is_not_followed_into_the_module_git_pairs_it_with(tmp_path):
    """rtchess's session split app.js into rules.js and other modules, then deleted app.js; the commit
    holds both, and git calls app.js -> rules.js a rename. The deletion holds (app.js is gone); the
    lines in rules.js are the split's, written by the session's own earlier step."""
    repo = Repo(tmp_path / "r")
    repo.write("app.js", JS + "const board = makeBoard();\nstart(board);\n")
    repo.commit("init", iso(9))
    split = FileEdit(path="rules.js", op="create", content=JS)
    repo.write("rules.js", JS)
    gone = FileEdit(path="app.js", op="delete")
    repo.git("rm", "-q", "app.js")
    done = repo.commit("split app.js", iso(11))
    assert "rename app.js => rules.js" in repo.git("show", "-M", "--summary", "--format=", done)
    fates = trail(session_of(repo.path, [(iso(10), split), (iso(10, 1), gone)])).fates
    assert [(f.patch.path, f.state, f.commit, f.path_now) for f in fates] == [
        ("rules.js", "alive", done, None), ("app.js", "alive", done, None)
    ]


def test_an_agents_backup_copy_of_a_file_is_not_where_its_edits_went(tmp_path):
    """4thehalibit/omarchy-backup (a home folder on GitHub) commits ~/.claude with Claude Code's
    file-history: `.claude/file-history/<session>/<hash>@v<n>`, each edited file as it was before an
    edit. Looking for a file that no commit took under its own name (moved before its first commit),
    the trail took the first later commit's file holding its lines: the backup copy, "alive" there.
    A copy the agent keeps for undo is not where the code went: here the file the user renamed is."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    repo.commit("init", iso(9))
    script = "".join(f"def part_{i}():\n    return {i} * 2\n\n" for i in range(1, 6))
    edit = write(repo, "scripts/calendar.py", script)
    repo.write(".claude/file-history/sess-1/7f963a0393020e4b@v1", script)
    repo.commit("back up claude", iso(10, 30), ".claude")
    (repo.path / "scripts" / "calendar.py").rename(repo.path / "scripts" / "cal-widget.py")
    renamed = repo.commit("the widget", iso(11), "scripts")
    [fate] = trail(session_of(repo.path, [(iso(10), edit)])).fates
    assert (fate.state, fate.commit, fate.path_now) == ("alive", renamed, "scripts/cal-widget.py")


def test_a_line_taken_back_before_any_commit_is_no_copy_in_another_file(tmp_path):
    """A line a later step removed before the file's first commit never reached a commit as the
    patch's (`_untaken`); looked for in the files the first commits after the step added (a file
    moved before its first commit), its copy in a backup the user made in between read "alive"."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    repo.commit("init", iso(9))
    body = "".join(f"setting_{i} = {i}\n" for i in range(1, 9))
    repo.write("cfg.py", body)
    first = replace(repo, "cfg.py", "setting_4 = 4\n", "setting_4 = 'first try'\n")
    repo.write("old/cfg.py.orig", repo.read("cfg.py"))
    second = replace(repo, "cfg.py", "setting_4 = 'first try'\n", "setting_4 = 'second try'\n")
    accepted = repo.commit("config", iso(11), "cfg.py")
    repo.commit("keep the old copy", iso(12), "old/cfg.py.orig")
    fates = trail(session_of(repo.path, [(iso(10), first), (iso(10, 2), second)])).fates
    assert [(f.state, f.commit, f.path_now, f.superseded_by) for f in fates] == [
        ("lost", None, None, "s1"),
        ("alive", accepted, None, None),
    ]


def test_a_file_moved_before_its_first_commit_is_followed_to_its_new_name_not_a_copy(tmp_path):
    """4thehalibit/omarchy-backup: the session wrote `themes/Mission Control/colors.toml`; a shell
    command renamed the folder `mission-control` and installed the theme, which copies its files to
    `current/theme/`; one commit took both. The copy's name sorts first and was taken for the file's
    new name; the renamed file, whose name is most like the one written, is where it went."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    repo.commit("init", iso(9))
    colors = "".join(f"color{i} = \"#{i:02d}{i:02d}{i:02d}\"\n" for i in range(16))
    edit = write(repo, "themes/Night Sky/colors.toml", colors)
    (repo.path / "themes" / "Night Sky").rename(repo.path / "themes" / "night-sky")
    repo.write("current/theme/colors.toml", colors)
    done = repo.commit("configs", iso(11))
    [fate] = trail(session_of(repo.path, [(iso(10), edit)])).fates
    assert (fate.state, fate.commit, fate.path_now) == ("alive", done, "themes/night-sky/colors.toml")


def test_a_copy_gone_by_the_reference_is_not_where_a_reverted_patch_lives_now(tmp_path):
    """carlo-spada/xentri's Codex session wrote a 4-line index.ts; a commit made its imports ESM
    (`./api.js`) half a day after a sprint document quoting them was added, and both the document
    and, later, the whole source were deleted. The quote was taken for where the lines went, and the
    reverted patch named a file that no longer exists as its `path_now`."""
    repo = Repo(tmp_path / "repo")
    repo.write("README.md", "readme\n")
    repo.commit("initial", iso(9))
    index = "".join(f"export * from './{m}';\n" for m in ("api", "auth", "events", "cache"))
    edits = [(iso(10), write(repo, "src/index.ts", index))]
    accepted = repo.commit("add the package", iso(10, 5), "src/index.ts")
    repo.write("docs/context.xml", "<context>\n<code>\n" + index + "</code>\n</context>\n")
    repo.commit("sprint context", iso(10, 30), "docs/context.xml")
    repo.write("src/index.ts", index.replace("';", ".js';"))
    repo.commit("esm imports", iso(11), "src/index.ts")
    (repo.path / "docs" / "context.xml").unlink()
    repo.commit("restructure docs", iso(12))
    (repo.path / "src" / "index.ts").unlink()
    repo.commit("remove the source", iso(12, 30))
    [fate] = trail(session_of(repo.path, edits), repo=repo.path).fates
    assert (fate.state, fate.commit, fate.kept, fate.path_now) == ("reverted", accepted, 0, None)


def _drop_blob(repo: Repo, spec: str) -> None:
    """Delete the loose object `spec` names, as a partial clone or a mirror missing objects lacks it."""
    blob = repo.git("rev-parse", spec)
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()


def test_a_file_whose_blobs_the_clone_lacks_is_unknown_and_the_others_are_judged(tmp_path):
    """A partial clone (`--filter=blob:none` without its remote) or a mirror missing objects lacks
    some versions of an edited file: reading one stopped the whole trail (a raw KeyError, or "could not
    read the git history" where git's rename detection needed it). Only the patches of the files whose
    history needs a missing blob are unknown, on partial evidence; the other files are judged."""
    repo = Repo(tmp_path / "r")
    body = "".join(f"def f{i}():\n    return {i}\n" for i in range(20))
    for name in ("app.py", "lib.py", "other.py"):
        repo.write(name, body)
    repo.commit("init", iso(9))
    edits = [(iso(10), replace(repo, name, "    return 1\n", f"    return compute_{name[:-3]}(42)\n"))
             for name in ("app.py", "lib.py", "other.py")]  # fmt: skip
    accepted = repo.commit("work", iso(11))
    repo.git("mv", "lib.py", "core.py")
    repo.write("core.py", repo.read("core.py").replace("return 5", "return 55"))  # a rename git finds by content
    repo.commit("move", iso(12))
    _drop_blob(repo, "HEAD:app.py")  # the version judged
    _drop_blob(repo, "HEAD:core.py")  # the renamed version: git cannot compare it with lib.py
    result = trail(session_of(repo.path, [*edits]))
    rows = {r["path"]: r for r in result.rows()}
    assert {p: (r["state"], r["partial"]) for p, r in rows.items()} == {
        "app.py": ("unknown", True),
        "lib.py": ("unknown", True),
        "other.py": ("alive", False),
    }
    assert rows["other.py"]["commit"] == accepted
    assert "lacks" in rows["app.py"]["reason"]
    for f in result.fates:
        assert f.kept + f.changed + f.dropped == f.evidence


def test_a_file_renamed_by_a_shell_command_is_followed_to_its_new_name(tmp_path):
    """4thehalibit/omarchy-backup's real Claude session wrote scripts/calendar.py, renamed it with
    `mv calendar.py cal-widget.py` in a shell call, then edited cal-widget.py. The log names no file
    for a shell command: the write was looked for under a name no commit has, and cal-widget.py,
    a file the session edited, was left to its own patches, so the write read lost. A rename read from
    the command (`mv`, `git mv`, `~`, `cd` in the same command) carries the file to its new name."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    repo.commit("init", iso(9))
    script = "".join(f"def part_{i}():\n    return {i} * 2\n\n" for i in range(1, 8))
    first = write(repo, "scripts/calendar.py", script)
    (repo.path / "scripts" / "calendar.py").rename(repo.path / "scripts" / "cal-widget.py")
    later = replace(repo, "scripts/cal-widget.py", "    return 7 * 2\n", "    return render_week(7)\n")
    lost = write(repo, "scripts/draft.py", "def draft():\n    return 'not kept'\n")
    (repo.path / "scripts" / "draft.py").unlink()
    done = repo.commit("the widget", iso(11), "scripts")
    session = session_of(repo.path, [(iso(10), first), (iso(10, 5), later), (iso(10, 6), lost)])
    with_shell_steps(session, 0, shell_steps("mv", iso(10, 1), "cd scripts && mv calendar.py cal-widget.py && chmod +x cal-widget.py", repo.path))
    # a failed rename (the result says so), and one of another file: neither moves calendar.py's lines
    with_shell_steps(session, 3, shell_steps("mv2", iso(10, 7), "mv scripts/draft.py scripts/cal-widget.py", repo.path, failed=True))
    fates = {f.patch.step_id: f for f in trail(session).fates}
    assert (fates["s0"].state, fates["s0"].commit, fates["s0"].path_now) == ("transformed", done, "scripts/cal-widget.py")
    assert (fates["s0"].kept, fates["s0"].dropped) == (13, 1)  # the line the later edit replaced is gone
    assert (fates["s1"].state, fates["s1"].commit, fates["s1"].path_now) == ("alive", done, None)
    assert (fates["s2"].state, fates["s2"].path_now) == ("lost", None)


def test_a_file_renamed_by_a_shell_command_and_not_committed_is_uncommitted_there(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    repo.commit("init", iso(9))
    script = "".join(f"def part_{i}():\n    return {i} * 2\n\n" for i in range(1, 6))
    first = write(repo, "calendar.py", script)
    (repo.path / "widgets").mkdir()
    repo.git("add", "calendar.py")
    repo.git("mv", "calendar.py", "widgets/calendar.py")
    session = with_shell_steps(session_of(repo.path, [(iso(10), first)]), 0,
                          shell_steps("mv", iso(10, 1), "git mv -f calendar.py widgets/ 2>/dev/null", repo.path))  # fmt: skip
    [fate] = trail(session).fates
    assert (fate.state, fate.path_now, fate.patch.renamed_to) == ("uncommitted", "widgets/calendar.py", "widgets/calendar.py")


TABLE = (
    "## Decisions\n\n| Area | Choice | Version |\n| --- | --- | --- |\n"
    + "".join(f"| area {i} | tool {i} | {i}.0.1 |\n" for i in range(1, 9))
    + "\nVersions checked on the day of writing.\nOpen questions\nNext steps before the build\n"
)


@pytest.mark.parametrize("at_end", [False, True], ids=["mid-file", "at-the-end"])
@pytest.mark.parametrize("gap", [(10, 30), (10, 59, 30)], ids=["minutes-before", "within-the-clock-slack"])
def test_a_patch_partly_replaced_before_its_commit_reached_it(tmp_path, gap, at_end):
    """carlo-spada/xentri's real Codex session wrote a decision table (heading, header, rows, a version
    note, summary lines); a later step replaced every row before the commit, which holds the heading,
    header, note and summary lines as written. Weighed against all its lines, the commit held too few
    (5 of 15 here): lost. Lines a later step replaced are no longer the patch's own: the commit took
    what was left of it (transformed), even when the replacing step came within the clocks' slack of
    the commit."""
    repo = Repo(tmp_path / "r")
    repo.write("docs/arch.md", "# Architecture\n\nIntro.\n" + ("" if at_end else "\n## Deployment\n\nLater.\n"))
    repo.commit("init", iso(9))
    first = replace(repo, "docs/arch.md", "Intro.\n", "Intro.\n\n" + TABLE)
    rows = "".join(f"| area {i} | tool {i} | {i}.0.1 |\n" for i in range(1, 9))
    new_rows = "".join(f"| area {i} | tool {i} v{i} | latest |\n" for i in range(1, 9))
    second = replace(repo, "docs/arch.md", rows, new_rows)
    done = repo.commit("decisions", iso(11), "docs")
    fates = trail(session_of(repo.path, [(iso(10), first), (iso(*gap), second)])).fates
    assert [(f.patch.step_id, f.state, f.commit, f.superseded_by) for f in fates] == [
        ("s0", "transformed", done, "s1"),
        ("s1", "alive", done, None),
    ]


def test_a_lone_line_left_of_a_partly_replaced_patch_is_the_patch_committed(tmp_path):
    """From badlogic/pi-mono's real Pi session: a step set three theme values, and the next step set
    two of them again before the commit; the third, between them, is in the commit as the first step
    wrote it. The later edit carried that line over unchanged, so it is still the first step's (blame
    names it): transformed, accepted by the commit, and superseded for the rest. A patch all of whose
    lines were replaced is lost (test above)."""
    repo = Repo(tmp_path / "r")
    repo.write("dark.json", '{\n  "off": "gray",\n  "low": "blue",\n  "mid": "cyan",\n  "high": "pink"\n}\n')
    repo.commit("init", iso(9))
    first = replace(repo, "dark.json", '"low": "blue",\n  "mid": "cyan",\n  "high": "pink"',
                    '"low": "#5f87af",\n  "mid": "#5f8787",\n  "high": "#875f87"')  # fmt: skip
    second = replace(repo, "dark.json", '"mid": "#5f8787",\n  "high": "#875f87"', '"mid": "#81a2be",\n  "high": "#b294bb"')
    done = repo.commit("themes", iso(11))
    fates = trail(session_of(repo.path, [(iso(10), first), (iso(10, 1), second)])).fates
    assert [(f.patch.step_id, f.state, f.commit, f.superseded_by) for f in fates] == [
        ("s0", "transformed", done, "s1"),
        ("s1", "alive", done, None),
    ]


@pytest.mark.parametrize("renamed", [False, True], ids=["deleted", "renamed-beside-the-copy"])
@pytest.mark.parametrize(
    "copy", [".claude/file-history/sess-1/7f963a0393020e4b@v2", ".copilot/session-state/abc/backups/9f1e-1766"]
)
def test_an_agents_backup_copy_is_never_a_renames_new_name(tmp_path, renamed, copy):
    """A home folder kept in git commits an agent's backup copies (Claude Code's file-history, Copilot
    CLI's rewind backups). A commit that drops an edited file and adds its copy is read by git as a
    rename into the copy: the patch read alive with `path_now` the copy, though the file was deleted
    (reverted). Where the file was really renamed in the same commit, git may pair it with the exact
    copy and leave the real new name as an added file: the new name is the one followed."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    body = "".join(f"def part_{i}():\n    return {i} * 2\n\n" for i in range(1, 9))
    repo.write("app/widget.py", body)
    repo.commit("init", iso(9))
    edit = replace(repo, "app/widget.py", "    return 3 * 2\n", "    return render_the_week(3)\n")
    accepted = repo.commit("work", iso(11))
    text = repo.read("app/widget.py")
    (repo.path / "app" / "widget.py").unlink()
    repo.write(copy, text)
    if renamed:
        repo.write("app/cal_widget.py", text.replace("return 8 * 2", "return 8 * 3"))
    repo.commit("back up, and drop or rename the widget", iso(12))
    [fate] = trail(session_of(repo.path, [(iso(10), edit)])).fates
    want = ("alive", accepted, "app/cal_widget.py") if renamed else ("reverted", accepted, None)
    assert (fate.state, fate.commit, fate.path_now) == want


@pytest.mark.parametrize("logged", ["no-result", "no-call-id"])
def test_a_shell_rename_whose_result_the_log_lacks_is_still_followed(tmp_path, logged):
    """A log that ends before the shell call's result, or a reader that keeps a user's own shell
    command as one step without a call id: the rename is taken as done for the patches before it."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    repo.commit("init", iso(9))
    script = "".join(f"def part_{i}():\n    return {i} * 2\n\n" for i in range(1, 6))
    first = write(repo, "calendar.py", script)
    (repo.path / "calendar.py").rename(repo.path / "cal-widget.py")
    later = replace(repo, "cal-widget.py", "    return 5 * 2\n", "    return render_week(5)\n")
    done = repo.commit("the widget", iso(11))
    call, _ = shell_steps("mv", iso(10, 1), "mv calendar.py cal-widget.py", repo.path)
    if logged == "no-call-id":
        call.tool_call_id = None
    session = with_shell_steps(session_of(repo.path, [(iso(10), first), (iso(10, 2), later)]), 0, [call])
    fate = trail(session).fates[0]
    assert (fate.state, fate.commit, fate.path_now) == ("transformed", done, "cal-widget.py")


def test_a_deletion_of_a_file_the_session_never_saw_is_lost_when_written_again_before_a_commit(tmp_path):
    """Kooksun/Lotto645's Codex sessions deleted files a shell command had made (spec-kit's script, a
    `cat > file <<EOF`), so the log never shows their lines, and wrote each again before the first
    commit: once with `apply_patch`'s `*** Add File`, once with another `cat > file`. No commit saw the
    file deleted: lost, not unknown for want of a line to look for."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "hello\n")
    repo.commit("init", iso(9))
    repo.write("spec.md", "# Spec\nmade by a script\n")  # never committed, never in the log
    repo.write("page.tsx", "export const Page = () => null;\n")
    gone = FileEdit(path="spec.md", op="delete")
    again = FileEdit(path="spec.md", op="create", content="# Spec\nwritten again\n")
    repo.write("spec.md", again.content or "")
    dropped = FileEdit(path="page.tsx", op="delete")
    repo.write("page.tsx", "export const Page = () => <main/>;\n")  # a shell command wrote it again
    first = repo.commit("work", iso(11))
    edits = [(iso(10), gone), (iso(10, 1), again), (iso(10, 2), dropped)]
    fates = trail(session_of(repo.path, edits)).fates
    assert [(f.patch.path, f.state, f.commit, f.superseded_by) for f in fates] == [
        ("spec.md", "lost", None, "s1"), ("spec.md", "alive", first, None), ("page.tsx", "lost", None, None)
    ]


def test_lines_written_again_after_a_commit_are_not_a_replaced_write_kept(tmp_path):
    """suhd550-dev/stunning-memory: a write the next write replaced before any commit, whose lines a
    third write (after that commit) wrote again. The commit between holds none of them: they never
    reached one as the first write's, and the later commit holds the third write's copies. Written
    again before the commit (a move in two steps), they would be the first write's still."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    repo.commit("init", iso(9))
    copy = "".join(f'echo "copy step {i}: workspace to home"\n' for i in range(1, 7))
    both = "".join(f'echo "sync step {i}: both ways"\n' for i in range(1, 7))
    first = write(repo, "sync.sh", copy)
    second = write(repo, "sync.sh", both)
    bidi = repo.commit("sync both ways", iso(10, 5), "sync.sh")
    third = write(repo, "sync.sh", copy)
    one_way = repo.commit("one way again", iso(10, 15), "sync.sh")
    edits = [(iso(10), first), (iso(10, 2), second), (iso(10, 10), third)]
    fates = trail(session_of(repo.path, edits), repo=repo.path).fates
    assert [(f.state, f.commit, f.superseded_by) for f in fates] == [
        ("lost", None, "s1"),
        ("reverted", bidi, None),
        ("alive", one_way, None),
    ]


def test_lines_written_again_before_the_commit_stay_the_replaced_writes(tmp_path):
    """The same three writes with the commit after the third: the lines the second write took out
    and the third put back reached the commit, moved, as the first write's (its lines in place)."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    repo.commit("init", iso(9))
    copy = "".join(f'echo "copy step {i}: workspace to home"\n' for i in range(1, 7))
    both = "".join(f'echo "sync step {i}: both ways"\n' for i in range(1, 7))
    first = write(repo, "sync.sh", copy)
    second = write(repo, "sync.sh", both)
    third = write(repo, "sync.sh", copy)
    done = repo.commit("one way", iso(10, 15), "sync.sh")
    edits = [(iso(10), first), (iso(10, 2), second), (iso(10, 10), third)]
    fates = trail(session_of(repo.path, edits), repo=repo.path).fates
    assert [(f.state, f.commit) for f in fates] == [("alive", done), ("lost", None), ("alive", done)]
