"""Every scan learns the user's own values (Identity.from_environment): among them the e-mail
addresses of `~/.gitconfig` and `~/.config/git/config`. The names in those files were read as a
regular file of a bounded size, the e-mails with a plain read_text: a FIFO in their place (a dotfiles
checkout, a shared home) blocked every review, export and seal for ever, and a sparse file of
gigabytes took the memory. Both now read the same way: such a file holds no e-mail."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from shared_data import ROOT

_CHILD = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from tracetui.redact.identity import Identity
ident = Identity.from_environment()
print(sorted(e for e in ident.emails if e.endswith("@example.org")))
"""


@pytest.mark.parametrize("where", [".gitconfig", ".config/git/config"])
@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_a_home_git_config_that_is_no_plain_file_holds_no_email(tmp_path, where, kind):
    home = tmp_path / "home"
    target = home / where
    target.parent.mkdir(parents=True)
    other = (home / ".gitconfig") if where != ".gitconfig" else (home / ".config" / "git" / "config")
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_text("[user]\n\temail = dev@example.org\n")
    if kind == "fifo":
        os.mkfifo(target)
    else:
        with open(target, "wb") as fh:
            fh.truncate(1536 << 20)
    out = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=30,
                         stdin=subprocess.DEVNULL, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(home)})  # fmt: skip
    assert out.returncode == 0, out.stderr[-400:]
    assert out.stdout.strip() == "['dev@example.org']"  # the other file is still read
