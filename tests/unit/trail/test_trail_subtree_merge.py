"""A repository's files brought into another one under a folder by a merge (`git subtree add`, a
monorepo made of older repositories): the merge's first parent never had the file and its second
had it under its old name. Seen in AaronBakerDev/knearme-platform, whose Next.js app moved from the
root of its own history into apps/knearme-portfolio/ that way; a session's patches to
docs/09-agent/README.md, still in the file now, read "reverted" since HEAD has no file at the old
name. The merge is followed from the parent that had the file, as a rename."""

from __future__ import annotations

from support.trail_kit import Repo, iso, replace, session_of, states

from tracetui.model import FileEdit, Session, Step, StepKind
from tracetui.trail import trail
from tracetui.trail.mapping import map_repository

BODY = "\n".join(f"line {i} of app.py" for i in range(1, 11)) + "\n"


def _moved_into_a_monorepo(tmp_path, change_after: bool = False):
    repo = Repo(tmp_path / "repo")
    repo.write("app.py", BODY)
    repo.commit("initial", iso(9))
    new = "line 5 of app.py\ndef kept():\n    return 'moved along'\n"
    edit = replace(repo, "app.py", "line 5 of app.py\n", new)
    accepted = repo.commit("feature", iso(11))
    # The monorepo: a history of its own, then the app's history merged in under apps/app/.
    repo.git("switch", "-q", "--orphan", "platform", when=iso(12))
    repo.write("README.md", "the platform\n")
    repo.commit("monorepo", iso(12), "README.md")
    merge = ("merge", "-q", "-s", "ours", "--no-commit", "--allow-unrelated-histories", "main")
    repo.git(*merge, when=iso(12, 5))
    repo.git("read-tree", "--prefix=apps/app/", "-u", "main", when=iso(12, 5))
    repo.git("commit", "-q", "-m", "Add 'apps/app/' from commit main", when=iso(12, 5))
    if change_after:
        text = repo.read("apps/app/app.py")
        repo.write("apps/app/app.py", text.replace("'moved along'", "'moved, then edited'"))
        repo.commit("polish", iso(13), "apps/app/app.py")
    repo.git("branch", "-q", "-D", "main")
    return repo, session_of(repo.path, [(iso(10, 10), edit)]), accepted


def test_a_file_a_subtree_merge_moved_keeps_its_state(tmp_path):
    repo, session, accepted = _moved_into_a_monorepo(tmp_path)
    result = trail(session)
    assert states(result) == {"app.py": "alive"}
    [fate] = result.fates
    assert (fate.commit, fate.path_now, fate.kept) == (accepted, "apps/app/app.py", 2)


def test_an_edit_after_the_subtree_merge_is_followed_there(tmp_path):
    repo, session, accepted = _moved_into_a_monorepo(tmp_path, change_after=True)
    [fate] = trail(session).fates
    want = ("transformed", accepted, "apps/app/app.py", 1)
    assert (fate.state, fate.commit, fate.path_now, fate.kept) == want


ALICE = "/home/alice/work/app"  # where the agent worked; nothing is there on this machine


def test_a_generic_name_at_the_monorepos_top_does_not_place_the_session(tmp_path):
    """The session's three notes are now under apps/app/docs/ and none at its old place; the
    monorepo's own README.md at its top made `docs/` read as the clone's top (every patch then
    "reverted"). The history holds all three names under the folder the agent worked in."""
    repo = Repo(tmp_path / "clone")
    for name in ("README.md", "a.md", "b.md"):
        repo.write(f"docs/{name}", BODY.replace("app.py", name))
    repo.commit("initial", iso(9))
    steps = []
    for i, name in enumerate(("README.md", "a.md", "b.md")):
        old, new = f"line 5 of {name}\n", f"line 5 of {name}\nnoted in {name} by the agent\n"
        repo.write(f"docs/{name}", repo.read(f"docs/{name}").replace(old, new))
        edit = FileEdit(path=f"{ALICE}/docs/{name}", op="update", old_string=old, new_string=new)
        steps.append(Step(id=f"s{i}", index=i, kind=StepKind.TOOL_CALL, role="assistant", tool="Edit",
                          tool_call_id=f"t{i}", timestamp=iso(10, 10 + i), edits=[edit]))  # fmt: skip
    accepted = repo.commit("notes", iso(11))
    repo.git("switch", "-q", "--orphan", "platform", when=iso(12))
    repo.write("README.md", "the platform\n")
    repo.commit("monorepo", iso(12), "README.md")
    merge = ("merge", "-q", "-s", "ours", "--no-commit", "--allow-unrelated-histories", "main")
    repo.git(*merge, when=iso(12, 5))
    repo.git("read-tree", "--prefix=apps/app/", "-u", "main", when=iso(12, 5))
    repo.git("commit", "-q", "-m", "Add 'apps/app/' from commit main", when=iso(12, 5))
    repo.git("branch", "-q", "-D", "main")
    session = Session(id="sess-mono", agent="codex", source="x.jsonl", cwd=ALICE, started=iso(10))
    session.steps = steps
    mapped = map_repository(session, repo.path)
    assert (mapped.logged_root, mapped.held) == (ALICE, 3)
    fates = trail(session, repo=repo.path).fates
    assert [(f.patch.path, f.state, f.commit, f.path_now) for f in fates] == [
        (f"docs/{n}", "alive", accepted, f"apps/app/docs/{n}") for n in ("README.md", "a.md", "b.md")
    ]
