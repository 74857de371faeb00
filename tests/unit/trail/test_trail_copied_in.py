"""A folder copied into a clone without its history (tests/support/history_rewrites.py's
`folder_copied_from_another_repo`): the mapping reads the logged root as the clone's top only where the
clone holds half of the session's files under one folder and the text the session wrote there
(trail/copied_in.py); a stranger's session of the same file names stays unread. And the release branch a
cherry-pick went to, named where HEAD never took the lines."""

from __future__ import annotations

import shutil

from support.history_kit import BLOCK
from support.history_more import story
from support.history_rewrites import cherry_picked_to_release_branch_deleted, folder_copied_from_another_repo
from support.trail_kit import Repo, iso, replace, session_of

from tracetui.trail import trail
from tracetui.trail.mapping import map_repository


def test_a_copied_folder_is_read_where_the_first_commit_after_the_step_put_it(tmp_path):
    case = folder_copied_from_another_repo(tmp_path)
    mapped = map_repository(case.sessions[0], case.repo.path)
    assert (mapped.logged_root, mapped.copied_to) == (str(tmp_path / "x" / "repo"), "vendor/x")
    [fate] = trail(case.sessions[0], repo=case.repo.path).fates
    want = ("alive", case.commits["cC"], "vendor/x/a.py", 4)
    assert (fate.state, fate.commit, fate.path_now, fate.kept) == want


def test_a_copy_edited_after_it_came_in_is_followed_there(tmp_path):
    """Two files of the session's copied into vendor/x, then a human edits the agent's block there: the
    patch reached the monorepo in the copy's commit and was edited since: transformed, in vendor/x/a.py;
    the other file's patch alive in vendor/x/b.py."""
    s = story(tmp_path / "x", "a.py", "b.py").agent("a.py", text=BLOCK)
    s.agent("b.py", text=BLOCK.replace("moved_helper", "other_helper")).commit("c1", "agent", iso(10, 30))
    mono = Repo(tmp_path / "mono")
    mono.write("README.md", "the platform\n")
    mono.commit("monorepo", iso(11))
    shutil.copytree(s.repo.path, mono.path / "vendor" / "x", ignore=shutil.ignore_patterns(".git"))
    copied = mono.commit("vendor x", iso(12))
    text = mono.read("vendor/x/a.py").replace("max(len(items), 1)", "max(len(items), 2)")
    mono.write("vendor/x/a.py", text)
    mono.commit("tune the vendored helper", iso(13))
    fates = trail(s.case([]).sessions[0], repo=mono.path).fates
    assert [(f.state, f.commit, f.path_now) for f in fates] == [
        ("transformed", copied, "vendor/x/a.py"),
        ("alive", copied, "vendor/x/b.py"),
    ]


def _stranger(tmp_path, text: str, files: tuple[str, ...] = ("a.py",)):
    """A session in its own folder that wrote `text` into `files`, and a monorepo holding files of the same
    names under vendor/x (a.py with a text of its own)."""
    s = story(tmp_path / "x", *files)
    for name in files:
        s.agent(name, text=text)
    mono = Repo(tmp_path / "mono")
    mono.write("README.md", "the platform\n")
    mono.write("vendor/x/a.py", "".join(f"another project's line {i}\n" for i in range(12)))
    mono.commit("monorepo", iso(11))
    return s.case([]).sessions[0], mono


def test_names_held_under_a_folder_without_the_sessions_text_are_no_copy(tmp_path):
    session, mono = _stranger(tmp_path, BLOCK)
    mapped = map_repository(session, mono.path)
    assert (mapped.logged_root, mapped.copied_to) == (None, None)
    assert [f.state for f in trail(session, repo=mono.path).fates] == ["unknown"]


def test_a_session_that_wrote_no_long_line_shows_no_copy(tmp_path):
    session, mono = _stranger(tmp_path, "x = 1\n")
    assert map_repository(session, mono.path).copied_to is None


def test_a_folder_holding_under_half_of_the_files_is_no_copy(tmp_path):
    s = story(tmp_path / "x", "a.py", "b.py", "c.py")
    for name in ("a.py", "b.py", "c.py"):
        s.agent(name, text=BLOCK.replace("moved_helper", f"helper_of_{name[0]}"))
    s.repo.commit("agent", iso(10, 30))
    mono = Repo(tmp_path / "mono")
    mono.write("README.md", "the platform\n")
    shutil.copy(s.repo.path / "a.py", tmp_path / "a.py")
    mono.write("vendor/x/a.py", (tmp_path / "a.py").read_text())
    mono.commit("one file of it", iso(11))
    assert map_repository(s.case([]).sessions[0], mono.path).copied_to is None


def test_the_copy_is_not_taken_where_the_clone_holds_a_file_by_its_name(tmp_path):
    """A clone holding one of the session's names at its top is mapped by names, as before."""
    repo = Repo(tmp_path / "x" / "repo")
    repo.write("a.py", "".join(f"line {i}\n" for i in range(10)))
    repo.commit("initial", iso(9))
    edit = replace(repo, "a.py", "line 5\n", "line 5\n" + BLOCK)
    session = session_of(repo.path, [(iso(10), edit)])
    mono = Repo(tmp_path / "mono")
    mono.write("a.py", "the monorepo's own a.py\n")
    mono.write("vendor/x/a.py", repo.read("a.py"))
    mono.commit("monorepo", iso(11))
    mapped = map_repository(session, mono.path)
    assert (mapped.logged_root, mapped.copied_to, mapped.held) == (str(repo.path), None, 1)


def test_a_pick_onto_a_release_branch_is_judged_there(tmp_path):
    case = cherry_picked_to_release_branch_deleted(tmp_path)
    [fate] = trail(case.sessions[0], repo=case.repo.path).fates
    assert (fate.state, fate.commit, fate.judged_at) == ("alive", case.commits["cP"], "refs/heads/release")
