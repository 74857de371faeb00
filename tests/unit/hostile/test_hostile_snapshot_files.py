"""`tracetui snapshot` runs from an agent's hook in whatever repository the agent works in (a clone,
a tarball of one), and keeps two files of its own in that repository's git directory: the stat
cache (`tracetui-snapshot-stat.json`) and the snapshots' times (`tracetui-snapshots.jsonl`). Both
were opened as plain files: one planted as a FIFO blocked every hook for ever (the agent's tool
call with it), one linked to /dev/zero took the memory, and the times were appended through a link
to any file the link named (a shell's startup file). Now each is read only as a regular file of
a bounded size, and written only as one, never through a link; the snapshot is still taken."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from shared_data import ROOT
from support.cli_zygote import forked_cli

STAT = "tracetui-snapshot-stat.json"
META = "tracetui-snapshots.jsonl"

LIMIT = 2 << 30  # the child's address space


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@b"}  # fmt: skip
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def _snapshot(tmp_path: Path, repo: Path) -> subprocess.CompletedProcess[str]:
    return forked_cli("--bucket", str(tmp_path / "b"), "snapshot", "--session", "s1", "--repo", str(repo), "--json",
                      timeout=60, limit_as=LIMIT,
                      env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path / "home")})  # fmt: skip


def _plant(git_dir: Path, tmp_path: Path, name: str, kind: str) -> Path | None:
    """The planted thing; the outside file a link names, to check it is untouched."""
    target = git_dir / name
    target.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "zero":
        target.symlink_to("/dev/zero")
    elif kind == "link":
        outside = tmp_path / "profile"
        outside.write_text("export PATH=/usr/bin\n")
        target.symlink_to(outside)
        return outside
    elif kind == "huge":
        with open(target, "wb") as fh:
            fh.truncate(1536 << 20)
    return None


CASES = [(name, kind) for name in (STAT, META) for kind in ("fifo", "zero", "link", "huge")]


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_a_snapshot_with_its_own_files_planted_is_still_taken(tmp_path, name, kind):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.py").write_text("one\n")
    assert _snapshot(tmp_path, repo).returncode == 0  # the first: a ref for the next to find
    outside = _plant(repo / ".git", tmp_path, name, kind)
    (repo / "a.py").write_text("two\n")
    out = _snapshot(tmp_path, repo)  # a FIFO read never returns: the timeout fails the test
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-400:]
    assert '"refs/tracetui/s1/2"' in out.stdout
    if outside is not None:
        assert outside.read_text() == "export PATH=/usr/bin\n"
