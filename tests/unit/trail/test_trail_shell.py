"""Renames read from a shell command's text (trail/shell.py): what is read, and what is left unread."""

from __future__ import annotations

import pytest

from tracetui.trail.shell import command_text, home_of, renames


def _folder(path: str) -> bool:
    return path.endswith("/known")


@pytest.mark.parametrize(
    "command,want",
    [
        ("mv ~/s/calendar.py ~/s/cal-widget.py && chmod +x ~/s/cal-widget.py", [("/home/u/s/calendar.py", "/home/u/s/cal-widget.py")]),
        ("mv $HOME/a 'Mission Control'", [("/home/u/a", "/home/u/w/Mission Control")]),
        ("mv Mission\\ Control mission-control", [("/home/u/w/Mission Control", "/home/u/w/mission-control")]),
        ("cd sub && git mv -f a.py b.py 2>/dev/null", [("/home/u/w/sub/a.py", "/home/u/w/sub/b.py")]),
        ("mv a b dest/", [("/home/u/w/a", "/home/u/w/dest/a"), ("/home/u/w/b", "/home/u/w/dest/b")]),
        ("mv -t out a", [("/home/u/w/a", "/home/u/w/out/a")]),
        ("mv a known", [("/home/u/w/a", "/home/u/w/known/a")]),
        ("sudo mv /etc/x /etc/y; echo done", [("/etc/x", "/etc/y")]),
        ("mv *.py lib/", []),  # a glob: which files is not known
        ("mv $NAME b", []),  # a variable other than HOME
        ("cd $DIR && mv a b", []),  # the folder after an unread cd is not known
        ("echo 'mv a b' > notes.txt", []),
        ("cp a b", []),
        ("cp a b && rm a", [("/home/u/w/a", "/home/u/w/b")]),
        ("cp -t out a b; rm -f -- a b",
         [("/home/u/w/a", "/home/u/w/out/a"), ("/home/u/w/b", "/home/u/w/out/b")]),
        ("cp -r src lib && rm -rf src", [("/home/u/w/src", "/home/u/w/lib")]),
        ("cp a b && git rm --cached a", []),  # the file stays in the work tree
        ("cp a b && rm c", []),
        ("git -C sub mv a b", [("/home/u/w/sub/a", "/home/u/w/sub/b")]),
        ("git -C /srv -C x mv a b", [("/srv/x/a", "/srv/x/b")]),
        ("git --git-dir=/x mv a b", []),  # another repository's tree: not read
        ("(cd sub && mv a b); mv c d", [("/home/u/w/sub/a", "/home/u/w/sub/b"), ("/home/u/w/c", "/home/u/w/d")]),
        ("(cd sub; (cd deeper && mv a b)); mv c d",
         [("/home/u/w/sub/deeper/a", "/home/u/w/sub/deeper/b"), ("/home/u/w/c", "/home/u/w/d")]),
        ("pushd sub && mv a b && popd && mv c d",
         [("/home/u/w/sub/a", "/home/u/w/sub/b"), ("/home/u/w/c", "/home/u/w/d")]),
        ("popd && mv a b", []),  # back to a folder this command never named
        ("if [ -f a ]; then mv a b; fi", [("/home/u/w/a", "/home/u/w/b")]),
        ("{ mv a b; }", [("/home/u/w/a", "/home/u/w/b")]),
        ("mv -S .bak a b", [("/home/u/w/a", "/home/u/w/b")]),
        ("mv -T a known", [("/home/u/w/a", "/home/u/w/known")]),
        ("mv a a", []),
        ("mv 'unclosed b", []),
    ],
)
def test_renames_read_from_a_command(command, want):
    assert renames(command, "/home/u/w", "/home/u", _folder) == want


def test_command_text_and_home():
    assert command_text({"command": "mv a b"}) == "mv a b"
    assert command_text({"cmd": ["bash", "-lc", "mv a b"]}) == "mv a b"
    assert command_text({"command": ["mv", "a b", "c"]}) == "mv 'a b' c"
    assert command_text({"path": "x"}) is None and command_text("mv a b") is None
    assert (home_of("/home/u/w"), home_of("/Users/me"), home_of("/srv/x")) == ("/home/u", "/Users/me", None)


def test_hostile_commands_are_bounded():
    """Commands are hostile text: only split into words, never run, and only so much of each is read."""
    import time

    huge = "mv a b; " * 200_000 + "mv c d"
    wide = "mv " + " ".join(f"f{i}" for i in range(100_000)) + " dest/"
    started = time.process_time()
    assert len(renames(huge, "/home/u/w", "/home/u", _folder)) < 20_000
    assert renames(wide, "/home/u/w", "/home/u", _folder) == []
    assert renames("mv $(rm -rf /) b; mv `x` y; mv a\x00 b\n(", "/w", None, _folder) == []
    assert time.process_time() - started < 10
