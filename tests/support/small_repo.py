"""A tiny git repository for the tests that plant hostile files in one (`.git`'s FIFOs, sparse
configs): one file, one commit, and git run in it with a fixed author."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@b"}  # fmt: skip
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def one_file_repo(folder: Path, name: str = "a.py", text: str = "one\ntwo\n") -> Path:
    """`folder`/repo: the file `name` committed."""
    repo = folder / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-qm", "init")
    return repo
