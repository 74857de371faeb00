"""A repository is someone else's as often as ours (a tarball of one): the files git and libgit2 read
whole before anything else, small by nature (the config and the configs it includes, HEAD,
`commondir`, a worktree's `.git` file), may be sparse files of gigabytes. The check for FIFOs among
them read each whole, and so does libgit2: `tracetui blame` in such a clone died of a MemoryError
with a traceback (or took the machine's memory). Now each is one line, before any of it is read.

The children run under a 1 GB address-space limit, so the old read fails fast instead of taking
the machine's memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import ROOT
from support.bounded_cli import LIMIT, LIMIT_MEMORY
from support.cli_zygote import forked_cli
from support.small_repo import git, one_file_repo

HUGE = 1536 << 20  # a sparse file: no disk taken


_ROOT = LIMIT_MEMORY + (
    "import sys; from pathlib import Path\n"
    "from tracetui.capsule import CapsuleError\nfrom tracetui.capsule.gitcmd import repo_root\n"
    "try:\n    repo_root(Path('.'))\nexcept CapsuleError as exc:\n    sys.exit(f'refused: {exc}')\n"
)


def _child(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL,
                          check=False)  # fmt: skip


def _grow(path: Path) -> None:
    with open(path, "ab") as fh:
        fh.truncate(HUGE)


@pytest.fixture
def repo(tmp_path):
    return one_file_repo(tmp_path)


def _plant(repo: Path, tmp_path: Path, where: str) -> Path:
    """The huge file planted; the folder to run in."""
    dot_git = repo / ".git"
    if where == "include":
        extra = tmp_path / "extra.config"
        extra.write_text("[user]\n\tname = a\n")
        with open(dot_git / "config", "a") as fh:
            fh.write(f"[include]\n\tpath = {extra}\n")
        _grow(extra)
    elif where == ".git file":
        work = tmp_path / "linked"
        git(repo, "worktree", "add", "-q", str(work))
        _grow(work / ".git")
        return work
    elif where == "commondir":
        work = tmp_path / "linked"
        git(repo, "worktree", "add", "-q", str(work))
        _grow(dot_git / "worktrees" / "linked" / "commondir")
        return work
    else:
        _grow(dot_git / where)
    return repo


PLACES = ["config", "include", "HEAD", ".git file", "commondir"]


@pytest.mark.parametrize("where", PLACES)
def test_blame_in_a_repository_with_a_huge_git_file_is_one_line(repo, tmp_path, where):
    cwd = _plant(repo, tmp_path, where)
    (tmp_path / "b").mkdir(exist_ok=True)  # an empty bucket: blame reads it
    out = forked_cli("--bucket", str(tmp_path / "b"), "blame", "a.py", cwd=cwd, timeout=120, limit_as=LIMIT,
                     env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert out.returncode == 1, out.stderr[-300:]
    assert out.stderr.count("\n") == 1 and "too large" in out.stderr, out.stderr[-300:]


@pytest.mark.parametrize("where", PLACES)
def test_the_git_commands_of_seal_and_replay_refuse_such_a_repository(repo, tmp_path, where):
    cwd = _plant(repo, tmp_path, where)
    out = _child(_ROOT, cwd=cwd)
    assert out.stderr.startswith("refused: ") and "too large" in out.stderr, out.stderr[-300:]
    assert out.stderr.count("\n") == 1


# The redaction learns the names of the people of the repository a session's logged cwd is in (every
# scan: review, export, seal): it opened that repository without the look for FIFOs blame and trail
# make, so a FIFO for its config blocked every scan of the session for ever.
_PEOPLE = LIMIT_MEMORY + (
    "from tracetui.redact.people import repository_people\n"
    "print(sorted(repository_people('.')))\n"
)


def _plant_fifo(repo: Path, tmp_path: Path, where: str) -> Path:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    if where == "include":
        with open(repo / ".git" / "config", "a") as fh:
            fh.write(f"[include]\n\tpath = {fifo}\n")
    else:
        target = repo / ".git" / where
        target.unlink()
        target.symlink_to(fifo)
    return repo


@pytest.mark.parametrize("where", ["fifo config", "fifo include", "fifo HEAD", *PLACES])
def test_the_scans_look_at_the_repositorys_people_without_waiting_or_filling_memory(repo, tmp_path, where):
    if where.startswith("fifo "):
        cwd = _plant_fifo(repo, tmp_path, where.removeprefix("fifo "))
    else:
        cwd = _plant(repo, tmp_path, where)
    out = _child(_PEOPLE, cwd=cwd)  # a read of a FIFO never returns: the timeout fails the test
    assert out.returncode == 0 and out.stdout == "[]\n", out.stderr[-300:]
