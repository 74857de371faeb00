"""A repository is someone else's as often as ours (a clone, a tarball of one): git and libgit2 read
its config, the files that config includes, HEAD and the like before anything else. A FIFO put in place
of any of them blocked `tracetui blame` (libgit2's open) and every git command sealing and replay
run for ever. Now each is one line.

Nothing the repository's config names runs either (core.fsmonitor, core.pager, diff.external, filters,
hooks, core.sshCommand): that held for blame, trail, seal and replay, and is checked here for blame."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import ROOT
from support.small_repo import git, one_file_repo


def _child(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """In a child: a read of a FIFO never returns, which the timeout turns into a failure."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL,
                          check=False)  # fmt: skip


_CLI = "import sys; from tracetui.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture
def repo(tmp_path):
    return one_file_repo(tmp_path)


def _plant(repo: Path, tmp_path: Path, where: str) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    if where == "include":
        with open(repo / ".git" / "config", "a") as fh:
            fh.write(f"[include]\n\tpath = {fifo}\n")
    elif where == "include-if":
        with open(repo / ".git" / "config", "a") as fh:
            fh.write('[includeIf "gitdir:/"]\n\tpath = ../../fifo\n')
    else:
        target = repo / ".git" / where
        target.unlink(missing_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(fifo)


PLACES = ["include", "include-if", "config", "HEAD", "packed-refs", "objects/info/alternates"]


@pytest.mark.parametrize("where", PLACES)
def test_blame_in_a_repository_with_a_fifo_among_its_files_is_one_line(repo, tmp_path, where):
    _plant(repo, tmp_path, where)
    (tmp_path / "b").mkdir(exist_ok=True)  # an empty bucket: blame reads it
    out = _child(_CLI, "--bucket", str(tmp_path / "b"), "blame", "a.py", cwd=repo)
    assert out.returncode == 1, out.stderr[-300:]
    # libgit2 takes a folder whose HEAD is no file for no repository: one line too.
    said = "not inside a git repository" if where == "HEAD" else "not a regular file"
    assert out.stderr.count("\n") == 1 and said in out.stderr


@pytest.mark.parametrize("where", PLACES)
def test_the_git_commands_of_seal_and_replay_refuse_such_a_repository(repo, tmp_path, where):
    _plant(repo, tmp_path, where)
    code = (
        "import sys; from pathlib import Path; from tracetui.capsule import gitcmd, CapsuleError\n"
        "try:\n gitcmd.repo_root(Path(sys.argv[1]))\nexcept CapsuleError as e:\n print(e); sys.exit(3)"
    )
    out = _child(code, str(repo), cwd=tmp_path)
    assert out.returncode == 3, out.stderr[-300:]
    assert "not a regular file" in out.stdout


def test_the_trail_takes_such_a_repository_for_none(repo, tmp_path):
    _plant(repo, tmp_path, "include")
    code = "import sys; from tracetui.trail import mapping; print(mapping._open(sys.argv[1]))"
    out = _child(code, str(repo), cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == "None", out.stderr[-300:]


def test_nothing_a_repositorys_config_names_runs_in_blame(repo, tmp_path):
    mark = tmp_path / "ran"
    (repo / ".gitattributes").write_text("* filter=evil diff=evil\n")
    (repo / ".mailmap").write_text("B <b@c> a <a@b>\n")
    git(repo, "add", ".gitattributes", ".mailmap")
    git(repo, "commit", "-qm", "attributes")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("post-checkout", "post-index-change", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {mark}-hook\n")
        (hooks / hook).chmod(0o755)
    for key, value in {
        "core.fsmonitor": f"touch {mark}-fsmonitor; false", "core.pager": f"touch {mark}-pager; cat",
        "diff.external": f"touch {mark}-diff", "filter.evil.clean": f"touch {mark}-clean; cat",
        "filter.evil.smudge": f"touch {mark}-smudge; cat", "diff.evil.textconv": f"touch {mark}-textconv; cat",
        "core.hooksPath": str(hooks), "core.sshCommand": f"touch {mark}-ssh",
    }.items():  # fmt: skip
        git(repo, "config", key, value)
    (tmp_path / "b").mkdir(exist_ok=True)  # an empty bucket: blame reads it
    for args in (["blame", "a.py"], ["blame", "--commit", "HEAD", "--json"], ["blame", "--range", "HEAD~1..HEAD"]):
        out = _child(_CLI, "--bucket", str(tmp_path / "b"), *args, cwd=repo)
        assert out.returncode == 0, out.stderr[-300:]
    assert not list(tmp_path.glob("ran*"))
