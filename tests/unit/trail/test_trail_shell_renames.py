"""Every spelling of a rename a shell command makes is followed: a copy whose source is then removed
(in the same command or a later one), `git -C DIR mv`, a `cd` in a subshell, `mv -t DIR`, several
sources into a folder (trail/shell.py, read by trail/patches.py). Each is a git history the test
builds: the session writes scripts/calendar.py, a shell command renames it, a later edit changes it
under its new name, and the commit holds only the new name. Unread, the write is looked for where
no commit has it and reads lost."""

from __future__ import annotations

import shutil

import pytest
from support.trail_kit import Repo, iso, replace, session_of, shell_steps, with_shell_steps, write

from tracetui.trail import trail
from tracetui.trail.shell import ShellRenames

SCRIPT = "".join(f"def part_{i}():\n    return {i} * 2\n\n" for i in range(1, 8))

# (the shell commands, one tool call each; where the file ends up)
SPELLINGS = [
    (["cp scripts/calendar.py scripts/cal-widget.py && rm scripts/calendar.py"], "scripts/cal-widget.py"),
    (["cp -p scripts/calendar.py scripts/cal-widget.py", "ls scripts", "rm -f scripts/calendar.py"],
     "scripts/cal-widget.py"),
    (["cd scripts && cp calendar.py ../widgets/ && git rm -q calendar.py"], "widgets/calendar.py"),
    (["git -C scripts mv calendar.py cal-widget.py"], "scripts/cal-widget.py"),
    (["(cd scripts && mv calendar.py cal-widget.py) && ls"], "scripts/cal-widget.py"),
    (["(cd widgets && ls); mv scripts/calendar.py scripts/cal-widget.py"], "scripts/cal-widget.py"),
    (["if true; then mv scripts/calendar.py scripts/cal-widget.py; fi"], "scripts/cal-widget.py"),
    (["mv -t widgets scripts/calendar.py"], "widgets/calendar.py"),
    (["mv scripts/calendar.py scripts/notes.py widgets/"], "widgets/calendar.py"),
]  # fmt: skip


@pytest.mark.parametrize("commands,now", SPELLINGS, ids=[" ; ".join(c) for c, _ in SPELLINGS])
def test_a_file_renamed_by_any_spelling_is_followed(tmp_path, commands, now):
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    repo.write("widgets/.keep", "")
    repo.commit("init", iso(9))
    first = write(repo, "scripts/calendar.py", SCRIPT)
    notes = write(repo, "scripts/notes.py", "NOTES = 'kept where they are'\n")
    if "notes.py" in commands[0]:
        (repo.path / "scripts/notes.py").rename(repo.path / "widgets/notes.py")
    shutil.move(repo.path / "scripts/calendar.py", repo.path / now)
    later = replace(repo, now, "    return 7 * 2\n", "    return render_week(7)\n")
    done = repo.commit("the widget", iso(11))
    session = session_of(repo.path, [(iso(10), first), (iso(10, 1), notes), (iso(10, 5), later)])
    for i, command in reversed(list(enumerate(commands))):
        with_shell_steps(session, 1, shell_steps(f"sh{i}", iso(10, 2, i), command, repo.path))
    fates = {f.patch.step_id: f for f in trail(session).fates}
    assert (fates["s0"].state, fates["s0"].commit, fates["s0"].path_now) == ("transformed", done, now)
    assert (fates["s0"].kept, fates["s0"].dropped) == (13, 1)  # the line the later edit replaced is gone
    assert (fates["s2"].state, fates["s2"].commit) == ("alive", done)


def test_a_copy_whose_source_stays_is_no_rename(tmp_path):
    """`cp a b` alone leaves a where it was; a copy edited before its source is removed no longer holds
    what the source did: neither is read as a rename."""
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "notes\n")
    repo.commit("init", iso(9))
    first = write(repo, "calendar.py", SCRIPT)
    shutil.copy(repo.path / "calendar.py", repo.path / "backup.py")
    second = write(repo, "other.py", SCRIPT.replace("part_", "piece_"))
    shutil.copy(repo.path / "other.py", repo.path / "other2.py")
    third = write(repo, "other2.py", "def replaced():\n    return 'not the copy'\n")
    (repo.path / "other.py").unlink()
    done = repo.commit("files", iso(11))
    session = session_of(repo.path, [(iso(10), first), (iso(10, 1), second), (iso(10, 3), third)])
    copies = "cp calendar.py backup.py && cp other.py other2.py"
    with_shell_steps(session, 1, shell_steps("cp", iso(10, 2), copies, repo.path))
    with_shell_steps(session, 4, shell_steps("rm", iso(10, 4), "rm other.py", repo.path))
    fates = {f.patch.step_id: f for f in trail(session).fates}
    assert (fates["s0"].state, fates["s0"].commit, fates["s0"].path_now) == ("alive", done, None)
    assert (fates["s1"].state, fates["s1"].patch.renamed_to) == ("lost", None)


def test_a_rename_waits_for_its_source_s_removal_across_commands():
    shell = ShellRenames()
    never = lambda path: False  # noqa: E731
    assert shell.read("cp -r src lib && cp a.py b.py", "/w", None, never) == []
    assert shell.read("git rm -r --cached src", "/w", None, never) == []  # the files stay where they are
    gone = shell.read("cd /w && rm -rf src a.py", "/tmp", None, never)
    assert gone == [("/w/src", "/w/lib"), ("/w/a.py", "/w/b.py")]
    assert shell.read("rm a.py", "/w", None, never) == []  # once only
    shell.read("cp x.py y.py", "/w", None, never)
    shell.forget("/w/y.py")  # the session edited the copy: not the source's lines any more
    assert shell.read("rm x.py", "/w", None, never) == []
    assert shell.read("cp x.py y.py; rm y.py; rm x.py", "/w", None, never) == []  # the copy went first
    assert shell.read("cp x.py y.py; mv y.py z.py; rm x.py", "/w", None, never) == [("/w/y.py", "/w/z.py")]
