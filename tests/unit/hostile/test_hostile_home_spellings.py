"""A home folder spelled as Windows, WSL and Claude Code write it is a home path, whoever's.

The home-path detector found `/home/NAME`, `/Users/NAME` and `C:\\Users\\NAME` for any NAME, but not
four spellings a log holds as often: `c:\\users\\NAME` (Windows does not mind the case), WSL's
`/mnt/c/Users/NAME` (`/Users/` after a letter read as a folder inside another), WSL's own share
`\\\\wsl$\\Ubuntu\\home\\NAME` and Claude Code's project folder `-home-NAME-proj`. Where the
session gave no other evidence of the name, every export format, the page and the capsule carried it
(found by exporting a Claude log whose one prompt held each spelling). Names are made up.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.claude_chat import claude_chat

from tracetui.cli import main
from tracetui.redact.detect import scan_text
from tracetui.redact.finding import AUTO
from tracetui.redact.identity import user_names_in

SPELLINGS = {
    "windows-lowercase": "c:\\users\\qorvane\\notes.txt",
    "windows-lowercase-json": "c:\\\\users\\\\qorvane\\\\notes.txt",
    "windows-forward-lowercase": "d:/users/qorvane/notes.txt",
    "wsl-mount": "/mnt/c/Users/qorvane/notes.txt",
    "wsl-mount-lowercase": "/mnt/d/users/qorvane/notes.txt",
    "wsl-share": "\\\\wsl$\\Ubuntu\\home\\qorvane\\notes.txt",
    "wsl-localhost-forward": "//wsl.localhost/Ubuntu-22.04/home/qorvane/notes.txt",
    "claude-slug": "~/.claude/projects/-home-qorvane-shop/a.jsonl",
    "claude-slug-mac": "see -Users-qorvane-shop for it",
    "claude-slug-windows": "C--Users-qorvane-shop",
    "pi-slug": "~/.pi/agent/sessions/--home-qorvane-shop--/a.jsonl",
    "pi-slug-bare": "--Users-qorvane--",
}


@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_each_spelling_of_a_home_is_a_sure_home_path(name):
    text = f"look at {SPELLINGS[name]} now"
    found = [f for f in scan_text(text) if f.tier == AUTO and f.kind == "home-path"]
    assert any(text[f.start : f.end].endswith("qorvane") for f in found), found


@pytest.mark.parametrize("name", [n for n in sorted(SPELLINGS) if "slug" not in n])
def test_each_spelling_names_its_user(name):
    assert user_names_in([SPELLINGS[name]]) == {"qorvane"}


@pytest.mark.parametrize(
    "text",
    ["stay-at-home-parent", "run it with --home-dir x", "git log --users-only", "/srv/home/x",
     "see --home-page-url --verbose", "a --home-dir=/x --y",
     "the c:\\tmp\\users\\x folder", "/mnt/data/Users/x"],
)
def test_what_is_no_home_stays(text):
    assert [text[f.start : f.end] for f in scan_text(text) if f.kind == "home-path"] == []


SID = "7a7a7a7a-1111-4222-8333-444455556666"


def _log(folder: Path) -> Path:
    return claude_chat(folder, SID, "/srv/app", "please read " + " and ".join(SPELLINGS.values()), "done")


@pytest.mark.parametrize("fmt", ["md", "atif"])
def test_no_export_carries_the_name(tmp_path, capsys, fmt):
    bucket = tmp_path / "bucket"
    source = f"claude={_log(tmp_path / 'logs')}"
    assert main(["--bucket", str(bucket), "sync", "--source", source, "--json"]) == 0
    dest = tmp_path / fmt
    code = main(["--bucket", str(bucket), "export", str(dest), "--format", fmt, "--sessions", SID[:8],
                 "--accept-suggested", "--json"])
    assert code == 0, capsys.readouterr()
    written = b"".join(p.read_bytes() for p in dest.rglob("*") if p.is_file())
    assert b"please read" in written and b"qorvane" not in written
