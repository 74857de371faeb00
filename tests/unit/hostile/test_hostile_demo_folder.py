"""`tracetui demo --build-only DIR` in a folder someone else prepared: DIR may be a file, a FIFO, a
link to nowhere or to a folder elsewhere, a loop of links, or a name holding terminal controls.
Each is one line (exit 2) and nothing is written through a link; the name printed is inert."""

from __future__ import annotations

import os

import pytest

from tracetui.cli import main


def _prepared(tmp_path, kind: str):
    folder = tmp_path / "prepared"
    folder.mkdir()
    target = folder / "demo"
    if kind == "file":
        target.write_text("x")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "dangling-link":
        target.symlink_to(tmp_path / "elsewhere" / "made-by-the-demo")
    elif kind == "link-to-empty-folder":
        (tmp_path / "elsewhere").mkdir()
        target.symlink_to(tmp_path / "elsewhere")
    elif kind == "link-loop":
        (folder / "other").symlink_to(target)
        target.symlink_to(folder / "other")
    return target


@pytest.mark.parametrize("kind", ["file", "fifo", "dangling-link", "link-to-empty-folder", "link-loop"])
def test_a_prepared_demo_folder_is_one_line_and_nothing_is_written_through_a_link(tmp_path, capsys, kind):
    target = _prepared(tmp_path, kind)
    code = main(["demo", "--build-only", str(target)])
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    elsewhere = tmp_path / "elsewhere"
    assert not elsewhere.exists() or list(elsewhere.iterdir()) == []


def test_a_demo_folder_named_with_controls_is_printed_inert(tmp_path, capsys):
    target = tmp_path / "demo\x1b]0;pwned\x07\u202e"
    assert main(["demo", "--build-only", str(target)]) == 0
    out, _ = capsys.readouterr()
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert (target / "demo-shop").is_dir()
